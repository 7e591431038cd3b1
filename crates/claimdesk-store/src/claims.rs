//! Claims in the store: drafts saved as typed, claims queued (`ready`), imports.

use super::settings::remember_defaults_in;
use super::{Result, Store, StoreError, MAX_CLAIM_BYTES};
use claimdesk_model::attachment::megabytes;
use claimdesk_model::claim::{BadClaimId, ClaimLink, Review};
use claimdesk_model::vocab::UnknownName;
use claimdesk_model::wire::ServiceStatus;
use claimdesk_model::{
    now_timestamp, validate, Claim, ClaimFields, ClaimId, ClaimSummary, ErrorCode, FieldError,
    Kind, Status,
};
use rusqlite::{params, params_from_iter, OptionalExtension, Row, Transaction};
use std::sync::OnceLock;

/// What importing one claim did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The claim was new and is now stored.
    Inserted,
    /// A claim with this id was already stored; it was left exactly as it was.
    AlreadyPresent,
}

use claimdesk_model::claim::HEAD_COLUMNS as HEAD;

fn all_columns() -> String {
    HEAD.iter()
        .chain(ClaimFields::NAMES.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn select_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {} FROM claims", all_columns()))
}

fn insert_sql(on_conflict: &str) -> String {
    let n = HEAD.len() + ClaimFields::NAMES.len();
    let placeholders = (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>();
    format!(
        "INSERT INTO claims ({}) VALUES ({}) ON CONFLICT (id) {on_conflict}",
        all_columns(),
        placeholders.join(", ")
    )
}

fn upsert_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let sets = ["status", "updated_at"]
            .iter()
            .chain(ClaimFields::NAMES.iter())
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        insert_sql(&format!("DO UPDATE SET {sets}"))
    })
}

fn insert_new_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| insert_sql("DO NOTHING"))
}

fn read_claim(row: &Row<'_>) -> rusqlite::Result<Result<Claim>> {
    let id: String = row.get(0)?;
    let status: String = row.get(1)?;
    let mut fields = ClaimFields::default();
    for (i, name) in ClaimFields::NAMES.iter().enumerate() {
        if let Some(slot) = fields.field_mut(name) {
            *slot = row.get(HEAD.len() + i)?;
        }
    }
    let created_at: String = row.get(2)?;
    let updated_at: String = row.get(3)?;
    Ok(parse_head(&id, &status).map(|(id, status)| Claim {
        id,
        status,
        created_at,
        updated_at,
        fields,
    }))
}

/// The columns of a queue row, for [`read_summary`]; the last one is the newest claim
/// (not withdrawn) that replaces it.
pub(crate) fn summary_select() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT id, status, created_at, updated_at, contact_name, email, product_name,
                 queued_at, case_reference, sent_at, sync_problem, withdrawn_at, withdrawn_by,
                 supersedes,
                 (SELECT r.id FROM claims r WHERE r.supersedes = claims.id AND r.status <> '{}'
                  ORDER BY r.created_at DESC, r.id DESC LIMIT 1),
                 review_status, review_note, review_tracking, reviewed_at,
                 (SELECT a.status FROM additions a WHERE a.claim_id = claims.id
                  ORDER BY a.created_at DESC, a.id DESC LIMIT 1)
             FROM claims",
            Status::Withdrawn.as_str()
        )
    })
}

/// One queue row from [`summary_select`]'s columns.
pub(crate) fn read_summary(r: &Row<'_>) -> rusqlite::Result<Result<ClaimSummary>> {
    let id: String = r.get(0)?;
    let status: String = r.get(1)?;
    let (created_at, updated_at) = (r.get(2)?, r.get(3)?);
    let (contact_name, email, product_name) = (r.get(4)?, r.get(5)?, r.get(6)?);
    let (case_reference, sent_at) = (r.get(8)?, r.get(9)?);
    let problem: Option<String> = r.get(10)?;
    let (withdrawn_at, withdrawn_by) = (r.get(11)?, r.get(12)?);
    let link = |i: usize| -> rusqlite::Result<Option<ClaimLink>> {
        let id: Option<String> = r.get(i)?;
        Ok(id
            .and_then(|s| s.parse::<ClaimId>().ok())
            .map(ClaimLink::from))
    };
    let (supersedes, superseded_by) = (link(13)?, link(14)?);
    let queued_at: Option<String> = r.get(7)?;
    let review_status: Option<String> = r.get(15)?;
    let review = match review_status {
        Some(status) => Some(Review {
            takes_additions: ServiceStatus::parse(&status).is_some_and(|s| s.takes_additions()),
            status,
            note: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
            tracking: r.get(17)?,
            at: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
        }),
        None => None,
    };
    let answer = r
        .get::<_, Option<String>>(19)?
        .and_then(|s| s.parse::<Status>().ok());
    Ok(parse_head(&id, &status).map(|(id, status)| ClaimSummary {
        claim_number: claimdesk_model::claim_number::claim_number(id),
        id,
        status,
        editable: status.is_editable(),
        replaceable: super::replace::replaceable(status, queued_at.is_some()),
        created_at,
        updated_at,
        contact_name,
        email,
        product_name,
        queued_at,
        case_reference,
        sent_at,
        problem: problem.and_then(|p| serde_json::from_str(&p).ok()),
        withdrawn_at,
        withdrawn_by,
        supersedes,
        superseded_by,
        review,
        answer,
    }))
}

