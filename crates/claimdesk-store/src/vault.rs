//! Where a data folder's secrets live: the key that encrypts its database and the device token
//! the sync engine sends with. Never in the data folder itself, so a copy of that folder (a lost
//! laptop's disk, a backup) reads as noise.
//!
//! - [`Vault::Keyring`]: the OS credential store through the `keyring` crate (Secret Service
//!   on Linux, Keychain on macOS, Credential Manager on Windows), one entry per secret and
//!   data folder.
//! - [`Vault::Files`]: where no credential store answers (a headless kiosk, a script, CI), one
//!   0600 file per secret in a 0700 folder under the OS config folder, outside the data
//!   folder. The app shows a notice while it runs on this fallback.
//!
//! [`KEY_DIR_ENV`] names the fallback folder explicitly (and then always wins).

use claimdesk_model::attachment::sha256_hex;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable naming a folder for the secrets as files, instead of the OS
/// credential store (kiosks, scripts and tests that want to know where the key is).
pub const KEY_DIR_ENV: &str = "CLAIMDESK_KEY_DIR";

/// The credential store's service name.
const SERVICE: &str = "com.claimdesk.app";

/// One secret a data folder has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The database's 256-bit key, as 64 hex digits.
    DatabaseKey,
    /// The device token the sync engine authenticates with.
    DeviceToken,
}

impl Secret {
    /// The entry's (or file's) name.
    pub fn name(self) -> &'static str {
        match self {
            Secret::DatabaseKey => "database-key",
            Secret::DeviceToken => "device-token",
        }
    }
}

/// Which kind of vault is in use, as the UI and diagnostics show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultKind {
    /// The OS credential store.
    Keyring,
    /// 0600 files outside the data folder.
    Files,
}

/// Why a secret could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The OS credential store refused or failed.
    #[error("the system keyring failed: {0}")]
    Keyring(#[from] keyring::Error),
    /// A key file could not be read or written.
    #[error("cannot use the key file {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// Where one data folder's secrets are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vault {
    /// The OS credential store; entries are named `<secret> <data folder>`.
    Keyring {
        /// The data folder's absolute path, naming its entries.
        folder: String,
    },
    /// One file per secret in this folder.
    Files(PathBuf),
}

impl Vault {
    /// The vault for `data_dir`: [`KEY_DIR_ENV`] if set; else key files already in the
    /// fallback folder (a key stays where it was made); else the OS credential store if it
    /// answers; else the fallback folder.
    pub fn for_data_dir(data_dir: &Path) -> Vault {
        if let Some(dir) = std::env::var_os(KEY_DIR_ENV).filter(|v| !v.is_empty()) {
            return Vault::Files(PathBuf::from(dir));
        }
        // The folder is named by its canonical path (made first if new), so the same folder
        // reached another way (a symlink, a relative path) finds the same key.
        let _ = crate::perms::private_dir(data_dir);
        let folder = std::fs::canonicalize(data_dir)
            .or_else(|_| std::path::absolute(data_dir))
            .unwrap_or_else(|_| data_dir.to_owned())
            .display()
            .to_string();
        let files = Vault::Files(fallback_dir(&folder));
        // A key file there (or one that cannot be read, which opening will then report) wins.
        if !matches!(files.get(Secret::DatabaseKey), Ok(None)) {
            return files;
        }
        let keyring = Vault::Keyring { folder };
        match keyring.get(Secret::DatabaseKey) {
            Ok(_) => keyring,
            Err(e) => {
                tracing::warn!(error = %e, "no system keyring: the database key is kept in a file");
                files
            }
        }
    }

    /// Where this vault's secrets go when the system keyring answers but will not keep them
    /// (a Secret Service with no unlocked collection, as on a kiosk that never had a desktop
    /// login): the fallback folder. `None` for files already.
    pub(crate) fn fallback(&self) -> Option<Vault> {
        match self {
            Vault::Keyring { folder } => Some(Vault::Files(fallback_dir(folder))),
            Vault::Files(_) => None,
        }
    }

    /// Secrets as files in `dir` (created 0700 when the first one is written).
    pub fn files(dir: impl Into<PathBuf>) -> Vault {
        Vault::Files(dir.into())
    }

