//! What the office reads about claims: the filtered, paged list, one claim with everything
//! about it, and the pull API's pages. Written once over [`Db`] for both stores.

use crate::review::AuditEntry;
use crate::sql::{Db, Row, Value};
use crate::storage::{Received, StorageError};
use claimdesk_model::claim_number::{claim_number, parse_claim_number};
use claimdesk_model::wire::{is_case_reference, ClaimPayload};
use claimdesk_model::ClaimId;
use serde::{Deserialize, Serialize};

/// Claims per page of the office's list.
pub const PAGE: i64 = 50;
/// Claims per page of the pull API.
pub const API_PAGE: i64 = 100;

/// The office list's filters, as the search form sends them (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// A case reference, claim number or claim id, or text found in the customer's name,
    /// the serial number, the order id or the product.
    pub q: String,
    /// A review status.
    pub status: String,
    /// The sending device.
    pub device: String,
    /// A country code.
    pub country: String,
    /// Text in the product name.
    pub product: String,
    /// Text in the serial number.
    pub serial: String,
    /// Text in the order id.
    pub order: String,
    /// Received on or after this day (YYYY-MM-DD).
    pub from: String,
    /// Received on or before this day (YYYY-MM-DD).
    pub to: String,
    /// The page, from 1.
    pub page: Option<u32>,
}

/// One row of the office's list.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    /// Claim id.
    pub id: String,
    /// Case reference.
    pub case_reference: String,
    /// Claim number.
    pub claim_number: String,
    /// Received.
    pub received_at: String,
    /// Sending device.
    pub device: String,
    /// Review status.
    pub status: String,
    /// Customer.
    pub contact_name: String,
    /// Product.
    pub product_name: String,
    /// Serial number.
    pub serial_number: String,
    /// Country.
    pub country: String,
}

