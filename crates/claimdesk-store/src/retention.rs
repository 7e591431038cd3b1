//! Retention: how long a sent claim's photos and its customer's personal data stay on this
//! device, and the purge that applies it. Only `sent` claims (the claims service has them)
//! and `withdrawn` ones (never to be sent) are ever touched; a purged claim leaves a [`Tombstone`] so its case reference can still
//! be looked up. The freed pages leave the file (incremental vacuum, then a WAL checkpoint);
//! `secure_delete` zeroes what was deleted, and the search index removes a deleted claim's
//! words for real (its `secure-delete` option, set by migration 006).

use super::settings::{set_setting_in, setting_in};
use super::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use claimdesk_model::{now_timestamp, ClaimId, ErrorCode, FieldError, Status};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Days a sent claim keeps its photos by default: a month in which the counter can still
/// answer "what did I send?", after which the service's copy is the one that counts.
pub const DEFAULT_PHOTO_DAYS: u32 = 30;
/// Days a sent claim keeps its customer's details by default: a year, the usual warranty
/// follow-up, after which only the tombstone is left.
pub const DEFAULT_PERSONAL_DAYS: u32 = 365;
/// The longest either can be set to (ten years).
pub const MAX_DAYS: u32 = 3650;

const PHOTO_KEY: &str = "retention.photo_days";
const PERSONAL_KEY: &str = "retention.personal_days";

/// How long a sent claim's data is kept, in days after it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Photos and documents.
    pub photo_days: u32,
    /// The customer's details (the claim itself, leaving a tombstone).
    pub personal_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            photo_days: DEFAULT_PHOTO_DAYS,
            personal_days: DEFAULT_PERSONAL_DAYS,
        }
    }
}

impl Retention {
    /// Every value out of range, by field.
    pub fn check(&self) -> Vec<FieldError> {
        [
            ("photo_days", self.photo_days),
            ("personal_days", self.personal_days),
        ]
        .into_iter()
        .filter(|(_, days)| !(1..=MAX_DAYS).contains(days))
        .map(|(field, _)| {
            FieldError::new(field, ErrorCode::SettingsRetentionRange)
                .with("min", "1")
                .with("max", MAX_DAYS.to_string())
        })
        .collect()
    }

    /// Claims sent before these times lose their photos, and their personal data.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> Cutoffs {
        let before = |days: u32| {
            (now - chrono::Duration::days(i64::from(days)))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        Cutoffs {
            photos: before(self.photo_days),
            personal: before(self.personal_days),
        }
    }
}

/// The times before which a sent claim's data goes (timestamps as the store writes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoffs {
    /// Photos of claims sent before this go.
    pub photos: String,
    /// Claims sent before this become tombstones.
    pub personal: String,
}

/// What a purge removed (or, on a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Photos and documents removed.
    pub photos: u64,
    /// Claims whose personal data was removed, each leaving a tombstone.
    pub claims: u64,
    /// Bytes the database file shrank by.
    pub bytes_freed: u64,
}

/// What is left of a purged claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tombstone {
    /// The claim's id.
    pub id: ClaimId,
    /// The service's case reference.
    pub case_reference: Option<String>,
    /// The product claimed for.
    pub product_name: String,
    /// The claim's status when purged (always sent).
    pub status: Status,
    /// When the claim was started.
    pub created_at: String,
    /// When the service received it.
    pub sent_at: Option<String>,
    /// When its personal data was removed.
    pub purged_at: String,
}

