//! The queue view at any size: one page at a time, newest first, found by what a clerk looks a
//! claim up by. Pages are keyset-paginated on `(created_at, id)` (no OFFSET, so page 2,000
//! costs what page 1 does) and text search goes through the FTS5 index of migration 5.

use super::claims::{read_summary, summary_select};
use super::{Result, Store, StoreError};
use claimdesk_model::{ClaimId, ClaimSummary, Status};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

/// Most rows one page holds.
pub const MAX_PAGE: usize = 200;

/// What the queue shows: filters and where the page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Words to find in the customer's name, email, phone, the order id, serial number,
    /// product or case reference (each a prefix; all must match). Empty: every claim.
    pub text: String,
    /// Only claims with this status.
    pub status: Option<Status>,
    /// Only claims created on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Only claims created on or before this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Start after this row (the `next` of the previous page).
    pub after: Option<Cursor>,
    /// Rows wanted (at most [`MAX_PAGE`]; 0 means 50).
    pub limit: usize,
}

/// Where a page ended: the last row's creation time and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last row's `created_at`.
    pub created_at: String,
    /// The last row's id.
    pub id: ClaimId,
}

/// One page of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// The rows, newest first.
    pub claims: Vec<ClaimSummary>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// The clerk's words as an FTS5 query: each word (letters and digits, as the index splits
/// them) a quoted prefix, all required; `None` when there is nothing to search for. Words
/// hold no quotes, so no input can be read as FTS syntax.
fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The day after `day` (`YYYY-MM-DD`), for an inclusive upper bound on timestamps.
fn day_after(day: &str) -> Result<String> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("“{day}” is not a date (YYYY-MM-DD)")))?;
    Ok(d.succ_opt().unwrap_or(d).format("%Y-%m-%d").to_string())
}

impl Store {
    /// One page of the queue view for `query`.
    pub fn page(&self, query: &ListQuery) -> Result<Page> {
        let limit = match query.limit {
            0 => 50,
            n => n.min(MAX_PAGE),
        };
        let mut sql = format!("{} WHERE 1", summary_select());
        let mut args: Vec<Value> = Vec::new();
        fn arg(v: Value, args: &mut Vec<Value>) -> String {
            args.push(v);
            format!("?{}", args.len())
        }
        // A claim id or claim number (scanned from a receipt's QR code, or read out by the
        // customer) finds its claim; anything else is searched for in the text.
        let text = query.text.trim();
        if let Ok(id) = text.parse::<ClaimId>() {
            let p = arg(Value::Text(id.to_string()), &mut args);
            sql += &format!(" AND id = {p}");
        } else if let Some(suffix) = claimdesk_model::claim_number::id_suffix(text) {
            let p = arg(Value::Text(suffix), &mut args);
            sql += &format!(" AND substr(id, 27) = {p}");
        } else if let Some(m) = match_expression(&query.text) {
            let p = arg(Value::Text(m), &mut args);
            sql += &format!(
                " AND rowid IN (SELECT rowid FROM claims_search WHERE claims_search MATCH {p})"
            );
        }
        if let Some(status) = query.status {
            let p = arg(Value::Text(status.as_str().to_owned()), &mut args);
            sql += &format!(" AND status = {p}");
        }
        if let Some(from) = query.from.as_deref().filter(|d| !d.trim().is_empty()) {
            let p = arg(Value::Text(from.trim().to_owned()), &mut args);
            sql += &format!(" AND created_at >= {p}");
        }
        if let Some(to) = query.to.as_deref().filter(|d| !d.trim().is_empty()) {
            let p = arg(Value::Text(day_after(to)?), &mut args);
            sql += &format!(" AND created_at < {p}");
        }
        if let Some(after) = &query.after {
            let c = arg(Value::Text(after.created_at.clone()), &mut args);
            let i = arg(Value::Text(after.id.to_string()), &mut args);
            sql += &format!(" AND (created_at, id) < ({c}, {i})");
        }
        let l = arg(Value::Integer(limit as i64 + 1), &mut args);
        sql += &format!(" ORDER BY created_at DESC, id DESC LIMIT {l}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), read_summary)?;
        let mut claims = Vec::with_capacity(limit + 1);
        for row in rows {
            claims.push(row??);
        }
        let next = (claims.len() > limit).then(|| {
            claims.truncate(limit);
            claims.last().map(|c| Cursor {
                created_at: c.created_at.clone(),
                id: c.id,
            })
        });
        Ok(Page {
            claims,
            next: next.flatten(),
        })
    }

    /// The queue row of one claim, to update it in place.
    pub fn summary(&self, id: ClaimId) -> Result<Option<ClaimSummary>> {
        let sql = format!("{} WHERE id = ?1", summary_select());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query_map([id.to_string()], read_summary)?;
        rows.next().transpose()?.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_becomes_quoted_prefixes() {
        assert_eq!(match_expression("  "), None);
        assert_eq!(
            match_expression("Jana schm"),
            Some("\"Jana\"* \"schm\"*".into())
        );
        assert_eq!(
            match_expression("CD-7KQ2 \"x\" OR NEAR("),
            Some("\"CD\"* \"7KQ2\"* \"x\"* \"OR\"* \"NEAR\"*".into())
        );
        assert_eq!(match_expression("山田"), Some("\"山田\"*".into()));
    }
}
