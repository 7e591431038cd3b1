//! The one error shape the UI sees: `{code, message, field?}`.

use crate::catalogue;
use crate::code::ErrorCode;
use serde::{Deserialize, Serialize};

/// A problem with one field of a claim, in words a counter clerk can act on.
///
/// `code` is a stable identifier the UI switches on (and looks up in its message
/// catalogue); `message` is the English text; `params` fill the catalogue's placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The claim field this is about, by its export name (e.g. `postal_code`).
    pub field: String,
    /// Stable machine-readable code, e.g. `postal_code.format` (an [`ErrorCode`]'s name;
    /// text, so that codes from a newer claims service still parse).
    pub code: String,
    /// What is wrong and what to do, in English (the catalogue's words).
    pub message: String,
    /// Values for the message catalogue's placeholders (e.g. `example`, `country`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

impl FieldError {
    /// The error `code` about `field`; its message is the catalogue's (see
    /// [`crate::catalogue`]), so its words are written in one place.
    pub fn new(field: &str, code: ErrorCode) -> Self {
        Self {
            field: field.to_owned(),
            code: code.as_str().to_owned(),
            message: catalogue::message(code, Some(field), &[]),
            params: Vec::new(),
        }
    }

    /// Adds a value for one of the message's placeholders.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.push((key.to_owned(), value.into()));
        if let Some(code) = ErrorCode::parse(&self.code) {
            self.message = catalogue::message(code, Some(&self.field), &self.params);
        }
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
