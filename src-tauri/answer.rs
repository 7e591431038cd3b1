//! The clerk's answer to "more information needed": a note and photos added to a sent
//! claim. Thin commands over `claimdesk_store::additions`; the draft is saved as it is typed
//! and each photo as it is picked, so closing the window loses nothing.

use crate::error::UiError;
use crate::state::AppState;
use base64::Engine;
use claimdesk_model::attachment::{any_case, ACCEPTED_EXTENSIONS};
use claimdesk_model::catalogue::text;
use claimdesk_model::{AttachmentId, ClaimId, ErrorCode, Kind, Status};
use claimdesk_photos::{self as photos, Options};
use claimdesk_store::additions::AdditionAttachment;
use claimdesk_sync::Wake;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

/// A photo of the answer, as the dialog shows it.
#[derive(Serialize)]
pub struct AnswerPhoto {
    id: AttachmentId,
    kind: Kind,
    original_name: String,
    /// `data:image/jpeg;base64,…`, for pictures.
    thumbnail_url: Option<String>,
}

impl From<AdditionAttachment> for AnswerPhoto {
    fn from(a: AdditionAttachment) -> Self {
        AnswerPhoto {
            thumbnail_url: a.thumbnail.as_ref().map(|t| {
                format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(t)
                )
            }),
            id: a.id,
            kind: a.kind,
            original_name: a.original_name,
        }
    }
}

/// The draft answer of a claim, as the dialog shows it.
#[derive(Serialize, Default)]
pub struct AnswerView {
    note: String,
    photos: Vec<AnswerPhoto>,
}

fn view(state: &AppState, claim: ClaimId) -> Result<AnswerView, UiError> {
    state.with_store(|s| {
        let draft = s
            .additions(claim)?
            .into_iter()
            .rfind(|a| a.status == Status::Draft);
        Ok(draft.map_or_else(AnswerView::default, |a| AnswerView {
            note: a.note,
            photos: a.attachments.into_iter().map(Into::into).collect(),
        }))
    })
}

/// The draft answer to `claim` (empty if none yet).
#[tauri::command]
pub async fn answer(state: State<'_, AppState>, claim: ClaimId) -> Result<AnswerView, UiError> {
    view(&state, claim)
}

/// Saves the answer's note as it is typed.
#[tauri::command]
pub async fn answer_note(
    state: State<'_, AppState>,
    claim: ClaimId,
    note: String,
) -> Result<(), UiError> {
    state.with_store(|s| s.save_addition_note(claim, &note).map(|_| ()))
}

/// Opens the file dialog and adds the picked photos or PDFs to the answer.
#[tauri::command]
pub async fn answer_attach(app: AppHandle, claim: ClaimId) -> Result<AnswerView, UiError> {
    let accepted: Vec<String> = ACCEPTED_EXTENSIONS.iter().map(|e| any_case(e)).collect();
    let picked = rfd::AsyncFileDialog::new()
        .set_title(text("dialog.attach.title", &[]))
        .add_filter(text("dialog.attach.filter", &[]), &accepted)
        .add_filter(text("dialog.all_files", &[]), &["*"])
        .pick_files()
        .await
        .unwrap_or_default();
    let paths: Vec<_> = picked.into_iter().map(|f| f.path().to_owned()).collect();
    let handle = app.clone();
    let added = tauri::async_runtime::spawn_blocking(move || -> Result<(), UiError> {
        let state = handle.state::<AppState>();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let processed = photos::process_file(&path, &Options::default())?;
            state.with_store(|s| {
                s.add_addition_attachment(claim, Kind::Other, &name, &processed.as_new())
                    .map(|_| ())
            })?;
        }
        Ok(())
    })
    .await
    .map_err(|e| UiError::new(ErrorCode::Internal).with("detail", e.to_string()))?;
    added?;
    view(&app.state::<AppState>(), claim)
}

/// Removes a photo from the answer.
#[tauri::command]
pub async fn answer_remove(
    state: State<'_, AppState>,
    claim: ClaimId,
    photo: AttachmentId,
) -> Result<AnswerView, UiError> {
    state.with_store(|s| s.remove_addition_attachment(photo).map(|_| ()))?;
    view(&state, claim)
}

/// Queues the answer and wakes the sync engine.
#[tauri::command]
pub async fn answer_send(state: State<'_, AppState>, claim: ClaimId) -> Result<(), UiError> {
    state.with_store(|s| s.queue_addition(claim).map(|_| ()))?;
    if let Some(sync) = state.sync.get() {
        sync.wake(Wake::ClaimQueued);
    }
    Ok(())
}
