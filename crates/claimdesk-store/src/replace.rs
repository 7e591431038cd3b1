//! Replacing a claim by a new one: *Correct* a sent claim, or *Send as a new claim* one the
//! service refused (a `409` names another claim under the same id, so that id can never be
//! sent again). The new claim is a draft with a new id, the same fields and attachments, and
//! `supersedes` naming the old one; the old one is never changed, except that a refused one
//! is withdrawn once its replacement is queued (not before: Reset on the replacement leaves
//! the refused claim as it was).

use super::claims::get_in;
use super::{Result, Store, StoreError};
use claimdesk_model::claim_number::claim_number;
use claimdesk_model::{now_timestamp, AttachmentId, Claim, ClaimId, Status};
use rusqlite::{params, OptionalExtension, Transaction};

impl Store {
    /// Starts (or reopens) the claim that replaces `old`: a new draft with `old`'s fields
    /// and attachments that names `old` as the claim it supersedes. Asking again while that
    /// draft exists returns it; once it is queued or sent, `old` is
    /// [`StoreError::AlreadyReplaced`].
    pub fn replace(&mut self, old: ClaimId) -> Result<Claim> {
        let replacement = self.write(|tx| {
            let claim = get_in(tx, old)?.ok_or(StoreError::NotFound(old))?;
            let queued_before: bool = tx.query_row(
                "SELECT queued_at IS NOT NULL FROM claims WHERE id = ?1",
                [old.to_string()],
                |r| r.get(0),
            )?;
            if !replaceable(claim.status, queued_before) {
                return Err(StoreError::NotReplaceable {
                    id: old,
                    status: claim.status,
                });
            }
            if let Some((id, status)) = live_replacement_in(tx, old)? {
                return match status {
                    Status::Draft => get_in(tx, id)?.ok_or(StoreError::NotFound(id)),
                    _ => Err(StoreError::AlreadyReplaced {
                        id: old,
                        by: claim_number(id),
                    }),
                };
            }
            let id = ClaimId::new();
            let now = now_timestamp();
            let draft = super::claims::upsert_draft_in(tx, id, &claim.fields)?;
            tx.execute(
                "UPDATE claims SET supersedes = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.to_string(), old.to_string(), now],
            )?;
            copy_attachments_in(tx, old, id)?;
            Ok(Claim {
                updated_at: now,
                ..draft
            })
        })?;
        tracing::info!(claim = %replacement.id, supersedes = %old, "replacement started");
        Ok(replacement)
    }

    /// The claim `id` replaces, if any.
    pub fn supersedes(&self, id: ClaimId) -> Result<Option<ClaimId>> {
        supersedes_in(&self.conn, id)
    }
}

/// The claim `id` names as the one it replaces.
pub(crate) fn supersedes_in(conn: &rusqlite::Connection, id: ClaimId) -> Result<Option<ClaimId>> {
    let old: Option<String> = conn
        .query_row(
            "SELECT supersedes FROM claims WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    old.map(|s| {
        s.parse()
            .map_err(|e: claimdesk_model::claim::BadClaimId| StoreError::Corrupt(e.to_string()))
    })
    .transpose()
}

/// Whether a claim in `status` (queued before or not) may be replaced by a new one: a sent
/// claim, one the service refused, and one the clerk began fixing after a refusal (or took
/// back from the queue) — it was given to a customer, and a `409` can never be sent under
/// its id, however it is edited.
pub(crate) fn replaceable(status: Status, queued_before: bool) -> bool {
    status.is_replaceable() || (status == Status::Draft && queued_before)
}

/// The newest claim replacing `old` that is not withdrawn, with its status.
pub(crate) fn live_replacement_in(
    tx: &Transaction<'_>,
    old: ClaimId,
) -> Result<Option<(ClaimId, Status)>> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT id, status FROM claims WHERE supersedes = ?1 AND status <> ?2
             ORDER BY created_at DESC, id DESC LIMIT 1",
            params![old.to_string(), Status::Withdrawn.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(id, status)| {
        let id = id
            .parse()
            .map_err(|e: claimdesk_model::claim::BadClaimId| StoreError::Corrupt(e.to_string()))?;
        let status = status
            .parse()
            .map_err(|e: claimdesk_model::vocab::UnknownName| StoreError::Corrupt(e.to_string()))?;
        Ok((id, status))
    })
    .transpose()
}

/// Copies every attachment of `from` to `to` (new attachment ids, same bytes and order).
fn copy_attachments_in(tx: &Transaction<'_>, from: ClaimId, to: ClaimId) -> Result<()> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM attachments WHERE claim_id = ?1 ORDER BY created_at, id")?
        .query_map([from.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for old in ids {
        tx.execute(
            "INSERT INTO attachments (id, claim_id, kind, media_type, sha256, byte_size, width,
                 height, pages, original_name, data, thumbnail, created_at)
             SELECT ?1, ?2, kind, media_type, sha256, byte_size, width, height, pages,
                 original_name, data, thumbnail, created_at
             FROM attachments WHERE id = ?3",
            params![AttachmentId::new().to_string(), to.to_string(), old],
        )?;
    }
    Ok(())
}

/// When the claim `id` is queued: the unsent claim it replaces (if any: refused, or being
/// fixed after a refusal) is withdrawn, its attachments dropped (the replacement has its own
/// copies). A sent claim it corrects stays as it is.
pub(crate) fn retire_replaced_in(tx: &Transaction<'_>, id: ClaimId, now: &str) -> Result<()> {
    let Some(old) = supersedes_in(tx, id)? else {
        return Ok(());
    };
    let n = tx.execute(
        "UPDATE claims SET status = ?2, withdrawn_at = ?3, withdrawn_by = ?4, updated_at = ?3,
             sync_problem = NULL
         WHERE id = ?1 AND (status = ?5 OR (status = ?6 AND queued_at IS NOT NULL))",
        params![
            old.to_string(),
            Status::Withdrawn.as_str(),
            now,
            super::paths::current_user(),
            Status::NeedsAttention.as_str(),
            Status::Draft.as_str()
        ],
    )?;
    if n == 1 {
        tx.execute(
            "DELETE FROM attachments WHERE claim_id = ?1",
            [old.to_string()],
        )?;
        tracing::info!(claim = %old, by = %id, "replaced and withdrawn");
    }
    Ok(())
}
