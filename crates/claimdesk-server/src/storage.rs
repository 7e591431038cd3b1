//! What the service needs from its storage, as a trait: handlers only see [`ClaimStorage`],
//! so a second store (PostgreSQL, object storage) is one more implementation, not a change
//! to every handler.
//!
//! The rule that makes a receipt trustworthy lives here once, in [`ClaimStorage::receive`]:
//! every attachment blob is stored before the claim row that names it, so a received claim
//! never points at a missing blob (a crash in between leaves only an unreferenced blob).

use crate::review::{AuditEntry, Decision, ReviewError, Reviewed};
use claimdesk_model::wire::{ChangesPage, ClaimPayload, Receipt};
use claimdesk_model::ClaimId;
use serde::Serialize;
use std::future::Future;
use std::path::PathBuf;

/// Why the service's storage could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file or folder could not be used.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(Box<dyn std::error::Error + Send + Sync>),
    /// The schema could not be brought up to date.
    #[error("could not update the database schema: {0}")]
    Migration(Box<dyn std::error::Error + Send + Sync>),
    /// A device with this name is registered and not revoked.
    #[error("a device named “{0}” is already registered; revoke it first or choose another name")]
    DeviceExists(String),
    /// The name belonged to a device that was revoked: its claims, decisions and answers stay
    /// that device's, so the name is not given to another.
    #[error("“{0}” was a device that was revoked; its claims stay its own, so choose another name (a device that lost its token gets a new one with `device rotate` before it is revoked)")]
    NameRetired(String),
    /// The system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// A blocking storage task did not finish (it panicked).
    #[error("a storage task failed: {0}")]
    Task(String),
}

/// Result of a storage call.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// What storing a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// First time: stored now.
    New(Receipt),
    /// Already stored with the same content: the original receipt.
    Replay(Receipt),
    /// Already stored with different content: nothing changed.
    Conflict(Receipt),
    /// Another device's claim has this id: nothing changed, and the sender is not told it
    /// exists.
    Foreign,
}

impl Accepted {
    /// What an upload of `payload` comes to when its device already has a claim under its id
    /// stored with the content hash `stored`: the same claim (its first receipt) or another
    /// (a conflict). A service from before `supersedes` stored the hash without it, so the
    /// same claim retried after an upgrade still counts as the same claim.
    pub fn for_stored(payload: &ClaimPayload, stored: &str, receipt: Receipt) -> Accepted {
        let same = payload.content_hash() == stored
            || payload.supersedes.is_some()
                && ClaimPayload {
                    supersedes: None,
                    ..payload.clone()
                }
                .content_hash()
                    == stored;
        if same {
            Accepted::Replay(receipt)
        } else {
            Accepted::Conflict(receipt)
        }
    }
}

/// A registered device as `device list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: String,
    /// When it last made a request (to the minute).
    pub last_seen_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A received claim as the export lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// The case reference given to the customer.
    pub case_reference: String,
    /// The claim number on the customer's receipt.
    pub claim_number: String,
    /// When it arrived.
    pub received_at: String,
    /// The device that sent it.
    pub device: String,
    /// SHA-256 of the canonical claim.
    pub content_sha256: String,
    /// The claim as received (with `supersedes`, the claim it replaces).
    pub claim: ClaimPayload,
    /// The newest claim received that replaces this one.
    pub superseded_by: Option<ClaimId>,
    /// Where the office's review has it ([`claimdesk_model::wire::ServiceStatus`]).
    pub status: String,
    /// The office's last note to the counter.
    pub status_note: String,
    /// The replacement's tracking number, once shipped.
    pub tracking: Option<String>,
    /// When it arrived or was last reviewed.
    pub updated_at: String,
}

/// The service's storage, as the HTTP handlers use it. Every call is async; an
/// implementation over a blocking database runs its calls off the async worker threads.
pub trait ClaimStorage: crate::sql::Db {
    /// The live device holding `token`, if any.
    fn device_for_token(&self, token: &str) -> impl Future<Output = Result<Option<String>>> + Send;

