//! The wire contract between ClaimDesk and the claims service (the OpenAPI document is
//! `crates/claimdesk-server/openapi.yaml`): the claim as sent, how its content is hashed for
//! idempotency, what the service answers, and the case-reference format.

pub use crate::attachment::{is_sha256_hex, sha256_hex};
use crate::attachment::{Kind, MAX_CLAIM_BYTES};
use crate::claim::{ClaimFields, ClaimId};
use crate::code::ErrorCode;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Header every answer of the real service carries (`claimdesk-server/<version>; api=1`).
/// A 2xx or redirect without it came from something else: a captive portal, a proxy page.
pub const SERVER_HEADER: &str = "x-claimdesk-server";
/// Header on the preflight advertising the largest request body accepted, in bytes.
pub const MAX_BODY_HEADER: &str = "x-claimdesk-max-body-bytes";
/// The preflight: `204` with [`SERVER_HEADER`] from the real service.
pub const PING_PATH: &str = "/v1/ping";
/// Where claims are posted, and (with `/{id}`) read back.
pub const CLAIMS_PATH: &str = "/v1/claims";
/// The multipart part that carries the claim JSON; each attachment's part is named by its
/// SHA-256.
pub const CLAIM_PART: &str = "claim";

/// Room above the attachment bytes for the claim JSON and the multipart framing.
pub const BODY_OVERHEAD: u64 = 256 * 1024;
/// The largest request body the service accepts: every attachment byte a claim may carry
/// plus [`BODY_OVERHEAD`].
pub const MAX_BODY_BYTES: u64 = MAX_CLAIM_BYTES + BODY_OVERHEAD;
/// Largest claim JSON part.
pub const MAX_CLAIM_JSON: usize = 64 * 1024;

/// A claim as it travels: identity, fields and the attachments' fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimPayload {
    /// The claim's id, minted at the counter: the idempotency key.
    pub id: ClaimId,
    /// When the clerk started the claim (RFC 3339, UTC).
    pub created_at: String,
    /// The claim's fields, normalised.
    pub fields: ClaimFields,
    /// One entry per attachment part, in the order the clerk attached them.
    pub attachments: Vec<AttachmentRef>,
    /// The claim this one replaces (a correction of a sent claim, or a claim refused as a
    /// conflict sent anew). Absent for most claims, and then not part of the canonical JSON,
    /// so the content hash of a claim made before this field existed is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ClaimId>,
}

/// What the claim JSON says about one attachment part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// Lower-case hex SHA-256 of the part's bytes; also the part's name.
    pub sha256: String,
    /// What it shows.
    pub kind: Kind,
    /// `image/jpeg` or `application/pdf`.
    pub media_type: String,
    /// The part's length in bytes.
    pub byte_size: u64,
    /// The file name it came from (may be empty).
    #[serde(default)]
    pub original_name: String,
}

impl ClaimPayload {
    /// The content hash both sides compare: SHA-256 of the canonical JSON (fields in their
    /// fixed order, attachments by their hashes). Same id + same hash = the same claim.
    pub fn content_hash(&self) -> String {
        // Serialising plain structs of strings and numbers cannot fail.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        sha256_hex(&canonical)
    }
}

/// The service's receipt for an accepted claim (`201` first time, `200` on a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The claim's id.
    pub id: ClaimId,
    /// The reference to give the customer, e.g. `CD-7KQ2-M9XA`.
    pub case_reference: String,
    /// When the service first stored it (RFC 3339, UTC).
    pub received_at: String,
    /// Where the claim stands at the service now ([`ServiceStatus`]).
    #[serde(default = "received")]
    pub status: String,
    /// The claim this one replaces, as the service stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ClaimId>,
    /// The newest claim the service received that replaces this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<ClaimId>,
}

fn received() -> String {
    ServiceStatus::Received.as_str().to_owned()
}

crate::vocabulary! {
    /// Where a claim stands at the claims service: received, then the office's review. The
    /// moves the office may make are [`ServiceStatus::next`].
    pub enum ServiceStatus ("service status") {
        /// Stored; nobody has looked at it yet.
        Received = "received",
        /// A reviewer is looking at it.
        InReview = "in_review",
        /// The claim is accepted.
        Approved = "approved",
        /// The claim is refused (the note says why).
        Rejected = "rejected",
        /// The office needs something more from the customer (the note says what); the
        /// counter answers with an addition.
        MoreInfoNeeded = "more_info_needed",
        /// A replacement is on its way (with a carrier tracking number).
        ReplacementShipped = "replacement_shipped",
        /// Nothing more will happen.
        Closed = "closed",
    }
}

