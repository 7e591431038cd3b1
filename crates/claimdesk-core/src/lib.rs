//! ClaimDesk's core: the warranty claim, its validation rules, the address data they use,
//! the local SQLite store and the export/import formats.
//!
//! Nothing here knows about Tauri, GTK or a window: the desktop shell, the command line and
//! the tests all drive the same code.

pub mod address;
pub mod claim;
pub mod error;
pub mod paths;
pub mod photos;
pub mod records;
pub mod store;
pub mod sync;
pub mod validate;
pub mod wire;

pub use claim::{Channel, Claim, ClaimFields, ClaimId, ClaimSummary, Status};
pub use error::FieldError;
pub use store::{Store, StoreError};
