//! The service's HTTP contract, over a real loopback socket, and its command line.

use claimdesk_model::wire::{
    is_case_reference, sha256_hex, AttachmentRef, ClaimPayload, ErrorBody, Receipt,
    MAX_BODY_HEADER, SERVER_HEADER,
};
use claimdesk_model::Kind;
use claimdesk_model::{ClaimFields, ClaimId};
use claimdesk_server::intake::Intake;
use reqwest::multipart::{Form, Part};
use std::process::Command;
use std::sync::Arc;

struct Service {
    url: String,
    intake: Intake,
    token: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Service {
    // The workspace builds reqwest with rustls but no default crypto provider (the app's
    // client installs ring); this test's client needs one too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tmp");
    let intake = Intake::open(dir.path()).expect("intake");
    let token = intake.add_device("counter-1").expect("device");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let i = intake.clone();
    tokio::spawn(claimdesk_server::serve(listener, i, std::future::pending()));
    Service {
        url,
        intake,
        token,
        _dir: dir,
    }
}

fn fields() -> ClaimFields {
    ClaimFields {
        channel: "own_store".into(),
        email: "ann@example.com".into(),
        contact_name: "Ann Example".into(),
        order_id: "A-1".into(),
        product_name: "PowerCore 10000".into(),
        purchase_date: "2026-02-01".into(),
        country: "FR".into(),
        city: "Paris".into(),
        postal_code: "75001".into(),
        issue: "Does not charge.".into(),
        ..Default::default()
    }
}

pub(crate) fn claim(photo: &[u8]) -> ClaimPayload {
    ClaimPayload {
        id: ClaimId::new(),
        created_at: "2026-11-25T10:00:00.000Z".into(),
        fields: fields(),
        attachments: vec![AttachmentRef {
            sha256: sha256_hex(photo),
            kind: Kind::Receipt,
            media_type: "image/jpeg".into(),
            byte_size: photo.len() as u64,
            original_name: "receipt.jpg".into(),
        }],
        supersedes: None,
    }
}

pub(crate) fn form(claim: &ClaimPayload, parts: &[&[u8]]) -> Form {
    let json = serde_json::to_vec(claim).expect("json");
    let mut form = Form::new().part(
        "claim",
        Part::bytes(json)
            .mime_str("application/json")
            .expect("mime"),
    );
    for (a, bytes) in claim.attachments.iter().zip(parts) {
        form = form.part(a.sha256.clone(), Part::bytes(bytes.to_vec()));
    }
    form
}

async fn post(
    s: &Service,
    token: &str,
    claim: &ClaimPayload,
    parts: &[&[u8]],
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/claims", s.url))
        .bearer_auth(token)
        .multipart(form(claim, parts))
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn ping_tells_the_service_from_a_portal_and_advertises_its_limit() {
    let s = start().await;
    let r = reqwest::get(format!("{}/v1/ping", s.url))
        .await
        .expect("ping");
    assert_eq!(r.status(), 204);
    let server = r.headers()[SERVER_HEADER].to_str().expect("text");
    assert!(server.starts_with("claimdesk-server/") && server.ends_with("api=1"));
    let max: u64 = r.headers()[MAX_BODY_HEADER]
        .to_str()
        .expect("text")
        .parse()
        .expect("number");
    assert!(max > claimdesk_model::attachment::MAX_CLAIM_BYTES);
    let doc = reqwest::get(format!("{}/openapi.yaml", s.url))
        .await
        .expect("doc")
        .text()
        .await
        .expect("text");
    assert!(doc.starts_with("openapi: 3"));
}

#[tokio::test]
async fn a_claim_is_stored_once_and_a_replay_gets_the_same_reference() {
    let s = start().await;
    let photo = b"not really a jpeg, but the service does not decode".as_slice();
    let c = claim(photo);
    let first = post(&s, &s.token, &c, &[photo]).await;
    assert_eq!(first.status(), 201);
    assert_eq!(
        first.headers()["location"].to_str().expect("text"),
        format!("/v1/claims/{}", c.id)
    );
    let receipt: Receipt = first.json().await.expect("receipt");
    assert_eq!(receipt.status, "received");
    assert!(
        is_case_reference(&receipt.case_reference),
        "{}",
        receipt.case_reference
    );

    let again = post(&s, &s.token, &c, &[photo]).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Receipt>().await.expect("receipt"), receipt);

    let got = reqwest::Client::new()
        .get(format!("{}/v1/claims/{}", s.url, c.id))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("get");
    assert_eq!(got.status(), 200);
    assert_eq!(got.json::<Receipt>().await.expect("receipt"), receipt);
    assert_eq!(s.intake.count().expect("count"), 1);
    assert_eq!(
        s.intake.blob(&c.attachments[0].sha256).as_deref(),
        Some(photo)
    );

    let mut changed = c.clone();
    changed.fields.issue = "Something else.".into();
    let conflict = post(&s, &s.token, &changed, &[photo]).await;
    assert_eq!(conflict.status(), 409);
    let body: ErrorBody = conflict.json().await.expect("error");
    assert_eq!(body.code, "claim.conflict");
    assert_eq!(s.intake.count().expect("count"), 1);
}

async fn get_receipt(s: &Service, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/v1/claims/{key}", s.url))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("get")
}

#[tokio::test]
async fn a_correction_names_the_claim_it_replaces_and_both_show_it() {
    let s = start().await;
    let photo = b"receipt bytes".as_slice();
    let original = claim(photo);
    let first: Receipt = post(&s, &s.token, &original, &[photo])
        .await
        .json()
        .await
        .expect("receipt");
    assert_eq!(first.supersedes, None);

    let mut correction = claim(photo);
    correction.fields.issue = "Corrected: the port is broken, not the cable.".into();
    correction.supersedes = Some(original.id);
    let r = post(&s, &s.token, &correction, &[photo]).await;
    assert_eq!(r.status(), 201);
    let second: Receipt = r.json().await.expect("receipt");
    assert_eq!(second.supersedes, Some(original.id));
    // Replayed, it is the same claim (supersedes is part of its content) …
    let replay = post(&s, &s.token, &correction, &[photo]).await;
    assert_eq!(replay.status(), 200);
    // … and the same id without it is another claim.
    let mut stripped = correction.clone();
    stripped.supersedes = None;
    assert_eq!(post(&s, &s.token, &stripped, &[photo]).await.status(), 409);

    let old: Receipt = get_receipt(&s, &original.id.to_string())
        .await
        .json()
        .await
        .expect("old");
    assert_eq!(old.superseded_by, Some(correction.id));
    let exported = s.intake.export().expect("export");
    let row = exported
        .iter()
        .find(|r| r.claim.id == original.id)
        .expect("row");
    assert_eq!(row.superseded_by, Some(correction.id));
}

#[tokio::test]
async fn a_claim_is_found_by_its_case_reference_or_claim_number() {
    let s = start().await;
    let photo = b"receipt bytes".as_slice();
    let c = claim(photo);
    let receipt: Receipt = post(&s, &s.token, &c, &[photo])
        .await
        .json()
        .await
        .expect("receipt");
    let number = claimdesk_model::claim_number::claim_number(c.id);
    let loose = number.replace('-', "").to_lowercase();
    for key in [receipt.case_reference.clone(), number, loose] {
        let r = get_receipt(&s, &key).await;
        assert_eq!(r.status(), 200, "{key}");
        assert_eq!(r.json::<Receipt>().await.expect("receipt"), receipt);
    }
    // A number with a wrong check character, or nothing like one, is not found.
    for key in ["CD-2222-2222", "0000-0000-1", "not-a-claim"] {
        let r = get_receipt(&s, key).await;
        assert_eq!(r.status(), 404, "{key}");
    }
}

async fn get_as(s: &Service, token: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/v1/claims/{key}", s.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

#[tokio::test]
async fn a_device_sees_only_its_own_claims_and_is_not_told_of_others() {
    let s = start().await;
    let other = s.intake.add_device("counter-2").expect("second device");
    let photo = b"receipt bytes".as_slice();
    let c = claim(photo);
    let receipt: Receipt = post(&s, &s.token, &c, &[photo])
        .await
        .json()
        .await
        .expect("receipt");
    let unknown = get_as(&s, &other, &ClaimId::new().to_string())
        .await
        .json::<ErrorBody>()
        .await
        .expect("404 body");
    let number = claimdesk_model::claim_number::claim_number(c.id);
    for key in [c.id.to_string(), receipt.case_reference.clone(), number] {
        let r = get_as(&s, &other, &key).await;
        assert_eq!(r.status(), 404, "{key}");
        let body: ErrorBody = r.json().await.expect("body");
        assert_eq!(body, unknown, "the same answer as for a claim never sent");
        assert_eq!(get_as(&s, &s.token, &key).await.status(), 200, "{key}");
    }
    // Sending another device's claim (a replay, or other content under its id) changes
    // nothing and says nothing about it.
    let replay = post(&s, &other, &c, &[photo]).await;
    assert_eq!(replay.status(), 404);
    let mut changed = c.clone();
    changed.fields.issue = "Something else.".into();
    assert_eq!(post(&s, &other, &changed, &[photo]).await.status(), 404);
    assert_eq!(s.intake.count().expect("count"), 1);
    assert_eq!(post(&s, &s.token, &c, &[photo]).await.status(), 200);
}

#[tokio::test]
async fn a_rotated_token_keeps_working_for_its_grace_period_only() {
    let s = start().await;
    let hour = std::time::Duration::from_secs(3600);
    let new = s
        .intake
        .rotate_device("counter-1", hour)
        .expect("rotate")
        .expect("a live device");
    assert_ne!(new, s.token);
    let unknown = ClaimId::new().to_string();
    // Both work during the grace period (404: authenticated, no such claim).
    assert_eq!(get_as(&s, &s.token, &unknown).await.status(), 404);
    assert_eq!(get_as(&s, &new, &unknown).await.status(), 404);
    // Rotated again with no grace: only the newest works.
    let newest = s
        .intake
        .rotate_device("counter-1", std::time::Duration::ZERO)
        .expect("rotate")
        .expect("a live device");
    assert_eq!(get_as(&s, &s.token, &unknown).await.status(), 401);
    assert_eq!(get_as(&s, &new, &unknown).await.status(), 401);
    assert_eq!(get_as(&s, &newest, &unknown).await.status(), 404);
    assert_eq!(
        s.intake.rotate_device("nobody", hour).expect("rotate"),
        None
    );
    // The device was seen.
    let devices = s.intake.devices().expect("devices");
    assert!(devices[0].last_seen_at.is_some(), "{devices:?}");
}

#[tokio::test]
async fn operators_get_health_readiness_metrics_and_request_ids() {
    let s = start().await;
    let get = |path: &str| reqwest::get(format!("{}{path}", s.url));
    let health = get("/healthz").await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = get("/readyz").await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(ready["status"], "ready");

    let photo = b"receipt bytes".as_slice();
    let first = post(&s, &s.token, &claim(photo), &[photo]).await;
    assert_eq!(first.status(), 201);
    let id = first.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    // A proxy's id is kept, so one id follows the request through both logs.
    let traced = reqwest::Client::new()
        .get(format!("{}/v1/ping", s.url))
        .header("x-request-id", "edge-7f3a")
        .send()
        .await
        .expect("ping");
    assert_eq!(traced.headers()["x-request-id"], "edge-7f3a");

    let metrics = get("/metrics")
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} not in\n{metrics}"))
    };
    assert!(value("claimdesk_claims_total{outcome=\"new\"}") >= 1);
    assert!(value("claimdesk_received_bytes_total") >= photo.len() as u64);
    assert!(value("claimdesk_request_duration_seconds_count") >= 2);
    assert!(metrics.contains("claimdesk_request_duration_seconds_bucket{le=\"+Inf\"}"));
}

