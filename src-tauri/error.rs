//! Errors as the UI receives them: `{code, message, field?, errors}`. The UI switches on
//! `code` and never parses `message`.

use claimdesk_model::{catalogue, ErrorCode, FieldError};
use claimdesk_store::StoreError;
use serde::Serialize;

/// An error crossing to the UI.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    /// Stable code (`validation`, `store.disk_full`, `claim.not_editable`, …).
    pub code: ErrorCode,
    /// What happened and what to do next, for the clerk, in English (the catalogue's words; the
    /// UI shows the clerk's language by code).
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
    /// The error `code`; its message is the catalogue's (`ui/i18n/en.json`).
    pub fn new(code: ErrorCode) -> Self {
        UiError {
            code,
            message: catalogue::message(code, None, &[]),
            field: None,
            errors: Vec::new(),
            params: Vec::new(),
        }
    }

    /// An error shown beside the attachments.
    pub fn about_attachments(code: ErrorCode) -> Self {
        UiError {
            field: Some("attachments".into()),
            ..UiError::new(code)
        }
    }

    /// Adds values for the message's placeholders (and details for support).
    pub fn with_params(mut self, params: Vec<(String, String)>) -> Self {
        self.params.extend(params);
        self.message = catalogue::message(self.code, None, &self.params);
        self
    }

    /// Adds one value for the message's placeholders.
    pub fn with(self, key: &str, value: impl Into<String>) -> Self {
        self.with_params(vec![(key.to_owned(), value.into())])
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        // The clerk's words are the catalogue's; what SQLite or the OS said goes along as
        // `detail` for support.
        let error = UiError::new(e.code())
            .with_params(e.params())
            .with("detail", e.to_string());
        match e {
            StoreError::Invalid(errors) => UiError { errors, ..error },
            _ => error,
        }
    }
}
