//! The service on a real PostgreSQL (`claimdesk_testkit::pg`): the same contract as on
//! SQLite, two replicas that are one service, blobs in the database, the orphan sweep and the
//! command line.

use crate::api::{claim, form};
use claimdesk_model::wire::{ClaimPayload, Receipt};
use claimdesk_server::pg::{Blobs, PgStore};
use claimdesk_testkit::pg::Postgres;
use std::process::Command;

/// A replica serving `store` on a free loopback port; its URL.
async fn replica(store: PgStore) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(claimdesk_server::serve(
        listener,
        store,
        std::future::pending(),
    ));
    url
}

async fn post(url: &str, token: &str, c: &ClaimPayload, parts: &[&[u8]]) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/v1/claims"))
        .bearer_auth(token)
        .multipart(form(c, parts))
        .send()
        .await
        .expect("send")
}

async fn get(url: &str, token: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{url}/v1/claims/{key}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_contract_holds_on_postgresql() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start();
    let blobs = tempfile::tempdir().expect("blobs");
    let store = PgStore::open(&pg.url(), Blobs::Folder(blobs.path().to_owned()))
        .await
        .expect("open");
    let token = store.add_device("counter-1").await.expect("device");
    let other = store.add_device("counter-2").await.expect("device");
    let url = replica(store.clone()).await;

    let photo = b"receipt bytes".as_slice();
    let c = claim(photo);
    let first = post(&url, &token, &c, &[photo]).await;
    assert_eq!(first.status(), 201);
    let receipt: Receipt = first.json().await.expect("receipt");
    let again = post(&url, &token, &c, &[photo]).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Receipt>().await.expect("receipt"), receipt);
    let mut changed = c.clone();
    changed.fields.issue = "Something else.".into();
    assert_eq!(post(&url, &token, &changed, &[photo]).await.status(), 409);
    let number = claimdesk_model::claim_number::claim_number(c.id);
    for key in [c.id.to_string(), receipt.case_reference.clone(), number] {
        assert_eq!(get(&url, &token, &key).await.status(), 200, "{key}");
        assert_eq!(get(&url, &other, &key).await.status(), 404, "{key}");
    }
    assert_eq!(post(&url, &other, &c, &[photo]).await.status(), 404);
    assert_eq!(store.count().await.expect("count"), 1);
    assert_eq!(
        store
            .blob(&c.attachments[0].sha256)
            .await
            .expect("blob")
            .as_deref(),
        Some(photo)
    );
    let exported = store.export().await.expect("export");
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].case_reference, receipt.case_reference);
    let ready = reqwest::get(format!("{url}/readyz")).await.expect("readyz");
    assert_eq!(ready.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_against_one_database_are_one_service() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start();
    let blobs = tempfile::tempdir().expect("blobs");
    // Both start at once: the schema is made once (under the advisory lock).
    let database = pg.url();
    let (a, b) = tokio::join!(
        PgStore::open(&database, Blobs::Folder(blobs.path().to_owned())),
        PgStore::open(&database, Blobs::Folder(blobs.path().to_owned())),
    );
    let (a, b) = (a.expect("replica a"), b.expect("replica b"));
    let token = a.add_device("counter-1").await.expect("device");
    let (url_a, url_b) = (replica(a.clone()).await, replica(b).await);

    // Sent to A, replayed to B: the same receipt.
    let photo = b"receipt bytes".as_slice();
    let c = claim(photo);
    let first: Receipt = post(&url_a, &token, &c, &[photo])
        .await
        .json()
        .await
        .expect("receipt");
    let replay = post(&url_b, &token, &c, &[photo]).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<Receipt>().await.expect("receipt"), first);

    // Eight concurrent uploads of one new claim, alternating replicas: one claim.
    let c = claim(photo);
    let uploads = (0..8).map(|i| {
        let (url, token, c) = (
            if i % 2 == 0 {
                url_a.clone()
            } else {
                url_b.clone()
            },
            token.clone(),
            c.clone(),
        );
        tokio::spawn(async move {
            let r = post(&url, &token, &c, &[photo]).await;
            (
                r.status().as_u16(),
                r.json::<Receipt>().await.expect("receipt"),
            )
        })
    });
    let mut created = 0;
    let mut references = std::collections::BTreeSet::new();
    for upload in uploads {
        let (status, receipt) = upload.await.expect("join");
        assert!(status == 201 || status == 200, "{status}");
        created += usize::from(status == 201);
        references.insert(receipt.case_reference);
    }
    assert_eq!(created, 1, "stored once");
    assert_eq!(references.len(), 1, "one reference for all");
    assert_eq!(a.count().await.expect("count"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn blobs_can_live_in_postgresql() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start();
    let store = PgStore::open(&pg.url(), Blobs::Postgres)
        .await
        .expect("open");
    let token = store.add_device("counter-1").await.expect("device");
    let url = replica(store.clone()).await;
    let photo = b"a receipt stored in the database".as_slice();
    let c = claim(photo);
    assert_eq!(post(&url, &token, &c, &[photo]).await.status(), 201);
    assert_eq!(
        store
            .blob(&c.attachments[0].sha256)
            .await
            .expect("blob")
            .as_deref(),
        Some(photo)
    );
    // A large part goes in 1 MiB chunks and comes back whole.
    let big = large_part(6 << 20);
    let c = claim(&big);
    assert_eq!(post(&url, &token, &c, &[&big]).await.status(), 201);
    assert_eq!(post(&url, &token, &c, &[&big]).await.status(), 200);
    assert_eq!(
        store.blob(&c.attachments[0].sha256).await.expect("blob"),
        Some(big)
    );
}

/// `len` bytes that do not compress.
fn large_part(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn the_command_line_works_on_postgresql() {
    let pg = Postgres::start();
    let server = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
            .args(args)
            .env_remove("CLAIMDESK_DATA_DIR")
            .env("CLAIMDESK_DATABASE_URL", pg.url())
            .env("CLAIMDESK_BLOBS", "postgres")
            .output()
            .expect("run claimdesk-server")
    };
    let add = server(&["device", "add", "counter-1"]);
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert!(String::from_utf8_lossy(&add.stdout).starts_with("cdt_"));
    let list = server(&["device", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).starts_with("counter-1\t"));
    let export = server(&["export", "--format", "json"]);
    assert!(export.status.success());
    assert_eq!(String::from_utf8_lossy(&export.stdout).trim(), "[]");
    // Neither a folder nor a database: a clear error.
    let none = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
        .args(["device", "list"])
        .env_remove("CLAIMDESK_DATA_DIR")
        .env_remove("CLAIMDESK_DATABASE_URL")
        .output()
        .expect("run");
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("--database-url"));
}