#[tokio::test]
async fn a_storage_failure_tells_the_client_only_a_request_id() {
    let s = start().await;
    // The blob folder is replaced by a file: storing an attachment fails.
    let blobs = s._dir.path().join("blobs");
    std::fs::remove_dir_all(&blobs).expect("rm");
    std::fs::write(&blobs, b"not a folder").expect("file");
    let photo = b"receipt bytes".as_slice();
    let r = post(&s, &s.token, &claim(photo), &[photo]).await;
    assert_eq!(r.status(), 503);
    let id = r.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    let body: ErrorBody = r.json().await.expect("body");
    assert_eq!(body.code, "server.store");
    assert!(body.message.contains(&id), "{}", body.message);
    let inside = s._dir.path().display().to_string();
    assert!(
        !body.message.contains(&inside) && !body.message.contains("blobs"),
        "{}",
        body.message
    );
    let ready = reqwest::get(format!("{}/readyz", s.url))
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn a_part_with_a_name_the_contract_does_not_allow_is_refused_even_on_replay() {
    let s = start().await;
    let photo = b"receipt bytes".as_slice();
    let c = claim(photo);
    let odd = |name: &str| form(&c, &[photo]).part(name.to_owned(), Part::bytes(b"x".to_vec()));
    for (when, name) in [("first", ""), ("first", "photo.jpg")] {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/claims", s.url))
            .bearer_auth(&s.token)
            .multipart(odd(name))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 400, "{when} upload with a part named {name:?}");
        let body: ErrorBody = r.json().await.expect("error");
        assert!(body.message.contains("SHA-256"), "{}", body.message);
    }
    assert_eq!(s.intake.count().expect("count"), 0);
    assert_eq!(post(&s, &s.token, &c, &[photo]).await.status(), 201);
    // The same claim again, well formed: the receipt; with an odd part: still refused.
    assert_eq!(post(&s, &s.token, &c, &[photo]).await.status(), 200);
    let r = reqwest::Client::new()
        .post(format!("{}/v1/claims", s.url))
        .bearer_auth(&s.token)
        .multipart(odd(""))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    assert_eq!(s.intake.count().expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_of_one_claim_store_one() {
    let s = Arc::new(start().await);
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let c = claim(&photo);
    let uploads: Vec<_> = (0..8)
        .map(|_| {
            let (s, c, photo) = (s.clone(), c.clone(), photo.clone());
            tokio::spawn(async move {
                let r = post(&s, &s.token, &c, &[&photo]).await;
                let status = r.status().as_u16();
                (status, r.json::<Receipt>().await.expect("receipt"))
            })
        })
        .collect();
    let mut created = 0;
    let mut references = std::collections::HashSet::new();
    for u in uploads {
        let (status, receipt) = u.await.expect("join");
        assert!(status == 201 || status == 200, "{status}");
        created += usize::from(status == 201);
        references.insert(receipt.case_reference);
    }
    assert_eq!(created, 1);
    assert_eq!(references.len(), 1);
    assert_eq!(s.intake.count().expect("count"), 1);
}

#[tokio::test]
async fn bad_claims_get_field_errors_and_nothing_is_stored() {
    let s = start().await;
    let photo = b"photo".as_slice();
    let mut c = claim(photo);
    c.fields.email = "ann-at-example".into();
    c.fields.postal_code = "ABC".into();
    let r = post(&s, &s.token, &c, &[photo]).await;
    assert_eq!(r.status(), 422);
    let body: ErrorBody = r.json().await.expect("error");
    assert_eq!(body.code, "validation");
    let fields: Vec<&str> = body.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"postal_code"),
        "{fields:?}"
    );

    // An attachment that is not what the claim says it is.
    let c = claim(photo);
    let r = post(&s, &s.token, &c, &[b"other bytes"]).await;
    assert_eq!(r.status(), 422);
    let body: ErrorBody = r.json().await.expect("error");
    assert_eq!(body.errors[0].code, "attachments.mismatch");
    assert_eq!(s.intake.count().expect("count"), 0);
}

