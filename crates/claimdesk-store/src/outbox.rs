//! The outbox: queued claims on their way to the claims service.
//!
//! A claim is marked `sending` in the same transaction that picks it, *before* any request
//! leaves, and its outcome is recorded after. A crash in between leaves it `sending`, which
//! the next pass picks up again; the claim id makes the repeat harmless at the service.

use super::attachments::FromColumn;
use super::settings::set_setting_in;
use super::{Result, Store, StoreError};
use claimdesk_model::claim::STALE_AFTER_DAYS;
use claimdesk_model::vocab::UnknownName;
use claimdesk_model::wire::{AttachmentRef, ClaimPayload, ErrorBody, Receipt};
use claimdesk_model::{now_timestamp, ClaimId, Kind, Status};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A claim picked for sending, with its attachments' bytes in payload order.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What goes in the `claim` part.
    pub payload: ClaimPayload,
    /// One entry per [`ClaimPayload::attachments`] entry, same order.
    pub parts: Vec<Vec<u8>>,
    /// How many times a send has been started, this one included.
    pub attempt: u32,
}

impl Outgoing {
    /// Bytes of all attachment parts.
    pub fn attachment_bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum()
    }
}

/// The queue at a glance, for the status bar and `claimdesk-cli sync`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxSummary {
    /// Claims waiting to be sent (`ready` or `sending`).
    pub pending: u64,
    /// Claims the service refused; the clerk must fix them.
    pub needs_attention: u64,
    /// Claims the service has accepted.
    pub sent: u64,
    /// When the oldest pending claim was queued.
    pub oldest_pending_since: Option<String>,
    /// Pending claims queued longer ago than [`STALE_AFTER_DAYS`]: the window's alert.
    pub stale: u64,
    /// Every claim on this computer.
    pub total: u64,
    /// When the last pass reached the service and finished (RFC 3339, UTC).
    pub last_sync_at: Option<String>,
}

const LAST_SYNC_KEY: &str = "sync.last_success_at";

/// Failed uploads after which a claim lets the claims queued behind it go first.
pub const BACK_OF_THE_QUEUE_AFTER: u32 = 3;