fn parse_head(id: &str, status: &str) -> Result<(ClaimId, Status)> {
    let id = id
        .parse()
        .map_err(|e: BadClaimId| StoreError::Corrupt(e.to_string()))?;
    let status = status
        .parse()
        .map_err(|e: UnknownName| StoreError::Corrupt(e.to_string()))?;
    Ok((id, status))
}

fn bind(claim: &Claim) -> Vec<String> {
    let mut values = vec![
        claim.id.to_string(),
        claim.status.as_str().to_owned(),
        claim.created_at.clone(),
        claim.updated_at.clone(),
    ];
    values.extend(claim.fields.values().iter().map(|v| (*v).to_owned()));
    values
}

impl Store {
    /// Saves what the clerk has typed so far, as a draft. Creates the draft on first save.
    /// A claim already queued or sent is never changed this way.
    pub fn save_draft(&mut self, id: ClaimId, fields: &ClaimFields) -> Result<Claim> {
        self.write(|tx| upsert_draft_in(tx, id, fields))
    }

    /// Validates the claim and, if it is complete, stores it normalised as `ready` (queued to
    /// send) and remembers its channel, Amazon site and country for the next claim — all in
    /// one transaction, so the clerk is never told "not saved" about a claim that was queued.
    /// Submitting the same claim twice is harmless: the second call returns the first result.
    /// On failure nothing is changed and every problem is returned.
    pub fn submit(&mut self, id: ClaimId, fields: &ClaimFields) -> Result<Claim> {
        let normalised = validate::validate(fields).map_err(StoreError::Invalid)?;
        self.write(|tx| submit_in(tx, id, normalised))
    }

