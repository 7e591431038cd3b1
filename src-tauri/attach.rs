//! Attachment commands: photos and PDFs from the file dialog, drag and drop, or the
//! clipboard. The pipeline runs on a blocking thread, never on the UI thread.

use crate::clipboard::{self, Pasted};
use crate::error::UiError;
use crate::state::AppState;
use base64::Engine;
use claimdesk_model::attachment::{any_case, ACCEPTED_EXTENSIONS};
use claimdesk_model::catalogue::text;
use claimdesk_model::{AttachmentId, ClaimId, ErrorCode, Kind};
use claimdesk_photos::{self as photos, Options, PhotoError, Processed};
use claimdesk_store::AttachmentInfo;
use serde::Serialize;
use std::path::PathBuf;
use tauri::{AppHandle, Manager, State};

/// An attachment as the form shows it.
#[derive(Serialize)]
pub struct AttachmentView {
    #[serde(flatten)]
    info: AttachmentInfo,
    /// `data:image/jpeg;base64,…` (the CSP allows `data:` images only).
    thumbnail_url: Option<String>,
}

impl From<AttachmentInfo> for AttachmentView {
    fn from(info: AttachmentInfo) -> Self {
        let thumbnail_url = info.thumbnail.as_ref().map(|t| {
            format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(t)
            )
        });
        AttachmentView {
            info,
            thumbnail_url,
        }
    }
}

/// What happened to one file.
#[derive(Serialize)]
pub struct AttachOutcome {
    /// The file's name, for the message.
    name: String,
    /// The stored attachment, if it worked.
    attachment: Option<AttachmentView>,
    /// Why not, if it did not.
    error: Option<UiError>,
}

/// The answer to every attach command: what happened to each file, and the claim's
/// attachments afterwards (so the form need not ask again).
#[derive(Serialize)]
pub struct Attached {
    /// The claim (created by the first attachment if the form had not been saved yet).
    id: ClaimId,
    /// One entry per file.
    outcomes: Vec<AttachOutcome>,
    /// The claim's attachments now.
    attachments: Vec<AttachmentView>,
}

impl From<PhotoError> for UiError {
    fn from(e: PhotoError) -> Self {
        UiError::about_attachments(e.code()).with_params(e.params())
    }
}

/// Wraps per-file outcomes with the claim's attachment list.
fn attached(state: &AppState, id: ClaimId, outcomes: Vec<AttachOutcome>) -> Attached {
    let attachments = list(state, id).unwrap_or_default();
    Attached {
        id,
        outcomes,
        attachments,
    }
}

fn list(state: &AppState, id: ClaimId) -> Result<Vec<AttachmentView>, UiError> {
    state.with_store(|s| Ok(s.attachments(id)?.into_iter().map(Into::into).collect()))
}

fn attach_one(
    state: &AppState,
    id: ClaimId,
    kind: Kind,
    name: String,
    processed: Result<Processed, PhotoError>,
) -> AttachOutcome {
    let result = processed
        .map_err(UiError::from)
        .and_then(|p| state.with_store(|s| s.add_attachment(id, kind, &name, &p.as_new())));
    match result {
        Ok(info) => AttachOutcome {
            name,
            attachment: Some(info.into()),
            error: None,
        },
        Err(e) => AttachOutcome {
            name,
            attachment: None,
            error: Some(e),
        },
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

async fn attach_paths(
    app: AppHandle,
    id: ClaimId,
    kind: Kind,
    paths: Vec<PathBuf>,
) -> Vec<AttachOutcome> {
    let job = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        paths
            .iter()
            .map(|path| {
                let processed = photos::process_file(path, &Options::default());
                attach_one(&state, id, kind, file_name(path), processed)
            })
            .collect()
    });
    job.await.unwrap_or_default()
}

/// Runs `attach` for the claim `id` (a new one if the form has none yet) and answers with
/// the outcomes and the claim's attachments.
async fn attach_with<F: std::future::Future<Output = Vec<AttachOutcome>>>(
    app: &AppHandle,
    id: Option<ClaimId>,
    attach: impl FnOnce(ClaimId) -> F,
) -> Attached {
    let id = id.unwrap_or_default();
    let outcomes = attach(id).await;
    attached(&app.state::<AppState>(), id, outcomes)
}

