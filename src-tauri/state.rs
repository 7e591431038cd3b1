//! The shell's state: the open store (or why it could not be opened).

use crate::error::UiError;
use crate::sync::SyncHandle;
use claimdesk_store::lock::FolderLock;
use claimdesk_store::{Store, StoreError, Vault};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Shared by every command.
pub struct AppState {
    store: Result<Mutex<Store>, UiError>,
    /// The data folder in use.
    pub data_dir: PathBuf,
    /// Where the folder's database key and device token are kept.
    pub vault: Vault,
    /// Where the log is written.
    pub log_dir: PathBuf,
    /// This window's hold on the data folder (see `claimdesk_store::lock`), for as long as it
    /// runs.
    _instance: Option<FolderLock>,
    /// The sync engine, once started (not when the store cannot be opened).
    pub sync: OnceLock<SyncHandle>,
}

impl AppState {
    /// Opens the store in `data_dir`; a failure is kept and reported by every command, so
    /// the window still opens and tells the clerk what is wrong.
    pub fn open(data_dir: PathBuf, log_dir: PathBuf, instance: Option<FolderLock>) -> Self {
        let asked = Vault::for_data_dir(&data_dir);
        let store = Store::open_dir(&data_dir, &asked).map_err(|e| {
            tracing::error!(error = %e, "the store could not be opened");
            UiError::from(e)
        });
        // The store may have kept a new key in the fallback folder instead.
        let vault = store.as_ref().map_or(asked, |s| s.vault().clone());
        let store = store.map(Mutex::new);
        AppState {
            store,
            data_dir,
            vault,
            log_dir,
            _instance: instance,
            sync: OnceLock::new(),
        }
    }

    /// The store's lock itself, for work that must not hold it throughout (asking the service
    /// while the window keeps saving).
    pub fn store(&self) -> Result<&Mutex<Store>, UiError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// Runs `f` with the store locked.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, UiError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so a poisoned lock is safe to keep using.
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard).map_err(UiError::from)
    }
}
