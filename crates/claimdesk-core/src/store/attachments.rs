//! Attachments: normalised photos and PDFs, stored with their claim.

use super::{Result, Store, StoreError};
use crate::claim::{now_timestamp, ClaimId, Status};
use crate::photos::Processed;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

/// Most attachments on one claim.
pub const MAX_ATTACHMENTS: usize = 10;

/// Most attachment bytes one claim may carry: what the claims service accepts in one upload.
/// A claim over it is flagged when the clerk attaches, not when it is sent.
pub const MAX_CLAIM_BYTES: u64 = 20 * 1024 * 1024;

/// What an attachment shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Receipt or invoice: the proof of purchase.
    Receipt,
    /// The faulty product.
    Product,
    /// The serial-number label.
    SerialLabel,
    /// Anything else.
    Other,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Receipt => "receipt",
            Kind::Product => "product",
            Kind::SerialLabel => "serial_label",
            Kind::Other => "other",
        }
    }

    pub(crate) fn parse(s: &str) -> Kind {
        match s {
            "receipt" => Kind::Receipt,
            "product" => Kind::Product,
            "serial_label" => Kind::SerialLabel,
            _ => Kind::Other,
        }
    }
}

/// An attachment as the form lists it (without its full data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// Identity (UUIDv7).
    pub id: ClaimId,
    /// The claim it belongs to.
    pub claim_id: ClaimId,
    /// What it shows.
    pub kind: Kind,
    /// `image/jpeg` or `application/pdf`.
    pub media_type: String,
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
    let kind: String = r.get(2)?;
    Ok(AttachmentInfo {
        id: r.get(0)?,
        claim_id: r.get(1)?,
        kind: Kind::parse(&kind),
        media_type: r.get(3)?,
        sha256: r.get(4)?,
        byte_size: r.get::<_, i64>(5)?.unsigned_abs(),
        width: r.get(6)?,
        height: r.get(7)?,
        pages: r.get(8)?,
        original_name: r.get(9)?,
        thumbnail: r.get(10)?,
    })
}

impl rusqlite::types::FromSql for ClaimId {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        v.as_str()?
            .parse()
            .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl Store {
    /// Adds an attachment to a claim the clerk may still change, creating an empty draft in
    /// the same transaction if the claim is not stored yet (so the claim exists whenever its
    /// photo does).
    pub fn add_attachment(
        &mut self,
        claim_id: ClaimId,
        kind: Kind,
        original_name: &str,
        processed: &Processed,
    ) -> Result<AttachmentInfo> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        super::claims::ensure_editable_in(&tx, claim_id)?;
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM attachments WHERE claim_id = ?1",
            [claim_id.to_string()],
            |r| r.get(0),
        )?;
        if count as usize >= MAX_ATTACHMENTS {
            return Err(StoreError::TooManyAttachments);
        }
        let id = ClaimId::new();
        tx.execute(
            "INSERT INTO attachments (id, claim_id, kind, media_type, sha256, byte_size, width,
                 height, pages, original_name, data, thumbnail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id.to_string(),
                claim_id.to_string(),
                kind.as_str(),
                processed.media_type,
                processed.sha256,
                processed.bytes.len() as i64,
                processed.width,
                processed.height,
                processed.pages,
                original_name,
                processed.bytes,
                processed.thumbnail,
                now_timestamp(),
            ],
        )?;
        tx.commit()?;
        Ok(AttachmentInfo {
            id,
            claim_id,
            kind,
            media_type: processed.media_type.to_owned(),
            sha256: processed.sha256.clone(),
            byte_size: processed.bytes.len() as u64,
            width: processed.width,
            height: processed.height,
            pages: processed.pages,
            original_name: original_name.to_owned(),
            thumbnail: processed.thumbnail.clone(),
        })
    }

    /// Removes an attachment from a claim the clerk may still change.
    pub fn remove_attachment(&mut self, claim_id: ClaimId, id: ClaimId) -> Result<bool> {
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
        id: ClaimId,
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
                .map_err(|e: crate::claim::BadStatus| StoreError::Corrupt(e.to_string()))?;
            if !status.is_editable() {
                return Err(StoreError::NotEditable {
                    id: claim_id,
                    status,
                });
            }
        }
        let n = change(&tx)?;
        tx.commit()?;
        Ok(n == 1)
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
    pub fn attachment_data(&self, id: ClaimId) -> Result<Option<Vec<u8>>> {
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
