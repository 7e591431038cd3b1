//! One thin command per use case; the work happens in the crates under `crates/`.

use crate::error::UiError;
use crate::state::AppState;
use claimdesk_model::address::{self, Country};
use claimdesk_model::attachment::{MAX_ATTACHMENTS, MAX_CLAIM_BYTES, MAX_FILE_BYTES};
use claimdesk_model::claim::{ClaimLink, StatusTraits, AMAZON_MARKETPLACES, STALE_AFTER_DAYS};
use claimdesk_model::claim_number::claim_number;
use claimdesk_model::{
    validate, Channel, Claim, ClaimFields, ClaimId, ClaimSummary, ErrorCode, FieldError, Kind,
    Status,
};
use claimdesk_store::disk::{self, DiskSpace};
use claimdesk_store::queue::{ListQuery, Page};
use claimdesk_store::{Defaults, OutboxSummary, Store, StoreError, Tombstone, Vault, VaultKind};
use claimdesk_sync::{Connection, Edit, EditError, SyncSettings, Wake};
use serde::Serialize;
use tauri::State;

/// Everything the form needs to open, in one round trip.
#[derive(Serialize)]
pub struct Startup {
    countries: &'static [Country],
    marketplaces: &'static [&'static str],
    /// Every list and rule the UI shows, from the Rust enums (never copied into JS).
    vocabulary: Vocabulary,
    /// The language to speak: chosen in Settings, else the computer's (`LC_ALL`,
    /// `LC_MESSAGES`, `LANG`), else English.
    language: &'static str,
    /// The languages the Settings picker offers, each named in itself.
    languages: &'static [(&'static str, &'static str)],
    /// The draft to restore, if the last session left one. Without one the form is new and
    /// has no id until its first save creates it.
    draft: Option<ClaimView>,
    /// The clerk's usual channel, Amazon site and country.
    defaults: Defaults,
    /// Why the store could not be opened, if it could not.
    store_error: Option<UiError>,
    /// Where the data lives.
    data_dir: String,
    /// Where the database key is kept: `files` makes the form show a notice (no system
    /// keyring answered, so the key is a file beside, not inside, the data folder).
    vault: VaultKind,
    /// The key folder, when the key is in files.
    key_dir: Option<String>,
    /// Attachment limits the form shows.
    limits: Limits,
    /// The data folder's disk, if the OS says.
    disk: Option<DiskSpace>,
}

/// The closed lists the UI works with, each with what the UI may ask of its values.
#[derive(Serialize)]
pub struct Vocabulary {
    /// Claim fields by name, in export order (the form lays them out in its own order).
    fields: [&'static str; claimdesk_model::claim::FIELD_COUNT],
    /// Fields kept for the next customer.
    remembered: &'static [&'static str],
    /// Every status with its traits.
    statuses: Vec<StatusTraits>,
    /// Purchase channels in form order, and which ones name an Amazon site.
    channels: Vec<ChannelView>,
    /// Attachment kinds; the first is the default.
    kinds: &'static [Kind],
    /// Connection states of the status bar.
    connections: &'static [Connection],
    /// A queued claim older than this many days raises the alert.
    stale_after_days: u32,
    /// Error codes that mean "claimed before": the window asks for a reason and tries again.
    duplicate_codes: [ErrorCode; 2],
}

/// A purchase channel as the form offers it.
#[derive(Serialize)]
pub struct ChannelView {
    name: Channel,
    needs_marketplace: bool,
}

/// Attachment limits.
#[derive(Serialize)]
pub struct Limits {
    max_attachments: usize,
    max_claim_bytes: u64,
    max_file_bytes: u64,
}

