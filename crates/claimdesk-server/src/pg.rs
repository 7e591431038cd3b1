//! The storage for fleets: PostgreSQL (`--database-url`), with blobs in a folder or in
//! PostgreSQL itself (`--blobs`). Any number of `serve` processes against one database are one
//! service: every exactly-once rule is the database's — the claim row is inserted with
//! `ON CONFLICT (id) DO NOTHING` (a second upload of the same id, on any replica, waits for
//! the first to commit and then finds it), case references are unique, blobs are keyed by
//! their hash — not a process-local lock.

use crate::review::{self, AuditEntry, Decision, ReviewError, Reviewed};
use crate::storage::{Accepted, ClaimStorage, Device, Received, StorageError};
use claimdesk_model::claim_number::{claim_number, parse_claim_number};
use claimdesk_model::wire::{
    case_reference, is_case_reference, sha256_hex, Change, ChangesPage, ClaimPayload, Receipt,
    ServiceStatus,
};
use claimdesk_model::{now_timestamp, ClaimId};
use deadpool_postgres::{Manager, Pool};
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

/// Result of a storage call.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The schema, one step per entry; applied in order under an advisory lock, so replicas
/// starting together migrate once.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/pg/001_service.sql"),
    include_str!("migrations/pg/002_blob_index.sql"),
    include_str!("migrations/pg/003_review.sql"),
    include_str!("migrations/pg/004_office.sql"),
    include_str!("migrations/pg/005_blob_chunks.sql"),
    include_str!("migrations/pg/006_fleets.sql"),
];

/// The advisory lock key migrations hold ("claimdesk" in ASCII, truncated).
const MIGRATION_LOCK: i64 = 0x636c_6169_6d64_6573;

pub use object_store::aws::AmazonS3Builder;

/// Where attachment blobs go.
#[derive(Debug, Clone)]
pub enum Blobs {
    /// Files named by their hash in this folder (`file:///…`, or `--data-dir`/blobs).
    Folder(PathBuf),
    /// The `blobs` table of the same database (`postgres`).
    Postgres,
    /// Objects named by their hash under a prefix of an S3-compatible bucket
    /// (`s3://bucket/prefix`; endpoint and credentials from the usual `AWS_*` variables).
    S3 {
        /// The bucket.
        store: Arc<dyn ObjectStore>,
        /// Where under it.
        prefix: ObjectPath,
    },
}

impl Blobs {
    /// `file:///path`, a plain path, `postgres`, or `s3://bucket/prefix`.
    pub fn parse(text: &str) -> std::result::Result<Blobs, String> {
        let t = text.trim();
        if t == "postgres" {
            return Ok(Blobs::Postgres);
        }
        if let Some(rest) = t.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            return Blobs::s3(AmazonS3Builder::from_env().with_bucket_name(bucket), prefix);
        }
        let path = t.strip_prefix("file://").unwrap_or(t);
        if path.starts_with('/') {
            Ok(Blobs::Folder(PathBuf::from(path)))
        } else {
            Err(format!(
                "“{text}”: blobs go to file:///an/absolute/folder, postgres or s3://bucket/prefix"
            ))
        }
    }

    /// Blobs in the S3-compatible bucket `builder` names, under `prefix`.
    pub fn s3(builder: AmazonS3Builder, prefix: &str) -> std::result::Result<Blobs, String> {
        let store = builder
            .build()
            .map_err(|e| format!("the S3 bucket cannot be used: {e}"))?;
        Ok(Blobs::S3 {
            store: Arc::new(store),
            prefix: ObjectPath::from(prefix.trim_matches('/')),
        })
    }
}

fn object(prefix: &ObjectPath, sha256: &str) -> ObjectPath {
    prefix.child(sha256)
}

fn s3_error(e: object_store::Error) -> StorageError {
    StorageError::Database(Box::new(e))
}

/// A database error with its causes spelled out (tokio-postgres says only "db error" at
/// the top; what PostgreSQL said is in the source).
fn db(e: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    StorageError::Database(text.into())
}

