//! The local store: one SQLCipher-encrypted SQLite file (WAL, `synchronous=FULL`, foreign keys
//! and `secure_delete` on) holding every claim, draft or not, in a 0700 folder of 0600 files.
//! Its key and the device token are in a [`Vault`], outside the folder. Each call is one transaction ([`Store::write`]); once it returns `Ok`,
//! the change is on disk and survives a crash or power cut, and when it fails none of it is.
//!
//! Also here: where the data folder is ([`paths`]) and the export/import formats
//! ([`records`]).

pub mod additions;
mod attachments;
pub mod bundle;
mod cipher;
mod claims;
pub mod disk;
pub mod lock;
mod outbox;
pub mod paths;
pub mod perms;
pub mod queue;
pub mod records;
mod replace;
pub mod retention;
pub mod review;
mod schema;
mod settings;
pub mod vault;

use claimdesk_model::{ClaimId, ErrorCode, FieldError, Status};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};

pub use attachments::AttachmentInfo;
pub use claimdesk_model::attachment::{Kind, MAX_ATTACHMENTS, MAX_CLAIM_BYTES};
pub use claims::{Duplicate, ImportOutcome, TakeBack};
pub use outbox::{OutboxSummary, Outgoing, BACK_OF_THE_QUEUE_AFTER};
pub use retention::{PurgeReport, Retention, Tombstone};
pub use schema::{migrate_to, SCHEMA_VERSION};
pub use settings::Defaults;
pub use vault::{Secret, Vault, VaultError, VaultKind};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data folder could not be created or read.
    #[error("cannot use the data folder {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// SQLite failed (disk full, file locked, corrupt, …).
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A migration failed.
    #[error("could not update the database schema: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The file was written by a newer ClaimDesk; opening it would risk a silent downgrade.
    #[error(
        "this data was written by a newer ClaimDesk (database schema {found}; this version knows up to {known}). Install the newer ClaimDesk; nothing was changed."
    )]
    SchemaTooNew {
        /// The file's schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// No claim has this id.
    #[error("claim {0} was not found")]
    NotFound(ClaimId),
    /// The claim has left the clerk's hands (queued, sending or sent) and cannot be changed.
    #[error("claim {id} is {status} and can no longer be changed")]
    NotEditable {
        /// The claim.
        id: ClaimId,
        /// Its status.
        status: Status,
    },
    /// The claim cannot be withdrawn: an upload of it is under way, the service has it, or
    /// it was withdrawn already.
    #[error("claim {id} is {status} and cannot be withdrawn")]
    NotWithdrawable {
        /// The claim.
        id: ClaimId,
        /// Its status.
        status: Status,
    },
    /// Only a sent claim, or one the service refused, can be replaced by a new claim.
    #[error("claim {id} is {status} and cannot be replaced by a new claim")]
    NotReplaceable {
        /// The claim.
        id: ClaimId,
        /// Its status.
        status: Status,
    },
    /// A claim that replaces this one is queued or sent already.
    #[error("claim {id} was already replaced by claim {by}")]
    AlreadyReplaced {
        /// The claim.
        id: ClaimId,
        /// The claim number of the one that replaces it.
        by: String,
    },
    /// The draft was queued before (and taken back to edit): it is not discarded, only
    /// withdrawn or queued again.
    #[error("claim {0} was queued before; withdraw it instead of resetting")]
    WasQueued(ClaimId),
    /// The claim breaks the rules; each problem names its field.
    #[error("the claim is not complete: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The claim already has [`MAX_ATTACHMENTS`] attachments.
    #[error("a claim can have at most {MAX_ATTACHMENTS} attachments; remove one first")]
    TooManyAttachments,
    /// A stored row could not be read back (a status or id this build does not know).
    #[error("a stored claim could not be read: {0}")]
    Corrupt(String),
    /// The office is not asking for more information on this claim.
    #[error("the office is not asking for more information on claim {0}")]
    NotRequested(ClaimId),
    /// An answer with neither a note nor a photo.
    #[error("write a note or add a photo before sending the answer")]
    EmptyAddition,
    /// The vault holding the database key or device token failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The database is encrypted and its key is not where it should be.
    #[error("the database is encrypted and its key is not in {place}")]
    KeyMissing {
        /// Where the key was looked for.
        place: String,
    },
    /// The key does not open the database (or the file is not a database).
    #[error("the database key does not open this database")]
    KeyWrong,
}

impl StoreError {
    /// The stable code the UI and scripts switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Io { .. } => ErrorCode::StoreIo,
            StoreError::Database(e) if is_disk_full(e) => ErrorCode::StoreDiskFull,
            StoreError::Database(_) => ErrorCode::StoreDatabase,
            StoreError::Migration(_) => ErrorCode::StoreMigration,
            StoreError::SchemaTooNew { .. } => ErrorCode::StoreSchemaTooNew,
            StoreError::NotFound(_) => ErrorCode::ClaimNotFound,
            StoreError::NotEditable {
                status: Status::Sending,
                ..
            } => ErrorCode::ClaimUploading,
            StoreError::NotEditable { .. } => ErrorCode::ClaimNotEditable,
            StoreError::NotWithdrawable { .. } => ErrorCode::ClaimNotWithdrawable,
            StoreError::NotReplaceable { .. } => ErrorCode::ClaimNotReplaceable,
            StoreError::AlreadyReplaced { .. } => ErrorCode::ClaimAlreadyReplaced,
            StoreError::WasQueued(_) => ErrorCode::ClaimWasQueued,
            StoreError::Invalid(_) => ErrorCode::Validation,
            StoreError::Corrupt(_) => ErrorCode::StoreCorrupt,
            StoreError::NotRequested(_) => ErrorCode::AdditionNotRequested,
            StoreError::EmptyAddition => ErrorCode::AdditionEmpty,
            StoreError::TooManyAttachments => ErrorCode::AttachmentsTooMany,
            StoreError::Vault(_) => ErrorCode::StoreVault,
            StoreError::KeyMissing { .. } => ErrorCode::StoreKeyMissing,
            StoreError::KeyWrong => ErrorCode::StoreKeyWrong,
        }
    }
}

