//! The embedded storage for a single shop: devices and received claims in one SQLite file,
//! attachment blobs as files named by their SHA-256 in a folder beside it.
//!
//! The claim row is inserted with `ON CONFLICT DO NOTHING` on its id inside one immediate
//! transaction: two uploads of the same claim, however concurrent, store one. The service
//! reaches it through [`ClaimStorage`], which runs each call on a blocking thread; the
//! command line and tests may call the plain methods directly.

use crate::review::{self, AuditEntry, Decision, ReviewError, Reviewed};
use crate::storage::{Accepted, ClaimStorage, Device, Received, StorageError};
use claimdesk_model::claim_number::{claim_number, parse_claim_number};
use claimdesk_model::wire::{
    case_reference, is_case_reference, sha256_hex, Change, ChangesPage, ClaimPayload, Receipt,
    ServiceStatus,
};
use claimdesk_model::{now_timestamp, ClaimId};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/001_intake.sql")),
    M::up(include_str!("migrations/002_supersedes.sql")),
    M::up(include_str!("migrations/003_device_tokens.sql")),
    M::up(include_str!("migrations/004_blob_index.sql")),
    M::up(include_str!("migrations/005_review.sql")),
    M::up(include_str!("migrations/006_office.sql")),
    M::up(include_str!("migrations/007_fleets.sql")),
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
        // SQLite's own lower() folds ASCII only; the office's search folds as PostgreSQL's
        // does, so "müller" finds "MÜLLER" on either store.
        conn.create_scalar_function(
            "lower",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8
                | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
        )?;
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
    /// A revoked device's name is not given again (its claims stay its own).
    pub fn add_device(&self, name: &str) -> Result<String> {
        let token = new_token()?;
        let hash = sha256_hex(token.as_bytes());
        let now = now_timestamp();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known: Option<Option<String>> = tx
            .query_row(
                "SELECT revoked_at FROM devices WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        match known {
            Some(None) => return Err(StorageError::DeviceExists(name.to_owned())),
            Some(Some(_)) => return Err(StorageError::NameRetired(name.to_owned())),
            None => {}
        }
        tx.execute(
            "INSERT INTO devices (name, token_sha256, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256,
                 created_at = excluded.created_at, revoked_at = NULL, last_seen_at = NULL",
            params![name, hash, now],
        )?;
        tx.execute("DELETE FROM device_tokens WHERE device = ?1", [name])?;
        tx.execute(
            "INSERT INTO device_tokens (token_sha256, device, created_at) VALUES (?1, ?2, ?3)",
            params![hash, name, now],
        )?;
        tx.commit()?;
        Ok(token)
    }

    /// Gives a live device a new token and returns it; the tokens it had keep working for
    /// `grace` more (zero: they stop now). `None` if no live device has that name.
    pub fn rotate_device(&self, name: &str, grace: std::time::Duration) -> Result<Option<String>> {
        let token = new_token()?;
        let hash = sha256_hex(token.as_bytes());
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE devices SET token_sha256 = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, hash],
        )?;
        if n == 0 {
            return Ok(None);
        }
        tx.execute(
            "UPDATE device_tokens SET expires_at = ?2
             WHERE device = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
            params![name, stamp(until)],
        )?;
        tx.execute(
            "INSERT INTO device_tokens (token_sha256, device, created_at) VALUES (?1, ?2, ?3)",
            params![hash, name, stamp(now)],
        )?;
        tx.commit()?;
        Ok(Some(token))
    }

    /// Revokes a device's token. Returns whether a live device had that name.
    pub fn revoke_device(&self, name: &str) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, now_timestamp()],
        )?;
        Ok(n == 1)
    }

    /// The live device holding `token` (its current token, or a rotated one still in its
    /// grace period), if any; records that the device was seen (at most once a minute).
    pub fn device_for_token(&self, token: &str) -> Result<Option<String>> {
        let now = now_timestamp();
        let conn = self.conn();
        let device: Option<String> = conn
            .query_row(
                "SELECT d.name FROM device_tokens t JOIN devices d ON d.name = t.device
                 WHERE t.token_sha256 = ?1 AND d.revoked_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > ?2)",
                params![sha256_hex(token.as_bytes()), now],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(name) = &device {
            let minute_ago = (chrono::Utc::now() - chrono::Duration::seconds(60))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            conn.execute(
                "UPDATE devices SET last_seen_at = ?2
                 WHERE name = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?3)",
                params![name, now, minute_ago],
            )?;
        }
        Ok(device)
    }

    /// Every registered device, by name.
    pub fn devices(&self) -> Result<Vec<Device>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT name, created_at, last_seen_at, revoked_at FROM devices ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Device {
                name: r.get(0)?,
                created_at: r.get(1)?,
                last_seen_at: r.get(2)?,
                revoked_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored claim `id`, whichever device sent it: its content hash and receipt (for
    /// the command line and tests).
    pub fn find(&self, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        Ok(find_in(&self.conn(), id)?.map(|(hash, receipt, _)| (hash, receipt)))
    }

    /// The stored claim `id` if `device` sent it.
    pub fn find_for(&self, device: &str, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        Ok(find_in(&self.conn(), id)?
            .filter(|(_, _, owner)| owner == device)
            .map(|(hash, receipt, _)| (hash, receipt)))
    }

    /// Writes an attachment file named by its hash (synced; kept if already there).
    pub fn write_blob(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        crate::blobs::write(&self.inner.blobs, sha256, bytes)
    }

    /// Stores a claim whose attachment files are already written, once (use
    /// [`ClaimStorage::receive`] to write them first).
    pub fn accept(&self, device: &str, payload: &ClaimPayload) -> Result<Accepted> {
        let hash = payload.content_hash();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some((stored, receipt, owner)) = find_in(&tx, payload.id)? {
            // Another device's claim: not even its existence is told.
            if owner != device {
                return Ok(Accepted::Foreign);
            }
            return Ok(Accepted::for_stored(payload, &stored, receipt));
        }
        let received_at = now_timestamp();
        let json = serde_json::to_string(payload).unwrap_or_default();
        let reference = loop {
            let candidate = case_reference(random::<8>()?);
            let n = tx.execute(
                "INSERT INTO claims (id, content_sha256, case_reference, device, received_at,
                     claim_json, supersedes, claim_number, updated_at,
                     country, product_name, serial_number, order_id, contact_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?5, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (case_reference) DO NOTHING",
                params![
                    payload.id.to_string(),
                    hash,
                    candidate,
                    device,
                    received_at,
                    json,
                    payload.supersedes.map(|s| s.to_string()),
                    claim_number(payload.id),
                    payload.fields.country,
                    payload.fields.product_name,
                    payload.fields.serial_number,
                    payload.fields.order_id,
                    payload.fields.contact_name,
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

    /// The claim of `device` that a case reference or claim number names (either form, as a
    /// customer or clerk reads it out), if exactly one claim has it.
    pub fn find_alias(&self, device: &str, alias: &str) -> Result<Option<(String, Receipt)>> {
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
                "SELECT id FROM claims WHERE {column} = ?1 AND device = ?2 LIMIT 2"
            ))?
            .query_map(params![value, device], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [id] => match id.parse::<ClaimId>() {
                Ok(id) => Ok(find_in(&conn, id)?.map(|(hash, receipt, _)| (hash, receipt))),
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
                  ORDER BY r.received_at DESC, r.id DESC LIMIT 1),
                 status, status_note, tracking, updated_at
             FROM claims ORDER BY received_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            let json: String = r.get(4)?;
            let by: Option<String> = r.get(5)?;
            let review = (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, json, by, review))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_reference, received_at, device, content_sha256, json, by, review) = row?;
            let (status, status_note, tracking, updated_at) = review;
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
                status,
                status_note,
                tracking,
                updated_at,
            });
        }
        Ok(out)
    }

    /// Records a decision (see [`ClaimStorage::review`]).
    pub fn review(&self, target: &str, decision: &Decision) -> Result<Reviewed, ReviewError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StorageError::from)?;
        let reviewed = review_in(&tx, target, decision)?;
        tx.commit().map_err(StorageError::from)?;
        Ok(reviewed)
    }

    /// A page of `device`'s feed (see [`ClaimStorage::changes`]).
    pub fn changes(&self, device: &str, since: u64, limit: u32) -> Result<ChangesPage> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, claim_id, status, note, tracking, at FROM reviews
             WHERE device = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![device, since as i64, i64::from(limit) + 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, id, status, note, tracking, at) = row?;
            let Ok(claim_id) = id.parse::<ClaimId>() else {
                continue;
            };
            changes.push(Change {
                seq: seq.unsigned_abs(),
                claim_id,
                status,
                note,
                tracking,
                at,
            });
        }
        Ok(page(changes, since, limit))
    }

    /// Adds a line to the audit log.
    pub fn audit(&self, entry: &AuditEntry) -> Result<()> {
        audit_in(&self.conn(), entry)
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
        crate::blobs::read(&self.inner.blobs, sha256)
    }
}

