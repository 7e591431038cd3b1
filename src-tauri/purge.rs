//! Retention in the running app: the purge (see `claimdesk_store::retention`) runs at start,
//! then daily, and right after the clerk changes the retention settings. The window reloads
//! its list when something went.

use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// How often the purge runs while the app is open.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs the purge now and then every [`EVERY`], for as long as the app runs.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let handle = app.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || {
                run(&handle, &handle.state::<AppState>());
            })
            .await;
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Runs the purge once; tells the window if anything was removed. A failure is logged and
/// tried again next time (nothing the clerk can do about it).
pub fn run(app: &AppHandle, state: &AppState) {
    match state.with_store(|s| s.purge(chrono::Utc::now(), false)) {
        Ok(report) if report.photos + report.claims > 0 => {
            let _ = app.emit("purged", report);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(code = %e.code, "the retention purge failed; trying again later"),
    }
}
