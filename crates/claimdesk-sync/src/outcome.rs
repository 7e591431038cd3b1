//! What an attempt to send a claim came to, and what to do next.
//!
//! The rule that matters: only an answer that is provably the claims service's own counts as
//! success. A `200` from a hotel Wi-Fi login page, or a redirect to one, is never taken for
//! a delivered claim.

use claimdesk_model::wire::{
    is_case_reference, AdditionReceipt, ChangesPage, ErrorBody, Lookup, Receipt,
};
use claimdesk_model::{catalogue, ClaimId, ErrorCode};
use std::time::Duration;

/// Why a claim was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// No server address or device token is set.
    #[error("sending is not set up: {0}")]
    NotConfigured(String),
    /// The service could not be reached (no network, refused, reset, DNS).
    #[error("cannot reach the claims service: {0}")]
    Offline(String),
    /// The service did not answer in time.
    #[error("the claims service did not answer in time")]
    Timeout,
    /// Something other than the claims service answered: a captive portal's login page or a
    /// redirect to another host.
    #[error("the network needs a login first: {0}")]
    LoginRequired(String),
    /// The service does not know this device's token (wrong, or revoked).
    #[error("the claims service did not accept this device's token")]
    Unauthorized,
    /// The service asked to come back later (`429`, `503`, `423`, `408`).
    #[error("the claims service is busy (HTTP {status})")]
    Busy {
        /// HTTP status.
        status: u16,
        /// The service's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// The service failed (`5xx`, or an answer it should never give).
    #[error("the claims service had a problem (HTTP {status})")]
    ServerError {
        /// HTTP status.
        status: u16,
    },
    /// The local store could not be read or written during a pass.
    #[error("the local store failed: {0}")]
    LocalStore(String),
    /// The upload is too large (`413`) for the service, or for something on the way to it (a
    /// reverse proxy's own limit, which answers without the service's header).
    #[error("the claim is too large for {}", if *.by_service { "the claims service" } else { "a proxy on the way to the claims service" })]
    TooLarge {
        /// Whether the service itself said so.
        by_service: bool,
    },
    /// The service refused this claim (`422` with field errors, `409`, other `4xx`).
    /// Retrying it unchanged cannot help; the clerk must fix it.
    #[error("the claims service refused the claim: {}", .problem.message)]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The service's reasons (boxed: they are large next to the other variants).
        problem: Box<ErrorBody>,
    },
}

impl SyncError {
    /// A problem with this claim itself: mark it `needs_attention` and go on with the next.
    /// Everything else is about the connection or the service: stop the pass, retry later.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            SyncError::Rejected { .. } | SyncError::TooLarge { .. }
        )
    }

    /// Retrying cannot help until the clerk changes the settings (token, server address).
    pub fn needs_settings(&self) -> bool {
        matches!(self, SyncError::Unauthorized | SyncError::NotConfigured(_))
    }

    /// How long the service asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Busy { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The stable code the UI switches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::NotConfigured(_) => ErrorCode::SyncNotConfigured,
            SyncError::Offline(_) => ErrorCode::SyncOffline,
            SyncError::Timeout => ErrorCode::SyncTimeout,
            SyncError::LoginRequired(_) => ErrorCode::SyncLoginRequired,
            SyncError::Unauthorized => ErrorCode::SyncUnauthorized,
            SyncError::Busy { .. } => ErrorCode::SyncBusy,
            SyncError::ServerError { .. } => ErrorCode::SyncServerError,
            SyncError::Rejected { .. } => ErrorCode::SyncRejected,
            SyncError::TooLarge { by_service: true } => ErrorCode::ClaimTooLarge,
            SyncError::TooLarge { by_service: false } => ErrorCode::ClaimTooLargeOnTheWay,
            SyncError::LocalStore(_) => ErrorCode::SyncLocalStore,
        }
    }

    /// The `{code, message, errors}` shape stored on the claim and shown to the clerk, with
    /// what to do next.
    pub fn problem(&self) -> ErrorBody {
        if let SyncError::Rejected { problem, .. } = self {
            return (**problem).clone();
        }
        // The clerk's words are the catalogue's (`error.sync.*`), as the window shows them.
        let message = catalogue::message(self.code(), None, &[]);
        ErrorBody::new(self.code(), message)
    }
}

/// The parts of an HTTP answer that decide the outcome.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// HTTP status.
    pub status: u16,
    /// Whether the answer carries the claims service's own header.
    pub from_service: bool,
    /// `Location`, for redirects.
    pub location: Option<&'a str>,
    /// `Retry-After`, as sent.
    pub retry_after: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// What the preflight's answer means: only the service's own `204` is a go.
pub fn classify_ping(answer: Answer<'_>) -> Result<(), SyncError> {
    if let Some(e) = busy_or_foreign(answer) {
        return Err(e);
    }
    match answer.status {
        204 => Ok(()),
        401 | 403 => Err(SyncError::Unauthorized),
        status => Err(SyncError::ServerError { status }),
    }
}

