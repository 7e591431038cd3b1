//! A bundle: the claims not yet with the service, with their attachments' bytes, in one
//! portable JSON file — so the queue of a broken laptop can be sent from another one (whose
//! store has its own key). Importing it is byte-exact and idempotent by claim id: a claim
//! already on the device is left as it is, and every attachment's SHA-256 is checked before
//! anything of its claim is stored.

use crate::attachments::insert_in;
use crate::claims::get_in;
use crate::{Result, Store, StoreError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use claimdesk_model::attachment::{sha256_hex, NewAttachment};
use claimdesk_model::{Claim, ClaimFields, ClaimId, Kind, MediaType, Status};
use serde::{Deserialize, Serialize};

/// What the file says it is.
pub const FORMAT: &str = "claimdesk-bundle";
/// The version this build writes (and the newest it reads). Version 2 added `supersedes`,
/// which is part of what is sent: a build that reads only version 1 refuses such a file
/// rather than drop it.
pub const VERSION: u32 = 2;

/// A bundle file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The claims, newest first.
    pub claims: Vec<BundledClaim>,
}

/// One claim with its attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledClaim {
    /// Its id.
    pub id: ClaimId,
    /// Its status on the device it came from.
    pub status: Status,
    /// When it was started.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// What was typed.
    #[serde(flatten)]
    pub fields: ClaimFields,
    /// Uploads started on the device it came from (an edit or withdrawal there after asks
    /// the service first).
    #[serde(default)]
    pub attempts: i64,
    /// Why it was queued without a receipt, if it was.
    #[serde(default)]
    pub no_proof_reason: Option<String>,
    /// The claim it replaces (part of what is sent, so it must travel with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ClaimId>,
    /// Its attachments, bytes included.
    pub attachments: Vec<BundledAttachment>,
}

/// One attachment, bytes included (base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledAttachment {
    /// What it shows.
    pub kind: Kind,
    /// What it is.
    pub media_type: MediaType,
    /// The file name it was attached from.
    pub original_name: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Pixel size (0 for PDFs).
    pub width: u32,
    /// Pixel size (0 for PDFs).
    pub height: u32,
    /// Page count, for PDFs.
    pub pages: Option<u32>,
    /// The bytes, base64.
    pub data: String,
    /// The thumbnail, base64.
    pub thumbnail: Option<String>,
}

/// What importing a bundle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    /// Claims stored (with their attachments).
    pub inserted: usize,
    /// Claims already on this device, left as they were.
    pub present: usize,
    /// Claims not taken, with why (an attachment that does not match its hash…).
    pub refused: Vec<(ClaimId, String)>,
}

impl Store {
    /// Every claim the service does not have yet (draft, queued, being sent, needing
    /// attention), with its attachments' bytes.
    pub fn bundle(&self) -> Result<Bundle> {
        let mut claims = Vec::new();
        for claim in self.all()? {
            if matches!(claim.status, Status::Sent | Status::Withdrawn) {
                continue;
            }
            let mut attachments = Vec::new();
            for a in self.attachments(claim.id)? {
                let data = self.attachment_data(a.id)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("attachment {} has no bytes", a.id))
                })?;
                attachments.push(BundledAttachment {
                    kind: a.kind,
                    media_type: a.media_type,
                    original_name: a.original_name,
                    sha256: a.sha256,
                    width: a.width,
                    height: a.height,
                    pages: a.pages,
                    data: B64.encode(&data),
                    thumbnail: a.thumbnail.as_deref().map(|t| B64.encode(t)),
                });
            }
            let (attempts, no_proof_reason) = self.conn.query_row(
                "SELECT attempts, no_proof_reason FROM claims WHERE id = ?1",
                [claim.id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            claims.push(BundledClaim {
                attempts,
                no_proof_reason,
                supersedes: crate::replace::supersedes_in(&self.conn, claim.id)?,
                id: claim.id,
                status: claim.status,
                created_at: claim.created_at,
                updated_at: claim.updated_at,
                fields: claim.fields,
                attachments,
            });
        }
        Ok(Bundle {
            format: FORMAT.to_owned(),
            version: VERSION,
            claims,
        })
    }

    /// Stores the bundle's claims that this device does not have, each with its attachments
    /// in one transaction: a valid claim is queued here (`ready`), a draft or a claim the
    /// form's rules refuse is a draft to fix. A claim whose attachment does not match its
    /// hash is refused whole.
    pub fn import_bundle(&mut self, bundle: &Bundle) -> Result<BundleReport> {
        let mut report = BundleReport::default();
        for c in &bundle.claims {
            let decoded = match decode(c) {
                Ok(d) => d,
                Err(why) => {
                    report.refused.push((c.id, why));
                    continue;
                }
            };
            // Queued here only if it was queued there and passes the form's rules; a claim
            // the service refused is a draft to fix, never sent again as it was.
            let status = if matches!(c.status, Status::Draft | Status::NeedsAttention)
                || !claimdesk_model::validate::problems(&c.fields).is_empty()
            {
                Status::Draft
            } else {
                Status::Ready
            };
            let claim = Claim {
                id: c.id,
                status,
                created_at: c.created_at.clone(),
                updated_at: c.updated_at.clone(),
                fields: c.fields.clone(),
            };
            let inserted = self.write(|tx| {
                if get_in(tx, c.id)?.is_some() {
                    return Ok(false);
                }
                crate::claims::import_in(tx, &claim)?;
                for (a, (data, thumbnail)) in c.attachments.iter().zip(&decoded) {
                    insert_in(
                        tx,
                        c.id,
                        a.kind,
                        &a.original_name,
                        &NewAttachment {
                            media_type: a.media_type,
                            bytes: data,
                            sha256: &a.sha256,
                            width: a.width,
                            height: a.height,
                            pages: a.pages,
                            thumbnail: thumbnail.as_deref(),
                        },
                    )?;
                }
                let reason = if c.attachments.iter().any(|a| a.kind == Kind::Receipt) {
                    None
                } else {
                    c.no_proof_reason
                        .as_deref()
                        .or(Some(crate::claims::IMPORTED))
                };
                tx.execute(
                    "UPDATE claims SET no_proof_reason = ?2, attempts = ?3, supersedes = ?4
                     WHERE id = ?1",
                    rusqlite::params![
                        c.id.to_string(),
                        reason,
                        c.attempts,
                        c.supersedes.map(|s| s.to_string())
                    ],
                )?;
                Ok(true)
            })?;
            if inserted {
                report.inserted += 1;
            } else {
                report.present += 1;
            }
        }
        Ok(report)
    }
}

/// An attachment's bytes and thumbnail.
type Decoded = (Vec<u8>, Option<Vec<u8>>);

/// Each attachment's bytes and thumbnail, checked against its hash.
fn decode(c: &BundledClaim) -> std::result::Result<Vec<Decoded>, String> {
    c.attachments
        .iter()
        .map(|a| {
            let data = B64
                .decode(&a.data)
                .map_err(|e| format!("attachment {}: not base64 ({e})", a.original_name))?;
            if sha256_hex(&data) != a.sha256 {
                return Err(format!(
                    "attachment {} does not match its SHA-256",
                    a.original_name
                ));
            }
            let thumbnail = a
                .thumbnail
                .as_deref()
                .map(|t| B64.decode(t))
                .transpose()
                .map_err(|e| {
                    format!("attachment {}: thumbnail not base64 ({e})", a.original_name)
                })?;
            Ok((data, thumbnail))
        })
        .collect()
}
