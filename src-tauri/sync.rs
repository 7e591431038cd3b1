//! The sync engine in the window: started with the app on its own store connection, woken by
//! the commands, reporting to the UI as `sync` events.

use crate::error::UiError;
use crate::state::AppState;
use claimdesk_model::ErrorCode;
use claimdesk_store::{Retention, Store};
use claimdesk_sync::alerts::{self, Alerts};
use claimdesk_sync::settings::SaveError;
use claimdesk_sync::{Backoff, Engine, SyncEvent, SyncSettings, SyncStatus, Wake};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::mpsc::UnboundedSender;

/// The running engine's handle.
pub struct SyncHandle {
    wake: UnboundedSender<Wake>,
    last: Arc<Mutex<Option<SyncStatus>>>,
}

impl SyncHandle {
    /// The engine's last report, if it made one.
    pub fn last_status(&self) -> Option<SyncStatus> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Wakes the engine (a dead engine is not an error the clerk can act on).
    pub fn wake(&self, w: Wake) {
        let _ = self.wake.send(w);
    }
}

/// Starts the engine on its own connection to the store in `state`'s data folder.
pub fn start(app: &AppHandle, state: &AppState) -> Option<SyncHandle> {
    let store = Store::open_dir(&state.data_dir, &state.vault).ok()?;
    let last: Arc<Mutex<Option<SyncStatus>>> = Arc::default();
    let (emitter, seen) = (app.clone(), last.clone());
    let alerts = Mutex::new(Alerts::default());
    // The office's decisions of the pass under way, announced together when it ends.
    let decided: Mutex<Vec<String>> = Mutex::default();
    let observer = Arc::new(move |event: SyncEvent| {
        if let SyncEvent::Reviewed { status, .. } = &event {
            decided
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(status.clone());
        }
        if let SyncEvent::Status(s) = &event {
            *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some((**s).clone());
            let mut alerts = alerts.lock().unwrap_or_else(|p| p.into_inner());
            notify(&emitter, &mut alerts, &s.outbox);
            let statuses = std::mem::take(&mut *decided.lock().unwrap_or_else(|p| p.into_inner()));
            if let Some(alert) = alerts::decided(statuses.iter().map(String::as_str)) {
                raise(&emitter, &alert);
            }
        }
        let _ = emitter.emit("sync", event);
    });
    let engine = Engine::new(store, SyncSettings::from_env(), observer);
    let (wake, rx) = tokio::sync::mpsc::unbounded_channel();
    tauri::async_runtime::spawn(engine.run(Backoff::default(), rx));
    Some(SyncHandle { wake, last })
}

/// Raises the OS notifications the queue calls for while the window is not focused.
fn notify(app: &AppHandle, alerts: &mut Alerts, outbox: &claimdesk_store::OutboxSummary) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    for alert in alerts.plan(outbox, focused, std::time::Instant::now()) {
        raise(app, &alert);
    }
}

/// Shows one OS notification.
fn raise(app: &AppHandle, alert: &alerts::Alert) {
    let (title, body) = alert.text();
    match app.notification().builder().title(title).body(body).show() {
        Ok(()) => tracing::info!(?alert, "notification raised"),
        // No notification service (a kiosk session): the window still shows it all.
        Err(e) => tracing::warn!(?alert, error = %e, "notification not shown"),
    }
}

/// The status bar's state: the engine's last report, else the queue from the store.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<Option<SyncStatus>, UiError> {
    Ok(state
        .sync
        .get()
        .and_then(|s| s.last.lock().unwrap_or_else(|p| p.into_inner()).clone()))
}

/// "Send now": try at once, forgetting any backoff.
#[tauri::command]
pub async fn send_now(state: State<'_, AppState>) -> Result<(), UiError> {
    match state.sync.get() {
        Some(s) => {
            s.wake(Wake::SendNow);
            Ok(())
        }
        None => Err(not_running()),
    }
}

fn not_running() -> UiError {
    UiError::new(ErrorCode::SyncNotRunning)
}