impl ServiceStatus {
    /// The statuses a claim in this one may be moved to.
    pub const fn next(self) -> &'static [ServiceStatus] {
        use ServiceStatus::*;
        match self {
            Received => &[InReview],
            InReview => &[Approved, Rejected, MoreInfoNeeded],
            MoreInfoNeeded => &[InReview, Approved, Rejected],
            Approved => &[ReplacementShipped, Closed],
            Rejected => &[Closed],
            ReplacementShipped => &[Closed],
            Closed => &[],
        }
    }

    /// Whether a claim in this status may be moved to `to`.
    pub fn may_move_to(self, to: ServiceStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether moving to this status needs a carrier tracking number.
    pub const fn needs_tracking(self) -> bool {
        matches!(self, ServiceStatus::ReplacementShipped)
    }

    /// Whether the counter can answer a claim in this status with an addition.
    pub const fn takes_additions(self) -> bool {
        matches!(self, ServiceStatus::MoreInfoNeeded)
    }
}

/// The longest note a review may carry to the counter.
pub const MAX_REVIEW_NOTE: usize = 2000;
/// The longest carrier tracking number.
pub const MAX_TRACKING: usize = 64;

/// The multipart part that carries an addition's JSON.
pub const ADDITION_PART: &str = "addition";

/// Where an addition to claim `claim` is posted.
pub fn additions_path(claim: ClaimId) -> String {
    format!("{CLAIMS_PATH}/{claim}/additions")
}

/// What the counter sends when the office asked for more information: a note and more
/// attachments, added to the claim (which itself never changes). Its own id is its
/// idempotency key, as a claim's is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionPayload {
    /// The addition's id, minted at the counter.
    pub id: ClaimId,
    /// The claim it adds to.
    pub claim_id: ClaimId,
    /// When the clerk made it (RFC 3339, UTC).
    pub created_at: String,
    /// What the clerk writes to the office (may be empty if photos say it all).
    #[serde(default)]
    pub note: String,
    /// One entry per attachment part, in order.
    pub attachments: Vec<AttachmentRef>,
}

impl AdditionPayload {
    /// SHA-256 of the canonical JSON: same id + same hash = the same addition.
    pub fn content_hash(&self) -> String {
        sha256_hex(&serde_json::to_vec(self).unwrap_or_default())
    }
}

/// The service's answer to an addition (`201` first time, `200` on a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionReceipt {
    /// The addition's id.
    pub id: ClaimId,
    /// The claim it was added to.
    pub claim_id: ClaimId,
    /// When the service first stored it.
    pub received_at: String,
}

/// Where a device looks up a claim of its fleet by id, case reference or claim number
/// (`/{key}`).
pub const LOOKUP_PATH: &str = "/v1/lookup";

/// Where a claim of the asking device's fleet stands: what a counter tells a customer who
/// comes back with the receipt — never the claim's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// The claim's id.
    pub id: ClaimId,
    /// Its claim number.
    pub claim_number: String,
    /// Its case reference.
    pub case_reference: String,
    /// When the service received it.
    pub received_at: String,
    /// Its status ([`ServiceStatus`]).
    pub status: String,
    /// The office's last note to the counter.
    #[serde(default)]
    pub note: String,
    /// The replacement's tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    /// When it last changed.
    pub updated_at: String,
    /// Whether the asking device sent it.
    pub yours: bool,
}

/// Where a device pulls what happened to its claims (`?since=<seq>`).
pub const CHANGES_PATH: &str = "/v1/changes";
/// The most changes one page of the feed holds.
pub const MAX_CHANGES_PAGE: u32 = 500;

/// One decision of the office on one of the device's claims, numbered in the device's own
/// feed: `seq` grows by one per change, with no gaps, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Its number in the device's feed.
    pub seq: u64,
    /// The claim.
    pub claim_id: ClaimId,
    /// The claim's new status.
    pub status: String,
    /// What the office says to the counter (may be empty).
    #[serde(default)]
    pub note: String,
    /// The carrier tracking number, when a replacement was shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    /// When the decision was made (RFC 3339, UTC).
    pub at: String,
}