/// The TLS connector for `sslmode=require`: the system's CAs, and `ca` if given.
fn tls(ca: Option<&std::path::Path>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |what: String| StorageError::Database(what.into());
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca {
        let pem = std::fs::read(path).map_err(|source| StorageError::Io {
            path: path.to_owned(),
            source,
        })?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert =
                cert.map_err(|e| bad(format!("{}: not a PEM certificate: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("{}: {e}", path.display())))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The PostgreSQL storage. Cloning shares the connection pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    blobs: Blobs,
    /// Where parts wait while they arrive when blobs go to the database.
    spool: PathBuf,
}

impl PgStore {
    /// Connects to `url` (a `postgres://` URL), brings the schema up to date and prepares the
    /// blob store.
    pub async fn open(url: &str, blobs: Blobs) -> Result<PgStore> {
        PgStore::open_with(url, blobs, None).await
    }

    /// As [`PgStore::open`]; with `sslmode=require` in the URL the connection is TLS and the
    /// server's certificate must be valid for its host name, signed by a CA the system
    /// trusts or by `ca` (a PEM file) — stricter than libpq's `require`, which checks
    /// nothing. Without it (or with `prefer`, the default) the connection is plain, as before.
    pub async fn open_with(
        url: &str,
        blobs: Blobs,
        ca: Option<&std::path::Path>,
    ) -> Result<PgStore> {
        let config: tokio_postgres::Config = url.parse().map_err(db)?;
        let manager = if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
            Manager::new(config, tls(ca)?)
        } else {
            Manager::new(config, NoTls)
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| StorageError::Database(e.to_string().into()))?;
        let spool = match &blobs {
            Blobs::Folder(dir) => crate::blobs::open(dir)?,
            Blobs::Postgres | Blobs::S3 { .. } => {
                crate::blobs::open(&std::env::temp_dir().join("claimdesk-spool"))?
            }
        };
        let store = PgStore { pool, blobs, spool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Database(e.to_string().into()))
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS claimdesk_schema (version INTEGER PRIMARY KEY)",
        )
        .await
        .map_err(db)?;
        let done: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM claimdesk_schema",
                &[],
            )
            .await
            .map_err(db)?
            .get(0);
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
            if version <= done {
                continue;
            }
            tx.batch_execute(sql)
                .await
                .map_err(|e| StorageError::Migration(Box::new(e)))?;
            tx.execute(
                "INSERT INTO claimdesk_schema (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    /// Registers a device and returns its new token (only its hash is kept); a revoked
    /// device's name is not given again.
    pub async fn add_device(&self, name: &str) -> Result<String> {
        let token = new_token()?;
        let hash = sha256_hex(token.as_bytes());
        let now = now_timestamp();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let known = tx
            .query_opt(
                "SELECT revoked_at FROM devices WHERE name = $1 FOR UPDATE",
                &[&name],
            )
            .await
            .map_err(db)?;
        if let Some(row) = known {
            let revoked: Option<String> = row.get(0);
            return Err(match revoked {
                None => StorageError::DeviceExists(name.to_owned()),
                Some(_) => StorageError::NameRetired(name.to_owned()),
            });
        }
        tx.execute(
            "INSERT INTO devices (name, token_sha256, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256,
                 created_at = excluded.created_at, revoked_at = NULL, last_seen_at = NULL",
            &[&name, &hash, &now],
        )
        .await
        .map_err(db)?;
        tx.execute("DELETE FROM device_tokens WHERE device = $1", &[&name])
            .await
            .map_err(db)?;
        tx.execute(
            "INSERT INTO device_tokens (token_sha256, device, created_at) VALUES ($1, $2, $3)",
            &[&hash, &name, &now],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    /// A new token for a live device, the old ones working `grace` more; `None` if no live
    /// device has that name.
    pub async fn rotate_device(
        &self,
        name: &str,
        grace: std::time::Duration,
    ) -> Result<Option<String>> {
        let token = new_token()?;
        let hash = sha256_hex(token.as_bytes());
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let n = tx
            .execute(
                "UPDATE devices SET token_sha256 = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &hash],
            )
            .await
            .map_err(db)?;
        if n == 0 {
            return Ok(None);
        }
        tx.execute(
            "UPDATE device_tokens SET expires_at = $2
             WHERE device = $1 AND (expires_at IS NULL OR expires_at > $2)",
            &[&name, &stamp(until)],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "INSERT INTO device_tokens (token_sha256, device, created_at) VALUES ($1, $2, $3)",
            &[&hash, &name, &stamp(now)],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(token))
    }

    /// Revokes a device. Whether a live device had that name.
    pub async fn revoke_device(&self, name: &str) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE devices SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &now_timestamp()],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    /// Every registered device, by name.
    pub async fn devices(&self) -> Result<Vec<Device>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT name, created_at, last_seen_at, revoked_at FROM devices ORDER BY name",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| Device {
                name: r.get(0),
                created_at: r.get(1),
                last_seen_at: r.get(2),
                revoked_at: r.get(3),
            })
            .collect())
    }

    /// The stored claim `id`, whichever device sent it.
    pub async fn find_any(&self, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        let client = self.client().await?;
        Ok(find_in(&client, id)
            .await?
            .map(|(hash, receipt, _)| (hash, receipt)))
    }

    /// How many claims are stored.
    pub async fn count(&self) -> Result<u64> {
        let n: i64 = self
            .client()
            .await?
            .query_one("SELECT count(*) FROM claims", &[])
            .await
            .map_err(db)?
            .get(0);
        Ok(n.unsigned_abs())
    }

    /// The stored bytes of a blob, if there.
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        match &self.blobs {
            Blobs::Folder(dir) => Ok(crate::blobs::read(dir, sha256)),
            Blobs::Postgres => {
                let client = self.client().await?;
                let Some(row) = client
                    .query_opt(
                        "SELECT data, chunks FROM blobs WHERE sha256 = $1",
                        &[&sha256],
                    )
                    .await
                    .map_err(db)?
                else {
                    return Ok(None);
                };
                let chunks: i32 = row.get(1);
                if chunks == 0 {
                    return Ok(Some(row.get(0)));
                }
                let mut bytes = Vec::new();
                for chunk in client
                    .query(
                        "SELECT data FROM blob_chunks WHERE sha256 = $1 ORDER BY n",
                        &[&sha256],
                    )
                    .await
                    .map_err(db)?
                {
                    bytes.extend_from_slice(chunk.get::<_, &[u8]>(0));
                }
                Ok(Some(bytes))
            }
            Blobs::S3 { store, prefix } => match store.get(&object(prefix, sha256)).await {
                Ok(got) => Ok(Some(got.bytes().await.map_err(s3_error)?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(s3_error(e)),
            },
        }
    }

    /// Every received claim, oldest first.
    pub async fn export(&self) -> Result<Vec<Received>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT case_reference, received_at, device, content_sha256, claim_json,
                     (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
                      ORDER BY r.received_at DESC, r.id DESC LIMIT 1),
                     status, status_note, tracking, updated_at
                 FROM claims ORDER BY received_at, id",
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let json: String = r.get(4);
                let claim: ClaimPayload = serde_json::from_str(&json).map_err(db)?;
                let by: Option<String> = r.get(5);
                Ok(Received {
                    case_reference: r.get(0),
                    claim_number: claim_number(claim.id),
                    received_at: r.get(1),
                    device: r.get(2),
                    content_sha256: r.get(3),
                    superseded_by: by.and_then(|s| s.parse().ok()),
                    claim,
                    status: r.get(6),
                    status_note: r.get(7),
                    tracking: r.get(8),
                    updated_at: r.get(9),
                })
            })
            .collect()
    }

    /// Stores a claim whose blobs are stored, once (see the module's comment).
    pub async fn accept(&self, device: &str, payload: &ClaimPayload) -> Result<Accepted> {
        let hash = payload.content_hash();
        let json = serde_json::to_string(payload).map_err(db)?;
        let id = payload.id.to_string();
        let supersedes = payload.supersedes.map(|s| s.to_string());
        let number = claim_number(payload.id);
        let mut client = self.client().await?;
        loop {
            let tx = client.transaction().await.map_err(db)?;
            let received_at = now_timestamp();
            let reference = case_reference(random::<8>()?);
            let inserted = tx
                .execute(
                    "INSERT INTO claims (id, content_sha256, case_reference, device, received_at,
                         claim_json, supersedes, claim_number, updated_at,
                         country, product_name, serial_number, order_id, contact_name)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5, $9, $10, $11, $12, $13)
                     ON CONFLICT (id) DO NOTHING",
                    &[
                        &id,
                        &hash,
                        &reference,
                        &device,
                        &received_at,
                        &json,
                        &supersedes,
                        &number,
                        &payload.fields.country,
                        &payload.fields.product_name,
                        &payload.fields.serial_number,
                        &payload.fields.order_id,
                        &payload.fields.contact_name,
                    ],
                )
                .await;
            match inserted {
                // The reference is taken (one in 30^8): draw another.
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => continue,
                Err(e) => return Err(db(e)),
                Ok(0) => {
                    let existing = find_in(&tx, payload.id).await?;
                    tx.commit().await.map_err(db)?;
                    let Some((stored, receipt, owner)) = existing else {
                        continue;
                    };
                    if owner != device {
                        return Ok(Accepted::Foreign);
                    }
                    return Ok(Accepted::for_stored(payload, &stored, receipt));
                }
                Ok(_) => {
                    for (i, a) in payload.attachments.iter().enumerate() {
                        let position = i32::try_from(i).unwrap_or(i32::MAX);
                        let size = i64::try_from(a.byte_size).unwrap_or(i64::MAX);
                        tx.execute(
                            "INSERT INTO attachments (claim_id, position, sha256, kind,
                                 media_type, byte_size, original_name)
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            &[
                                &id,
                                &position,
                                &a.sha256,
                                &a.kind.as_str(),
                                &a.media_type,
                                &size,
                                &a.original_name,
                            ],
                        )
                        .await
                        .map_err(db)?;
                    }
                    tx.commit().await.map_err(db)?;
                    return Ok(Accepted::New(Receipt {
                        id: payload.id,
                        case_reference: reference,
                        received_at,
                        status: ServiceStatus::Received.as_str().to_owned(),
                        supersedes: payload.supersedes,
                        superseded_by: None,
                    }));
                }
            }
        }
    }
}

