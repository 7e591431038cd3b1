//! Attachments: normalised photos and PDFs, stored with their claim.

use super::{Result, Store, StoreError, MAX_ATTACHMENTS};
use claimdesk_model::vocab::UnknownName;
use claimdesk_model::{
    now_timestamp, AttachmentId, ClaimId, Kind, MediaType, NewAttachment, Status,
};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// An attachment as the form lists it (without its full data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// Identity (UUIDv7).
    pub id: AttachmentId,
    /// The claim it belongs to.
    pub claim_id: ClaimId,
    /// What it shows.
    pub kind: Kind,
    /// A normalised JPEG or a PDF.
    pub media_type: MediaType,
    /// SHA-256 of the stored bytes.
    pub sha256: String,
    /// Stored size in bytes.
    pub byte_size: u64,
    /// Pixel size (0 for PDFs).
    pub width: u32,
    /// Pixel size (0 for PDFs).
    pub height: u32,
    /// Page count of a PDF, when known.
    pub pages: Option<u32>,
    /// The file name it came from (empty when pasted).
    pub original_name: String,
    /// Small JPEG for the form.
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
}

const INFO_COLUMNS: &str =
    "id, claim_id, kind, media_type, sha256, byte_size, width, height, pages, original_name, thumbnail";

fn read_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: r.get::<_, FromColumn<_>>(0)?.0,
        claim_id: r.get::<_, FromColumn<_>>(1)?.0,
        kind: r.get::<_, FromColumn<_>>(2)?.0,
        media_type: r.get::<_, FromColumn<_>>(3)?.0,
        sha256: r.get(4)?,
        byte_size: r.get::<_, i64>(5)?.unsigned_abs(),
        width: r.get(6)?,
        height: r.get(7)?,
        pages: r.get(8)?,
        original_name: r.get(9)?,
        thumbnail: r.get(10)?,
    })
}

/// Reads a column that holds an id or a vocabulary name; anything else is an error, never
/// a silent default.
macro_rules! from_sql_by_parse {
    ($($t:ty),+) => {$(
        impl rusqlite::types::FromSql for FromColumn<$t> {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?
                    .parse()
                    .map(FromColumn)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    )+};
}

/// A value read from a text column by parsing it (the orphan rule keeps `FromSql` off the
/// model's types).
pub(crate) struct FromColumn<T>(pub T);

from_sql_by_parse!(ClaimId, AttachmentId, Kind, MediaType);

impl Store {
    /// Adds an attachment to a claim the clerk may still change, creating an empty draft in
    /// the same transaction if the claim is not stored yet (so the claim exists whenever its
    /// photo does).
    pub fn add_attachment(
        &mut self,
        claim_id: ClaimId,
        kind: Kind,
        original_name: &str,
        new: &NewAttachment<'_>,
    ) -> Result<AttachmentInfo> {
        self.write(|tx| {
            super::claims::ensure_editable_in(tx, claim_id)?;
            let count: i64 = tx.query_row(
                "SELECT count(*) FROM attachments WHERE claim_id = ?1",
                [claim_id.to_string()],
                |r| r.get(0),
            )?;
            if count as usize >= MAX_ATTACHMENTS {
                return Err(StoreError::TooManyAttachments);
            }
            insert_in(tx, claim_id, kind, original_name, new)
        })
    }

    /// Removes an attachment from a claim the clerk may still change.
    pub fn remove_attachment(&mut self, claim_id: ClaimId, id: AttachmentId) -> Result<bool> {
        self.change_attachment(claim_id, |tx| {
            tx.execute(
                "DELETE FROM attachments WHERE id = ?1 AND claim_id = ?2",
                [id.to_string(), claim_id.to_string()],
            )
        })
    }

    /// Changes what an attachment is said to show.
    pub fn set_attachment_kind(
        &mut self,
        claim_id: ClaimId,
        id: AttachmentId,
        kind: Kind,
    ) -> Result<bool> {
        self.change_attachment(claim_id, |tx| {
            tx.execute(
                "UPDATE attachments SET kind = ?3 WHERE id = ?1 AND claim_id = ?2",
                [
                    id.to_string(),
                    claim_id.to_string(),
                    kind.as_str().to_owned(),
                ],
            )
        })
    }

    fn change_attachment(
        &mut self,
        claim_id: ClaimId,
        change: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<usize>,
    ) -> Result<bool> {
        self.write(|tx| {
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM claims WHERE id = ?1",
                    [claim_id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(status) = status {
                let status: Status = status
                    .parse()
                    .map_err(|e: UnknownName| StoreError::Corrupt(e.to_string()))?;
                if !status.is_editable() {
                    return Err(StoreError::NotEditable {
                        id: claim_id,
                        status,
                    });
                }
            }
            let n = change(tx)?;
            Ok(n == 1)
        })
    }

    /// A claim's attachments, oldest first, with thumbnails.
    pub fn attachments(&self, claim_id: ClaimId) -> Result<Vec<AttachmentInfo>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INFO_COLUMNS} FROM attachments WHERE claim_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([claim_id.to_string()], read_info)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored bytes of one attachment.
    pub fn attachment_data(&self, id: AttachmentId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT data FROM attachments WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Total stored attachment bytes of a claim.
    pub fn attachment_bytes(&self, claim_id: ClaimId) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT coalesce(sum(byte_size), 0) FROM attachments WHERE claim_id = ?1",
            [claim_id.to_string()],
            |r| r.get(0),
        )?;
        Ok(n.unsigned_abs())
    }
}

/// Stores one attachment of `claim_id` inside the caller's transaction (no checks: the
/// caller has made them).
pub(crate) fn insert_in(
    tx: &rusqlite::Transaction<'_>,
    claim_id: ClaimId,
    kind: Kind,
    original_name: &str,
    new: &NewAttachment<'_>,
) -> Result<AttachmentInfo> {
    let id = AttachmentId::new();
    tx.execute(
        "INSERT INTO attachments (id, claim_id, kind, media_type, sha256, byte_size, width,
         height, pages, original_name, data, thumbnail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id.to_string(),
            claim_id.to_string(),
            kind.as_str(),
            new.media_type.as_str(),
            new.sha256,
            new.bytes.len() as i64,
            new.width,
            new.height,
            new.pages,
            original_name,
            new.bytes,
            new.thumbnail,
            now_timestamp(),
        ],
    )?;
    Ok(AttachmentInfo {
        id,
        claim_id,
        kind,
        media_type: new.media_type,
        sha256: new.sha256.to_owned(),
        byte_size: new.bytes.len() as u64,
        width: new.width,
        height: new.height,
        pages: new.pages,
        original_name: original_name.to_owned(),
        thumbnail: new.thumbnail.map(<[u8]>::to_vec),
    })
}