#[tokio::test]
async fn wrong_missing_or_revoked_tokens_get_401() {
    let s = start().await;
    let photo = b"photo".as_slice();
    let c = claim(photo);
    let revoked = s.intake.add_device("stolen-laptop").expect("add");
    assert!(s.intake.revoke_device("stolen-laptop").expect("revoke"));
    for token in ["", "cdt_wrong", revoked.as_str()] {
        let r = post(&s, token, &c, &[photo]).await;
        assert_eq!(r.status(), 401, "token {token:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: ErrorBody = r.json().await.expect("error");
        assert_eq!(body.code, "auth.invalid_token");
    }
    assert_eq!(s.intake.count().expect("count"), 0);
}

#[tokio::test]
async fn an_oversized_upload_gets_413() {
    let s = start().await;
    let big = vec![7u8; (claimdesk_server::api::MAX_BODY_BYTES + 1) as usize];
    let c = claim(&big);
    let r = post(&s, &s.token, &c, &[&big]).await;
    assert_eq!(r.status(), 413);
    let body: ErrorBody = r.json().await.expect("error");
    assert_eq!(body.code, "claim.too_large");
    assert_eq!(s.intake.count().expect("count"), 0);
}

fn server_cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
        .args(args)
        .output()
        .expect("run claimdesk-server")
}

