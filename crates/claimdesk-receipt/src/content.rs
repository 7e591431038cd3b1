//! What a receipt says, worked out from the stored claim: the same for every paper size.

use claimdesk_model::catalogue::text;
use claimdesk_model::locale;
use claimdesk_model::{Claim, ClaimId, ClaimSummary, ErrorCode, Status};
use claimdesk_store::{Store, StoreError};

/// A receipt's content, in the words of the message catalogue (`receipt.*`). The window
/// shows (and prints) exactly this; the PDF lays it out for paper.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    /// "Warranty claim receipt".
    pub title: String,
    /// The claim's id: what the QR code holds.
    pub claim_id: ClaimId,
    /// The claim number's label.
    pub claim_number_label: String,
    /// The claim number, the largest text on the page.
    pub claim_number: String,
    /// The case reference's label and value, once the service has the claim.
    pub case_reference: Option<(String, String)>,
    /// Labelled lines: date, shop, customer, product …; empty values are left out.
    pub rows: Vec<(String, String)>,
    /// Where the claim stands (saved and waiting, received, withdrawn).
    pub status: String,
    /// What happens next.
    pub next: String,
    /// The line under the QR code.
    pub qr_caption: String,
}

/// Why a receipt cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// A draft has not been given to the customer yet.
    #[error("claim {0} is still a draft; queue it first")]
    Draft(ClaimId),
    /// The embedded fonts could not be read (a broken build).
    #[error("the receipt fonts could not be loaded")]
    Fonts,
    /// The QR code could not be made.
    #[error("the QR code could not be made: {0}")]
    Qr(String),
    /// The PDF could not be written.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The claim could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReceiptError {
    /// The stable code the window and scripts switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ReceiptError::Draft(_) => ErrorCode::ReceiptDraft,
            ReceiptError::Store(e) => e.code(),
            _ => ErrorCode::ReceiptFailed,
        }
    }

    /// Values for the message catalogue's placeholders.
    pub fn params(&self) -> Vec<(String, String)> {
        match self {
            ReceiptError::Draft(_) => Vec::new(),
            ReceiptError::Store(e) => e.params(),
            other => vec![("message".to_owned(), other.to_string())],
        }
    }
}

impl Receipt {
    /// The receipt for the stored claim `id`, with the shop name from Settings.
    pub fn of(store: &Store, id: ClaimId) -> Result<Receipt, ReceiptError> {
        let missing = || ReceiptError::Store(StoreError::NotFound(id));
        let claim = store.get(id)?.ok_or_else(missing)?;
        let row = store.summary(id)?.ok_or_else(missing)?;
        Receipt::new(&claim, &row, &store.shop_name()?)
    }

    /// The receipt for `claim` (with its queue row `row`), taken by `shop`, in the process's
    /// language. It is dated when the claim was taken (in this computer's time zone, as the
    /// language writes dates), so a reprint says the same.
    pub fn new(claim: &Claim, row: &ClaimSummary, shop: &str) -> Result<Receipt, ReceiptError> {
        let (_, pattern) = locale::date_patterns(locale::language());
        let date = chrono::DateTime::parse_from_rfc3339(&claim.created_at)
            .map(|d| d.with_timezone(&chrono::Local).format(pattern).to_string())
            .unwrap_or_else(|_| claim.created_at.clone());
        let t = |key: &str| text(key, &[]);
        let status = match row.status {
            Status::Draft => return Err(ReceiptError::Draft(claim.id)),
            Status::Sent => t("receipt.sent"),
            Status::Withdrawn => t("receipt.withdrawn"),
            Status::NeedsAttention => t("receipt.attention"),
            _ => t("receipt.queued"),
        };
        let f = &claim.fields;
        let product = [f.product_name.trim(), f.sku.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let rows = [
            ("receipt.date", date),
            ("receipt.shop", shop.to_owned()),
            ("receipt.customer", f.contact_name.clone()),
            ("receipt.email", f.email.clone()),
            ("receipt.product", product),
            ("receipt.serial", f.serial_number.clone()),
            ("receipt.order", f.order_id.clone()),
            ("receipt.purchased", local_date(&f.purchase_date)),
            (
                "receipt.replaces",
                row.supersedes
                    .as_ref()
                    .map(|l| l.claim_number.clone())
                    .unwrap_or_default(),
            ),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (t(k), v.trim().to_owned()))
        .collect();
        Ok(Receipt {
            title: t("receipt.title"),
            claim_id: claim.id,
            claim_number_label: t("receipt.claim_number"),
            claim_number: row.claim_number.clone(),
            case_reference: row
                .case_reference
                .clone()
                .map(|r| (t("receipt.case_reference"), r)),
            rows,
            status,
            next: t("receipt.next"),
            qr_caption: t("receipt.qr"),
        })
    }
}

/// An ISO date as the process's language writes it (anything else as it is).
fn local_date(iso: &str) -> String {
    let (pattern, _) = locale::date_patterns(locale::language());
    chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d")
        .map(|d| d.format(pattern).to_string())
        .unwrap_or_else(|_| iso.to_owned())
}
