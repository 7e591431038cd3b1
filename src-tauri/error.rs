//! Errors as the UI receives them: `{code, message, field?, errors}`. The UI switches on
//! `code` and never parses `message`.

use claimdesk_model::{ErrorCode, FieldError};
use claimdesk_store::StoreError;
use serde::Serialize;

/// An error crossing to the UI.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    /// Stable code (`validation`, `store.disk_full`, `claim.not_editable`, …).
    pub code: ErrorCode,
    /// What happened and what to do next, for the clerk (English; the UI may translate by code).
    pub message: String,
    /// The field it is about, when it is about one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Per-field problems, for `validation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Values for the message catalogue's placeholders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

impl UiError {
    /// An error shown beside the attachments.
    pub fn about_attachments(code: ErrorCode, message: String) -> Self {
        UiError {
            field: Some("attachments".into()),
            ..UiError::new(code, message)
        }
    }

    /// An error about nothing in particular.
    pub fn new(code: ErrorCode, message: String) -> Self {
        UiError {
            code,
            message,
            field: None,
            errors: Vec::new(),
            params: Vec::new(),
        }
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        let code = e.code();
        let message = match &e {
            StoreError::Invalid(_) => {
                "Some fields need attention: see the messages beside them.".to_owned()
            }
            StoreError::Database(_) if code == ErrorCode::StoreDiskFull => {
                "This computer's disk is full, so the claim was not saved. What you typed is still in the form: free some disk space, then save again.".to_owned()
            }
            StoreError::NotEditable { .. } => {
                "This claim is already queued to send and can no longer be changed here.".to_owned()
            }
            StoreError::SchemaTooNew { .. } | StoreError::Io { .. } => e.to_string(),
            _ => format!(
                "ClaimDesk could not save to its database ({e}). What you typed is still in the form: try again, and call support if it keeps failing."
            ),
        };
        let params = e.params();
        let errors = match e {
            StoreError::Invalid(errors) => errors,
            _ => Vec::new(),
        };
        UiError {
            errors,
            params,
            ..UiError::new(code, message)
        }
    }
}
