//! The embedded storage for a single shop: devices and received claims in one SQLite file,
//! attachment blobs as files named by their SHA-256 in a folder beside it.
//!
//! The claim row is inserted with `ON CONFLICT DO NOTHING` on its id inside one immediate
//! transaction: two uploads of the same claim, however concurrent, store one. The service
//! reaches it through [`ClaimStorage`], which runs each call on a blocking thread; the
//! command line and tests may call the plain methods directly.

use crate::storage::{Accepted, ClaimStorage, Received, StorageError};
use claimdesk_model::claim_number::{claim_number, parse_claim_number};
use claimdesk_model::wire::{
    case_reference, is_case_reference, is_sha256_hex, sha256_hex, ClaimPayload, Receipt,
    ServiceStatus,
};
use claimdesk_model::{now_timestamp, ClaimId};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/001_intake.sql")),
    M::up(include_str!("migrations/002_supersedes.sql")),
];

/// The database file in the data folder.
pub const DATABASE_FILE: &str = "claimdesk-server.sqlite3";

/// Result of a store call.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(Box::new(e))
    }
}

impl From<rusqlite_migration::Error> for StorageError {
    fn from(e: rusqlite_migration::Error) -> Self {
        StorageError::Migration(Box::new(e))
    }
}

/// The SQLite + blob-folder storage. Cloning shares the one connection.
#[derive(Clone)]
pub struct Intake {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    blobs: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Intake {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Intake> {
        let blobs = dir.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(io(&blobs))?;
        let mut conn = Connection::open(dir.join(DATABASE_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        fill_claim_numbers(&conn)?;
        Ok(Intake {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                blobs,
            }),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (the transaction
        // rolls back), so a poisoned lock is still usable.
        self.inner.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a device and returns its new token (shown once; only its hash is kept).
    /// A revoked name may be registered again.
    pub fn add_device(&self, name: &str) -> Result<String> {
        let token = format!("cdt_{}", hex(&random::<24>()?));
        let conn = self.conn();
        let live: Option<String> = conn
            .query_row(
                "SELECT name FROM devices WHERE name = ?1 AND revoked_at IS NULL",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if live.is_some() {
            return Err(StorageError::DeviceExists(name.to_owned()));
        }
        conn.execute(
            "INSERT INTO devices (name, token_sha256, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256,
                 created_at = excluded.created_at, revoked_at = NULL",
            params![name, sha256_hex(token.as_bytes()), now_timestamp()],
        )?;
        Ok(token)
    }

    /// Revokes a device's token. Returns whether a live device had that name.
    pub fn revoke_device(&self, name: &str) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, now_timestamp()],
        )?;
        Ok(n == 1)
    }

    /// The live device holding `token`, if any.
    pub fn device_for_token(&self, token: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name FROM devices WHERE token_sha256 = ?1 AND revoked_at IS NULL",
                [sha256_hex(token.as_bytes())],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The stored claim `id`: its content hash and receipt.
    pub fn find(&self, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        find_in(&self.conn(), id)
    }

    /// Writes an attachment file named by its hash (synced; kept if already there).
    pub fn write_blob(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let path = self.inner.blobs.join(sha256);
        if path.exists() {
            return Ok(());
        }
        let tmp = self
            .inner
            .blobs
            .join(format!(".tmp-{}", hex(&random::<8>()?)));
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        std::fs::File::open(&self.inner.blobs)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.inner.blobs))?;
        Ok(())
    }

    /// Stores a claim whose attachment files are already written, once (use
    /// [`ClaimStorage::receive`] to write them first).
    pub fn accept(&self, device: &str, payload: &ClaimPayload) -> Result<Accepted> {
        let hash = payload.content_hash();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some((stored, receipt)) = find_in(&tx, payload.id)? {
            // A service from before `supersedes` stored the claim's hash without it; the
            // same claim retried after an upgrade is still the same claim.
            let without_link = payload.supersedes.is_some().then(|| {
                ClaimPayload {
                    supersedes: None,
                    ..payload.clone()
                }
                .content_hash()
            });
            return Ok(
                if stored == hash || without_link.as_deref() == Some(stored.as_str()) {
                    Accepted::Replay(receipt)
                } else {
                    Accepted::Conflict(receipt)
                },
            );
        }
        let received_at = now_timestamp();
        let json = serde_json::to_string(payload).unwrap_or_default();
        let reference = loop {
            let candidate = case_reference(random::<8>()?);
            let n = tx.execute(
                "INSERT INTO claims (id, content_sha256, case_reference, device, received_at,
                     claim_json, supersedes, claim_number)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (case_reference) DO NOTHING",
                params![
                    payload.id.to_string(),
                    hash,
                    candidate,
                    device,
                    received_at,
                    json,
                    payload.supersedes.map(|s| s.to_string()),
                    claim_number(payload.id),
                ],
            )?;
            if n == 1 {
                break candidate;
            }
        };
        for (i, a) in payload.attachments.iter().enumerate() {
            tx.execute(
                "INSERT INTO attachments (claim_id, position, sha256, kind, media_type,
                     byte_size, original_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    payload.id.to_string(),
                    i as i64,
                    a.sha256,
                    a.kind.as_str(),
                    a.media_type,
                    a.byte_size as i64,
                    a.original_name
                ],
            )?;
        }
        tx.commit()?;
        Ok(Accepted::New(Receipt {
            id: payload.id,
            case_reference: reference,
            received_at,
            status: ServiceStatus::Received.as_str().to_owned(),
            supersedes: payload.supersedes,
            superseded_by: None,
        }))
    }