#[tokio::test]
async fn the_command_line_manages_devices_and_exports_claims() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_str().expect("utf-8");
    let add = server_cli(&["device", "add", "counter-1", "--data-dir", data]);
    assert!(add.status.success());
    let stdout = String::from_utf8(add.stdout).expect("utf-8");
    let token = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout");
    assert!(token.starts_with("cdt_") && token.len() > 40);

    let again = server_cli(&["device", "add", "counter-1", "--data-dir", data]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already registered"));

    // A claim arrives.
    let intake = Intake::open(dir.path()).expect("intake");
    let photo = b"photo".as_slice();
    let mut c = claim(photo);
    c.fields.staff_note = "=1+1".into();
    intake
        .write_blob(&c.attachments[0].sha256, photo)
        .expect("blob");
    intake.accept("counter-1", &c).expect("accept");
    let (_, receipt) = intake.find(c.id).expect("find").expect("stored");
    drop(intake);

    let json = server_cli(&["export", "--data-dir", data, "--format", "json"]);
    let exported: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        exported[0]["case_reference"],
        receipt.case_reference.as_str()
    );
    assert_eq!(
        exported[0]["claim"]["attachments"][0]["sha256"],
        c.attachments[0].sha256.as_str()
    );
    let csv = server_cli(&["export", "--data-dir", data, "--format", "csv"]);
    let csv = String::from_utf8(csv.stdout).expect("utf-8");
    assert!(csv.starts_with("case_reference,id,received_at,device,channel"));
    assert!(csv.contains(&receipt.case_reference) && csv.contains(&c.attachments[0].sha256));
    // A formula someone typed is text to a spreadsheet (OWASP CSV injection).
    assert!(csv.contains(",'=1+1,") && !csv.contains(",=1+1,"), "{csv}");

    // Rotation prints only the new token; the list shows the device, live.
    let rotate = server_cli(&[
        "device",
        "rotate",
        "counter-1",
        "--grace",
        "30m",
        "--data-dir",
        data,
    ]);
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    let rotated = String::from_utf8(rotate.stdout).expect("utf-8");
    assert_eq!(rotated.lines().count(), 1);
    assert!(rotated.starts_with("cdt_") && rotated.trim_end() != token);
    let bad = server_cli(&[
        "device",
        "rotate",
        "counter-1",
        "--grace",
        "soon",
        "--data-dir",
        data,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let list = server_cli(&["device", "list", "--data-dir", data]);
    let list = String::from_utf8(list.stdout).expect("utf-8");
    assert!(
        list.starts_with("counter-1\t") && list.contains("live"),
        "{list}"
    );

    let revoke = server_cli(&["device", "revoke", "counter-1", "--data-dir", data]);
    assert!(revoke.status.success());
    let unknown = server_cli(&["device", "revoke", "nobody", "--data-dir", data]);
    assert_eq!(unknown.status.code(), Some(1));
    // A revoked device's name is not handed to another device (its claims stay its own).
    let reused = server_cli(&["device", "add", "counter-1", "--data-dir", data]);
    assert_eq!(reused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&reused.stderr).contains("was a device that was revoked"));
}