/// Chunks a blob is written in (PostgreSQL) and read in from its spool file.
const CHUNK: usize = 1 << 20;

/// Above this size an S3 blob goes up as a multipart upload of parts this large, at most two
/// in flight: memory per upload stays about three parts, whatever the blob's size.
const S3_PART: usize = 5 << 20;

fn spool_io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads up to `buf.len()` bytes (fewer only at the end of the file).
async fn fill(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use tokio::io::AsyncReadExt;
    let mut got = 0;
    while got < buf.len() {
        let n = file.read(&mut buf[got..]).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// Puts the spool file `path` as the object `at`, streamed (one request when small).
async fn put_streamed(
    store: &dyn ObjectStore,
    at: &ObjectPath,
    path: &std::path::Path,
) -> Result<()> {
    let mut file = tokio::fs::File::open(path).await.map_err(spool_io(path))?;
    let size = file.metadata().await.map_err(spool_io(path))?.len();
    if size <= S3_PART as u64 {
        let mut bytes = vec![0u8; usize::try_from(size).unwrap_or(S3_PART)];
        fill(&mut file, &mut bytes).await.map_err(spool_io(path))?;
        store.put(at, bytes.into()).await.map_err(s3_error)?;
        return Ok(());
    }
    let upload = store.put_multipart(at).await.map_err(s3_error)?;
    let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, S3_PART);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match fill(&mut file, &mut buf).await {
            Ok(n) => n,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(spool_io(path)(e));
            }
        };
        if n == 0 {
            break;
        }
        if let Err(e) = writer.wait_for_capacity(2).await {
            let _ = writer.abort().await;
            return Err(s3_error(e));
        }
        writer.write(&buf[..n]);
    }
    writer.finish().await.map_err(s3_error)?;
    Ok(())
}

