//! One thin command per use case; the work happens in `claimdesk_core`.

use crate::error::UiError;
use crate::state::AppState;
use claimdesk_core::address::{self, Country};
use claimdesk_core::claim::AMAZON_MARKETPLACES;
use claimdesk_core::store::{self, Defaults};
use claimdesk_core::{validate, Channel, Claim, ClaimFields, ClaimId, ClaimSummary, FieldError};
use serde::Serialize;
use tauri::State;

/// Everything the form needs to open, in one round trip.
#[derive(Serialize)]
pub struct Startup {
    countries: &'static [Country],
    channels: Vec<&'static str>,
    marketplaces: &'static [&'static str],
    /// The draft to restore, if the last session left one.
    draft: Option<Claim>,
    /// An id for a new claim, if there is no draft.
    new_id: ClaimId,
    /// The clerk's usual channel, Amazon site and country.
    defaults: Defaults,
    /// Why the store could not be opened, if it could not.
    store_error: Option<UiError>,
    /// Where the data lives.
    data_dir: String,
    /// Attachment limits the form shows.
    limits: Limits,
}

/// Attachment limits.
#[derive(Serialize)]
pub struct Limits {
    max_attachments: usize,
    max_claim_bytes: u64,
}

#[tauri::command]
pub async fn startup(state: State<'_, AppState>) -> Result<Startup, UiError> {
    let (draft, defaults, store_error) =
        match state.with_store(|s| Ok((s.latest_draft()?, s.defaults()?))) {
            Ok((draft, defaults)) => (draft, defaults, None),
            Err(e) => (None, Defaults::default(), Some(e)),
        };
    Ok(Startup {
        countries: address::countries(),
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        marketplaces: &AMAZON_MARKETPLACES,
        draft,
        new_id: ClaimId::new(),
        defaults,
        store_error,
        data_dir: state.data_dir.display().to_string(),
        limits: Limits {
            max_attachments: store::MAX_ATTACHMENTS,
            max_claim_bytes: store::MAX_CLAIM_BYTES,
        },
    })
}

/// A fresh id (UUIDv7) for the next claim.
#[tauri::command]
pub fn new_claim_id() -> ClaimId {
    ClaimId::new()
}

#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    id: ClaimId,
    fields: ClaimFields,
) -> Result<Claim, UiError> {
    state.with_store(|s| s.save_draft(id, &fields))
}

/// Queues the claim (Save & next customer) and remembers its channel and country.
#[tauri::command]
pub async fn submit_claim(
    state: State<'_, AppState>,
    id: ClaimId,
    fields: ClaimFields,
) -> Result<Claim, UiError> {
    let claim = state.with_store(|s| {
        let claim = s.submit(id, &fields)?;
        s.remember_defaults(&claim.fields)?;
        Ok(claim)
    })?;
    if let Some(sync) = state.sync.get() {
        sync.wake(claimdesk_core::sync::Wake::ClaimQueued);
    }
    Ok(claim)
}

#[tauri::command]
pub fn check_claim(fields: ClaimFields) -> Vec<FieldError> {
    validate::problems(&fields)
}

#[tauri::command]
pub async fn discard_draft(state: State<'_, AppState>, id: ClaimId) -> Result<bool, UiError> {
    state.with_store(|s| s.discard_draft(id))
}

#[tauri::command]
pub async fn list_claims(state: State<'_, AppState>) -> Result<Vec<ClaimSummary>, UiError> {
    state.with_store(|s| s.list())
}

#[tauri::command]
pub async fn open_claim(state: State<'_, AppState>, id: ClaimId) -> Result<Option<Claim>, UiError> {
    state.with_store(|s| s.get(id))
}