/// The stored claim `id`: its content hash, receipt and the device that sent it.
fn find_in(conn: &Connection, id: ClaimId) -> Result<Option<(String, Receipt, String)>> {
    let id_of = |s: Option<String>| s.and_then(|s| s.parse::<ClaimId>().ok());
    Ok(conn
        .query_row(
            "SELECT content_sha256, case_reference, received_at, supersedes,
                 (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
                  ORDER BY r.received_at DESC, r.id DESC LIMIT 1),
                 device, status
             FROM claims WHERE id = ?1",
            [id.to_string()],
            |r| {
                Ok((
                    r.get(0)?,
                    Receipt {
                        id,
                        case_reference: r.get(1)?,
                        received_at: r.get(2)?,
                        status: r.get(6)?,
                        supersedes: id_of(r.get(3)?),
                        superseded_by: id_of(r.get(4)?),
                    },
                    r.get(5)?,
                ))
            },
        )
        .optional()?)
}

/// The claim `target` names for the office, whichever device sent it: its id, or the one
/// claim with that case reference or claim number.
fn locate_in(conn: &Connection, target: &str) -> Result<Option<ClaimId>> {
    let key = target.trim();
    if let Ok(id) = key.parse::<ClaimId>() {
        let found = conn
            .query_row(
                "SELECT 1 FROM claims WHERE id = ?1",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()?;
        return Ok(found.map(|()| id));
    }
    let key = key.to_ascii_uppercase();
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
    Ok(match ids.as_slice() {
        [id] => id.parse().ok(),
        _ => None,
    })
}

/// Records `decision` inside `tx` (the caller commits).
fn review_in(tx: &Connection, target: &str, decision: &Decision) -> Result<Reviewed, ReviewError> {
    let Some(id) = locate_in(tx, target)? else {
        return Err(ReviewError::NotFound(target.to_owned()));
    };
    let (device, status, case_reference): (String, String, String) = tx
        .query_row(
            "SELECT device, status, case_reference FROM claims WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(StorageError::from)?;
    let from = ServiceStatus::parse(&status).unwrap_or(ServiceStatus::Received);
    let decision = review::check(from, decision)?;
    let at = now_timestamp();
    let seq: i64 = tx
        .query_row(
            "UPDATE devices SET feed_seq = feed_seq + 1 WHERE name = ?1 RETURNING feed_seq",
            [&device],
            |r| r.get(0),
        )
        .map_err(StorageError::from)?;
    tx.execute(
        "INSERT INTO reviews (device, seq, claim_id, status, note, tracking, actor, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            device,
            seq,
            id.to_string(),
            decision.status.as_str(),
            decision.note,
            decision.tracking,
            decision.actor,
            at
        ],
    )
    .map_err(StorageError::from)?;
    tx.execute(
        "UPDATE claims SET status = ?2, status_note = ?3,
             tracking = coalesce(?4, tracking), updated_at = ?5
         WHERE id = ?1",
        params![
            id.to_string(),
            decision.status.as_str(),
            decision.note,
            decision.tracking,
            at
        ],
    )
    .map_err(StorageError::from)?;
    audit_in(
        tx,
        &AuditEntry {
            at,
            actor: decision.actor.clone(),
            address: decision.address.clone(),
            action: "review".to_owned(),
            claim_id: Some(id.to_string()),
            detail: format!("{from} → {}", decision.status),
        },
    )?;
    Ok(Reviewed {
        claim_id: id,
        case_reference,
        device,
        seq: seq.unsigned_abs(),
        from,
        to: decision.status,
    })
}

fn audit_in(conn: &Connection, e: &AuditEntry) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, address, action, claim_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.at, e.actor, e.address, e.action, e.claim_id, e.detail],
    )?;
    Ok(())
}