impl PgStore {
    /// Stores the spool file `path` as the blob `sha256` in 1 MiB chunks, in one transaction
    /// (a blob is there whole or not at all). One already there is kept, its time refreshed so
    /// the orphan sweep's grace starts over for the upload about to name it.
    async fn put_chunked(&self, sha256: &str, path: &std::path::Path) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let now = now_timestamp();
        let new = tx
            .execute(
                "INSERT INTO blobs (sha256, data, created_at, chunks) VALUES ($1, ''::bytea, $2, 0)
                 ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &now],
            )
            .await
            .map_err(db)?;
        if new == 0 {
            tx.execute(
                "UPDATE blobs SET created_at = $2 WHERE sha256 = $1",
                &[&sha256, &now],
            )
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            return Ok(());
        }
        let mut file = tokio::fs::File::open(path).await.map_err(spool_io(path))?;
        let mut buf = vec![0u8; CHUNK];
        let mut n: i32 = 0;
        loop {
            let got = fill(&mut file, &mut buf).await.map_err(spool_io(path))?;
            if got == 0 {
                break;
            }
            tx.execute(
                "INSERT INTO blob_chunks (sha256, n, data) VALUES ($1, $2, $3)",
                &[&sha256, &n, &&buf[..got]],
            )
            .await
            .map_err(db)?;
            n += 1;
        }
        tx.execute(
            "UPDATE blobs SET chunks = $2 WHERE sha256 = $1",
            &[&sha256, &n],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

/// The stored claim `id`: its content hash, receipt and sending device.
async fn find_in(
    client: &impl deadpool_postgres::GenericClient,
    id: ClaimId,
) -> Result<Option<(String, Receipt, String)>> {
    let row = client
        .query_opt(
            "SELECT content_sha256, case_reference, received_at, supersedes,
                 (SELECT r.id FROM claims r WHERE r.supersedes = claims.id
                  ORDER BY r.received_at DESC, r.id DESC LIMIT 1),
                 device, status
             FROM claims WHERE id = $1",
            &[&id.to_string()],
        )
        .await
        .map_err(db)?;
    let id_of = |s: Option<String>| s.and_then(|s| s.parse::<ClaimId>().ok());
    Ok(row.map(|r| {
        (
            r.get(0),
            Receipt {
                id,
                case_reference: r.get(1),
                received_at: r.get(2),
                status: r.get(6),
                supersedes: id_of(r.get(3)),
                superseded_by: id_of(r.get(4)),
            },
            r.get(5),
        )
    }))
}

/// The claim `target` names for the office, whichever device sent it: its id, or the one
/// claim with that case reference or claim number.
async fn locate_in(
    client: &impl deadpool_postgres::GenericClient,
    target: &str,
) -> Result<Option<ClaimId>> {
    let key = target.trim();
    if let Ok(id) = key.parse::<ClaimId>() {
        let found = client
            .query_opt("SELECT 1 FROM claims WHERE id = $1", &[&id.to_string()])
            .await
            .map_err(db)?;
        return Ok(found.map(|_| id));
    }
    let key = key.to_ascii_uppercase();
    let (sql, value) = if is_case_reference(&key) {
        (
            "SELECT id FROM claims WHERE case_reference = $1 LIMIT 2",
            key,
        )
    } else if let Some(number) = parse_claim_number(&key) {
        (
            "SELECT id FROM claims WHERE claim_number = $1 LIMIT 2",
            number,
        )
    } else {
        return Ok(None);
    };
    let rows = client.query(sql, &[&value]).await.map_err(db)?;
    Ok(match rows.as_slice() {
        [row] => row.get::<_, String>(0).parse().ok(),
        _ => None,
    })
}

async fn audit_in(client: &impl deadpool_postgres::GenericClient, e: &AuditEntry) -> Result<()> {
    client
        .execute(
            "INSERT INTO audit (at, actor, address, action, claim_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &e.at,
                &e.actor,
                &e.address,
                &e.action,
                &e.claim_id,
                &e.detail,
            ],
        )
        .await
        .map_err(db)?;
    Ok(())
}

