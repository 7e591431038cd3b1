//! The warranty claim: its identity, fields and lifecycle. The one place these rules live.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a UUIDv7 identity and the error for text that is not one.
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $bad:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// Mints a new, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// The 16 bytes of the id.
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        #[doc = concat!("The text is not ", $what, " (a UUID).")]
        #[derive(Debug, thiserror::Error)]
        #[error("“{0}” is not {what} (expected a UUID such as 0193a1b2-…)", what = $what)]
        pub struct $bad(pub String);

        impl FromStr for $name {
            type Err = $bad;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| $bad(s.to_owned()))
            }
        }
    };
}

uuid_id! {
    /// A claim's identity: a UUIDv7 minted when the draft is created, never changed afterwards.
    /// It is the idempotency key from the counter to the claims service.
    ClaimId, BadClaimId, "a claim id"
}

uuid_id! {
    /// An attachment's identity: a UUIDv7 minted when it is stored. Not a [`ClaimId`], so the
    /// two cannot be swapped by mistake.
    AttachmentId, BadAttachmentId, "an attachment id"
}

crate::vocabulary! {
    /// Where the claim stands.
    ///
    /// ```text
    /// draft ──valid──▶ ready ──picked──▶ sending ──accepted──▶ sent
    ///                    ▲                  │
    ///                    └────retryable─────┤
    ///                                       └──rejected──▶ needs_attention ──edit──▶ draft
    ///
    /// draft, ready, needs_attention ──withdraw──▶ withdrawn
    ///
    /// sent, needs_attention ──correct / send as new──▶ a new draft that supersedes it
    /// (a replaced needs_attention claim is withdrawn when its replacement is queued)
    /// ```
    pub enum Status ("status") {
        /// Being typed; may be incomplete or invalid.
        Draft = "draft",
        /// Valid and queued to send.
        Ready = "ready",
        /// An upload has started (written before the request leaves).
        Sending = "sending",
        /// Accepted by the claims service; final.
        Sent = "sent",
        /// Rejected by the claims service; the clerk must fix it.
        NeedsAttention = "needs_attention",
        /// Taken back by the clerk before it was sent: never sent; kept, greyed, in the list.
        Withdrawn = "withdrawn",
    }
}

impl Status {
    /// Whether the clerk may still change the claim's fields.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::NeedsAttention)
    }

    /// Whether the claim waits in the outbox (queued, or an upload started).
    pub fn is_pending(self) -> bool {
        matches!(self, Status::Ready | Status::Sending)
    }

    /// Whether the clerk may withdraw the claim: not while an upload of it is under way, not
    /// once the service has it.
    pub fn is_withdrawable(self) -> bool {
        matches!(self, Status::Draft | Status::Ready | Status::NeedsAttention)
    }

    /// Whether the clerk may replace the claim by a new one that supersedes it: *Correct* a
    /// sent claim, *Send as a new claim* one the service refused (a `409` can never be sent
    /// again under its id).
    pub fn is_replaceable(self) -> bool {
        matches!(self, Status::Sent | Status::NeedsAttention)
    }
}

/// What the UI needs to know about a status, so it never compares status names itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusTraits {
    /// The status.
    pub name: Status,
    /// The clerk may still change it ([`Status::is_editable`]).
    pub editable: bool,
    /// It waits in the outbox ([`Status::is_pending`]).
    pub pending: bool,
    /// An upload of it is under way.
    pub uploading: bool,
    /// The claims service has it; it has a case reference.
    pub delivered: bool,
    /// The claims service refused it; the clerk must fix it.
    pub refused: bool,
    /// The clerk may withdraw it ([`Status::is_withdrawable`]).
    pub withdrawable: bool,
    /// It was withdrawn: shown greyed, never sent.
    pub withdrawn: bool,
    /// A new claim may replace it ([`Status::is_replaceable`]).
    pub replaceable: bool,
    /// The customer has been given it: it has a receipt (every status but a draft).
    pub has_receipt: bool,
}

impl Status {
    /// Its traits, for the UI.
    pub fn traits(self) -> StatusTraits {
        StatusTraits {
            name: self,
            editable: self.is_editable(),
            pending: self.is_pending(),
            uploading: self == Status::Sending,
            delivered: self == Status::Sent,
            refused: self == Status::NeedsAttention,
            withdrawable: self.is_withdrawable(),
            withdrawn: self == Status::Withdrawn,
            replaceable: self.is_replaceable(),
            has_receipt: self != Status::Draft,
        }
    }
}

impl Channel {
    /// Whether a claim bought this way names its Amazon site.
    pub fn needs_marketplace(self) -> bool {
        self == Channel::Amazon
    }
}

/// How long a claim may wait in the outbox before the window warns that it has not been sent.
pub const STALE_AFTER_DAYS: u32 = 3;

crate::vocabulary! {
    /// Where the product was bought, in the order the form lists them.
    pub enum Channel ("channel") {
        /// The manufacturer's own web store.
        OwnStore = "own_store",
        /// An Amazon marketplace (see [`AMAZON_MARKETPLACES`]).
        Amazon = "amazon",
        /// eBay.
        Ebay = "ebay",
        /// An authorised reseller (often the shop filing the claim).
        Reseller = "reseller",
    }
}

/// The Amazon purchase sites the seed form offers.
pub const AMAZON_MARKETPLACES: [&str; 9] = [
    "amazon.com",
    "amazon.co.uk",
    "amazon.ca",
    "amazon.es",
    "amazon.it",
    "amazon.fr",
    "amazon.de",
    "amazon.com.au",
    "amazon.com.mx",
];