impl StoreError {
    /// Values for the message catalogue's placeholders (`error.<code>` in `ui/i18n`).
    pub fn params(&self) -> Vec<(String, String)> {
        let p = |k: &str, v: String| (k.to_owned(), v);
        match self {
            StoreError::Io { path, .. } => vec![p("path", path.display().to_string())],
            StoreError::SchemaTooNew { found, known } => {
                vec![p("found", found.to_string()), p("known", known.to_string())]
            }
            StoreError::TooManyAttachments => vec![p("max", MAX_ATTACHMENTS.to_string())],
            StoreError::KeyMissing { place } => vec![p("place", place.clone())],
            StoreError::AlreadyReplaced { by, .. } => vec![p("number", by.clone())],
            StoreError::Vault(e) => vec![p("message", e.to_string())],
            _ => Vec::new(),
        }
    }
}

/// Turns incremental vacuum on for a file made without it (new and converted files have it
/// from the start): a one-time VACUUM, after which purged pages can leave the file.
fn incremental_vacuum_on(conn: &Connection) -> Result<()> {
    let mode: i64 = conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0))?;
    if mode != 2 {
        tracing::info!("turning on incremental vacuum (one full VACUUM)");
        conn.execute_batch(
            "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;
             INSERT INTO claims_search(claims_search) VALUES ('rebuild');",
        )?;
    }
    Ok(())
}

fn is_disk_full(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open ClaimDesk database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    key: String,
    vault: Vault,
}

impl Store {
    /// Opens (creating if needed) `claimdesk.sqlite3` in `dir`, creating `dir` too, with its
    /// secrets in `vault` (the app and CLI pass [`Vault::for_data_dir`]).
    pub fn open_dir(dir: &Path, vault: &Vault) -> Result<Store> {
        Store::open(&dir.join(paths::DATABASE_FILE), vault)
    }

    /// Opens (creating if needed) the database file at `path` and brings its schema up to
    /// date; its folder is made private, a plaintext file is encrypted first, and a file from
    /// a newer ClaimDesk is refused untouched.
    pub fn open(path: &Path, vault: &Vault) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            perms::private_dir(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        // One process at a time makes a key or converts a plaintext file (the app and a CLI
        // run started together must not each make one, the last overwriting the first).
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let _opening = match dir {
            Some(dir) => Some(
                lock::FolderLock::take_within(dir, lock::OPEN, std::time::Duration::from_secs(120))
                    .map_err(|source| StoreError::Io {
                        path: dir.to_owned(),
                        source,
                    })?
                    .ok_or_else(|| StoreError::Io {
                        path: dir.to_owned(),
                        source: std::io::Error::other(
                            "another ClaimDesk is still opening this data",
                        ),
                    })?,
            ),
            None => None,
        };
        let (key, vault) = cipher::key_for(path, vault)?;
        let mut conn = cipher::open_keyed(path, &key)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Only takes effect on a new file: the freed pages of purged claims can leave it.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        // Pages are decrypted as they are read: keep the ones the window reads over and over
        // (indexes, the search index, the newest claims) decrypted in memory. 32 MiB.
        conn.pragma_update(None, "cache_size", -32_768)?;
        schema::migrate(&mut conn)?;
        incremental_vacuum_on(&conn)?;
        for file in [
            path.to_owned(),
            cipher::sidecar(path, "-wal"),
            cipher::sidecar(path, "-shm"),
        ] {
            perms::restrict(&file).map_err(|source| StoreError::Io { path: file, source })?;
        }
        let store = Store {
            conn,
            path: path.to_owned(),
            key,
            vault,
        };
        store.move_token_to_vault()?;
        tracing::info!(file = %path.display(), schema = SCHEMA_VERSION, vault = ?store.vault.kind(), "store opened");
        Ok(store)
    }

    /// Another connection to the same file, keyed and configured like the store's own (for
    /// tools, tests and benchmarks that need to look underneath).
    pub fn connection(&self) -> Result<Connection> {
        let conn = cipher::open_keyed(&self.path, &self.key)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        Ok(conn)
    }

    /// Where this store's key and token are kept (which may be the fallback folder of the
    /// vault it was opened with, if the keyring would not keep a new key).
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Runs `f` in one immediate transaction: every statement it makes is on disk together
    /// when this returns `Ok`, and none of them is when `f` or the commit fails. Every change
    /// of more than one statement goes through here.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// SQLite's own consistency check: `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .pragma_query_value(None, "integrity_check", |r| r.get(0))?)
    }
}
