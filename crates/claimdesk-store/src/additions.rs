//! The clerk's answers to "more information needed": an addition to a sent claim — a note
//! and photos — written as a draft (saved as it is typed, each photo as it comes), then
//! queued and sent exactly once under its own id, as a claim is. The claim itself never
//! changes.

use super::attachments::FromColumn;
use super::{Result, Store, StoreError, MAX_ATTACHMENTS};
use claimdesk_model::vocab::UnknownName;
use claimdesk_model::wire::{
    AdditionPayload, AdditionReceipt, AttachmentRef, ErrorBody, ServiceStatus,
};
use claimdesk_model::{
    now_timestamp, AttachmentId, ClaimId, Kind, MediaType, NewAttachment, Status,
};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

/// A photo or PDF of an addition, as the window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AdditionAttachment {
    /// Identity.
    pub id: AttachmentId,
    /// What it shows.
    pub kind: Kind,
    /// JPEG or PDF.
    pub media_type: MediaType,
    /// Stored size.
    pub byte_size: u64,
    /// The file it came from.
    pub original_name: String,
    /// Small JPEG for the window.
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
}

/// An addition as the window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Addition {
    /// Its id (its idempotency key at the service).
    pub id: ClaimId,
    /// The claim it adds to.
    pub claim_id: ClaimId,
    /// `draft`, `ready`, `sending`, `sent` or `needs_attention`.
    pub status: Status,
    /// What the clerk wrote.
    pub note: String,
    /// When it was started.
    pub created_at: String,
    /// When the service received it.
    pub sent_at: Option<String>,
    /// Why the service refused it, or why the last send failed.
    pub problem: Option<ErrorBody>,
    /// Its photos and PDFs.
    pub attachments: Vec<AdditionAttachment>,
}

/// An addition picked for upload, with its attachment bytes.
#[derive(Debug, Clone)]
pub struct OutgoingAddition {
    /// What goes in the `addition` part.
    pub payload: AdditionPayload,
    /// One entry per attachment, same order.
    pub parts: Vec<Vec<u8>>,
}