impl Store {
    /// The retention settings (the defaults until the clerk changes them).
    pub fn retention(&self) -> Result<Retention> {
        let days = |key, default| -> Result<u32> {
            Ok(setting_in(&self.conn, key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(default))
        };
        Ok(Retention {
            photo_days: days(PHOTO_KEY, DEFAULT_PHOTO_DAYS)?,
            personal_days: days(PERSONAL_KEY, DEFAULT_PERSONAL_DAYS)?,
        })
    }

    /// Checks and stores the retention settings, both or neither.
    pub fn set_retention(&mut self, retention: &Retention) -> Result<()> {
        let errors = retention.check();
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        self.write(|tx| {
            set_setting_in(tx, PHOTO_KEY, &retention.photo_days.to_string())?;
            set_setting_in(tx, PERSONAL_KEY, &retention.personal_days.to_string())
        })
    }

    /// Applies the retention settings as of `now`: in one transaction, sent claims past
    /// `personal_days` become tombstones and sent claims past `photo_days` lose their photos;
    /// then the freed pages leave the file. With `dry_run`, only counts what would go.
    pub fn purge(&mut self, now: DateTime<Utc>, dry_run: bool) -> Result<PurgeReport> {
        let cut = self.retention()?.cutoffs(now);
        let (sent, withdrawn) = (Status::Sent.as_str(), Status::Withdrawn.as_str());
        if dry_run {
            let claims: i64 = self.conn.query_row(
                "SELECT count(*) FROM claims WHERE status IN (?1, ?3) AND updated_at < ?2",
                params![sent, cut.personal, withdrawn],
                |r| r.get(0),
            )?;
            let photos: i64 = self.conn.query_row(
                "SELECT count(*) FROM attachments WHERE claim_id IN
                     (SELECT id FROM claims WHERE status = ?1 AND updated_at < ?2)",
                params![sent, cut.photos],
                |r| r.get(0),
            )?;
            return Ok(PurgeReport {
                photos: photos as u64,
                claims: claims as u64,
                bytes_freed: 0,
            });
        }
        let before = self.file_bytes();
        let purged_at = now_timestamp();
        let (photos, claims) = self.write(|tx| {
            // Photos first, counted whether their claim stays or becomes a tombstone.
            let photos = tx.execute(
                "DELETE FROM attachments WHERE claim_id IN
                     (SELECT id FROM claims WHERE status = ?1 AND updated_at < ?2)",
                params![sent, cut.photos],
            )? + tx.execute(
                "DELETE FROM addition_attachments WHERE addition_id IN
                     (SELECT a.id FROM additions a JOIN claims c ON c.id = a.claim_id
                      WHERE c.status = ?1 AND c.updated_at < ?2)",
                params![sent, cut.photos],
            )?;
            tx.execute(
                "UPDATE claims SET photos_purged_at = ?3
                 WHERE status = ?1 AND updated_at < ?2 AND photos_purged_at IS NULL",
                params![sent, cut.photos, purged_at],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO tombstones
                     (id, case_reference, product_name, status, created_at, sent_at, purged_at)
                 SELECT id, case_reference, product_name, status, created_at, sent_at, ?3
                 FROM claims WHERE status IN (?1, ?4) AND updated_at < ?2",
                params![sent, cut.personal, purged_at, withdrawn],
            )?;
            let claims = tx.execute(
                "DELETE FROM claims WHERE status IN (?1, ?3) AND updated_at < ?2",
                params![sent, cut.personal, withdrawn],
            )?;
            Ok((photos as u64, claims as u64))
        })?;
        if photos + claims > 0 {
            self.release_free_pages()?;
            tracing::info!(photos, claims, "purged sent claims past their retention");
        }
        Ok(PurgeReport {
            photos,
            claims,
            bytes_freed: before.saturating_sub(self.file_bytes()),
        })
    }

    /// The tombstone of the purged claim with this case reference, if any.
    pub fn tombstone(&self, case_reference: &str) -> Result<Option<Tombstone>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, case_reference, product_name, status, created_at, sent_at, purged_at
                 FROM tombstones WHERE case_reference = ?1",
                [case_reference.trim()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get::<_, String>(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(id, case_reference, product_name, status, created_at, sent_at, purged_at)| {
                Ok(Tombstone {
                    id: id
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("tombstone id {id:?}")))?,
                    case_reference,
                    product_name,
                    status: status
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("tombstone status {status:?}")))?,
                    created_at,
                    sent_at,
                    purged_at,
                })
            },
        )
        .transpose()
    }

    /// Gives the file's free pages back to the disk: moved to the end and cut off
    /// (incremental vacuum), then checkpointed so the WAL holds no old page either.
    pub fn release_free_pages(&self) -> Result<()> {
        // The pragma frees one page per step: step it to the end.
        let mut stmt = self.conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The database file's size with its WAL.
    fn file_bytes(&self) -> u64 {
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        size(&self.path) + size(&super::cipher::sidecar(&self.path, "-wal"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_a_month_of_photos_and_a_year_of_details() {
        let r = Retention::default();
        assert_eq!((r.photo_days, r.personal_days), (30, 365));
        assert!(r.check().is_empty());
    }

    #[test]
    fn days_out_of_range_are_named_by_field() {
        let r = Retention {
            photo_days: 0,
            personal_days: MAX_DAYS + 1,
        };
        let fields: Vec<_> = r.check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["photo_days", "personal_days"]);
    }

    #[test]
    fn cutoffs_count_back_from_now() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .expect("time")
            .to_utc();
        let c = Retention::default().cutoffs(now);
        assert_eq!(c.photos, "2026-10-27T12:00:00.000Z");
        assert_eq!(c.personal, "2025-11-26T12:00:00.000Z");
    }
}
