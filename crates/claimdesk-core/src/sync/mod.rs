//! Delivering queued claims to the claims service, exactly once, over bad networks.
//!
//! - [`engine`]: one uploader draining the outbox oldest first; the loop with backoff.
//! - [`client`]: the preflight and the multipart upload (reqwest, rustls, no redirects).
//! - [`outcome`]: what an answer means — sent, retry later, refused, or not the service.
//! - [`settings`]: server address, device token, auto-send.

pub mod client;
pub mod engine;
pub mod outcome;
pub mod settings;

pub use client::{Client, ClientConfig};
pub use engine::{Backoff, Connection, Engine, Observer, PassReport, SyncEvent, SyncStatus, Wake};
pub use outcome::SyncError;
pub use settings::SyncSettings;
