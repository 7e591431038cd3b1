//! Which storage a command uses: the embedded SQLite file and blob folder under `--data-dir`,
//! or PostgreSQL (`--database-url`) with blobs in a folder or in PostgreSQL (`--blobs`). One
//! place for the choice, so `serve`, `device …` and `export` always agree.

use crate::intake::Intake;
use crate::pg::{Blobs, PgStore};
use crate::review::{AuditEntry, Decision, ReviewError, Reviewed};
use crate::storage::{ClaimStorage, Device, Received, StorageError};
use claimdesk_model::ClaimId;
use std::path::PathBuf;
use std::time::Duration;

/// Where the service keeps things, as the command line gives it.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The local folder: the SQLite database (without --database-url) and, by default, the
    /// attachment blobs.
    #[arg(long, value_name = "DIR", env = "CLAIMDESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL database for fleets (`postgres://user@host/db`); several `serve`
    /// processes against one database are one service.
    #[arg(long, value_name = "URL", env = "CLAIMDESK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where blobs go with --database-url: `file:///folder` (default: DIR/blobs) or `postgres`.
    #[arg(long, value_name = "WHERE", env = "CLAIMDESK_BLOBS")]
    pub blobs: Option<String>,
    /// With `sslmode=require` in the database URL: a CA (PEM) to trust besides the system's
    /// for the database server's certificate.
    #[arg(long, value_name = "FILE", env = "CLAIMDESK_DATABASE_CA")]
    pub database_ca: Option<PathBuf>,
}

/// Why the arguments name no usable store.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// Neither a folder nor a database.
    #[error("say where the claims are kept: --data-dir DIR, or --database-url postgres://… (with --blobs or --data-dir for the attachments)")]
    NoStore,
    /// `--blobs` is not a place blobs can go.
    #[error("{0}")]
    Blobs(String),
}

/// The storage behind a command.
#[derive(Clone)]
pub enum Backend {
    /// SQLite + blob folder.
    Sqlite(Intake),
    /// PostgreSQL.
    Postgres(PgStore),
}

impl StoreArgs {
    /// Opens (creating or migrating as needed) the store these arguments name.
    pub async fn open(&self) -> Result<Backend, OpenError> {
        match (&self.database_url, &self.data_dir) {
            (Some(url), dir) => {
                let blobs = match (&self.blobs, dir) {
                    (Some(b), _) => Blobs::parse(b).map_err(ArgsError::Blobs)?,
                    (None, Some(dir)) => Blobs::Folder(dir.join("blobs")),
                    (None, None) => return Err(ArgsError::NoStore.into()),
                };
                Ok(Backend::Postgres(
                    PgStore::open_with(url, blobs, self.database_ca.as_deref()).await?,
                ))
            }
            (None, Some(dir)) => {
                let dir = dir.clone();
                let intake = tokio::task::spawn_blocking(move || Intake::open(&dir))
                    .await
                    .map_err(|e| StorageError::Task(e.to_string()))??;
                Ok(Backend::Sqlite(intake))
            }
            (None, None) => Err(ArgsError::NoStore.into()),
        }
    }
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The arguments name none.
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// It failed to open.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Backend {
    /// Registers a device; its token.
    pub async fn add_device(&self, name: &str) -> Result<String, StorageError> {
        match self {
            Backend::Sqlite(s) => s.add_device(name),
            Backend::Postgres(p) => p.add_device(name).await,
        }
    }

    /// A new token for a device, the old ones working `grace` more.
    pub async fn rotate_device(
        &self,
        name: &str,
        grace: Duration,
    ) -> Result<Option<String>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.rotate_device(name, grace),
            Backend::Postgres(p) => p.rotate_device(name, grace).await,
        }
    }

    /// Revokes a device.
    pub async fn revoke_device(&self, name: &str) -> Result<bool, StorageError> {
        match self {
            Backend::Sqlite(s) => s.revoke_device(name),
            Backend::Postgres(p) => p.revoke_device(name).await,
        }
    }

    /// Every device.
    pub async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.devices(),
            Backend::Postgres(p) => p.devices().await,
        }
    }

    /// Removes orphan blobs older than `grace`; how many.
    pub async fn sweep(&self, grace: Duration) -> Result<u64, StorageError> {
        match self {
            Backend::Sqlite(s) => s.sweep(grace).await,
            Backend::Postgres(p) => p.sweep(grace).await,
        }
    }

    /// Records the office's decision on a claim.
    pub async fn review(&self, target: &str, decision: Decision) -> Result<Reviewed, ReviewError> {
        match self {
            Backend::Sqlite(s) => ClaimStorage::review(s, target.to_owned(), decision).await,
            Backend::Postgres(p) => p.review(target.to_owned(), decision).await,
        }
    }

    /// Adds a line to the audit log.
    pub async fn audit(&self, entry: AuditEntry) -> Result<(), StorageError> {
        match self {
            Backend::Sqlite(s) => ClaimStorage::audit(s, entry).await,
            Backend::Postgres(p) => p.audit(entry).await,
        }
    }

    /// The audit log (of one claim).
    pub async fn audit_log(&self, claim: Option<ClaimId>) -> Result<Vec<AuditEntry>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.audit_log(claim).await,
            Backend::Postgres(p) => p.audit_log(claim).await,
        }
    }

    /// Every received claim.
    pub async fn export(&self) -> Result<Vec<Received>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.export(),
            Backend::Postgres(p) => p.export().await,
        }
    }
}

impl crate::sql::Db for Backend {
    async fn query(
        &self,
        sql: &str,
        params: Vec<crate::sql::Value>,
    ) -> Result<Vec<crate::sql::Row>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.query(sql, params).await,
            Backend::Postgres(p) => p.query(sql, params).await,
        }
    }

    async fn execute(
        &self,
        sql: &str,
        params: Vec<crate::sql::Value>,
    ) -> Result<u64, StorageError> {
        match self {
            Backend::Sqlite(s) => s.execute(sql, params).await,
            Backend::Postgres(p) => p.execute(sql, params).await,
        }
    }

    async fn atomically(
        &self,
        steps: Vec<crate::sql::Step>,
    ) -> Result<Option<usize>, StorageError> {
        match self {
            Backend::Sqlite(s) => s.atomically(steps).await,
            Backend::Postgres(p) => p.atomically(steps).await,
        }
    }
}
