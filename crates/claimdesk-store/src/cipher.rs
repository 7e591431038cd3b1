//! The database file is encrypted with SQLCipher (AES-256 per page, HMAC-SHA512 per page) under
//! a random 256-bit key from the [`Vault`]. The key is used raw (`x'…'`), so opening costs no
//! key derivation: it is random already.
//!
//! A plaintext file from an earlier ClaimDesk is converted on first open, kill-safe: the
//! encrypted copy is written beside it, checked, synced, and renamed over it in one step, with
//! the key kept durably before. A kill at any moment leaves the old file or the new one, and
//! the next open finishes the job.

use crate::vault::{new_key, Secret, Vault};
use crate::{perms, schema, Result, StoreError};
use rusqlite::Connection;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the first bytes of every plaintext SQLite file say.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What is at a database path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileState {
    /// Nothing, or an empty file: a new store.
    New,
    /// A plaintext SQLite file (ClaimDesk before encryption, or a test's fixture).
    Plaintext,
    /// Anything else: an encrypted file (or not a database at all, which the key check finds).
    Encrypted,
}

/// What is at `path`.
pub(crate) fn state(path: &Path) -> std::io::Result<FileState> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::New),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(match read {
        0 => FileState::New,
        16 if &head == PLAINTEXT_HEADER => FileState::Plaintext,
        _ => FileState::Encrypted,
    })
}

/// The key for the database at `path`, and the vault it is in: one is made (and a plaintext
/// file converted) where needed, never to replace a lost one. A new key that the system
/// keyring will not keep goes to the fallback folder instead.
pub(crate) fn key_for(path: &Path, vault: &Vault) -> Result<(String, Vault)> {
    let io = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let existing = vault.get(Secret::DatabaseKey)?;
    match state(path).map_err(io)? {
        FileState::Encrypted => match existing {
            Some(key) => Ok((key, vault.clone())),
            None => Err(StoreError::KeyMissing {
                place: vault.describe(),
            }),
        },
        found => {
            let (key, vault) = match existing {
                Some(key) => (key, vault.clone()),
                None => {
                    let key = new_key()?;
                    (key.clone(), keep_new_key(vault, &key)?)
                }
            };
            if found == FileState::Plaintext {
                encrypt_in_place(path, &key)?;
            } else {
                drop(perms::private_file(path).map_err(io)?);
            }
            Ok((key, vault))
        }
    }
}

/// Keeps a new key in `vault`, or where the keyring refuses it, in its fallback folder.
fn keep_new_key(vault: &Vault, key: &str) -> Result<Vault> {
    match (vault.set(Secret::DatabaseKey, key), vault.fallback()) {
        (Ok(()), _) => Ok(vault.clone()),
        (Err(e), Some(files)) => {
            tracing::warn!(error = %e, "the system keyring would not keep the key: it is kept in a file");
            files.set(Secret::DatabaseKey, key)?;
            Ok(files)
        }
        (Err(e), None) => Err(e.into()),
    }
}

/// Opens `path` with `key`; a wrong key (or a file that is not a database) is
/// [`StoreError::KeyWrong`].
pub(crate) fn open_keyed(path: &Path, key: &str) -> Result<Connection> {
    let conn = Connection::open(path)?;
    // SQLCipher would print a failed key check to stderr; the error says it instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    apply_key(&conn, key)?;
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(StoreError::KeyWrong)
        }
        Err(e) => Err(e.into()),
    }
}

fn apply_key(conn: &Connection, key: &str) -> Result<()> {
    if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StoreError::KeyWrong);
    }
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))?;
    Ok(())
}

/// The file an encryption in progress writes.
pub(crate) fn converting_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".encrypting");
    path.with_file_name(name)
}

/// Replaces the plaintext database at `path` with an encrypted copy under `key`.
fn encrypt_in_place(path: &Path, key: &str) -> Result<()> {
    let io = |p: &Path| {
        let path = p.to_owned();
        move |source| StoreError::Io { path, source }
    };
    let copy = converting_path(path);
    let journal = sidecar(&copy, "-journal");
    for leftover in [&copy, &journal] {
        match std::fs::remove_file(leftover) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(leftover)(e)),
            _ => {}
        }
    }
    tracing::info!("encrypting a plaintext store");
    let tables = {
        let plain = Connection::open(path)?;
        plain.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > schema::SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                known: schema::SCHEMA_VERSION,
            });
        }
        // Out of WAL: every committed change into the main file, and no -wal left that could
        // be replayed into the encrypted file once it has this name.
        plain.pragma_update(None, "journal_mode", "DELETE")?;
        drop(perms::private_file(&copy).map_err(io(&copy))?);
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            (copy.to_string_lossy(), format!("x'{key}'")),
        )?;
        plain.pragma_update(Some("encrypted"), "auto_vacuum", "INCREMENTAL")?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.pragma_update(Some("encrypted"), "user_version", version)?;
        plain.execute("DETACH DATABASE encrypted", [])?;
        row_counts(&plain)?
    };
    {
        let encrypted = open_keyed(&copy, key)?;
        // The export renumbers rowids; the search index is keyed on them.
        let has_search: bool = encrypted.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'claims_search'",
            [],
            |r| r.get(0),
        )?;
        if has_search {
            encrypted.execute(
                "INSERT INTO claims_search(claims_search) VALUES ('rebuild')",
                [],
            )?;
        }
        let check: String = encrypted.pragma_query_value(None, "integrity_check", |r| r.get(0))?;
        if check != "ok" || row_counts(&encrypted)? != tables {
            return Err(StoreError::Corrupt(
                "the encrypted copy does not match the plaintext store; the plaintext store was kept"
                    .to_owned(),
            ));
        }
    }
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(io(&copy))?;
    for stale in [sidecar(path, "-wal"), sidecar(path, "-shm")] {
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&stale)(e)),
            _ => {}
        }
    }
    std::fs::rename(&copy, path).map_err(io(path))?;
    if let Some(dir) = path.parent() {
        perms::sync_dir(dir).map_err(io(dir))?;
    }
    tracing::info!("the store is encrypted");
    Ok(())
}

/// Every ordinary table with its row count, by name.
fn row_counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'claims_search_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            let n = conn.query_row(&format!("SELECT count(*) FROM \"{name}\""), [], |r| {
                r.get(0)
            })?;
            Ok((name, n))
        })
        .collect()
}

/// `path` with `suffix` appended to its name (SQLite's `-wal`, `-shm`, `-journal`).
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
