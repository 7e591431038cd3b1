//! The system clipboard, read natively. WebKitGTK never hands a copied picture to the page's
//! `paste` event (WebKit bug 218519 and its successors: `clipboardData` comes back empty), so
//! on Linux the window asks the shell, which reads the clipboard through GTK on the main
//! thread — the X11 or Wayland clipboard, whichever the window runs on.

use std::path::PathBuf;
use tauri::AppHandle;

/// What the clipboard holds that can be attached.
#[derive(Debug)]
pub enum Pasted {
    /// A picture, as the copying program offered it (PNG, JPEG, WebP, HEIC bytes).
    Image(Vec<u8>),
    /// Files copied in a file manager.
    Files(Vec<PathBuf>),
    /// Nothing that can be attached (text, or an empty clipboard).
    Nothing,
}

/// Picture formats asked for, best first; the photo pipeline checks the bytes anyway.
#[cfg(target_os = "linux")]
const IMAGE_TARGETS: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/heic"];

/// Reads the clipboard. Elsewhere than Linux the webview passes pictures to the page
/// itself, so there is nothing more to find here.
pub async fn read(app: &AppHandle) -> Pasted {
    #[cfg(target_os = "linux")]
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let asked = app.run_on_main_thread(move || {
            let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
            request(clipboard, IMAGE_TARGETS, tx);
        });
        if asked.is_err() {
            return Pasted::Nothing;
        }
        rx.await.unwrap_or(Pasted::Nothing)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = app;
        Pasted::Nothing
    }
}

/// Asks for each picture format in turn, then for copied files; answers once.
#[cfg(target_os = "linux")]
fn request(
    clipboard: gtk::Clipboard,
    targets: &'static [&'static str],
    tx: tokio::sync::oneshot::Sender<Pasted>,
) {
    match targets.split_first() {
        Some((target, rest)) => {
            clipboard.request_contents(&gtk::gdk::Atom::intern(target), move |clipboard, data| {
                let bytes = data.data();
                if bytes.is_empty() {
                    request(clipboard.clone(), rest, tx);
                } else {
                    let _ = tx.send(Pasted::Image(bytes));
                }
            });
        }
        None => clipboard.request_uris(move |_, uris| {
            let files: Vec<PathBuf> = uris
                .iter()
                .filter_map(|u| url::Url::parse(u).ok()?.to_file_path().ok())
                .collect();
            let _ = tx.send(if files.is_empty() {
                Pasted::Nothing
            } else {
                Pasted::Files(files)
            });
        }),
    }
}