/// The settings as the dialog shows them (the token itself never goes back to the window).
#[derive(Serialize)]
pub struct SettingsView {
    server_url: String,
    has_token: bool,
    auto_send: bool,
    /// Whether the address comes from the environment (the local service of `scripts/run.sh`).
    from_environment: bool,
    /// How long sent claims' photos and personal data are kept.
    retention: Retention,
    /// Whether a claim needs a receipt (or a reason) to be queued.
    proof_required: bool,
    /// The shop name printed on receipts (empty: the computer's name).
    shop_name: String,
    /// What receipts print when no shop name is set.
    computer_name: String,
    /// The language chosen on this device; empty: the computer's.
    language: String,
}

#[tauri::command]
pub async fn sync_settings(state: State<'_, AppState>) -> Result<SettingsView, UiError> {
    state.with_store(|s| {
        let stored = SyncSettings::load(s, None)?;
        let effective = SyncSettings::load(s, SyncSettings::from_env().as_ref())?;
        Ok(SettingsView {
            from_environment: stored.server_url.is_empty() && !effective.server_url.is_empty(),
            has_token: !effective.device_token.is_empty(),
            server_url: effective.server_url,
            auto_send: effective.auto_send,
            retention: s.retention()?,
            proof_required: s.proof_required()?,
            shop_name: s.shop_name_setting()?,
            computer_name: claimdesk_store::paths::computer_name(),
            language: s.language_setting()?,
        })
    })
}

/// What the dialog sends; an empty token keeps the stored one.
#[derive(Deserialize)]
pub struct SettingsForm {
    server_url: String,
    device_token: String,
    auto_send: bool,
    retention: Retention,
    proof_required: bool,
    #[serde(default)]
    shop_name: String,
    /// A language code, or empty for the computer's.
    #[serde(default)]
    language: String,
}

/// What saving the settings changed that the window must follow.
#[derive(Serialize)]
pub struct Saved {
    /// The language to speak from now on.
    language: &'static str,
}

#[tauri::command]
pub async fn save_sync_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: SettingsForm,
) -> Result<Saved, UiError> {
    let result = state.with_store(|s| {
        let current = SyncSettings::load(s, SyncSettings::from_env().as_ref())?;
        let token = if settings.device_token.trim().is_empty() {
            current.device_token
        } else {
            settings.device_token
        };
        let sending = SyncSettings {
            server_url: settings.server_url,
            device_token: token,
            auto_send: settings.auto_send,
        };
        // No service named (a counter not set up yet, or one that moves claims by bundle):
        // the sending settings stay as they are, and the rest can still be saved.
        let sending_given = !sending.server_url.trim().is_empty();
        // Every wrong field at once, and nothing saved while one is wrong.
        let mut errors = if sending_given {
            sending.check()
        } else {
            Vec::new()
        };
        errors.extend(settings.retention.check());
        if !errors.is_empty() {
            return Ok(Err(SaveError::Invalid(errors)));
        }
        if sending_given {
            if let Err(e) = sending.save(s) {
                return Ok(Err(e));
            }
        }
        s.set_retention(&settings.retention)?;
        s.set_proof_required(settings.proof_required)?;
        s.set_shop_name(&settings.shop_name)?;
        let language = claimdesk_model::locale::supported(&settings.language).unwrap_or_default();
        s.set_language_setting(language)?;
        claimdesk_model::locale::set_language(if language.is_empty() {
            claimdesk_model::locale::from_env()
        } else {
            language
        });
        Ok(Ok(()))
    })?;
    match result {
        Ok(()) => {
            if let Some(sync) = state.sync.get() {
                sync.wake(Wake::SettingsChanged);
            }
            // A shorter retention applies at once.
            crate::purge::run(&app, &state);
            Ok(Saved {
                language: claimdesk_model::locale::language(),
            })
        }
        Err(SaveError::Invalid(errors)) => Err(UiError {
            errors,
            ..UiError::new(ErrorCode::Validation)
        }),
        Err(SaveError::Store(e)) => Err(e.into()),
    }
}
