//! Finding a claim of this counter's fleet at the claims service, from the customer's
//! receipt (its QR code's id, or the claim number or case reference typed into the queue's
//! search), when this computer does not have it: where it stands, never its contents.

use crate::error::UiError;
use crate::state::AppState;
use claimdesk_model::wire::Lookup;
use claimdesk_sync::client::CONNECT_TIMEOUT;
use claimdesk_sync::SyncSettings;
use std::time::Duration;
use tauri::State;

/// Asks the service about `key`; `None` when no claim of the fleet has it.
#[tauri::command]
pub async fn lookup_claim(
    state: State<'_, AppState>,
    key: String,
) -> Result<Option<Lookup>, UiError> {
    let fallback = SyncSettings::from_env();
    let settings = state.with_store(|s| SyncSettings::load(s, fallback.as_ref()))?;
    let problem = |e: claimdesk_sync::SyncError| {
        let body = e.problem();
        UiError::new(e.code()).with_params(body.params)
    };
    let client = settings
        .client((CONNECT_TIMEOUT, Duration::from_secs(15)))
        .map_err(problem)?;
    client.lookup(&key).await.map_err(problem)
}
