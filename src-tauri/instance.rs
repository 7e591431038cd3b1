//! One window per data folder. A second launch on the same folder hands over to the first
//! window over D-Bus (Tauri's single-instance plugin, named per data folder) and exits before
//! it shows anything; the first window comes to the front. The folder's lock backs this up
//! where there is no D-Bus session: a launch that cannot take the lock opens no window.

use claimdesk_model::attachment::sha256_hex;
use std::path::Path;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The D-Bus name prefix for windows on `data_dir` (the plugin adds `.SingleInstance`): one
/// per folder, so windows on different folders (a test's, a second till's) never meet.
pub fn dbus_id(data_dir: &Path) -> String {
    let folder = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let id = &sha256_hex(folder.to_string_lossy().as_bytes())[..16];
    format!("com.claimdesk.app.f{id}")
}

/// The plugin for `data_dir`; register it before anything else.
pub fn plugin<R: Runtime>(data_dir: &Path) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(dbus_id(data_dir))
        .callback(|app, _argv, _cwd| raise(app))
        .build()
}

/// Brings the window forward for a second launch, and tells the page (it shows nothing
/// new; tests count the hand-overs).
fn raise<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("a second launch on this data folder brought this window forward");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let _ = app.emit("raised", ());
}