#[tauri::command]
pub async fn startup(state: State<'_, AppState>) -> Result<Startup, UiError> {
    let (draft, defaults, store_error) = match state.with_store(|s| {
        let draft = s
            .latest_draft()?
            .map(|c| ClaimView::opened(s, c))
            .transpose()?;
        Ok((draft, s.defaults()?))
    }) {
        Ok((draft, defaults)) => (draft, defaults, None),
        Err(e) => (None, Defaults::default(), Some(e)),
    };
    Ok(Startup {
        language: claimdesk_model::locale::language(),
        languages: &claimdesk_model::locale::ENDONYMS,
        countries: address::countries(),
        marketplaces: &AMAZON_MARKETPLACES,
        vocabulary: Vocabulary {
            fields: ClaimFields::NAMES,
            remembered: Defaults::FIELDS,
            statuses: Status::ALL.iter().map(|s| s.traits()).collect(),
            channels: Channel::ALL
                .iter()
                .map(|&name| ChannelView {
                    name,
                    needs_marketplace: name.needs_marketplace(),
                })
                .collect(),
            kinds: Kind::ALL,
            connections: Connection::ALL,
            stale_after_days: STALE_AFTER_DAYS,
            duplicate_codes: [
                ErrorCode::ClaimDuplicateSerial,
                ErrorCode::ClaimDuplicateOrder,
            ],
        },
        draft,
        defaults,
        store_error,
        data_dir: state.data_dir.display().to_string(),
        vault: state.vault.kind(),
        key_dir: match &state.vault {
            Vault::Files(dir) => Some(dir.display().to_string()),
            Vault::Keyring { .. } => None,
        },
        limits: Limits {
            max_attachments: MAX_ATTACHMENTS,
            max_claim_bytes: MAX_CLAIM_BYTES,
            max_file_bytes: MAX_FILE_BYTES,
        },
        disk: disk::space(&state.data_dir),
    })
}

/// The data folder's disk, asked before each new claim.
#[tauri::command]
pub async fn disk_space(state: State<'_, AppState>) -> Result<Option<DiskSpace>, UiError> {
    Ok(disk::space(&state.data_dir))
}

/// A claim as the window gets it: with its claim number, the name the customer can write
/// down before the claim is ever sent.
#[derive(Serialize)]
pub struct ClaimView {
    #[serde(flatten)]
    claim: Claim,
    claim_number: String,
    /// The claim it replaces, for the form's "Replaces claim …" line.
    supersedes: Option<ClaimLink>,
}

impl From<Claim> for ClaimView {
    fn from(claim: Claim) -> Self {
        ClaimView {
            claim_number: claim_number(claim.id),
            claim,
            supersedes: None,
        }
    }
}

impl ClaimView {
    /// The claim as the form opens it: with the claim it replaces, if any.
    fn opened(store: &Store, claim: Claim) -> Result<ClaimView, StoreError> {
        let supersedes = store.supersedes(claim.id)?.map(ClaimLink::from);
        Ok(ClaimView {
            supersedes,
            ..claim.into()
        })
    }
}

/// *Correct* (a sent claim) or *Send as a new claim* (one the service refused): opens the
/// new claim that replaces it, with its fields and attachments (see `Store::replace`).
#[tauri::command]
pub async fn replace_claim(state: State<'_, AppState>, id: ClaimId) -> Result<ClaimView, UiError> {
    state.with_store(|s| {
        let claim = s.replace(id)?;
        ClaimView::opened(s, claim)
    })
}

/// Saves what the clerk typed as a draft; without an id it creates the claim. Returns the
/// stored claim, whose `id` the form keeps from then on.
#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    id: Option<ClaimId>,
    fields: ClaimFields,
) -> Result<ClaimView, UiError> {
    let id = id.unwrap_or_default();
    state
        .with_store(|s| s.save_draft(id, &fields))
        .map(Into::into)
}