    /// Secrets as files in `<data_dir>/.keys`, for tests: a real vault is never inside the
    /// data folder it protects.
    #[doc(hidden)]
    pub fn for_tests(data_dir: &Path) -> Vault {
        Vault::Files(data_dir.join(".keys"))
    }

    /// Which kind this is.
    pub fn kind(&self) -> VaultKind {
        match self {
            Vault::Keyring { .. } => VaultKind::Keyring,
            Vault::Files(_) => VaultKind::Files,
        }
    }

    /// Where the secrets are, for diagnostics and error messages.
    pub fn describe(&self) -> String {
        match self {
            Vault::Keyring { .. } => "the system keyring".to_owned(),
            Vault::Files(dir) => dir.display().to_string(),
        }
    }

    /// The secret's value; `None` when there is none yet.
    pub fn get(&self, secret: Secret) -> Result<Option<String>, VaultError> {
        match self {
            Vault::Keyring { folder } => match entry(secret, folder)?.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e.into()),
            },
            Vault::Files(dir) => {
                let path = dir.join(secret.name());
                match std::fs::read_to_string(&path) {
                    Ok(v) => Ok(Some(v.trim().to_owned())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(source) => Err(VaultError::Io { path, source }),
                }
            }
        }
    }

    /// Keeps `value` as the secret; when this returns, it survives a crash or power cut.
    pub fn set(&self, secret: Secret, value: &str) -> Result<(), VaultError> {
        match self {
            Vault::Keyring { folder } => Ok(entry(secret, folder)?.set_password(value)?),
            Vault::Files(dir) => write_private(dir, secret.name(), value),
        }
    }

    /// Removes the secret (nothing happens if there is none).
    pub fn delete(&self, secret: Secret) -> Result<(), VaultError> {
        match self {
            Vault::Keyring { folder } => match entry(secret, folder)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e.into()),
            },
            Vault::Files(dir) => {
                let path = dir.join(secret.name());
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(source) => Err(VaultError::Io { path, source }),
                }
            }
        }
    }
}

fn entry(secret: Secret, folder: &str) -> Result<keyring::Entry, keyring::Error> {
    keyring::Entry::new(SERVICE, &format!("{} {folder}", secret.name()))
}

/// The fallback folder for the data folder `folder`: under the OS config folder
/// (`~/.config/com.claimdesk.app/keys/<id>` on Linux), one subfolder per data folder.
fn fallback_dir(folder: &str) -> PathBuf {
    let id = &sha256_hex(folder.as_bytes())[..16];
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(SERVICE)
        .join("keys")
        .join(id)
}

/// A fresh 256-bit key as 64 hex digits, from the OS's random source.
pub(crate) fn new_key() -> Result<String, VaultError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Io {
        path: PathBuf::from("(random source)"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `dir/name` as a 0600 file in a 0700 folder, replacing it atomically and durably
/// (temporary file, fsync, rename, fsync of the folder).
fn write_private(dir: &Path, name: &str, value: &str) -> Result<(), VaultError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| VaultError::Io { path, source }
    };
    crate::perms::private_dir(dir).map_err(io(dir))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let mut file = crate::perms::private_file(&tmp).map_err(io(&tmp))?;
    file.write_all(value.as_bytes()).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    crate::perms::sync_dir(dir).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_keep_and_forget_a_secret() {
        let dir = tempfile::tempdir().expect("tmp");
        let vault = Vault::files(dir.path().join("keys"));
        assert_eq!(vault.get(Secret::DeviceToken).expect("get"), None);
        vault.set(Secret::DeviceToken, "cdt_one").expect("set");
        vault.set(Secret::DeviceToken, "cdt_two").expect("replace");
        assert_eq!(
            vault.get(Secret::DeviceToken).expect("get").as_deref(),
            Some("cdt_two")
        );
        vault.delete(Secret::DeviceToken).expect("delete");
        vault.delete(Secret::DeviceToken).expect("delete again");
        assert_eq!(vault.get(Secret::DeviceToken).expect("get"), None);
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let keys = dir.path().join("keys");
        Vault::files(&keys)
            .set(Secret::DatabaseKey, &new_key().expect("key"))
            .expect("set");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&keys), 0o700);
        assert_eq!(mode(&keys.join("database-key")), 0o600);
    }

    #[test]
    fn new_keys_are_256_random_bits() {
        let (a, b) = (new_key().expect("a"), new_key().expect("b"));
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
