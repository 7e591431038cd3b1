//! Help for support: a diagnostics text the clerk can copy into a message, and the log folder.
//! Nothing in either names a customer or carries the device token.

use crate::error::UiError;
use crate::logging;
use crate::state::AppState;
use claimdesk_model::ErrorCode;
use claimdesk_sync::SyncSettings;
use serde::Serialize;
use std::fmt::Write;
use tauri::State;

/// What *Help* shows.
#[derive(Serialize)]
pub struct Diagnostics {
    /// Version, OS, folders, queue, connection and recent problems, as plain text.
    text: String,
    /// Where the log files are.
    log_dir: String,
}

/// The diagnostics text.
#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<Diagnostics, UiError> {
    let mut t = String::new();
    let _ = writeln!(t, "ClaimDesk {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        t,
        "OS: {} ({} {})",
        os_name(),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let _ = writeln!(t, "Data folder: {}", state.data_dir.display());
    let _ = writeln!(t, "Log folder: {}", state.log_dir.display());
    let _ = writeln!(t, "Database key: {}", state.vault.describe());
    match state.with_store(|s| {
        Ok((
            s.outbox_summary()?,
            s.count()?,
            SyncSettings::load(s, None)?,
        ))
    }) {
        Ok((q, total, settings)) => {
            let _ = writeln!(
                t,
                "Claims: {total} in all; {} waiting to be sent (oldest queued {}), {} need attention, {} sent; last sync {}",
                q.pending,
                q.oldest_pending_since.as_deref().unwrap_or("-"),
                q.needs_attention,
                q.sent,
                q.last_sync_at.as_deref().unwrap_or("never")
            );
            let server = SyncSettings::from_env()
                .filter(|_| settings.server_url.is_empty())
                .map_or(settings.server_url, |env| env.server_url);
            let server = without_credentials(&server);
            let _ = writeln!(
                t,
                "Sending to: {} (automatic sending {})",
                if server.is_empty() { "-" } else { &server },
                if settings.auto_send { "on" } else { "off" }
            );
        }
        Err(e) => {
            let _ = writeln!(t, "Store: {} ({})", e.code, e.message);
        }
    }
    if let Some(status) = state.sync.get().and_then(|s| s.last_status()) {
        let _ = writeln!(t, "Connection: {}", status.connection);
        if let Some(p) = status.problem {
            let _ = writeln!(t, "Last problem: {}", p.code);
        }
    }
    let problems = logging::recent_problems(&state.log_dir, 20);
    let _ = writeln!(t, "Recent warnings and errors ({}):", problems.len());
    for line in problems {
        let _ = writeln!(t, "  {line}");
    }
    Ok(Diagnostics {
        text: t,
        log_dir: state.log_dir.display().to_string(),
    })
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
pub async fn open_log_folder(state: State<'_, AppState>) -> Result<(), UiError> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&state.log_dir)
        .spawn()
        .map(drop)
        .map_err(|e| UiError::new(ErrorCode::Internal).with("detail", e.to_string()))
}

/// The OS's own name for itself, where it says (Linux: `/etc/os-release`).
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

/// The address without a `user:password@` part, should one have been typed into it.
fn without_credentials(address: &str) -> String {
    match url::Url::parse(address) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => address.to_owned(),
    }
}