/// Declares [`ClaimFields`] and its name list from one list of fields, in export order (also
/// the store's column names and the form's tab order of the data).
macro_rules! claim_fields {
    ($( $(#[$doc:meta])* $field:ident, )+) => {
        /// Everything the clerk types, as typed. A draft may hold anything;
        /// [`crate::validate`] turns valid fields into their normalised form before a claim
        /// becomes `ready`.
        ///
        /// Field names are the export names (see README, "Export format").
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct ClaimFields {
            $( $(#[$doc])* pub $field: String, )+
        }

        impl ClaimFields {
            /// The field names, in export order (also the store's column names).
            pub const NAMES: [&'static str; FIELD_COUNT] = [$(stringify!($field),)+];

            /// The values, in the order of [`ClaimFields::NAMES`].
            pub fn values(&self) -> [&str; FIELD_COUNT] {
                [$(&self.$field,)+]
            }

            /// The field called `name`, for setting by name; `None` for an unknown name.
            pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)+
                    _ => None,
                }
            }
        }

        /// How many fields a claim has.
        pub const FIELD_COUNT: usize = [$(stringify!($field),)+].len();
    };
}

claim_fields! {
    /// `own_store`, `amazon`, `ebay` or `reseller` (see [`Channel`]).
    channel,
    /// The Amazon domain (e.g. `amazon.de`) when the channel is Amazon, else empty.
    marketplace,
    /// Customer's email address.
    email,
    /// Customer's name.
    contact_name,
    /// Order id from the order history.
    order_id,
    /// Product name.
    product_name,
    /// Product SKU / model number.
    sku,
    /// Serial number as printed on the product (normalised to e.g. `FY529241`).
    serial_number,
    /// Date of purchase, `YYYY-MM-DD`.
    purchase_date,
    /// Address line 1.
    address_line1,
    /// Address line 2.
    address_line2,
    /// ISO 3166-1 alpha-2 country code.
    country,
    /// State / territory / province, as the country's postal key (e.g. `CA`).
    region,
    /// City.
    city,
    /// ZIP / postal code.
    postal_code,
    /// Phone number (E.164 once valid, e.g. `+4930123456`).
    phone,
    /// What is wrong with the product.
    issue,
    /// A note for colleagues; not part of the customer's claim text.
    staff_note,
}

/// The columns of a stored claim before its fields, in export order (the store's and the
/// export's head columns).
pub const HEAD_COLUMNS: [&str; 4] = ["id", "status", "created_at", "updated_at"];

/// A stored claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// Identity and idempotency key.
    pub id: ClaimId,
    /// Lifecycle state.
    pub status: Status,
    /// When the draft was first saved (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// What was typed (normalised once `ready`).
    #[serde(flatten)]
    pub fields: ClaimFields,
}

/// One row of the queue view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimSummary {
    /// Identity.
    pub id: ClaimId,
    /// The number the customer was given ([`crate::claim_number`]).
    pub claim_number: String,
    /// Lifecycle state.
    pub status: Status,
    /// Whether the clerk may still change it ([`Status::is_editable`]), so the UI need not
    /// re-derive the rule.
    pub editable: bool,
    /// Whether a new claim may replace it (*Correct*, *Send as new claim*), so the UI need
    /// not re-derive the rule.
    pub replaceable: bool,
    /// When the draft was first saved.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
    /// Customer's name.
    pub contact_name: String,
    /// Customer's email.
    pub email: String,
    /// Product name.
    pub product_name: String,
    /// When it was queued to send.
    pub queued_at: Option<String>,
    /// The claims service's reference, once sent.
    pub case_reference: Option<String>,
    /// When the claims service received it.
    pub sent_at: Option<String>,
    /// Why the last send did not succeed (for `needs_attention`, the service's reasons).
    pub problem: Option<crate::wire::ErrorBody>,
    /// When the clerk withdrew it.
    pub withdrawn_at: Option<String>,
    /// Who withdrew it (the computer's user).
    pub withdrawn_by: Option<String>,
    /// The claim this one replaces (corrects, or sends anew).
    pub supersedes: Option<ClaimLink>,
    /// The newest claim that replaces this one (not withdrawn).
    pub superseded_by: Option<ClaimLink>,
    /// What the office decided, once the service's feed said so.
    pub review: Option<Review>,
    /// Where the clerk's latest answer to "more information needed" stands, if there is one
    /// (`draft` while being written).
    pub answer: Option<Status>,
}

/// The office's latest decision on a sent claim, as the counter shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The claim's status at the service ([`crate::wire::ServiceStatus`]).
    pub status: String,
    /// What the office told the counter.
    pub note: String,
    /// The replacement's carrier tracking number.
    pub tracking: Option<String>,
    /// When the office decided.
    pub at: String,
    /// Whether the clerk can answer with an addition (more information was asked for).
    pub takes_additions: bool,
}

/// Another claim named by a claim: its id and the claim number to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimLink {
    /// The other claim.
    pub id: ClaimId,
    /// Its claim number.
    pub claim_number: String,
}

impl From<ClaimId> for ClaimLink {
    fn from(id: ClaimId) -> Self {
        ClaimLink {
            claim_number: crate::claim_number::claim_number(id),
            id,
        }
    }
}

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
