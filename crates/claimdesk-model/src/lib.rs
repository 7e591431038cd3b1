//! ClaimDesk's model: the warranty claim and every rule about it that more than one part of
//! the system must agree on — ids, statuses, kinds, fields, validation, address data, the wire
//! contract with its limits, case references and the one error-code vocabulary.
//!
//! No I/O and no heavy dependencies: the app, the store, the sync engine and the claims
//! service all build on it, and it builds on nothing of theirs.

pub mod address;
pub mod attachment;
pub mod catalogue;
pub mod claim;
pub mod claim_number;
pub mod code;
pub mod error;
pub mod locale;
#[doc(hidden)]
pub mod sample;
pub mod spreadsheet;
pub mod validate;
pub mod vocab;
pub mod wire;

pub use attachment::{Kind, MediaType, NewAttachment};
pub use claim::{
    now_timestamp, AttachmentId, Channel, Claim, ClaimFields, ClaimId, ClaimSummary, Status,
};
pub use code::ErrorCode;
pub use error::FieldError;