    /// The claim a case reference or claim number names (either form, as a customer or
    /// clerk reads it out), if exactly one claim has it.
    pub fn find_alias(&self, alias: &str) -> Result<Option<(String, Receipt)>> {
        let conn = self.conn();
        let key = alias.trim().to_ascii_uppercase();
        let (column, value) = if is_case_reference(&key) {
            ("case_reference", key)
        } else if let Some(number) = parse_claim_number(&key) {
            ("claim_number", number)
        } else {
            return Ok(None);
        };
        let ids: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM claims WHERE {column} = ?1 LIMIT 2"
            ))?
            .query_map([value], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [id] => match id.parse::<ClaimId>() {
                Ok(id) => find_in(&conn, id),
                Err(_) => Ok(None),
            },
            // None, or (40 bits of a claim id, so very rarely) two claims with one number.
            _ => Ok(None),
        }
    }

    /// Every received claim, oldest first.
    pub fn export(&self) -> Result<Vec<Received>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT case_reference, received_at, device, content_sha256, claim_json,
                 (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
                  ORDER BY r.received_at DESC, r.id DESC LIMIT 1)
             FROM claims ORDER BY received_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            let json: String = r.get(4)?;
            let by: Option<String> = r.get(5)?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, json, by))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_reference, received_at, device, content_sha256, json, by) = row?;
            let claim = serde_json::from_str(&json).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
            })?;
            let claim: ClaimPayload = claim;
            out.push(Received {
                case_reference,
                claim_number: claim_number(claim.id),
                received_at,
                device,
                content_sha256,
                superseded_by: by.and_then(|s| s.parse().ok()),
                claim,
            });
        }
        Ok(out)
    }

    /// How many claims are stored.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM claims", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// The stored bytes of an attachment, if present.
    pub fn blob(&self, sha256: &str) -> Option<Vec<u8>> {
        is_sha256_hex(sha256)
            .then(|| std::fs::read(self.inner.blobs.join(sha256)).ok())
            .flatten()
    }
}

fn find_in(conn: &Connection, id: ClaimId) -> Result<Option<(String, Receipt)>> {
    let id_of = |s: Option<String>| s.and_then(|s| s.parse::<ClaimId>().ok());
    Ok(conn
        .query_row(
            "SELECT content_sha256, case_reference, received_at, supersedes,
                 (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
                  ORDER BY r.received_at DESC, r.id DESC LIMIT 1)
             FROM claims WHERE id = ?1",
            [id.to_string()],
            |r| {
                Ok((
                    r.get(0)?,
                    Receipt {
                        id,
                        case_reference: r.get(1)?,
                        received_at: r.get(2)?,
                        status: ServiceStatus::Received.as_str().to_owned(),
                        supersedes: id_of(r.get(3)?),
                        superseded_by: id_of(r.get(4)?),
                    },
                ))
            },
        )
        .optional()?)
}

/// Fills in the claim number of claims stored before the service kept it (migration 2).
fn fill_claim_numbers(conn: &Connection) -> Result<()> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM claims WHERE claim_number IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        if let Ok(parsed) = id.parse::<ClaimId>() {
            conn.execute(
                "UPDATE claims SET claim_number = ?2 WHERE id = ?1",
                params![id, claim_number(parsed)],
            )?;
        }
    }
    Ok(())
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| StorageError::Random(e.to_string()))?;
    Ok(buf)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Intake {
    /// Runs `f` on a blocking thread (SQLite and file calls never hold an async worker).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Intake) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| StorageError::Task(e.to_string()))?
    }
}

impl ClaimStorage for Intake {
    async fn device_for_token(&self, token: &str) -> Result<Option<String>> {
        let token = token.to_owned();
        self.blocking(move |s| s.device_for_token(&token)).await
    }

    async fn find(&self, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        self.blocking(move |s| s.find(id)).await
    }

    async fn find_alias(&self, alias: String) -> Result<Option<(String, Receipt)>> {
        self.blocking(move |s| s.find_alias(&alias)).await
    }

    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<()> {
        self.blocking(move |s| s.write_blob(&sha256, &bytes)).await
    }

    async fn insert_claim(&self, device: String, payload: ClaimPayload) -> Result<Accepted> {
        self.blocking(move |s| s.accept(&device, &payload)).await
    }
}