    /// Queues the claim from the form, with the proof-of-purchase rule (when on, see
    /// [`Store::proof_required`]): it needs a receipt/invoice attachment, or `no_proof_reason`
    /// (kept with the claim and exported). Otherwise as [`Store::submit`].
    pub fn submit_from_form(
        &mut self,
        id: ClaimId,
        fields: &ClaimFields,
        no_proof_reason: Option<&str>,
    ) -> Result<Claim> {
        let normalised = validate::validate(fields).map_err(StoreError::Invalid)?;
        let required = self.proof_required()?;
        let reason = no_proof_reason.map(str::trim).filter(|r| !r.is_empty());
        self.write(|tx| {
            let receipts: i64 = tx.query_row(
                "SELECT count(*) FROM attachments WHERE claim_id = ?1 AND kind = ?2",
                params![id.to_string(), Kind::Receipt.as_str()],
                |r| r.get(0),
            )?;
            if required && receipts == 0 && reason.is_none() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "attachments",
                    ErrorCode::AttachmentsProofMissing,
                )]));
            }
            let claim = submit_in(tx, id, normalised)?;
            tx.execute(
                "UPDATE claims SET no_proof_reason = ?2 WHERE id = ?1",
                params![id.to_string(), if receipts == 0 { reason } else { None }],
            )?;
            Ok(claim)
        })
    }

    /// Stores a claim from an import exactly as given, unless one with its id is already
    /// stored, in which case the stored one is left untouched.
    pub fn import(&mut self, claim: &Claim) -> Result<ImportOutcome> {
        self.write(|tx| import_in(tx, claim))
    }

    /// Stores many imported claims in one transaction (each as [`Store::import`] would);
    /// the outcomes are in the same order. A batch is all stored or, on failure, none.
    pub fn import_batch(&mut self, claims: &[Claim]) -> Result<Vec<ImportOutcome>> {
        self.write(|tx| claims.iter().map(|c| import_in(tx, c)).collect())
    }

    /// Deletes a draft (the form's Reset). Returns whether one was deleted; a claim that is
    /// not a draft is never deleted.
    pub fn discard_draft(&mut self, id: ClaimId) -> Result<bool> {
        self.write(|tx| {
            if let Some(existing) = get_in(tx, id)? {
                if existing.status != Status::Draft {
                    return Err(StoreError::NotEditable {
                        id,
                        status: existing.status,
                    });
                }
            }
            // A claim taken back from the queue (Edit) was given to a customer: it is never
            // dropped by Reset, only withdrawn (which keeps it listed).
            let queued_before: bool = tx
                .query_row(
                    "SELECT queued_at IS NOT NULL FROM claims WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if queued_before {
                return Err(StoreError::WasQueued(id));
            }
            let n = tx.execute(
                "DELETE FROM claims WHERE id = ?1 AND status = ?2",
                params![id.to_string(), Status::Draft.as_str()],
            )?;
            Ok(n == 1)
        })
    }

    /// The claim with this id, if stored.
    pub fn get(&self, id: ClaimId) -> Result<Option<Claim>> {
        get_in(&self.conn, id)
    }

    /// The most recently changed draft: what the form restores on start.
    pub fn latest_draft(&self) -> Result<Option<Claim>> {
        let sql = format!(
            "{} WHERE status = ?1 ORDER BY updated_at DESC LIMIT 1",
            select_sql()
        );
        self.conn
            .query_row(&sql, [Status::Draft.as_str()], read_claim)
            .optional()?
            .transpose()
    }

    /// Every claim, newest first.
    pub fn all(&self) -> Result<Vec<Claim>> {
        let sql = format!("{} ORDER BY created_at DESC, id DESC", select_sql());
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], read_claim)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// The queue view: one line per claim, newest first.
    pub fn list(&self) -> Result<Vec<ClaimSummary>> {
        let sql = format!("{} ORDER BY created_at DESC, id DESC", summary_select());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], read_summary)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// Takes a queued claim back into the clerk's hands (*Edit*): it leaves the queue as a
    /// draft with everything kept, same id. A draft or a refused claim is editable already.
    /// If an earlier upload may have reached the service (`attempts > 0`) and the service was
    /// not asked after exactly that many attempts (`checked`), nothing changes and
    /// [`TakeBack::AskService`] says to ask it first: a claim the service has must become
    /// `sent`, not a draft that would be refused as a conflict. (An upload that starts while
    /// the service is being asked raises `attempts`, and the answer no longer counts.)
    pub fn take_back(&mut self, id: ClaimId, checked: Option<i64>) -> Result<TakeBack> {
        let now = now_timestamp();
        let taken = self.write(|tx| {
            let claim = get_in(tx, id)?.ok_or(StoreError::NotFound(id))?;
            match claim.status {
                Status::Draft | Status::NeedsAttention => return Ok(Ok(Some(claim))),
                Status::Ready => {}
                status => return Err(StoreError::NotEditable { id, status }),
            }
            let attempts: i64 = tx.query_row(
                "SELECT attempts FROM claims WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            if attempts > 0 && checked != Some(attempts) {
                return Ok(Err(attempts));
            }
            tx.execute(
                "UPDATE claims SET status = ?2, updated_at = ?3, failed_in_a_row = 0,
                     sync_problem = NULL
                 WHERE id = ?1 AND status = ?4",
                params![
                    id.to_string(),
                    Status::Draft.as_str(),
                    now,
                    Status::Ready.as_str()
                ],
            )?;
            get_in(tx, id).map(Ok)
        })?;
        Ok(match taken {
            Ok(Some(claim)) => {
                tracing::info!(claim = %id, "taken back to edit");
                TakeBack::Editing(Box::new(claim))
            }
            Ok(None) => return Err(StoreError::NotFound(id)),
            Err(attempts) => TakeBack::AskService { attempts },
        })
    }

    /// Other claims on this device for what looks like the same product: the same
    /// normalised serial number, or the same order id and product name (queued, sent or
    /// refused; not drafts, not withdrawn, not the claims this one replaces), oldest first.
    pub fn duplicates(&self, id: ClaimId, fields: &ClaimFields) -> Result<Vec<Duplicate>> {
        let serial = validate::normalise_serial(&fields.serial_number);
        let order = fields.order_id.trim();
        let product = fields.product_name.trim();
        let mut stmt = self.conn.prepare_cached(
            "WITH RECURSIVE replaced(id) AS (
                 SELECT supersedes FROM claims WHERE id = ?1 AND supersedes IS NOT NULL
                 UNION SELECT c.supersedes FROM claims c JOIN replaced ON c.id = replaced.id
                 WHERE c.supersedes IS NOT NULL)
             SELECT id, created_at, case_reference, serial_number = ?2 AND ?2 <> ''
             FROM claims
             WHERE id <> ?1 AND status NOT IN (?5, ?6) AND id NOT IN replaced
               AND ((?2 <> '' AND serial_number = ?2)
                 OR (?3 <> '' AND order_id = ?3 AND lower(product_name) = lower(?4)))
             ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map(
            params![
                id.to_string(),
                serial,
                order,
                product,
                Status::Withdrawn.as_str(),
                Status::Draft.as_str()
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (other, created_at, case_reference, by_serial) = row?;
            let other: ClaimId = other
                .parse()
                .map_err(|e: BadClaimId| StoreError::Corrupt(e.to_string()))?;
            out.push(Duplicate {
                claim_number: claimdesk_model::claim_number::claim_number(other),
                id: other,
                created_at,
                case_reference,
                by_serial,
            });
        }
        Ok(out)
    }

    /// Uploads of claim `id` started so far.
    pub fn attempts(&self, id: ClaimId) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT attempts FROM claims WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))
    }

    /// Withdraws a claim the clerk takes back before it is sent (a draft, a queued claim, or
    /// one that needs attention): it will never be sent, stays listed as withdrawn with who
    /// and when, and its attachments are dropped, all in one transaction. The sync engine
    /// only ever picks a `ready` claim, in its own transaction, so of a withdrawal and an
    /// upload starting exactly one wins.
    pub fn withdraw(&mut self, id: ClaimId, by: &str) -> Result<ClaimSummary> {
        let now = now_timestamp();
        self.write(|tx| {
            let claim = get_in(tx, id)?.ok_or(StoreError::NotFound(id))?;
            if !claim.status.is_withdrawable() {
                return Err(StoreError::NotWithdrawable {
                    id,
                    status: claim.status,
                });
            }
            tx.execute(
                "DELETE FROM attachments WHERE claim_id = ?1",
                [id.to_string()],
            )?;
            tx.execute(
                "UPDATE claims SET status = ?2, withdrawn_at = ?3, withdrawn_by = ?4,
                     updated_at = ?3, sync_problem = NULL
                 WHERE id = ?1",
                rusqlite::params![id.to_string(), Status::Withdrawn.as_str(), now, by],
            )?;
            Ok(())
        })?;
        tracing::info!(claim = %id, "withdrawn");
        self.summary(id)?.ok_or(StoreError::NotFound(id))
    }

    /// How many claims are stored.
    pub fn count(&self) -> Result<u64> {
        // Kept by triggers (migration 5), so counting never scans the claims.
        let n: i64 =
            self.conn
                .query_row("SELECT coalesce(sum(n), 0) FROM claim_counts", [], |r| {
                    r.get(0)
                })?;
        Ok(n.unsigned_abs())
    }
}