#[tokio::test(flavor = "multi_thread")]
async fn orphan_blobs_in_postgresql_are_swept_and_a_claims_kept() {
    use claimdesk_server::ClaimStorage;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start();
    let store = PgStore::open(&pg.url(), Blobs::Postgres)
        .await
        .expect("open");
    let token = store.add_device("counter-1").await.expect("device");
    let url = replica(store.clone()).await;
    let photo = b"a receipt a claim names".as_slice();
    let c = claim(photo);
    assert_eq!(post(&url, &token, &c, &[photo]).await.status(), 201);
    let orphan = claimdesk_model::wire::sha256_hex(b"orphan");
    store
        .put_blob(orphan.clone(), b"orphan".to_vec())
        .await
        .expect("blob");
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(store.sweep(hour).await.expect("sweep"), 0, "too young");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        store.sweep(std::time::Duration::ZERO).await.expect("sweep"),
        1
    );
    assert_eq!(store.blob(&orphan).await.expect("blob"), None);
    assert!(store
        .blob(&c.attachments[0].sha256)
        .await
        .expect("blob")
        .is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn blobs_can_live_in_s3_compatible_storage() {
    use claimdesk_server::ClaimStorage;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start();
    let moto = claimdesk_testkit::s3::Moto::start();
    moto.bucket("claimdesk");
    let blobs = Blobs::s3(moto.builder("claimdesk"), "fleet/blobs").expect("bucket");
    let store = PgStore::open(&pg.url(), blobs).await.expect("open");
    let token = store.add_device("counter-1").await.expect("device");
    let url = replica(store.clone()).await;
    let photo = b"a receipt kept in a bucket".as_slice();
    let c = claim(photo);
    assert_eq!(post(&url, &token, &c, &[photo]).await.status(), 201);
    assert_eq!(post(&url, &token, &c, &[photo]).await.status(), 200);
    assert_eq!(
        store
            .blob(&c.attachments[0].sha256)
            .await
            .expect("blob")
            .as_deref(),
        Some(photo)
    );
    let ready = reqwest::get(format!("{url}/readyz")).await.expect("readyz");
    assert_eq!(ready.status(), 200);
    // A part larger than one S3 part goes up as a multipart upload, streamed.
    let big = large_part(11 << 20);
    let large = claim(&big);
    assert_eq!(post(&url, &token, &large, &[&big]).await.status(), 201);
    assert_eq!(
        store
            .blob(&large.attachments[0].sha256)
            .await
            .expect("blob"),
        Some(big)
    );
    // The orphan sweep works on the bucket too.
    let orphan = claimdesk_model::wire::sha256_hex(b"orphan");
    store
        .put_blob(orphan.clone(), b"orphan".to_vec())
        .await
        .expect("blob");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        store.sweep(std::time::Duration::ZERO).await.expect("sweep"),
        1
    );
    assert_eq!(store.blob(&orphan).await.expect("blob"), None);
    assert!(store
        .blob(&c.attachments[0].sha256)
        .await
        .expect("blob")
        .is_some());

    // The command line takes the bucket as --blobs s3://bucket/prefix, with the usual AWS_*
    // variables.
    let out = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
        .args([
            "device",
            "add",
            "counter-2",
            "--blobs",
            "s3://claimdesk/fleet/blobs",
        ])
        .env_remove("CLAIMDESK_DATA_DIR")
        .env("CLAIMDESK_DATABASE_URL", pg.url())
        .envs(moto.env())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sslmode=require`: the connection is TLS, and a server whose certificate no trusted CA
/// signed is refused; with `--database-ca` it is trusted.
#[tokio::test(flavor = "multi_thread")]
async fn the_service_talks_to_postgresql_over_tls_and_checks_its_certificate() {
    use claimdesk_server::sql::{Db, Value};
    let pg = Postgres::start_tls();
    let url = format!("{}?sslmode=require", pg.url());
    let blobs = tempfile::tempdir().expect("blobs");
    let folder = || Blobs::Folder(blobs.path().to_owned());
    assert!(
        PgStore::open_with(&url, folder(), None).await.is_err(),
        "a certificate no trusted CA signed is refused"
    );
    let ca = pg.ca_file();
    let store = PgStore::open_with(&url, folder(), Some(&ca))
        .await
        .expect("TLS with the CA");
    let rows = store
        .query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            vec![],
        )
        .await
        .expect("query");
    assert_eq!(rows[0][0], Value::Int(1), "the session is encrypted");
    let dir = blobs.path().to_str().expect("utf-8");
    let ca = ca.to_str().expect("utf-8");
    let add = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
        .args(["device", "add", "counter-1", "--database-url", &url])
        .args(["--database-ca", ca, "--data-dir", dir])
        .output()
        .expect("run");
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
}