/// Queues the claim (Save & next customer); the store remembers its channel and country in
/// the same transaction. Without a receipt it needs `no_proof_reason` (the proof rule, on
/// unless switched off in Settings). A valid claim for a serial number, or an order and product, already
/// claimed on this device is refused with the earlier claim named, until the clerk gives a
/// reason (`duplicate_reason`): it then travels with the claim in its staff note.
#[tauri::command]
pub async fn submit_claim(
    state: State<'_, AppState>,
    id: Option<ClaimId>,
    mut fields: ClaimFields,
    duplicate_reason: Option<String>,
    no_proof_reason: Option<String>,
) -> Result<ClaimView, UiError> {
    let id = id.unwrap_or_default();
    let earlier = if validate::problems(&fields).is_empty() {
        state.with_store(|s| s.duplicates(id, &fields))?
    } else {
        Vec::new()
    };
    // Confirmed once (the reason is in the staff note), a duplicate is not asked about again
    // when the claim is edited and queued once more.
    let unconfirmed = earlier.iter().find(|d| {
        let reference = d.case_reference.as_ref().unwrap_or(&d.claim_number);
        !fields
            .staff_note
            .contains(&format!("[duplicate of {reference}]"))
    });
    if let Some(first) = unconfirmed {
        let reference = first
            .case_reference
            .clone()
            .unwrap_or_else(|| first.claim_number.clone());
        match duplicate_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => {
                let date = first.created_at.get(..10).unwrap_or(&first.created_at);
                let error = if first.by_serial {
                    UiError::new(ErrorCode::ClaimDuplicateSerial)
                        .with("value", validate::normalise_serial(&fields.serial_number))
                } else {
                    UiError::new(ErrorCode::ClaimDuplicateOrder)
                        .with("value", fields.order_id.trim())
                        .with("product", fields.product_name.trim())
                };
                return Err(error.with("date", date).with("reference", reference));
            }
            Some(reason) => {
                let note = format!("[duplicate of {reference}] {reason}");
                fields.staff_note = match fields.staff_note.trim() {
                    "" => note,
                    kept => format!("{kept}\n{note}"),
                };
            }
        }
    }
    let claim =
        state.with_store(|s| s.submit_from_form(id, &fields, no_proof_reason.as_deref()))?;
    if let Some(sync) = state.sync.get() {
        sync.wake(Wake::ClaimQueued);
    }
    Ok(claim.into())
}

#[tauri::command]
pub fn check_claim(fields: ClaimFields) -> Vec<FieldError> {
    validate::problems(&fields)
}

#[tauri::command]
pub async fn discard_draft(state: State<'_, AppState>, id: ClaimId) -> Result<bool, UiError> {
    state.with_store(|s| s.discard_draft(id))
}

/// One page of the queue and the counts over every claim (one summary query, not the list).
#[derive(Serialize)]
pub struct QueueView {
    #[serde(flatten)]
    page: Page,
    summary: OutboxSummary,
    /// When a search finds no claim but is the case reference of a purged one: what is left.
    tombstone: Option<Tombstone>,
}

#[tauri::command]
pub async fn list_claims(
    state: State<'_, AppState>,
    query: ListQuery,
) -> Result<QueueView, UiError> {
    state.with_store(|s| {
        let page = s.page(&query)?;
        let tombstone =
            if page.claims.is_empty() && query.after.is_none() && !query.text.trim().is_empty() {
                s.tombstone(&query.text)?
            } else {
                None
            };
        Ok(QueueView {
            page,
            summary: s.outbox_summary()?,
            tombstone,
        })
    })
}

/// What *Export…* wrote.
#[derive(Serialize)]
pub struct Exported {
    /// Where.
    path: String,
    /// How many claims.
    count: usize,
}

/// *Export…*: every claim, with what happened to it, to a CSV (or JSON) file the clerk
/// picks; `None` if the dialog was cancelled.
#[tauri::command]
pub async fn export_claims(state: State<'_, AppState>) -> Result<Option<Exported>, UiError> {
    let today = chrono::Local::now().format("%Y-%m-%d");
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_title(claimdesk_model::catalogue::text("dialog.export.title", &[]))
        .set_file_name(format!("claimdesk-claims-{today}.csv"))
        .add_filter(
            claimdesk_model::catalogue::text("dialog.export.csv", &[]),
            &["csv"],
        )
        .add_filter("JSON", &["json"])
        .save_file()
        .await
    else {
        return Ok(None);
    };
    let path = file.path().to_owned();
    let written = state.with_store(|s| Ok(s.export_file(&path)))?;
    let count = written.map_err(|e| {
        UiError::new(ErrorCode::ExportFailed)
            .with("path", path.display().to_string())
            .with("message", e.to_string())
    })?;
    tracing::info!(count, "claims exported");
    Ok(Some(Exported {
        path: path.display().to_string(),
        count,
    }))
}