#[test]
fn serve_prints_the_address_it_listens_on() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("address line");
    let port: u16 = addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert_ne!(port, 0);
    std::net::TcpStream::connect(addr).expect("it really listens");
    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// A service within `limits` on a free port, with one device.
async fn start_with(limits: claimdesk_server::Limits) -> Service {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tmp");
    let intake = Intake::open(dir.path()).expect("intake");
    let token = intake.add_device("counter-1").expect("device");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(claimdesk_server::serve_with(
        listener,
        intake.clone(),
        std::future::pending(),
        limits,
    ));
    Service {
        url,
        intake,
        token,
        _dir: dir,
    }
}

#[tokio::test]
async fn a_device_over_its_share_gets_429_with_retry_after_and_others_carry_on() {
    let s = start_with(claimdesk_server::Limits {
        per_device_per_minute: 3,
        ..Default::default()
    })
    .await;
    let other = s.intake.add_device("counter-2").expect("device");
    let unknown = ClaimId::new().to_string();
    for _ in 0..3 {
        assert_eq!(get_as(&s, &s.token, &unknown).await.status(), 404);
    }
    let limited = get_as(&s, &s.token, &unknown).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: ErrorBody = limited.json().await.expect("body");
    assert_eq!(body.code, "rate_limited");
    assert_eq!(
        get_as(&s, &other, &unknown).await.status(),
        404,
        "per device"
    );
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off_while_others_send() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start_with(claimdesk_server::Limits {
        header_timeout: std::time::Duration::from_millis(500),
        ..Default::default()
    })
    .await;
    let addr = s.url.trim_start_matches("http://").to_owned();
    // Slow loris: a request line and one header, then nothing.
    let mut loris = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    loris
        .write_all(b"GET /v1/ping HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // Meanwhile a device sends a claim.
    let photo = b"receipt bytes".as_slice();
    assert_eq!(
        post(&s, &s.token, &claim(photo), &[photo]).await.status(),
        201
    );
    // The loris is disconnected once the header timeout passes (end of stream or reset,
    // whichever the OS reports), not before.
    let mut rest = Vec::new();
    let _ended = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        loris.read_to_end(&mut rest),
    )
    .await
    .expect("cut off within the timeout");
    assert!(
        !String::from_utf8_lossy(&rest).contains("204"),
        "never answered"
    );
}