/// Attaches files by path (drag and drop).
#[tauri::command]
pub async fn attach_files(
    app: AppHandle,
    id: Option<ClaimId>,
    kind: Kind,
    paths: Vec<PathBuf>,
) -> Attached {
    attach_with(&app, id, |id| attach_paths(app.clone(), id, kind, paths)).await
}

/// Opens the file dialog and attaches what the clerk picks.
#[tauri::command]
pub async fn attach_dialog(app: AppHandle, id: Option<ClaimId>, kind: Kind) -> Attached {
    // rfd's GTK backend runs the dialog in GTK's own main context; awaiting it here keeps
    // the window responsive (a blocking dialog on the main thread deadlocks Tauri's loop).
    // Matched in any case (GTK's filters are case-sensitive: `IMG_1234.HEIC` would be hidden);
    // "All files" for anything else, which the pipeline then names if it cannot take it.
    let accepted: Vec<String> = ACCEPTED_EXTENSIONS.iter().map(|e| any_case(e)).collect();
    let picked = rfd::AsyncFileDialog::new()
        .set_title(text("dialog.attach.title", &[]))
        .add_filter(text("dialog.attach.filter", &[]), &accepted)
        .add_filter(text("dialog.all_files", &[]), &["*"])
        .pick_files()
        .await;
    let paths = picked
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.path().to_owned())
        .collect();
    attach_with(&app, id, |id| attach_paths(app.clone(), id, kind, paths)).await
}

/// Attaches an image pasted from the clipboard, sent as base64 (custom IPC headers do not
/// reach the command on WebKitGTK, so the bytes travel with the other arguments).
#[tauri::command]
pub async fn attach_pasted(
    app: AppHandle,
    id: Option<ClaimId>,
    kind: Kind,
    data: String,
) -> Result<Attached, UiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| {
            UiError::about_attachments(ErrorCode::PasteInvalid).with("detail", e.to_string())
        })?;
    let handle = app.clone();
    Ok(attach_with(&app, id, |id| async move {
        vec![attach_bytes(handle, id, kind, bytes).await]
    })
    .await)
}

/// Attaches what the system clipboard holds — a copied picture, or files copied in a file
/// manager — for webviews that do not show it to the page (WebKitGTK). Nothing attachable
/// on the clipboard is no error: the list is empty.
#[tauri::command]
pub async fn attach_clipboard(app: AppHandle, id: Option<ClaimId>, kind: Kind) -> Attached {
    let pasted = clipboard::read(&app).await;
    let handle = app.clone();
    attach_with(&app, id, |id| async move {
        match pasted {
            Pasted::Image(bytes) => vec![attach_bytes(handle, id, kind, bytes).await],
            Pasted::Files(paths) => attach_paths(handle, id, kind, paths).await,
            Pasted::Nothing => Vec::new(),
        }
    })
    .await
}

/// Runs the pipeline on a pasted picture's bytes and stores the result.
async fn attach_bytes(app: AppHandle, id: ClaimId, kind: Kind, bytes: Vec<u8>) -> AttachOutcome {
    let job = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let processed = photos::process(&bytes, &Options::default());
        attach_one(&state, id, kind, String::new(), processed)
    });
    job.await.unwrap_or_else(|e| AttachOutcome {
        name: String::new(),
        attachment: None,
        error: Some(UiError::about_attachments(ErrorCode::Internal).with("detail", e.to_string())),
    })
}

/// The claim's attachments, with thumbnails.
#[tauri::command]
pub async fn list_attachments(
    state: State<'_, AppState>,
    id: ClaimId,
) -> Result<Vec<AttachmentView>, UiError> {
    list(&state, id)
}

/// Removes an attachment; answers with the claim's attachments afterwards.
#[tauri::command]
pub async fn remove_attachment(
    state: State<'_, AppState>,
    id: ClaimId,
    attachment: AttachmentId,
) -> Result<Vec<AttachmentView>, UiError> {
    state.with_store(|s| s.remove_attachment(id, attachment))?;
    list(&state, id)
}

/// Changes what an attachment shows; answers with the claim's attachments afterwards.
#[tauri::command]
pub async fn set_attachment_kind(
    state: State<'_, AppState>,
    id: ClaimId,
    attachment: AttachmentId,
    kind: Kind,
) -> Result<Vec<AttachmentView>, UiError> {
    state.with_store(|s| s.set_attachment_kind(id, attachment, kind))?;
    list(&state, id)
}