/// A page of the device's feed: the changes after `since`, oldest first, and the cursor to
/// ask with next (the last change's `seq`, or `since` when there were none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesPage {
    /// The changes, oldest first.
    pub changes: Vec<Change>,
    /// Where the next pull starts.
    pub next: u64,
    /// Whether more changes wait after this page.
    pub more: bool,
}

/// Every error answer of the service: the same `{code, message, field?}` shape as the app's,
/// with per-field problems in `errors` for `422`.
///
/// `code` is text on the wire (a newer service may send a code this build does not know, and
/// the clerk still sees its message); everything this code base sends is an [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code, e.g. `validation`, `claim.conflict`, `auth.invalid_token`.
    pub code: String,
    /// What happened, in English.
    pub message: String,
    /// The field concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// One entry per field problem (for `validation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Values for the message catalogue's placeholders (e.g. a size and a limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

/// Characters of a case reference: digits and capitals without 0/O, 1/I/L and U, so a
/// reference read aloud over a counter or a phone line cannot be misheard as another.
pub const REFERENCE_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Builds a case reference `CD-XXXX-XXXX` from eight random bytes.
pub fn case_reference(random: [u8; 8]) -> String {
    let pick = |b: u8| char::from(REFERENCE_ALPHABET[usize::from(b) % REFERENCE_ALPHABET.len()]);
    let chars: String = random.iter().map(|b| pick(*b)).collect();
    format!("CD-{}-{}", &chars[..4], &chars[4..])
}

/// Whether `s` has the shape of a case reference.
pub fn is_case_reference(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && s.starts_with("CD-")
        && b[7] == b'-'
        && b[3..7]
            .iter()
            .chain(&b[8..])
            .all(|c| REFERENCE_ALPHABET.contains(c))
}

impl ErrorBody {
    /// An error with no field and no field problems.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message: message.into(),
            field: None,
            errors: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The error `code` with its placeholders' values; the message is the catalogue's.
    pub fn from_catalogue(code: ErrorCode, params: Vec<(String, String)>) -> Self {
        Self {
            message: crate::catalogue::message(code, None, &params),
            params,
            ..Self::new(code, String::new())
        }
    }

    /// The code, if this build knows it.
    pub fn known_code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_well_formed_and_unambiguous() {
        let r = case_reference([0, 1, 2, 3, 250, 251, 252, 255]);
        assert!(is_case_reference(&r), "{r}");
        assert!(!r.contains(['0', 'O', '1', 'I', 'L', 'U']));
        assert!(!is_case_reference("CD-0000-0000"));
        assert!(!is_case_reference("<html>"));
    }

    #[test]
    fn a_claim_without_supersedes_hashes_as_before_the_field_existed() {
        // The canonical JSON of a claim sent by a build without `supersedes`.
        let old = r#"{"id":"019ab3c2-5d6e-7f80-9a1b-2c3d4e5f6a7b","created_at":"2026-11-26T08:00:00.000Z","fields":{},"attachments":[]}"#;
        let payload: ClaimPayload = serde_json::from_str(old).expect("old claim");
        assert_eq!(payload.supersedes, None);
        let fields = serde_json::to_string(&payload.fields).expect("fields");
        let expected = old.replace(r#""fields":{}"#, &format!(r#""fields":{fields}"#));
        assert_eq!(payload.content_hash(), sha256_hex(expected.as_bytes()));
        let replacing = ClaimPayload {
            supersedes: Some(payload.id),
            ..payload.clone()
        };
        assert_ne!(replacing.content_hash(), payload.content_hash());
    }

    #[test]
    fn every_review_status_is_reachable_and_ends_closed() {
        let mut seen = vec![ServiceStatus::Received];
        let mut i = 0;
        while i < seen.len() {
            for &n in seen[i].next() {
                assert_ne!(n, seen[i], "{} moves to itself", n);
                if !seen.contains(&n) {
                    seen.push(n);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), ServiceStatus::ALL.len());
        assert!(ServiceStatus::Closed.next().is_empty());
        assert!(!ServiceStatus::Received.may_move_to(ServiceStatus::Approved));
        assert!(ServiceStatus::Approved.may_move_to(ServiceStatus::ReplacementShipped));
    }
}