/// `%text%` for LIKE, with LIKE's own characters escaped, lower-cased.
fn contains(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A WHERE clause built condition by condition, with `$N` placeholders.
#[derive(Default)]
struct Where {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Where {
    /// Adds `condition`, in which `$?` stands for `value`'s placeholder.
    fn and(&mut self, condition: &str, value: impl Into<Value>) {
        self.params.push(value.into());
        let n = self.params.len();
        self.conditions
            .push(condition.replace("$?", &format!("${n}")));
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

fn day_after(day: &str) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    Some(d.succ_opt()?.format("%Y-%m-%d").to_string())
}

fn valid_day(day: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

impl Filter {
    fn clause(&self) -> Where {
        let mut w = Where::default();
        let q = self.q.trim();
        if !q.is_empty() {
            let key = q.to_ascii_uppercase();
            if let Ok(id) = q.parse::<ClaimId>() {
                w.and("id = $?", id.to_string());
            } else if is_case_reference(&key) {
                w.and("case_reference = $?", key);
            } else if let Some(number) = parse_claim_number(&key) {
                w.and("claim_number = $?", number);
            } else {
                let like = contains(q);
                w.params.push(Value::from(like));
                let n = w.params.len();
                w.conditions.push(format!(
                    "(lower(contact_name) LIKE ${n} ESCAPE '\\' OR lower(serial_number) LIKE ${n} ESCAPE '\\'
                      OR lower(order_id) LIKE ${n} ESCAPE '\\' OR lower(product_name) LIKE ${n} ESCAPE '\\')"
                ));
            }
        }
        if !self.status.is_empty() {
            w.and("status = $?", self.status.clone());
        }
        if !self.device.trim().is_empty() {
            w.and("device = $?", self.device.trim().to_owned());
        }
        if !self.country.trim().is_empty() {
            w.and("country = $?", self.country.trim().to_ascii_uppercase());
        }
        for (text, column) in [
            (&self.product, "product_name"),
            (&self.serial, "serial_number"),
            (&self.order, "order_id"),
        ] {
            if !text.trim().is_empty() {
                w.and(
                    &format!("lower({column}) LIKE $? ESCAPE '\\'"),
                    contains(text),
                );
            }
        }
        if let Some(from) = valid_day(&self.from) {
            w.and("received_at >= $?", from);
        }
        if let Some(to) = day_after(&self.to) {
            w.and("received_at < $?", to);
        }
        w
    }

    /// The page asked for, from 1.
    pub fn page(&self) -> i64 {
        i64::from(self.page.unwrap_or(1).max(1))
    }
}

/// A page of the list, newest first; whether another page follows.
pub async fn list(db: &impl Db, filter: &Filter) -> Result<(Vec<ListRow>, bool), StorageError> {
    let mut w = filter.clause();
    let offset = (filter.page() - 1) * PAGE;
    w.params.push(Value::Int(PAGE + 1));
    w.params.push(Value::Int(offset));
    let n = w.params.len();
    let sql = format!(
        "SELECT id, case_reference, claim_number, received_at, device, status, contact_name,
             product_name, serial_number, country
         FROM claims{} ORDER BY received_at DESC, id DESC LIMIT ${} OFFSET ${n}",
        w.sql(),
        n - 1
    );
    let rows = db.query(&sql, w.params).await?;
    let more = rows.len() as i64 > PAGE;
    Ok((
        rows.into_iter()
            .take(PAGE as usize)
            .map(|r| ListRow {
                id: r[0].string(),
                case_reference: r[1].string(),
                claim_number: r[2].string(),
                received_at: r[3].string(),
                device: r[4].string(),
                status: r[5].string(),
                contact_name: r[6].string(),
                product_name: r[7].string(),
                serial_number: r[8].string(),
                country: r[9].string(),
            })
            .collect(),
        more,
    ))
}

/// The columns [`received`] reads.
const RECEIVED: &str = "SELECT case_reference, received_at, device, content_sha256, claim_json,
     (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
      ORDER BY r.received_at DESC, r.id DESC LIMIT 1) AS superseded_by_id,
     status, status_note, tracking, updated_at, id
 FROM claims";

fn received(r: &Row) -> Option<Received> {
    let claim: ClaimPayload = serde_json::from_str(r[4].text()?).ok()?;
    Some(Received {
        case_reference: r[0].string(),
        claim_number: claim_number(claim.id),
        received_at: r[1].string(),
        device: r[2].string(),
        content_sha256: r[3].string(),
        superseded_by: r[5].text().and_then(|s| s.parse().ok()),
        claim,
        status: r[6].string(),
        status_note: r[7].string(),
        tracking: r[8].text().map(str::to_owned),
        updated_at: r[9].string(),
    })
}

/// An addition the counter sent in answer to "more information needed".
#[derive(Debug, Clone, Serialize)]
pub struct Addition {
    /// Its id (its idempotency key).
    pub id: String,
    /// What the clerk wrote.
    pub note: String,
    /// When it arrived.
    pub received_at: String,
    /// Its attachments: SHA-256, kind, media type, size, file name.
    pub attachments: Vec<AttachmentMeta>,
}

/// An attachment's metadata as the office shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentMeta {
    /// SHA-256.
    pub sha256: String,
    /// What it shows.
    pub kind: String,
    /// Its media type.
    pub media_type: String,
    /// Bytes.
    pub byte_size: i64,
    /// The file name it came from.
    pub original_name: String,
}

impl AttachmentMeta {
    /// Whether it is a picture the page can show.
    pub fn is_image(&self) -> bool {
        self.media_type == "image/jpeg"
    }
}

/// One claim with everything the office shows about it.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    /// The claim as received, with its review state.
    #[serde(flatten)]
    pub received: Received,
    /// The additions the counter sent, oldest first.
    pub additions: Vec<Addition>,
}

/// The claim `id` with its additions.
pub async fn detail(db: &impl Db, id: ClaimId) -> Result<Option<Detail>, StorageError> {
    let rows = db
        .query(
            &format!("{RECEIVED} WHERE id = $1"),
            vec![id.to_string().into()],
        )
        .await?;
    let Some(received) = rows.first().and_then(received) else {
        return Ok(None);
    };
    let additions = additions(db, &[id.to_string()]).await?;
    Ok(Some(Detail {
        received,
        additions: additions.into_iter().map(|(_, a)| a).collect(),
    }))
}

/// The additions of the claims `ids`, each with its claim id, oldest first.
async fn additions(db: &impl Db, ids: &[String]) -> Result<Vec<(String, Addition)>, StorageError> {
    let mut out = Vec::new();
    for id in ids {
        let rows = db
            .query(
                "SELECT a.id, a.note, a.received_at, t.sha256, t.kind, t.media_type, t.byte_size,
                     t.original_name
                 FROM additions a LEFT JOIN addition_attachments t ON t.addition_id = a.id
                 WHERE a.claim_id = $1 ORDER BY a.received_at, a.id, t.position",
                vec![id.into()],
            )
            .await?;
        for r in rows {
            let aid = r[0].string();
            if out
                .last()
                .is_none_or(|(_, a): &(String, Addition)| a.id != aid)
            {
                out.push((
                    id.clone(),
                    Addition {
                        id: aid,
                        note: r[1].string(),
                        received_at: r[2].string(),
                        attachments: Vec::new(),
                    },
                ));
            }
            if let (Some(sha), Some((_, a))) = (r[3].text(), out.last_mut()) {
                a.attachments.push(AttachmentMeta {
                    sha256: sha.to_owned(),
                    kind: r[4].string(),
                    media_type: r[5].string(),
                    byte_size: r[6].int(),
                    original_name: r[7].string(),
                });
            }
        }
    }
    Ok(out)
}

/// Whether claim `id` names the blob `sha256` (itself or in an addition), and its media type.
pub async fn attachment_type(
    db: &impl Db,
    id: ClaimId,
    sha256: &str,
) -> Result<Option<String>, StorageError> {
    let rows = db
        .query(
            "SELECT media_type FROM attachments WHERE claim_id = $1 AND sha256 = $2
             UNION ALL
             SELECT t.media_type FROM addition_attachments t JOIN additions a ON a.id = t.addition_id
             WHERE a.claim_id = $1 AND t.sha256 = $2",
            vec![id.to_string().into(), sha256.into()],
        )
        .await?;
    Ok(rows.first().map(|r| r[0].string()))
}

/// A page of the pull API: claims changed after the cursor, oldest change first.
#[derive(Debug, Clone, Serialize)]
pub struct ApiPage {
    /// The claims, each with its additions.
    pub claims: Vec<Detail>,
    /// Where this page ended: ask with it next (absent only when nothing was ever returned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Whether more claims wait after this page.
    pub more: bool,
}

/// Claims whose review or additions changed after `after` (a time, RFC 3339) or after the
/// cursor `cursor` (from a previous page), oldest first — only changes at least `settle`
/// old, so that none stamped earlier can still be committing ([`crate::Limits::pull_settle`]).
pub async fn changed(
    db: &impl Db,
    after: Option<&str>,
    cursor: Option<&str>,
    settle: std::time::Duration,
) -> Result<ApiPage, StorageError> {
    let settled = (chrono::Utc::now()
        - chrono::Duration::from_std(settle).unwrap_or(chrono::Duration::zero()))
    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (at, id) = match cursor.and_then(|c| c.split_once('|')) {
        Some((at, id)) => (at.to_owned(), id.to_owned()),
        None => (after.unwrap_or("").to_owned(), String::new()),
    };
    let rows = db
        .query(
            &format!(
                "{RECEIVED} WHERE (claims.updated_at > $1
                     OR (claims.updated_at = $1 AND claims.id > $2))
                   AND claims.updated_at <= $4
                 ORDER BY claims.updated_at, claims.id LIMIT $3"
            ),
            vec![at.into(), id.into(), Value::Int(API_PAGE), settled.into()],
        )
        .await?;
    let full = rows.len() as i64 == API_PAGE;
    let mut claims = Vec::new();
    let mut last = None;
    for r in &rows {
        last = Some(format!("{}|{}", r[9].string(), r[10].string()));
        if let Some(received) = received(r) {
            let additions = additions(db, &[received.claim.id.to_string()]).await?;
            claims.push(Detail {
                received,
                additions: additions.into_iter().map(|(_, a)| a).collect(),
            });
        }
    }
    Ok(ApiPage {
        claims,
        next_cursor: last.or(cursor.map(str::to_owned)),
        more: full,
    })
}

/// The audit log's lines about one claim, oldest first.
pub async fn history(db: &impl Db, id: ClaimId) -> Result<Vec<AuditEntry>, StorageError> {
    let rows = db
        .query(
            "SELECT at, actor, address, action, claim_id, detail FROM audit
             WHERE claim_id = $1 ORDER BY id",
            vec![id.to_string().into()],
        )
        .await?;
    Ok(rows.iter().map(audit_entry).collect())
}

/// An audit line from `SELECT at, actor, address, action, claim_id, detail`.
pub(crate) fn audit_entry(r: &Row) -> AuditEntry {
    AuditEntry {
        at: r[0].string(),
        actor: r[1].string(),
        address: r[2].string(),
        action: r[3].string(),
        claim_id: r[4].text().map(str::to_owned),
        detail: r[5].string(),
    }
}