/// Decides what the answer to posting claim `id` means.
pub fn classify(id: ClaimId, answer: Answer<'_>) -> Result<Receipt, SyncError> {
    if let Some(e) = busy_or_foreign(answer) {
        return Err(e);
    }
    let status = answer.status;
    match status {
        200 | 201 => match serde_json::from_slice::<Receipt>(answer.body) {
            Ok(r) if r.id == id && is_case_reference(&r.case_reference) => Ok(r),
            _ => Err(SyncError::ServerError { status }),
        },
        300..=399 => Err(SyncError::LoginRequired(format!(
            "redirected to {}",
            answer.location.unwrap_or("another address")
        ))),
        401 | 403 => Err(SyncError::Unauthorized),
        _ => Err(SyncError::Rejected {
            status,
            problem: Box::new(rejection(status, answer.body)),
        }),
    }
}

/// Decides what the answer to posting addition `id` means: as for a claim, only the
/// service's own `200`/`201` with this addition's receipt is success.
pub fn classify_addition(id: ClaimId, answer: Answer<'_>) -> Result<AdditionReceipt, SyncError> {
    if let Some(e) = busy_or_foreign(answer) {
        return Err(e);
    }
    let status = answer.status;
    match status {
        200 | 201 => match serde_json::from_slice::<AdditionReceipt>(answer.body) {
            Ok(r) if r.id == id => Ok(r),
            _ => Err(SyncError::ServerError { status }),
        },
        300..=399 => Err(SyncError::LoginRequired(format!(
            "redirected to {}",
            answer.location.unwrap_or("another address")
        ))),
        401 | 403 => Err(SyncError::Unauthorized),
        _ => Err(SyncError::Rejected {
            status,
            problem: Box::new(rejection(status, answer.body)),
        }),
    }
}

/// What the answer to a lookup means: the service's own `200` with a status, or its own
/// `404` (no such claim in the fleet); anything else is an error.
pub fn classify_lookup(answer: Answer<'_>) -> Result<Option<Lookup>, SyncError> {
    if let Some(e) = busy_or_foreign(answer) {
        return Err(e);
    }
    match answer.status {
        200 => serde_json::from_slice::<Lookup>(answer.body)
            .map(Some)
            .map_err(|_| SyncError::ServerError { status: 200 }),
        404 => Ok(None),
        401 | 403 => Err(SyncError::Unauthorized),
        status => Err(SyncError::ServerError { status }),
    }
}

/// What the answer to pulling the change feed after `since` means. Only the service's own
/// `200` with changes numbered after `since`, in order, is a page; a service from before the
/// feed (its own `404`) has no changes.
pub fn classify_changes(since: u64, answer: Answer<'_>) -> Result<ChangesPage, SyncError> {
    if let Some(e) = busy_or_foreign(answer) {
        return Err(e);
    }
    let status = answer.status;
    match status {
        200 => match serde_json::from_slice::<ChangesPage>(answer.body) {
            Ok(page) if well_ordered(since, &page) => Ok(page),
            _ => Err(SyncError::ServerError { status }),
        },
        404 => Ok(ChangesPage {
            changes: Vec::new(),
            next: since,
            more: false,
        }),
        401 | 403 => Err(SyncError::Unauthorized),
        _ => Err(SyncError::ServerError { status }),
    }
}

/// Whether a page's changes come after `since`, in increasing order, ending at `next`.
fn well_ordered(since: u64, page: &ChangesPage) -> bool {
    let mut last = since;
    for c in &page.changes {
        if c.seq <= last {
            return false;
        }
        last = c.seq;
    }
    page.next == last
}

/// Answers that mean "later" whoever sent them (gateways in front of the service may lack
/// its header), and answers that did not come from the service at all.
fn busy_or_foreign(answer: Answer<'_>) -> Option<SyncError> {
    let status = answer.status;
    match status {
        408 | 423 | 429 | 503 => Some(SyncError::Busy {
            status,
            retry_after: answer.retry_after.and_then(parse_retry_after),
        }),
        500..=599 => Some(SyncError::ServerError { status }),
        // Too large is about this claim, whoever says it: never a login page, never success.
        413 => Some(SyncError::TooLarge {
            by_service: answer.from_service,
        }),
        _ if !answer.from_service => Some(SyncError::LoginRequired(match answer.location {
            Some(to) if (300..400).contains(&status) => format!("redirected to {to}"),
            _ => format!("HTTP {status} from something other than the claims service"),
        })),
        _ => None,
    }
}

fn rejection(status: u16, body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        ErrorBody::new(
            ErrorCode::SyncRejected,
            format!(
                "The claims service refused this claim (HTTP {status}). Check the claim, then queue it again."
            ),
        )
    })
}

/// The longest wait a `Retry-After` may impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as seconds or an HTTP date, capped at an hour.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let secs = (at.timestamp() - chrono::Utc::now().timestamp()).max(0);
        Duration::from_secs(secs.unsigned_abs())
    };
    Some(wait.min(MAX_RETRY_AFTER))
}
