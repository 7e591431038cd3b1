//! The customer's receipt in the window: shown (and printed through the system's print
//! dialog) from the same content the PDF is made of, or saved as a PDF the clerk places.

use crate::error::UiError;
use crate::state::AppState;
use base64::Engine;
use claimdesk_model::ClaimId;
use claimdesk_receipt::{Paper, Receipt, ReceiptError};
use serde::Serialize;
use tauri::{Manager, State};

/// A receipt as the window shows it: its content and its QR code as an image.
#[derive(Serialize)]
pub struct ReceiptView {
    #[serde(flatten)]
    receipt: Receipt,
    /// `data:image/svg+xml;base64,…` (the CSP allows `data:` images only).
    qr: String,
}

fn ui_error(e: ReceiptError) -> UiError {
    UiError::new(e.code()).with_params(e.params())
}

fn receipt_of(state: &AppState, id: ClaimId) -> Result<Receipt, UiError> {
    state
        .with_store(|s| Ok(Receipt::of(s, id)))?
        .map_err(ui_error)
}

/// The receipt of claim `id`, to show and print.
#[tauri::command]
pub async fn receipt(state: State<'_, AppState>, id: ClaimId) -> Result<ReceiptView, UiError> {
    let receipt = receipt_of(&state, id)?;
    let svg = claimdesk_receipt::qr_svg(&receipt).map_err(ui_error)?;
    Ok(ReceiptView {
        qr: format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        ),
        receipt,
    })
}

/// *Print…*: the window's print operation with the system's print dialog (the page's print
/// stylesheet shows only the receipt the window put in its print area). WebKitGTK does not
/// act on the page's own `window.print()`. "Print to File" offers `receipt-<number>.pdf` in
/// the documents folder (else the home folder).
#[tauri::command]
pub async fn print_receipt(window: tauri::WebviewWindow, id: ClaimId) -> Result<(), UiError> {
    let paths = window.path();
    let file = paths
        .document_dir()
        .ok()
        .filter(|d| d.is_dir())
        .or_else(|| paths.home_dir().ok())
        .unwrap_or_default()
        .join(format!(
            "receipt-{}.pdf",
            claimdesk_model::claim_number::claim_number(id)
        ));
    let failed = |e: String| {
        ui_error(ReceiptError::Pdf(format!(
            "the print dialog could not open: {e}"
        )))
    };
    print_dialog(&window, &file).map_err(failed)
}

#[cfg(target_os = "linux")]
fn print_dialog(window: &tauri::WebviewWindow, file: &std::path::Path) -> Result<(), String> {
    use webkit2gtk::PrintOperationExt;
    let uri = gtk::glib::filename_to_uri(file, None).map_err(|e| e.to_string())?;
    window
        .with_webview(move |webview| {
            let settings = gtk::PrintSettings::new();
            settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(uri.as_str()));
            let operation = webkit2gtk::PrintOperation::new(&webview.inner());
            operation.set_print_settings(&settings);
            operation.run_dialog(None::<&gtk::Window>);
        })
        .map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
fn print_dialog(window: &tauri::WebviewWindow, _file: &std::path::Path) -> Result<(), String> {
    window.print().map_err(|e| e.to_string())
}

/// *Save as PDF…*: the receipt of claim `id` on `paper`, to a file the clerk picks (0600).
/// Returns where it went; `None` if the dialog was cancelled.
#[tauri::command]
pub async fn save_receipt(
    state: State<'_, AppState>,
    id: ClaimId,
    paper: Paper,
) -> Result<Option<String>, UiError> {
    let receipt = receipt_of(&state, id)?;
    let pdf = claimdesk_receipt::render(&receipt, paper).map_err(ui_error)?;
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_title(claimdesk_model::catalogue::text(
            "dialog.receipt.title",
            &[],
        ))
        .set_file_name(format!("receipt-{}.pdf", receipt.claim_number))
        .add_filter("PDF", &["pdf", "PDF"])
        .save_file()
        .await
    else {
        return Ok(None);
    };
    let path = file.path().to_owned();
    let failed =
        |e: std::io::Error| ui_error(ReceiptError::Pdf(format!("{}: {e}", path.display())));
    let mut out = claimdesk_store::perms::private_file(&path).map_err(failed)?;
    std::io::Write::write_all(&mut out, &pdf)
        .and_then(|()| out.sync_all())
        .map_err(failed)?;
    tracing::info!(claim = %id, "receipt saved");
    Ok(Some(path.display().to_string()))
}