/// An earlier claim for what looks like the same product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    /// The earlier claim.
    pub id: ClaimId,
    /// Its claim number.
    pub claim_number: String,
    /// When it was started.
    pub created_at: String,
    /// The service's reference, once sent.
    pub case_reference: Option<String>,
    /// Matched by serial number (else by order and product).
    pub by_serial: bool,
}

/// The `no_proof_reason` of a claim queued by an import (which brings no attachments).
pub const IMPORTED: &str = "imported";

/// What [`Store::take_back`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeBack {
    /// The claim is a draft (or was editable already): open it in the form.
    Editing(Box<Claim>),
    /// An earlier upload may have reached the service: ask it, then call again with these
    /// `attempts` as `checked` (or record its receipt if it has the claim).
    AskService {
        /// Uploads started so far.
        attempts: i64,
    },
}

/// Stores the valid, normalised `fields` as the queued claim `id` inside `tx` and remembers
/// its defaults.
fn submit_in(tx: &Transaction<'_>, id: ClaimId, normalised: ClaimFields) -> Result<Claim> {
    let total: i64 = tx.query_row(
        "SELECT coalesce(sum(byte_size), 0) FROM attachments WHERE claim_id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    if total.unsigned_abs() > MAX_CLAIM_BYTES {
        return Err(StoreError::Invalid(vec![attachments_too_large(
            total.unsigned_abs(),
        )]));
    }
    let same = normalised.clone();
    let claim = write_in(tx, id, Status::Ready, normalised, move |existing| {
        (existing.status == Status::Ready && existing.fields == same).then(|| existing.clone())
    })?;
    // A claim fixed after a refusal keeps its place in the queue.
    tx.execute(
        "UPDATE claims SET queued_at = coalesce(queued_at, ?2), sync_problem = NULL,
             failed_in_a_row = 0
         WHERE id = ?1",
        [id.to_string(), claim.updated_at.clone()],
    )?;
    remember_defaults_in(tx, &claim.fields)?;
    super::replace::retire_replaced_in(tx, id, &claim.updated_at)?;
    Ok(claim)
}