    /// The stored claim `id` if `device` sent it: its content hash and receipt. Another
    /// device's claim is `None`, as if it did not exist.
    fn find(
        &self,
        device: String,
        id: ClaimId,
    ) -> impl Future<Output = Result<Option<(String, Receipt)>>> + Send;

    /// The claim of `device` whose case reference or claim number is `alias` (as typed: any
    /// case, dashes optional for a claim number), if exactly one claim has it.
    fn find_alias(
        &self,
        device: String,
        alias: String,
    ) -> impl Future<Output = Result<Option<(String, Receipt)>>> + Send;

    /// Whether the database and the blob store answer: the blob store's free bytes.
    fn ready(&self) -> impl Future<Output = Result<u64>> + Send;

    /// Removes blobs no claim names that were stored longer than `grace` ago (an upload's
    /// blobs are stored before its claim row, so a crash or a refused upload can leave some;
    /// the grace period spares those of uploads still under way). How many went.
    fn sweep(&self, grace: std::time::Duration) -> impl Future<Output = Result<u64>> + Send;

    /// Where an upload's parts are written while they arrive ([`crate::spool`]): the blob
    /// folder itself when blobs are files, so storing one is a rename.
    fn spool_dir(&self) -> PathBuf;

    /// Stores the spooled file `path` as the blob `sha256` (taking the file).
    fn put_blob_file(
        &self,
        sha256: String,
        path: PathBuf,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Registers a device; its token (shown once).
    fn device_add(&self, name: String) -> impl Future<Output = Result<String>> + Send;

    /// A new token for a live device, the old ones working `grace` more; `None` if no live
    /// device has that name.
    fn device_rotate(
        &self,
        name: String,
        grace: std::time::Duration,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// Revokes a device; whether a live one had that name.
    fn device_revoke(&self, name: String) -> impl Future<Output = Result<bool>> + Send;

    /// Every device, by name.
    fn device_list(&self) -> impl Future<Output = Result<Vec<Device>>> + Send;

    /// The bytes of the blob `sha256`, if stored.
    fn read_blob(&self, sha256: String) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    /// Stores an attachment blob under its SHA-256, durably; keeps one already there.
    fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> impl Future<Output = Result<()>> + Send;

    /// Stores a claim whose blobs are already stored, once: same id and content gives the
    /// first receipt, other content a conflict, and concurrent calls store one claim.
    fn insert_claim(
        &self,
        device: String,
        payload: ClaimPayload,
    ) -> impl Future<Output = Result<Accepted>> + Send;

    /// Records the office's `decision` on the claim that `target` (its id, case reference or
    /// claim number) names, if [`crate::review::check`] allows it: the claim's status, a
    /// numbered change in its device's feed and an audit line, in one transaction.
    fn review(
        &self,
        target: String,
        decision: Decision,
    ) -> impl Future<Output = Result<Reviewed, ReviewError>> + Send;

    /// The changes to `device`'s claims numbered above `since`, oldest first, at most `limit`.
    fn changes(
        &self,
        device: String,
        since: u64,
        limit: u32,
    ) -> impl Future<Output = Result<ChangesPage>> + Send;

    /// Adds a line to the audit log.
    fn audit(&self, entry: AuditEntry) -> impl Future<Output = Result<()>> + Send;

    /// The audit log, oldest first: every line, or those about one claim.
    fn audit_log(
        &self,
        claim_id: Option<ClaimId>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;

    /// Receives a claim with its spooled attachment files (one per distinct SHA-256): the
    /// blobs first, then the claim row.
    fn receive(
        &self,
        device: String,
        payload: ClaimPayload,
        parts: Vec<(String, PathBuf)>,
    ) -> impl Future<Output = Result<Accepted>> + Send {
        async move {
            for (sha256, path) in parts {
                self.put_blob_file(sha256, path).await?;
            }
            self.insert_claim(device, payload).await
        }
    }
}