/// How *Edit* on a queued claim ended.
#[derive(Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EditOutcome {
    /// Back in the form, out of the queue.
    Editing {
        /// The claim to load.
        claim: Box<ClaimView>,
    },
    /// The service had it already; it is sent now.
    AlreadySent {
        /// The service's case reference.
        case_reference: String,
    },
}

/// *Edit* on a queued claim: takes it back into the form, asking the service first if an
/// earlier upload may have reached it (see `claimdesk_sync::take_back`).
#[tauri::command]
pub async fn edit_claim(state: State<'_, AppState>, id: ClaimId) -> Result<EditOutcome, UiError> {
    let fallback = SyncSettings::from_env();
    let edit = claimdesk_sync::take_back(state.store()?, fallback.as_ref(), id).await;
    if let Some(sync) = state.sync.get() {
        sync.wake(Wake::QueueChanged);
    }
    match edit {
        Ok(Edit::Editing(claim)) => Ok(EditOutcome::Editing {
            claim: Box::new((*claim).into()),
        }),
        Ok(Edit::AlreadySent(receipt)) => Ok(EditOutcome::AlreadySent {
            case_reference: receipt.case_reference,
        }),
        Err(e) => Err(edit_error(e)),
    }
}

/// What the clerk is told when a claim could not be taken back or withdrawn.
fn edit_error(e: EditError) -> UiError {
    match e {
        EditError::Store(e) => e.into(),
        EditError::CannotCheck(e) => {
            UiError::new(ErrorCode::ClaimEditUnchecked).with("message", e.problem().message)
        }
    }
}

/// Withdraws a claim (after the window asked the clerk): never sent, kept in the list with
/// who and when, its attachments dropped. Returns its new row.
#[tauri::command]
pub async fn withdraw_claim(
    state: State<'_, AppState>,
    id: ClaimId,
) -> Result<ClaimSummary, UiError> {
    let by = claimdesk_store::paths::current_user();
    let fallback = SyncSettings::from_env();
    let done = claimdesk_sync::withdraw(state.store()?, fallback.as_ref(), id, &by).await;
    if let Some(sync) = state.sync.get() {
        sync.wake(Wake::QueueChanged);
    }
    match done {
        Ok(claimdesk_sync::Withdrawal::Withdrawn(row)) => Ok(*row),
        // The service had it: it is sent now (its row shows the reference), not withdrawn.
        Ok(claimdesk_sync::Withdrawal::AlreadySent(receipt)) => {
            Err(UiError::new(ErrorCode::ClaimAlreadySent).with("reference", receipt.case_reference))
        }
        Err(e) => Err(edit_error(e)),
    }
}

/// One queue row, to update it in place after a save or a sync event.
#[derive(Serialize)]
pub struct RowView {
    /// The claim's row; `None` once it is gone (a reset draft).
    claim: Option<ClaimSummary>,
    /// How many claims there are in all.
    total: u64,
}

#[tauri::command]
pub async fn claim_summary(state: State<'_, AppState>, id: ClaimId) -> Result<RowView, UiError> {
    state.with_store(|s| {
        Ok(RowView {
            claim: s.summary(id)?,
            total: s.count()?,
        })
    })
}

#[tauri::command]
pub async fn open_claim(
    state: State<'_, AppState>,
    id: ClaimId,
) -> Result<Option<ClaimView>, UiError> {
    state.with_store(|s| s.get(id)?.map(|c| ClaimView::opened(s, c)).transpose())
}