/// Whether any received claim names the blob `sha256` (the orphan sweep's question).
async fn names_blob(client: &deadpool_postgres::Object, sha256: &str) -> Result<bool> {
    Ok(client
        .query_opt(
            "SELECT 1 FROM attachments WHERE sha256 = $1
                             UNION ALL SELECT 1 FROM addition_attachments WHERE sha256 = $1
                             LIMIT 1",
            &[&sha256],
        )
        .await
        .map_err(db)?
        .is_some())
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| StorageError::Random(e.to_string()))?;
    Ok(buf)
}

fn new_token() -> Result<String> {
    let bytes = random::<24>()?;
    Ok(format!(
        "cdt_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

impl ClaimStorage for PgStore {
    async fn device_for_token(&self, token: &str) -> Result<Option<String>> {
        let now = now_timestamp();
        let client = self.client().await?;
        let device: Option<String> = client
            .query_opt(
                "SELECT d.name FROM device_tokens t JOIN devices d ON d.name = t.device
                 WHERE t.token_sha256 = $1 AND d.revoked_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > $2)",
                &[&sha256_hex(token.as_bytes()), &now],
            )
            .await
            .map_err(db)?
            .map(|r| r.get(0));
        if let Some(name) = &device {
            let minute_ago = (chrono::Utc::now() - chrono::Duration::seconds(60))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            client
                .execute(
                    "UPDATE devices SET last_seen_at = $2
                     WHERE name = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)",
                    &[name, &now, &minute_ago],
                )
                .await
                .map_err(db)?;
        }
        Ok(device)
    }

    async fn find(&self, device: String, id: ClaimId) -> Result<Option<(String, Receipt)>> {
        let client = self.client().await?;
        Ok(find_in(&client, id)
            .await?
            .filter(|(_, _, owner)| *owner == device)
            .map(|(hash, receipt, _)| (hash, receipt)))
    }

    async fn find_alias(&self, device: String, alias: String) -> Result<Option<(String, Receipt)>> {
        let key = alias.trim().to_ascii_uppercase();
        let (sql, value) = if is_case_reference(&key) {
            (
                "SELECT id FROM claims WHERE case_reference = $1 AND device = $2 LIMIT 2",
                key,
            )
        } else if let Some(number) = parse_claim_number(&key) {
            (
                "SELECT id FROM claims WHERE claim_number = $1 AND device = $2 LIMIT 2",
                number,
            )
        } else {
            return Ok(None);
        };
        let client = self.client().await?;
        let rows = client.query(sql, &[&value, &device]).await.map_err(db)?;
        match rows.as_slice() {
            [row] => {
                let id: String = row.get(0);
                match id.parse::<ClaimId>() {
                    Ok(id) => Ok(find_in(&client, id)
                        .await?
                        .map(|(hash, receipt, _)| (hash, receipt))),
                    Err(_) => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    async fn ready(&self) -> Result<u64> {
        self.client()
            .await?
            .query_one("SELECT 1", &[])
            .await
            .map_err(db)?;
        match &self.blobs {
            Blobs::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || crate::blobs::ready(&dir))
                    .await
                    .map_err(|e| StorageError::Task(e.to_string()))?
            }
            // The database's own disk is the operator's to watch.
            Blobs::Postgres => Ok(u64::MAX),
            // The bucket answers (it has no free space to speak of).
            Blobs::S3 { store, prefix } => {
                store
                    .list_with_delimiter(Some(prefix))
                    .await
                    .map_err(s3_error)?;
                Ok(u64::MAX)
            }
        }
    }

    async fn sweep(&self, grace: std::time::Duration) -> Result<u64> {
        let client = self.client().await?;
        match &self.blobs {
            Blobs::Postgres => {
                let cutoff = (chrono::Utc::now()
                    - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let n = client
                    .execute(
                        "DELETE FROM blobs b WHERE b.created_at < $1
                           AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)
                           AND NOT EXISTS (SELECT 1 FROM addition_attachments t
                                           WHERE t.sha256 = b.sha256)",
                        &[&cutoff],
                    )
                    .await
                    .map_err(db)?;
                Ok(n)
            }
            Blobs::S3 { store, prefix } => {
                let cutoff = chrono::Utc::now()
                    - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
                let old: Vec<ObjectMeta> = store
                    .list(Some(prefix))
                    .try_filter(|m| std::future::ready(m.last_modified < cutoff))
                    .try_collect()
                    .await
                    .map_err(s3_error)?;
                let mut removed = 0;
                for meta in old {
                    let name = meta.location.filename().unwrap_or_default().to_owned();
                    let named = claimdesk_model::wire::is_sha256_hex(&name)
                        && names_blob(&client, &name).await?;
                    if !named {
                        store.delete(&meta.location).await.map_err(s3_error)?;
                        removed += 1;
                    }
                }
                Ok(removed)
            }
            Blobs::Folder(dir) => {
                let cutoff = std::time::SystemTime::now()
                    .checked_sub(grace)
                    .unwrap_or(std::time::UNIX_EPOCH);
                let (dir, scan) = (dir.clone(), dir.clone());
                let old =
                    tokio::task::spawn_blocking(move || crate::blobs::older_than(&scan, cutoff))
                        .await
                        .map_err(|e| StorageError::Task(e.to_string()))??;
                let mut removed = 0;
                for (name, temporary) in old {
                    let named = !temporary && names_blob(&client, &name).await?;
                    if !named {
                        crate::blobs::remove(&dir, &name)?;
                        removed += 1;
                    }
                }
                Ok(removed)
            }
        }
    }

    fn spool_dir(&self) -> PathBuf {
        self.spool.clone()
    }

    async fn put_blob_file(&self, sha256: String, path: PathBuf) -> Result<()> {
        match &self.blobs {
            Blobs::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || crate::blobs::adopt(&dir, &sha256, &path))
                    .await
                    .map_err(|e| StorageError::Task(e.to_string()))?
            }
            Blobs::Postgres => {
                let stored = self.put_chunked(&sha256, &path).await;
                let _ = std::fs::remove_file(&path);
                stored
            }
            Blobs::S3 { store, prefix } => {
                let stored = put_streamed(store.as_ref(), &object(prefix, &sha256), &path).await;
                let _ = std::fs::remove_file(&path);
                stored
            }
        }
    }

    async fn device_add(&self, name: String) -> Result<String> {
        self.add_device(&name).await
    }

    async fn device_rotate(
        &self,
        name: String,
        grace: std::time::Duration,
    ) -> Result<Option<String>> {
        self.rotate_device(&name, grace).await
    }

    async fn device_revoke(&self, name: String) -> Result<bool> {
        self.revoke_device(&name).await
    }

    async fn device_list(&self) -> Result<Vec<Device>> {
        self.devices().await
    }

    async fn read_blob(&self, sha256: String) -> Result<Option<Vec<u8>>> {
        self.blob(&sha256).await
    }

    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<()> {
        match &self.blobs {
            Blobs::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || crate::blobs::write(&dir, &sha256, &bytes))
                    .await
                    .map_err(|e| StorageError::Task(e.to_string()))?
            }
            Blobs::Postgres => {
                self.client()
                    .await?
                    .execute(
                        "INSERT INTO blobs (sha256, data, created_at) VALUES ($1, $2, $3)
                         ON CONFLICT (sha256) DO UPDATE SET created_at = excluded.created_at",
                        &[&sha256, &bytes, &now_timestamp()],
                    )
                    .await
                    .map_err(db)?;
                Ok(())
            }
            // Named by its hash: writing it again writes the same bytes.
            Blobs::S3 { store, prefix } => {
                store
                    .put(&object(prefix, &sha256), bytes.into())
                    .await
                    .map_err(s3_error)?;
                Ok(())
            }
        }
    }

    async fn insert_claim(&self, device: String, payload: ClaimPayload) -> Result<Accepted> {
        self.accept(&device, &payload).await
    }

    async fn review(&self, target: String, decision: Decision) -> Result<Reviewed, ReviewError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some(id) = locate_in(&tx, &target).await? else {
            return Err(ReviewError::NotFound(target));
        };
        // The row lock orders concurrent decisions on one claim.
        let row = tx
            .query_one(
                "SELECT device, status, case_reference FROM claims WHERE id = $1 FOR UPDATE",
                &[&id.to_string()],
            )
            .await
            .map_err(db)?;
        let (device, status, case_reference): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        let from = ServiceStatus::parse(&status).unwrap_or(ServiceStatus::Received);
        let decision = review::check(from, &decision)?;
        let at = now_timestamp();
        // The device row's lock makes this device's changes commit in number order.
        let seq: i64 = tx
            .query_one(
                "UPDATE devices SET feed_seq = feed_seq + 1 WHERE name = $1 RETURNING feed_seq",
                &[&device],
            )
            .await
            .map_err(db)?
            .get(0);
        tx.execute(
            "INSERT INTO reviews (device, seq, claim_id, status, note, tracking, actor, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &device,
                &seq,
                &id.to_string(),
                &decision.status.as_str(),
                &decision.note,
                &decision.tracking,
                &decision.actor,
                &at,
            ],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "UPDATE claims SET status = $2, status_note = $3,
                 tracking = coalesce($4, tracking), updated_at = $5
             WHERE id = $1",
            &[
                &id.to_string(),
                &decision.status.as_str(),
                &decision.note,
                &decision.tracking,
                &at,
            ],
        )
        .await
        .map_err(db)?;
        audit_in(
            &tx,
            &AuditEntry {
                at,
                actor: decision.actor.clone(),
                address: decision.address.clone(),
                action: "review".to_owned(),
                claim_id: Some(id.to_string()),
                detail: format!("{from} → {}", decision.status),
            },
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Reviewed {
            claim_id: id,
            case_reference,
            device,
            seq: seq.unsigned_abs(),
            from,
            to: decision.status,
        })
    }

    async fn changes(&self, device: String, since: u64, limit: u32) -> Result<ChangesPage> {
        let since_i = i64::try_from(since).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, claim_id, status, note, tracking, at FROM reviews
                 WHERE device = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&device, &since_i, &(i64::from(limit) + 1)],
            )
            .await
            .map_err(db)?;
        let changes = rows
            .iter()
            .filter_map(|r| {
                let id: String = r.get(1);
                Some(Change {
                    seq: r.get::<_, i64>(0).unsigned_abs(),
                    claim_id: id.parse().ok()?,
                    status: r.get(2),
                    note: r.get(3),
                    tracking: r.get(4),
                    at: r.get(5),
                })
            })
            .collect();
        Ok(crate::intake::page(changes, since, limit))
    }

    async fn audit(&self, entry: AuditEntry) -> Result<()> {
        audit_in(&self.client().await?, &entry).await
    }

    async fn audit_log(&self, claim_id: Option<ClaimId>) -> Result<Vec<AuditEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, actor, address, action, claim_id, detail FROM audit
                 WHERE $1::text IS NULL OR claim_id = $1 ORDER BY id",
                &[&claim_id.map(|c| c.to_string())],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                actor: r.get(1),
                address: r.get(2),
                action: r.get(3),
                claim_id: r.get(4),
                detail: r.get(5),
            })
            .collect())
    }
}

impl crate::sql::Db for PgStore {
    async fn query(
        &self,
        sql: &str,
        params: Vec<crate::sql::Value>,
    ) -> Result<Vec<crate::sql::Row>> {
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let rows = self.client().await?.query(sql, &refs).await.map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| crate::sql::Value::from_postgres(r, i))
                    .collect()
            })
            .collect())
    }

    async fn atomically(&self, steps: Vec<crate::sql::Step>) -> Result<Option<usize>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        for (i, step) in steps.iter().enumerate() {
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = step
                .params
                .iter()
                .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            let n = tx.execute(step.sql.as_str(), &refs).await.map_err(db)?;
            if step.must_change && n == 0 {
                return Ok(Some(i));
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(None)
    }

    async fn execute(&self, sql: &str, params: Vec<crate::sql::Value>) -> Result<u64> {
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        self.client().await?.execute(sql, &refs).await.map_err(db)
    }
}
