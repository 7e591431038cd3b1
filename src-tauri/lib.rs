//! The ClaimDesk desktop shell: opens the store, registers the commands, shows the window.
//! Everything worth testing lives in the crates under `crates/`.

mod answer;
mod attach;
mod clipboard;
mod commands;
mod error;
mod help;
mod instance;
mod logging;
mod lookup;
mod purge;
mod receipt;
mod state;
mod sync;

use claimdesk_store::lock::{self, FolderLock};
use claimdesk_store::paths;
use std::path::PathBuf;
use std::time::Duration;
use tauri::Manager;

/// `--data-dir DIR` or `--data-dir=DIR` from the command line, if given.
fn data_dir_arg() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(dir) = text.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(dir));
        }
    }
    None
}

/// Starts the app.
pub fn run() {
    let data_dir = paths::data_dir(data_dir_arg(), cfg!(debug_assertions));
    let log_dir = paths::log_dir(cfg!(debug_assertions));
    logging::init(&log_dir);
    // Whoever holds the folder's lock has its window.
    let lock = FolderLock::try_take(&data_dir, lock::APP);
    let result = tauri::Builder::default()
        // First of all: a second launch on this folder hands over to the first window and
        // exits here, before any window exists.
        .plugin(instance::plugin(&data_dir))
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let instance = match lock {
                Ok(Some(lock)) => Some(lock),
                // No first window answered over D-Bus (no session bus, or it is closing): a
                // window closed a moment ago may still be exiting, so wait a little for it.
                Ok(None) => match FolderLock::take_within(&data_dir, lock::APP, Duration::from_secs(5)) {
                    Ok(Some(lock)) => Some(lock),
                    _ => {
                        tracing::warn!(
                            "another ClaimDesk window is open on this data folder; not opening a second"
                        );
                        eprintln!(
                            "ClaimDesk is already open on {}; use that window.",
                            data_dir.display()
                        );
                        app.cleanup_before_exit();
                        std::process::exit(0);
                    }
                },
                // A folder that cannot be locked (or created) is reported by the store.
                Err(_) => None,
            };
            let state = state::AppState::open(data_dir, log_dir, instance);
            // Receipts, notifications and messages from Rust in the window's language.
            let chosen = state.with_store(|s| s.language_setting()).unwrap_or_default();
            claimdesk_model::locale::set_language(if chosen.is_empty() {
                claimdesk_model::locale::from_env()
            } else {
                &chosen
            });
            if let Some(handle) = sync::start(app.handle(), &state) {
                let _ = state.sync.set(handle);
            }
            app.manage(state);
            purge::start(app.handle());
            // The window is made here, not from the config, so that a launch that gives way
            // to another never shows one.
            let config = app
                .config()
                .app
                .windows
                .first()
                .cloned()
                .ok_or("tauri.conf.json names no window")?;
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::save_draft,
            commands::submit_claim,
            commands::check_claim,
            commands::discard_draft,
            commands::list_claims,
            commands::claim_summary,
            commands::open_claim,
            commands::disk_space,
            commands::withdraw_claim,
            commands::replace_claim,
            receipt::receipt,
            receipt::save_receipt,
            receipt::print_receipt,
            commands::edit_claim,
            commands::export_claims,
            attach::attach_files,
            attach::attach_dialog,
            answer::answer,
            answer::answer_note,
            answer::answer_attach,
            answer::answer_remove,
            answer::answer_send,
            lookup::lookup_claim,
            attach::attach_pasted,
            attach::attach_clipboard,
            attach::list_attachments,
            attach::remove_attachment,
            attach::set_attachment_kind,
            sync::sync_status,
            sync::send_now,
            sync::sync_settings,
            sync::save_sync_settings,
            help::diagnostics,
            help::open_log_folder,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the window could not start");
        eprintln!("ClaimDesk could not start its window: {e}");
        std::process::exit(1);
    }
}