/// Whether the office asks for more on claim `claim_id`, as its feed last said.
fn requested_in(tx: &Transaction<'_>, claim_id: ClaimId) -> Result<()> {
    let status: Option<Option<String>> = tx
        .query_row(
            "SELECT review_status FROM claims WHERE id = ?1",
            [claim_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match status {
        None => Err(StoreError::NotFound(claim_id)),
        Some(s)
            if s.as_deref()
                .and_then(ServiceStatus::parse)
                .is_some_and(|s| s.takes_additions()) =>
        {
            Ok(())
        }
        Some(_) => Err(StoreError::NotRequested(claim_id)),
    }
}

/// The draft addition of claim `claim_id`, if there is one.
fn existing_draft_in(tx: &Transaction<'_>, claim_id: ClaimId) -> Result<Option<ClaimId>> {
    let found: Option<FromColumn<ClaimId>> = tx
        .query_row(
            "SELECT id FROM additions WHERE claim_id = ?1 AND status = ?2",
            params![claim_id.to_string(), Status::Draft.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.map(|c| c.0))
}

/// The draft addition of claim `claim_id`, created if there is none.
fn draft_in(tx: &Transaction<'_>, claim_id: ClaimId) -> Result<ClaimId> {
    if let Some(id) = existing_draft_in(tx, claim_id)? {
        return Ok(id);
    }
    requested_in(tx, claim_id)?;
    let id = ClaimId::new();
    tx.execute(
        "INSERT INTO additions (id, claim_id, status, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            id.to_string(),
            claim_id.to_string(),
            Status::Draft.as_str(),
            now_timestamp()
        ],
    )?;
    Ok(id)
}

fn read_attachments(tx: &rusqlite::Connection, id: ClaimId) -> Result<Vec<AdditionAttachment>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, kind, media_type, byte_size, original_name, thumbnail
         FROM addition_attachments WHERE addition_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(AdditionAttachment {
            id: r.get::<_, FromColumn<AttachmentId>>(0)?.0,
            kind: r.get::<_, FromColumn<Kind>>(1)?.0,
            media_type: r.get::<_, FromColumn<MediaType>>(2)?.0,
            byte_size: r.get::<_, i64>(3)?.unsigned_abs(),
            original_name: r.get(4)?,
            thumbnail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// The additions of claim `claim_id`, oldest first.
    pub fn additions(&self, claim_id: ClaimId) -> Result<Vec<Addition>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, status, note, created_at, sent_at, problem FROM additions
             WHERE claim_id = ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map([claim_id.to_string()], |r| {
                Ok((
                    r.get::<_, FromColumn<ClaimId>>(0)?.0,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, status, note, created_at, sent_at, problem)| {
                Ok(Addition {
                    id,
                    claim_id,
                    status: status
                        .parse()
                        .map_err(|e: UnknownName| StoreError::Corrupt(e.to_string()))?,
                    note,
                    created_at,
                    sent_at,
                    problem: problem.and_then(|p| serde_json::from_str(&p).ok()),
                    attachments: read_attachments(&self.conn, id)?,
                })
            })
            .collect()
    }

    /// The draft answer to claim `claim_id` (made now if there is none), while the office
    /// asks for more information on it.
    pub fn draft_addition(&mut self, claim_id: ClaimId) -> Result<ClaimId> {
        self.write(|tx| draft_in(tx, claim_id))
    }

    /// Saves the note of claim `claim_id`'s draft answer (an empty note starts none); the
    /// draft's id, if there is one.
    pub fn save_addition_note(&mut self, claim_id: ClaimId, note: &str) -> Result<Option<ClaimId>> {
        self.write(|tx| {
            if note.is_empty() && existing_draft_in(tx, claim_id)?.is_none() {
                return Ok(None);
            }
            let id = draft_in(tx, claim_id)?;
            tx.execute(
                "UPDATE additions SET note = ?2 WHERE id = ?1",
                params![id.to_string(), note],
            )?;
            Ok(Some(id))
        })
    }

    /// Adds a photo or PDF to claim `claim_id`'s draft answer.
    pub fn add_addition_attachment(
        &mut self,
        claim_id: ClaimId,
        kind: Kind,
        original_name: &str,
        new: &NewAttachment<'_>,
    ) -> Result<ClaimId> {
        self.write(|tx| {
            let id = draft_in(tx, claim_id)?;
            let count: i64 = tx.query_row(
                "SELECT count(*) FROM addition_attachments WHERE addition_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            if count as usize >= MAX_ATTACHMENTS {
                return Err(StoreError::TooManyAttachments);
            }
            tx.execute(
                "INSERT INTO addition_attachments (id, addition_id, kind, media_type, sha256,
                     byte_size, original_name, data, thumbnail, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    AttachmentId::new().to_string(),
                    id.to_string(),
                    kind.as_str(),
                    new.media_type.as_str(),
                    new.sha256,
                    new.bytes.len() as i64,
                    original_name,
                    new.bytes,
                    new.thumbnail,
                    now_timestamp(),
                ],
            )?;
            Ok(id)
        })
    }

    /// Removes a photo from a draft answer.
    pub fn remove_addition_attachment(&mut self, attachment: AttachmentId) -> Result<bool> {
        let n = self.conn.execute(
            "DELETE FROM addition_attachments WHERE id = ?1 AND addition_id IN
                 (SELECT id FROM additions WHERE status = ?2)",
            params![attachment.to_string(), Status::Draft.as_str()],
        )?;
        Ok(n == 1)
    }

    /// Queues claim `claim_id`'s draft answer to be sent; its id.
    pub fn queue_addition(&mut self, claim_id: ClaimId) -> Result<ClaimId> {
        self.write(|tx| {
            requested_in(tx, claim_id)?;
            let id = existing_draft_in(tx, claim_id)?.ok_or(StoreError::EmptyAddition)?;
            let (note, photos): (String, i64) = tx.query_row(
                "SELECT note, (SELECT count(*) FROM addition_attachments WHERE addition_id = ?1)
                 FROM additions WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if note.trim().is_empty() && photos == 0 {
                return Err(StoreError::EmptyAddition);
            }
            tx.execute(
                "UPDATE additions SET status = ?2, queued_at = ?3, note = ?4 WHERE id = ?1",
                params![
                    id.to_string(),
                    Status::Ready.as_str(),
                    now_timestamp(),
                    note.trim()
                ],
            )?;
            Ok(id)
        })
    }

    /// Picks the oldest queued addition, marks it `sending` (before its upload starts) and
    /// returns it with its bytes; `None` when none waits.
    pub fn pick_next_addition(&mut self) -> Result<Option<OutgoingAddition>> {
        self.write(|tx| {
            let row: Option<(FromColumn<ClaimId>, FromColumn<ClaimId>, String, String)> = tx
                .query_row(
                    "SELECT id, claim_id, note, created_at FROM additions
                     WHERE status IN (?1, ?2) ORDER BY queued_at, id LIMIT 1",
                    params![Status::Ready.as_str(), Status::Sending.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((FromColumn(id), FromColumn(claim_id), note, created_at)) = row else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE additions SET status = ?2 WHERE id = ?1",
                params![id.to_string(), Status::Sending.as_str()],
            )?;
            let mut stmt = tx.prepare_cached(
                "SELECT sha256, kind, media_type, original_name, data FROM addition_attachments
                 WHERE addition_id = ?1 ORDER BY created_at, id",
            )?;
            let mut attachments = Vec::new();
            let mut parts = Vec::new();
            let rows = stmt.query_map([id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, FromColumn<Kind>>(1)?.0,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })?;
            for row in rows {
                let (sha256, kind, media_type, original_name, data) = row?;
                attachments.push(AttachmentRef {
                    sha256,
                    kind,
                    media_type,
                    byte_size: data.len() as u64,
                    original_name,
                });
                parts.push(data);
            }
            Ok(Some(OutgoingAddition {
                payload: AdditionPayload {
                    id,
                    claim_id,
                    created_at,
                    note,
                    attachments,
                },
                parts,
            }))
        })
    }

    /// The service received the addition: it is `sent`, final.
    pub fn record_addition_sent(&mut self, receipt: &AdditionReceipt) -> Result<()> {
        self.conn.execute(
            "UPDATE additions SET status = ?2, sent_at = ?3, problem = NULL
             WHERE id = ?1 AND status IN (?4, ?5)",
            params![
                receipt.id.to_string(),
                Status::Sent.as_str(),
                receipt.received_at,
                Status::Sending.as_str(),
                Status::Ready.as_str()
            ],
        )?;
        Ok(())
    }

    /// The send did not get through: back in the queue, with why.
    pub fn record_addition_retry(&mut self, id: ClaimId, problem: &ErrorBody) -> Result<()> {
        self.set_addition(id, Status::Ready, problem)
    }

    /// The service refused it: it waits for the clerk, with the service's reasons.
    pub fn record_addition_rejected(&mut self, id: ClaimId, problem: &ErrorBody) -> Result<()> {
        self.set_addition(id, Status::NeedsAttention, problem)
    }

    fn set_addition(&mut self, id: ClaimId, status: Status, problem: &ErrorBody) -> Result<()> {
        self.conn.execute(
            "UPDATE additions SET status = ?2, problem = ?3 WHERE id = ?1 AND status = ?4",
            params![
                id.to_string(),
                status.as_str(),
                serde_json::to_string(problem).unwrap_or_default(),
                Status::Sending.as_str()
            ],
        )?;
        Ok(())
    }

    /// Answers still to send (queued or being sent), and answers the service refused.
    pub fn additions_waiting(&self) -> Result<(u64, u64)> {
        let (pending, refused): (i64, i64) = self.conn.query_row(
            "SELECT count(*) FILTER (WHERE status IN (?1, ?2)),
                    count(*) FILTER (WHERE status = ?3)
             FROM additions",
            params![
                Status::Ready.as_str(),
                Status::Sending.as_str(),
                Status::NeedsAttention.as_str()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((pending.unsigned_abs(), refused.unsigned_abs()))
    }

    /// Puts additions left `sending` by a process that stopped mid-upload back in the queue.
    pub fn requeue_additions_in_flight(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE additions SET status = ?1 WHERE status = ?2",
            [Status::Ready.as_str(), Status::Sending.as_str()],
        )?)
    }
}