impl Store {
    /// Puts claims left `sending` by a process that stopped mid-upload back in the queue.
    /// Returns how many. Harmless while another process is uploading: the service answers a
    /// repeat with the first receipt.
    pub fn requeue_in_flight(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE claims SET status = ?1 WHERE status = ?2",
            [Status::Ready.as_str(), Status::Sending.as_str()],
        )?)
    }

    /// Picks the oldest queued claim, marks it `sending` and returns it with its attachment
    /// bytes, all in one transaction; `None` when nothing is queued. A claim whose last
    /// [`BACK_OF_THE_QUEUE_AFTER`] or more uploads failed in a row (since it was last queued)
    /// waits behind the others, so one claim the network cannot carry never holds up the rest.
    pub fn pick_next(&mut self) -> Result<Option<Outgoing>> {
        self.write(|tx| {
            let id: Option<ClaimId> = tx
                .query_row(
                    "SELECT id FROM claims WHERE status IN (?1, ?2)
                     ORDER BY failed_in_a_row >= ?3, queued_at, id
                     LIMIT 1",
                    params![
                        Status::Ready.as_str(),
                        Status::Sending.as_str(),
                        BACK_OF_THE_QUEUE_AFTER
                    ],
                    |r| r.get::<_, FromColumn<ClaimId>>(0).map(|c| c.0),
                )
                .optional()?;
            let Some(id) = id else { return Ok(None) };
            let claim = super::claims::get_in(tx, id)?.ok_or(StoreError::NotFound(id))?;
            let attempt: u32 = tx.query_row(
                "UPDATE claims SET status = ?3, attempts = attempts + 1, last_attempt_at = ?2
             WHERE id = ?1 RETURNING attempts",
                params![id.to_string(), now_timestamp(), Status::Sending.as_str()],
                |r| r.get(0),
            )?;
            let mut stmt = tx.prepare_cached(
                "SELECT sha256, kind, media_type, original_name, data FROM attachments
             WHERE claim_id = ?1 ORDER BY created_at, id",
            )?;
            let mut attachments = Vec::new();
            let mut parts = Vec::new();
            let rows = stmt.query_map([id.to_string()], |r| {
                let kind: String = r.get(1)?;
                let data: Vec<u8> = r.get(4)?;
                Ok((kind, r.get(0)?, r.get(2)?, r.get(3)?, data))
            })?;
            for row in rows {
                let (kind, sha256, media_type, original_name, data) = row?;
                let kind: Kind = kind
                    .parse()
                    .map_err(|e: UnknownName| StoreError::Corrupt(e.to_string()))?;
                attachments.push(AttachmentRef {
                    sha256,
                    kind,
                    media_type,
                    byte_size: data.len() as u64,
                    original_name,
                });
                parts.push(data);
            }
            Ok(Some(Outgoing {
                payload: ClaimPayload {
                    id,
                    created_at: claim.created_at,
                    fields: claim.fields,
                    attachments,
                    supersedes: super::replace::supersedes_in(tx, id)?,
                },
                parts,
                attempt,
            }))
        })
    }

    /// Records the service's receipt: the claim is `sent`, final, with its case reference.
    /// The claim and the last-sync time change together.
    pub fn record_sent(&mut self, receipt: &Receipt) -> Result<()> {
        let now = now_timestamp();
        let n = self.write(|tx| {
            let n = tx.execute(
                "UPDATE claims SET status = ?5, case_reference = ?2, sent_at = ?3,
                     sync_problem = NULL, failed_in_a_row = 0, updated_at = ?4
                 WHERE id = ?1 AND status IN (?6, ?7)",
                params![
                    receipt.id.to_string(),
                    receipt.case_reference,
                    receipt.received_at,
                    now,
                    Status::Sent.as_str(),
                    Status::Sending.as_str(),
                    Status::Ready.as_str(),
                ],
            )?;
            set_setting_in(tx, LAST_SYNC_KEY, &now)?;
            Ok(n)
        })?;
        self.expect_changed(n, receipt.id)
    }

    /// Puts a claim whose send did not get through back in the queue, noting why.
    pub fn record_retry(&mut self, id: ClaimId, problem: &ErrorBody) -> Result<()> {
        self.conn.execute(
            "UPDATE claims SET status = ?3, sync_problem = ?2, failed_in_a_row = failed_in_a_row + 1
             WHERE id = ?1 AND status = ?4",
            params![
                id.to_string(),
                to_json(problem),
                Status::Ready.as_str(),
                Status::Sending.as_str()
            ],
        )?;
        Ok(())
    }

    /// The service refused the claim: it waits for the clerk (`needs_attention`) with the
    /// service's reasons, and no longer holds up the claims behind it.
    pub fn record_rejected(&mut self, id: ClaimId, problem: &ErrorBody) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE claims SET status = ?4, sync_problem = ?2, updated_at = ?3
             WHERE id = ?1 AND status IN (?5, ?6)",
            params![
                id.to_string(),
                to_json(problem),
                now_timestamp(),
                Status::NeedsAttention.as_str(),
                Status::Sending.as_str(),
                Status::Ready.as_str(),
            ],
        )?;
        self.expect_changed(n, id)
    }

    /// Notes that a pass reached the service and had nothing left it could send.
    pub fn record_sync_finished(&self) -> Result<()> {
        self.set_setting(LAST_SYNC_KEY, &now_timestamp())
    }

    /// The queue at a glance.
    ///
    /// No scan of the claims: the counts per status are kept by triggers (`claim_counts`), the
    /// oldest and the overdue pending claims come from the outbox index.
    pub fn outbox_summary(&self) -> Result<OutboxSummary> {
        let mut by_status: Vec<(String, i64)> = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, n FROM claim_counts")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            by_status.push(row?);
        }
        let count = |wanted: &[Status]| -> u64 {
            by_status
                .iter()
                .filter(|(s, _)| wanted.iter().any(|w| w.as_str() == s))
                .map(|(_, n)| n.unsigned_abs())
                .sum()
        };
        let pending = [Status::Ready, Status::Sending];
        let stale_before = (chrono::Utc::now()
            - chrono::Duration::days(i64::from(STALE_AFTER_DAYS)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // One MIN per status, so each is a single index lookup.
        let (oldest, stale): (Option<String>, i64) = self.conn.query_row(
            "SELECT min(coalesce(a, b), coalesce(b, a)), s1 + s2 FROM (SELECT
                 (SELECT min(queued_at) FROM claims WHERE status = ?1) AS a,
                 (SELECT min(queued_at) FROM claims WHERE status = ?2) AS b,
                 (SELECT count(*) FROM claims WHERE status = ?1 AND queued_at < ?3) AS s1,
                 (SELECT count(*) FROM claims WHERE status = ?2 AND queued_at < ?3) AS s2)",
            params![pending[0].as_str(), pending[1].as_str(), stale_before],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(OutboxSummary {
            pending: count(&pending),
            needs_attention: count(&[Status::NeedsAttention]),
            sent: count(&[Status::Sent]),
            oldest_pending_since: oldest,
            stale: stale.unsigned_abs(),
            total: by_status.iter().map(|(_, n)| n.unsigned_abs()).sum(),
            last_sync_at: self.setting(LAST_SYNC_KEY)?,
        })
    }

    fn expect_changed(&self, n: usize, id: ClaimId) -> Result<()> {
        if n == 1 {
            return Ok(());
        }
        match self.get(id)? {
            None => Err(StoreError::NotFound(id)),
            // Already recorded (another process finished the same send first).
            Some(c) if c.status == Status::Sent || c.status == Status::NeedsAttention => Ok(()),
            Some(c) => Err(StoreError::NotEditable {
                id,
                status: c.status,
            }),
        }
    }
}

fn to_json(problem: &ErrorBody) -> String {
    serde_json::to_string(problem).unwrap_or_default()
}
