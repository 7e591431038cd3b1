//! The office's decisions on a claim: what a decision is, the rule that says which ones are
//! allowed ([`check`]), and what the office, the command line and the audit log record.

use crate::storage::StorageError;
use claimdesk_model::wire::{ServiceStatus, MAX_REVIEW_NOTE, MAX_TRACKING};
use claimdesk_model::ClaimId;
use serde::Serialize;

/// A decision on a claim: its new status, the note for the counter, and who made it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The new status.
    pub status: ServiceStatus,
    /// What the counter is told (may be empty).
    pub note: String,
    /// The carrier tracking number ([`ServiceStatus::needs_tracking`]).
    pub tracking: Option<String>,
    /// Who decided: `user:NAME` from the office, `cli:USER` from the command line.
    pub actor: String,
    /// From where: the office client's address, or `local`.
    pub address: String,
}

/// Why a decision was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No claim has that id, case reference or claim number.
    #[error("no claim has the id, case reference or claim number “{0}”")]
    NotFound(String),
    /// The claim's status does not lead there.
    #[error("a claim that is {from} cannot become {to}; from {from} it can become: {allowed}")]
    NotAllowed {
        /// Its status now.
        from: ServiceStatus,
        /// The status asked for.
        to: ServiceStatus,
        /// The statuses it may move to.
        allowed: String,
    },
    /// Shipping a replacement without saying how it travels.
    #[error("a shipped replacement needs the carrier's tracking number (--tracking)")]
    TrackingRequired,
    /// A tracking number that is not one.
    #[error("a tracking number is 1 to {MAX_TRACKING} letters, digits, spaces or dashes")]
    TrackingInvalid,
    /// A note longer than the counter shows.
    #[error("the note is longer than {MAX_REVIEW_NOTE} characters")]
    NoteTooLong,
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether `decision` may be made on a claim that is `from` now; the tracking number and
/// note it will store, trimmed.
pub fn check(from: ServiceStatus, decision: &Decision) -> Result<Decision, ReviewError> {
    let to = decision.status;
    if !from.may_move_to(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(ReviewError::NotAllowed {
            from,
            to,
            allowed: if allowed.is_empty() {
                "nothing (it is closed)".to_owned()
            } else {
                allowed.join(", ")
            },
        });
    }
    let note = decision.note.trim().to_owned();
    if note.chars().count() > MAX_REVIEW_NOTE {
        return Err(ReviewError::NoteTooLong);
    }
    let tracking = decision
        .tracking
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(t) = tracking {
        if t.len() > MAX_TRACKING
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(ReviewError::TrackingInvalid);
        }
    }
    if to.needs_tracking() && tracking.is_none() {
        return Err(ReviewError::TrackingRequired);
    }
    Ok(Decision {
        note,
        tracking: tracking.map(str::to_owned),
        ..decision.clone()
    })
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reviewed {
    /// The claim.
    pub claim_id: ClaimId,
    /// Its case reference.
    pub case_reference: String,
    /// The device that sent it (whose feed carries the change).
    pub device: String,
    /// The change's number in that device's feed.
    pub seq: u64,
    /// The status it had.
    pub from: ServiceStatus,
    /// The status it has now.
    pub to: ServiceStatus,
}

/// One line of the audit log: who did what, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: `user:NAME`, `cli:USER`, `device:NAME`.
    pub actor: String,
    /// From which address (`local` for the command line).
    pub address: String,
    /// What: `review`, `sign_in`, `device.add`, …
    pub action: String,
    /// The claim concerned, if one is.
    pub claim_id: Option<String>,
    /// The particulars (a review's `from → to`, a device's name); never customer data.
    pub detail: String,
}

/// The `actor` for the command line: `cli:` and the user running it.
pub fn cli_actor() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{user}")
}