/// A feed page from up to `limit + 1` changes read after `since`.
pub(crate) fn page(mut changes: Vec<Change>, since: u64, limit: u32) -> ChangesPage {
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    ChangesPage {
        next: changes.last().map_or(since, |c| c.seq),
        changes,
        more,
    }
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

/// A new device token: `cdt_` and 48 hex digits of randomness.
fn new_token() -> Result<String> {
    Ok(format!("cdt_{}", hex(&random::<24>()?)))
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

    async fn find(&self, device: String, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        self.blocking(move |s| s.find_for(&device, id)).await
    }

    async fn find_alias(&self, device: String, alias: String) -> Result<Option<(String, Receipt)>> {
        self.blocking(move |s| s.find_alias(&device, &alias)).await
    }

    async fn ready(&self) -> Result<u64> {
        self.blocking(|s| {
            s.conn().query_row("SELECT 1", [], |_| Ok(()))?;
            crate::blobs::ready(&s.inner.blobs)
        })
        .await
    }

    async fn sweep(&self, grace: std::time::Duration) -> Result<u64> {
        self.blocking(move |s| {
            let cutoff = std::time::SystemTime::now()
                .checked_sub(grace)
                .unwrap_or(std::time::UNIX_EPOCH);
            let mut removed = 0;
            for (name, temporary) in crate::blobs::older_than(&s.inner.blobs, cutoff)? {
                let named = !temporary
                    && s.conn()
                        .query_row(
                            "SELECT 1 FROM attachments WHERE sha256 = ?1
                             UNION ALL SELECT 1 FROM addition_attachments WHERE sha256 = ?1
                             LIMIT 1",
                            [&name],
                            |_| Ok(()),
                        )
                        .optional()?
                        .is_some();
                if !named {
                    crate::blobs::remove(&s.inner.blobs, &name)?;
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    fn spool_dir(&self) -> PathBuf {
        self.inner.blobs.clone()
    }

    async fn put_blob_file(&self, sha256: String, path: PathBuf) -> Result<()> {
        self.blocking(move |s| crate::blobs::adopt(&s.inner.blobs, &sha256, &path))
            .await
    }

    async fn device_add(&self, name: String) -> Result<String> {
        self.blocking(move |s| s.add_device(&name)).await
    }

    async fn device_rotate(
        &self,
        name: String,
        grace: std::time::Duration,
    ) -> Result<Option<String>> {
        self.blocking(move |s| s.rotate_device(&name, grace)).await
    }

    async fn device_revoke(&self, name: String) -> Result<bool> {
        self.blocking(move |s| s.revoke_device(&name)).await
    }

    async fn device_list(&self) -> Result<Vec<Device>> {
        self.blocking(|s| s.devices()).await
    }

    async fn read_blob(&self, sha256: String) -> Result<Option<Vec<u8>>> {
        self.blocking(move |s| Ok(s.blob(&sha256))).await
    }

    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<()> {
        self.blocking(move |s| s.write_blob(&sha256, &bytes)).await
    }

    async fn insert_claim(&self, device: String, payload: ClaimPayload) -> Result<Accepted> {
        self.blocking(move |s| s.accept(&device, &payload)).await
    }

    async fn review(&self, target: String, decision: Decision) -> Result<Reviewed, ReviewError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.review(&target, &decision))
            .await
            .map_err(|e| StorageError::Task(e.to_string()))?
    }

    async fn changes(&self, device: String, since: u64, limit: u32) -> Result<ChangesPage> {
        self.blocking(move |s| s.changes(&device, since, limit))
            .await
    }

    async fn audit(&self, entry: AuditEntry) -> Result<()> {
        self.blocking(move |s| Intake::audit(s, &entry)).await
    }

    async fn audit_log(&self, claim_id: Option<ClaimId>) -> Result<Vec<AuditEntry>> {
        self.blocking(move |s| {
            let conn = s.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT at, actor, address, action, claim_id, detail FROM audit
                 WHERE ?1 IS NULL OR claim_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([claim_id.map(|c| c.to_string())], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    address: r.get(2)?,
                    action: r.get(3)?,
                    claim_id: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}

impl crate::sql::Db for Intake {
    async fn query(
        &self,
        sql: &str,
        params: Vec<crate::sql::Value>,
    ) -> Result<Vec<crate::sql::Row>> {
        let sql = crate::sql::for_sqlite(sql);
        self.blocking(move |s| {
            let conn = s.conn();
            let mut stmt = conn.prepare_cached(&sql)?;
            let width = stmt.column_count();
            let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                (0..width)
                    .map(|i| Ok(crate::sql::Value::from_sqlite(r.get_ref(i)?)))
                    .collect::<rusqlite::Result<crate::sql::Row>>()
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn atomically(&self, steps: Vec<crate::sql::Step>) -> Result<Option<usize>> {
        self.blocking(move |s| {
            let mut conn = s.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (i, step) in steps.iter().enumerate() {
                let n = tx
                    .prepare_cached(&crate::sql::for_sqlite(&step.sql))?
                    .execute(rusqlite::params_from_iter(step.params.iter()))?;
                if step.must_change && n == 0 {
                    return Ok(Some(i));
                }
            }
            tx.commit()?;
            Ok(None)
        })
        .await
    }

    async fn execute(&self, sql: &str, params: Vec<crate::sql::Value>) -> Result<u64> {
        let sql = crate::sql::for_sqlite(sql);
        self.blocking(move |s| {
            let n = s
                .conn()
                .prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(params.iter()))?;
            Ok(n as u64)
        })
        .await
    }
}
