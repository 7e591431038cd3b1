//! Delivering queued claims to the claims service, exactly once, over bad networks.
//!
//! - [`engine`]: one uploader draining the outbox oldest first, and the thin loop that runs it.
//! - [`schedule`]: when to try next — the pacing as a pure function, tested without timers.
//! - [`client`]: the preflight and the multipart upload (reqwest, rustls, no redirects).
//! - [`outcome`]: what an answer means — sent, retry later, refused, or not the service.
//! - [`settings`]: server address, device token, auto-send.

pub mod alerts;
pub mod client;
pub mod engine;
pub mod outcome;
pub mod schedule;
pub mod settings;
pub mod take_back;

pub use client::{Client, ClientConfig};
pub use engine::{Connection, Engine, Observer, PassReport, SyncEvent, SyncStatus};
pub use outcome::SyncError;
pub use schedule::{Backoff, Schedule, Wake};
pub use settings::SyncSettings;
pub use take_back::{take_back, withdraw, Edit, EditError, Withdrawal};
