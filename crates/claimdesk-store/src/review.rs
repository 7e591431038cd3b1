//! What the office decided about this device's claims, as pulled from the service's change
//! feed: a page is applied in one transaction with the cursor, so a pull cut off at any
//! moment (a lost answer, a kill) is either all applied or not at all, and pulling it again
//! changes nothing (a change is applied only over an older one).

use super::settings::{set_setting_in, setting_in};
use super::{Result, Store};
use claimdesk_model::wire::ChangesPage;
use claimdesk_model::ClaimId;
use rusqlite::params;

/// A decision applied to a claim of this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The claim.
    pub id: ClaimId,
    /// Its new status at the service.
    pub status: String,
}

/// The setting that holds the feed's cursor for the service at `service`.
fn cursor_key(service: &str) -> String {
    format!("sync.feed_cursor {service}")
}

impl Store {
    /// The number of the last change applied from the service at `service` (0: none yet).
    pub fn feed_cursor(&self, service: &str) -> Result<u64> {
        Ok(setting_in(&self.conn, &cursor_key(service))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Applies a page of the feed of the service at `service` and moves its cursor, together.
    /// Returns the decisions that changed a claim here (a repeat, or a change to a claim this
    /// device no longer keeps, changes none).
    pub fn apply_changes(&mut self, service: &str, page: &ChangesPage) -> Result<Vec<Applied>> {
        let key = cursor_key(service);
        self.write(|tx| {
            let mut applied = Vec::new();
            for c in &page.changes {
                let seq = i64::try_from(c.seq).unwrap_or(i64::MAX);
                let n = tx.execute(
                    "UPDATE claims SET review_status = ?2, review_note = ?3,
                         review_tracking = coalesce(?4, review_tracking), reviewed_at = ?5,
                         review_seq = ?6
                     WHERE id = ?1 AND (review_seq IS NULL OR review_seq < ?6)",
                    params![
                        c.claim_id.to_string(),
                        c.status,
                        c.note,
                        c.tracking,
                        c.at,
                        seq
                    ],
                )?;
                if n == 1 {
                    applied.push(Applied {
                        id: c.claim_id,
                        status: c.status.clone(),
                    });
                }
            }
            let cursor: u64 = setting_in(tx, &key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if page.next > cursor {
                set_setting_in(tx, &key, &page.next.to_string())?;
            }
            Ok(applied)
        })
    }
}