/// Inserts an imported claim inside `tx` unless its id is stored; a queued one gets its
/// place in the queue in the same transaction.
pub(crate) fn import_in(tx: &Transaction<'_>, claim: &Claim) -> Result<ImportOutcome> {
    let changed = tx.execute(insert_new_sql(), params_from_iter(bind(claim)))?;
    if changed == 1 && claim.status == Status::Ready {
        // The back office's path: queued without proof, and the export says so.
        tx.execute(
            "UPDATE claims SET queued_at = updated_at, no_proof_reason = ?2 WHERE id = ?1",
            [claim.id.to_string(), IMPORTED.to_owned()],
        )?;
    }
    Ok(if changed == 1 {
        ImportOutcome::Inserted
    } else {
        ImportOutcome::AlreadyPresent
    })
}

/// Saves `fields` as the draft `id` inside `tx` (creating it if needed), unless the claim
/// has left the clerk's hands.
pub(super) fn upsert_draft_in(
    tx: &Transaction<'_>,
    id: ClaimId,
    fields: &ClaimFields,
) -> Result<Claim> {
    write_in(tx, id, Status::Draft, fields.clone(), |_| None)
}

/// Makes sure the claim `id` is stored and still editable, creating an empty draft if needed.
pub(super) fn ensure_editable_in(tx: &Transaction<'_>, id: ClaimId) -> Result<()> {
    match get_in(tx, id)? {
        Some(c) if !c.status.is_editable() => Err(StoreError::NotEditable {
            id,
            status: c.status,
        }),
        Some(_) => Ok(()),
        None => upsert_draft_in(tx, id, &ClaimFields::default()).map(|_| ()),
    }
}

/// Refuses if the stored claim is no longer editable (unless `unchanged` says it already is
/// the wanted result, which is then returned without writing), else upserts.
fn write_in(
    tx: &Transaction<'_>,
    id: ClaimId,
    status: Status,
    fields: ClaimFields,
    unchanged: impl FnOnce(&Claim) -> Option<Claim>,
) -> Result<Claim> {
    let existing = get_in(tx, id)?;
    if let Some(existing) = &existing {
        if let Some(same) = unchanged(existing) {
            return Ok(same);
        }
        if !existing.status.is_editable() {
            return Err(StoreError::NotEditable {
                id,
                status: existing.status,
            });
        }
        // A claim another one replaces is left as it is: changed and queued again, both
        // would be sent.
        if let Some((by, _)) = super::replace::live_replacement_in(tx, id)? {
            return Err(StoreError::AlreadyReplaced {
                id,
                by: claimdesk_model::claim_number::claim_number(by),
            });
        }
    }
    let now = now_timestamp();
    let claim = Claim {
        id,
        status,
        created_at: existing
            .map(|c| c.created_at)
            .unwrap_or_else(|| now.clone()),
        updated_at: now,
        fields,
    };
    tx.execute(upsert_sql(), params_from_iter(bind(&claim)))?;
    Ok(claim)
}

fn attachments_too_large(total: u64) -> FieldError {
    let mb = megabytes;
    FieldError::new("attachments", ErrorCode::AttachmentsTooLarge)
        .with("total_mb", mb(total))
        .with("max_mb", mb(MAX_CLAIM_BYTES))
}

pub(crate) fn get_in(conn: &rusqlite::Connection, id: ClaimId) -> Result<Option<Claim>> {
    let sql = format!("{} WHERE id = ?1", select_sql());
    conn.query_row(&sql, [id.to_string()], read_claim)
        .optional()?
        .transpose()
}
