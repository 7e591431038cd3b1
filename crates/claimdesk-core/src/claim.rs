//! The warranty claim: its identity, fields and lifecycle. The one place these rules live.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A claim's identity: a UUIDv7 minted when the draft is created, never changed afterwards.
/// It is the idempotency key from the counter to the claims service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClaimId(uuid::Uuid);

impl ClaimId {
    /// Mints a new, time-ordered id.
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }
}

impl Default for ClaimId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ClaimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The text is not a claim id (a UUID).
#[derive(Debug, thiserror::Error)]
#[error("“{0}” is not a claim id (expected a UUID such as 0193a1b2-…)")]
pub struct BadClaimId(pub String);

impl FromStr for ClaimId {
    type Err = BadClaimId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| BadClaimId(s.to_owned()))
    }
}

/// Where the claim stands. Stored as its snake_case name.
///
/// ```text
/// draft ──valid──▶ ready ──picked──▶ sending ──accepted──▶ sent
///                    ▲                  │
///                    └────retryable─────┤
///                                       └──rejected──▶ needs_attention ──edit──▶ draft
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being typed; may be incomplete or invalid.
    Draft,
    /// Valid and queued to send.
    Ready,
    /// An upload has started (written before the request leaves).
    Sending,
    /// Accepted by the claims service; final.
    Sent,
    /// Rejected by the claims service; the clerk must fix it.
    NeedsAttention,
}

impl Status {
    /// All statuses, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Ready,
        Status::Sending,
        Status::Sent,
        Status::NeedsAttention,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Ready => "ready",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::NeedsAttention => "needs_attention",
        }
    }

    /// Whether the clerk may still change the claim's fields.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::NeedsAttention)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known status.
#[derive(Debug, thiserror::Error)]
#[error("unknown status “{0}”")]
pub struct BadStatus(pub String);

impl FromStr for Status {
    type Err = BadStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| BadStatus(s.to_owned()))
    }
}

/// Where the product was bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The manufacturer's own web store.
    OwnStore,
    /// An Amazon marketplace (see [`AMAZON_MARKETPLACES`]).
    Amazon,
    /// eBay.
    Ebay,
    /// An authorised reseller (often the shop filing the claim).
    Reseller,
}

impl Channel {
    /// All channels, in the order the form lists them.
    pub const ALL: [Channel; 4] = [
        Channel::OwnStore,
        Channel::Amazon,
        Channel::Ebay,
        Channel::Reseller,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::OwnStore => "own_store",
            Channel::Amazon => "amazon",
            Channel::Ebay => "ebay",
            Channel::Reseller => "reseller",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
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

/// Everything the clerk types, as typed. A draft may hold anything; [`crate::validate`]
/// turns valid fields into their normalised form before a claim becomes `ready`.
///
/// Field names are the export names (see README, "Export format").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimFields {
    /// `own_store`, `amazon`, `ebay` or `reseller`.
    pub channel: String,
    /// The Amazon domain (e.g. `amazon.de`) when the channel is Amazon, else empty.
    pub marketplace: String,
    /// Customer's email address.
    pub email: String,
    /// Customer's name.
    pub contact_name: String,
    /// Order id from the order history.
    pub order_id: String,
    /// Product name.
    pub product_name: String,
    /// Product SKU / model number.
    pub sku: String,
    /// Serial number as printed on the product (normalised to e.g. `FY529241`).
    pub serial_number: String,
    /// Date of purchase, `YYYY-MM-DD`.
    pub purchase_date: String,
    /// Address line 1.
    pub address_line1: String,
    /// Address line 2.
    pub address_line2: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// State / territory / province, as the country's postal key (e.g. `CA`).
    pub region: String,
    /// City.
    pub city: String,
    /// ZIP / postal code.
    pub postal_code: String,
    /// Phone number (E.164 once valid, e.g. `+4930123456`).
    pub phone: String,
    /// What is wrong with the product.
    pub issue: String,
    /// A note for colleagues; not part of the customer's claim text.
    pub staff_note: String,
}

impl ClaimFields {
    /// The field names, in export order (also the store's column names).
    pub const NAMES: [&'static str; 18] = [
        "channel",
        "marketplace",
        "email",
        "contact_name",
        "order_id",
        "product_name",
        "sku",
        "serial_number",
        "purchase_date",
        "address_line1",
        "address_line2",
        "country",
        "region",
        "city",
        "postal_code",
        "phone",
        "issue",
        "staff_note",
    ];

    /// The values, in the order of [`ClaimFields::NAMES`].
    pub fn values(&self) -> [&str; 18] {
        [
            &self.channel,
            &self.marketplace,
            &self.email,
            &self.contact_name,
            &self.order_id,
            &self.product_name,
            &self.sku,
            &self.serial_number,
            &self.purchase_date,
            &self.address_line1,
            &self.address_line2,
            &self.country,
            &self.region,
            &self.city,
            &self.postal_code,
            &self.phone,
            &self.issue,
            &self.staff_note,
        ]
    }

    /// The field called `name`, for setting by name; `None` for an unknown name.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "channel" => &mut self.channel,
            "marketplace" => &mut self.marketplace,
            "email" => &mut self.email,
            "contact_name" => &mut self.contact_name,
            "order_id" => &mut self.order_id,
            "product_name" => &mut self.product_name,
            "sku" => &mut self.sku,
            "serial_number" => &mut self.serial_number,
            "purchase_date" => &mut self.purchase_date,
            "address_line1" => &mut self.address_line1,
            "address_line2" => &mut self.address_line2,
            "country" => &mut self.country,
            "region" => &mut self.region,
            "city" => &mut self.city,
            "postal_code" => &mut self.postal_code,
            "phone" => &mut self.phone,
            "issue" => &mut self.issue,
            "staff_note" => &mut self.staff_note,
            _ => return None,
        })
    }
}

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
    /// Lifecycle state.
    pub status: Status,
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
}

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