#[tokio::test]
async fn orphan_blobs_are_swept_after_their_grace_and_a_claims_never() {
    use claimdesk_server::ClaimStorage;
    let s = start().await;
    let photo = b"a receipt a claim names".as_slice();
    let c = claim(photo);
    assert_eq!(post(&s, &s.token, &c, &[photo]).await.status(), 201);
    // An upload that stopped after its blob was stored left an orphan.
    let orphan = sha256_hex(b"orphan");
    s.intake.write_blob(&orphan, b"orphan").expect("blob");
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(s.intake.sweep(hour).await.expect("sweep"), 0, "too young");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        s.intake
            .sweep(std::time::Duration::ZERO)
            .await
            .expect("sweep"),
        1
    );
    assert!(s.intake.blob(&orphan).is_none());
    assert_eq!(
        s.intake.blob(&c.attachments[0].sha256).as_deref(),
        Some(photo)
    );
}

#[tokio::test]
async fn parts_go_to_disk_as_they_arrive_and_a_refused_upload_leaves_nothing() {
    let s = start().await;
    let blobs = s._dir.path().join("blobs");
    let files = || std::fs::read_dir(&blobs).expect("blobs").count();
    // A part that is not what the claim says it is: refused, and its spooled file is gone.
    let photo = b"the real receipt".as_slice();
    let c = claim(photo);
    let r = post(&s, &s.token, &c, &[b"something else entirely"]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(files(), 0, "nothing left on disk");
    // A good upload: exactly its one blob, no temporary file.
    assert_eq!(post(&s, &s.token, &c, &[photo]).await.status(), 201);
    let names: Vec<String> = std::fs::read_dir(&blobs)
        .expect("blobs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [c.attachments[0].sha256.clone()]);
}

#[tokio::test]
async fn shutdown_finishes_an_upload_in_flight_and_takes_no_new_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("tmp");
    let intake = Intake::open(dir.path()).expect("intake");
    let token = intake.add_device("counter-1").expect("device");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(claimdesk_server::serve(listener, intake.clone(), async {
        let _ = stopped.await;
    }));

    // An upload written by hand, so it can stop half-way.
    let photo = b"a receipt on its way".as_slice();
    let c = claim(photo);
    let boundary = "claimdesk-drain-test";
    let mut body = Vec::new();
    let json = serde_json::to_vec(&c).expect("json");
    for (name, bytes) in [
        ("claim", json.as_slice()),
        (c.attachments[0].sha256.as_str(), photo),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /v1/claims HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let mut upload = tokio::net::TcpStream::connect(addr).await.expect("connect");
    upload.write_all(head.as_bytes()).await.expect("head");
    let half = body.len() / 2;
    upload.write_all(&body[..half]).await.expect("first half");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // SIGTERM, in effect: no new connection is taken …
    stop.send(()).expect("stop");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "a new connection after shutdown began"
    );
    // … and the upload in flight finishes and is answered.
    upload.write_all(&body[half..]).await.expect("second half");
    let mut answer = String::new();
    upload.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    served.await.expect("join").expect("served");
    assert_eq!(intake.count().expect("count"), 1);
}
