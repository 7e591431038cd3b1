//! The office's review on the service, on SQLite and on PostgreSQL: only the allowed moves,
//! each one numbered in the feed of the device that sent the claim, audited, and shown in the
//! receipt; the command line does the same; across two PostgreSQL replicas a device's feed
//! has no gap and no repeat however the decisions interleave.

use crate::api::{claim, form};
use claimdesk_model::wire::{
    sha256_hex, AdditionPayload, AdditionReceipt, AttachmentRef, ChangesPage, ClaimPayload,
    Receipt, ServiceStatus,
};
use claimdesk_model::{ClaimId, Kind};
use claimdesk_server::backend::Backend;
use claimdesk_server::intake::Intake;
use claimdesk_server::pg::{Blobs, PgStore};
use claimdesk_server::review::{Decision, ReviewError};
use claimdesk_server::storage::ClaimStorage;
use claimdesk_testkit::pg::Postgres;

async fn listen<S: ClaimStorage>(store: S) -> String {
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

async fn serve(backend: &Backend) -> String {
    match backend.clone() {
        Backend::Sqlite(s) => listen(s).await,
        Backend::Postgres(p) => listen(p).await,
    }
}

async fn send(url: &str, token: &str, c: &ClaimPayload) -> Receipt {
    let photo = b"photo".as_slice();
    let answer = reqwest::Client::new()
        .post(format!("{url}/v1/claims"))
        .bearer_auth(token)
        .multipart(form(c, &[photo]))
        .send()
        .await
        .expect("send");
    assert_eq!(answer.status(), 201);
    answer.json().await.expect("receipt")
}

async fn changes(url: &str, token: &str, query: &str) -> ChangesPage {
    let answer = reqwest::Client::new()
        .get(format!("{url}/v1/changes?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(answer.status(), 200);
    answer.json().await.expect("page")
}

fn decide(status: ServiceStatus, note: &str) -> Decision {
    Decision {
        status,
        note: note.to_owned(),
        tracking: None,
        actor: "user:ann".to_owned(),
        address: "192.0.2.7".to_owned(),
    }
}

async fn the_review_suite(backend: Backend, cli_store: &[&str]) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let t1 = backend.add_device("counter-1").await.expect("device");
    let t2 = backend.add_device("counter-2").await.expect("device");
    let url = serve(&backend).await;
    let photo = b"photo".as_slice();
    let (a, b, c) = (claim(photo), claim(photo), claim(photo));
    let ra = send(&url, &t1, &a).await;
    send(&url, &t1, &b).await;
    send(&url, &t2, &c).await;
    assert_eq!(ra.status, "received");
    let none = changes(&url, &t1, "since=0").await;
    assert_eq!((none.changes.len(), none.next, none.more), (0, 0, false));

    // Moves the office makes, by id or case reference.
    use ServiceStatus::*;
    let first = backend
        .review(&ra.case_reference, decide(InReview, ""))
        .await
        .expect("in review");
    assert_eq!((first.from, first.to, first.seq), (Received, InReview, 1));
    let asked = backend
        .review(
            &a.id.to_string(),
            decide(MoreInfoNeeded, "  A photo of the serial label, please.  "),
        )
        .await
        .expect("more info");
    assert_eq!(asked.seq, 2);
    backend
        .review(&b.id.to_string(), decide(InReview, ""))
        .await
        .expect("b");
    let other = backend
        .review(&c.id.to_string(), decide(InReview, ""))
        .await
        .expect("c");
    assert_eq!((other.device.as_str(), other.seq), ("counter-2", 1));

    // Moves that are not allowed change nothing.
    let refused = backend.review(&a.id.to_string(), decide(Closed, "")).await;
    assert!(
        matches!(
            refused,
            Err(ReviewError::NotAllowed {
                from: MoreInfoNeeded,
                to: Closed,
                ..
            })
        ),
        "{refused:?}"
    );
    backend
        .review(&b.id.to_string(), decide(Approved, "Approved."))
        .await
        .expect("approved");
    let untracked = backend
        .review(&b.id.to_string(), decide(ReplacementShipped, ""))
        .await;
    assert!(matches!(untracked, Err(ReviewError::TrackingRequired)));
    let bad = Decision {
        tracking: Some("<script>".into()),
        ..decide(ReplacementShipped, "")
    };
    assert!(matches!(
        backend.review(&b.id.to_string(), bad).await,
        Err(ReviewError::TrackingInvalid)
    ));
    assert!(matches!(
        backend.review("CD-2222-2222", decide(InReview, "")).await,
        Err(ReviewError::NotFound(_))
    ));

    // Each device's feed holds its own claims' changes, numbered, oldest first, in pages.
    let feed = changes(&url, &t1, "since=0").await;
    let seen: Vec<(u64, _, &str)> = feed
        .changes
        .iter()
        .map(|ch| (ch.seq, ch.claim_id, ch.status.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, a.id, "in_review"),
            (2, a.id, "more_info_needed"),
            (3, b.id, "in_review"),
            (4, b.id, "approved")
        ]
    );
    assert_eq!(feed.changes[1].note, "A photo of the serial label, please.");
    assert_eq!((feed.next, feed.more), (4, false));
    let paged = changes(&url, &t1, "since=1&limit=2").await;
    assert_eq!((paged.changes[0].seq, paged.next, paged.more), (2, 3, true));
    assert_eq!(changes(&url, &t1, "since=4").await.changes, []);
    let theirs = changes(&url, &t2, "since=0").await;
    assert_eq!(theirs.changes.len(), 1);
    assert_eq!(theirs.changes[0].claim_id, c.id);

    // The receipt says where the claim stands.
    let receipt: Receipt = reqwest::Client::new()
        .get(format!("{url}/v1/claims/{}", a.id))
        .bearer_auth(&t1)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("receipt");
    assert_eq!(receipt.status, "more_info_needed");

    // Every decision is audited: who, from where, what.
    let log = backend.audit_log(Some(a.id)).await.expect("audit");
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[1].actor.as_str(),
            log[1].address.as_str(),
            log[1].detail.as_str()
        ),
        ("user:ann", "192.0.2.7", "in_review → more_info_needed")
    );

    // The counter answers "more information needed" with an addition, exactly once.
    let label = b"serial label photo".as_slice();
    let addition = AdditionPayload {
        id: ClaimId::new(),
        claim_id: a.id,
        created_at: "2026-11-26T10:00:00.000Z".into(),
        note: "Photo of the label attached.".into(),
        attachments: vec![AttachmentRef {
            sha256: sha256_hex(label),
            kind: Kind::SerialLabel,
            media_type: "image/jpeg".into(),
            byte_size: label.len() as u64,
            original_name: "label.jpg".into(),
        }],
    };
    let add = |token: &str, addition: &AdditionPayload| {
        let json = serde_json::to_vec(addition).expect("json");
        let form = reqwest::multipart::Form::new()
            .part(
                "addition",
                reqwest::multipart::Part::bytes(json)
                    .mime_str("application/json")
                    .expect("mime"),
            )
            .part(
                sha256_hex(label),
                reqwest::multipart::Part::bytes(label.to_vec()),
            );
        reqwest::Client::new()
            .post(format!("{url}/v1/claims/{}/additions", addition.claim_id))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    assert_eq!(
        add(&t2, &addition).await.expect("post").status(),
        404,
        "not its claim"
    );
    let first = add(&t1, &addition).await.expect("post");
    assert_eq!(first.status(), 201);
    let receipt: AdditionReceipt = first.json().await.expect("receipt");
    let again = add(&t1, &addition).await.expect("post");
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<AdditionReceipt>().await.expect("receipt"),
        receipt
    );
    let other = AdditionPayload {
        note: "Something else.".into(),
        ..addition.clone()
    };
    let conflict = add(&t1, &other).await.expect("post");
    assert_eq!(conflict.status(), 409);
    assert!(conflict
        .text()
        .await
        .unwrap_or_default()
        .contains("addition.conflict"));
    let late = AdditionPayload {
        id: ClaimId::new(),
        ..addition.clone()
    };
    let refused = add(&t1, &late).await.expect("post");
    assert_eq!(refused.status(), 409, "the claim is in review again");
    assert!(refused
        .text()
        .await
        .unwrap_or_default()
        .contains("addition.not_requested"));
    let back = changes(&url, &t1, "since=4").await;
    assert_eq!(
        (back.changes[0].claim_id, back.changes[0].status.as_str()),
        (a.id, "in_review")
    );
    let detail = claimdesk_server::office::claims::detail(&backend, a.id)
        .await
        .expect("detail")
        .expect("claim");
    assert_eq!(detail.additions.len(), 1);
    assert_eq!(detail.additions[0].note, "Photo of the label attached.");
    assert_eq!(detail.additions[0].attachments[0].sha256, sha256_hex(label));
    assert_eq!(
        claimdesk_server::office::claims::attachment_type(&backend, a.id, &sha256_hex(label))
            .await
            .expect("type")
            .as_deref(),
        Some("image/jpeg")
    );

    // The command line does the same from a script.
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(cli_store);
        std::process::Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
            .args(&all)
            .output()
            .expect("run")
    };
    let number = claimdesk_model::claim_number::claim_number(b.id);
    let shipped = run(&[
        "review",
        &number,
        "--status",
        "replacement_shipped",
        "--tracking",
        "1Z999AA10123456784",
        "--note",
        "Replacement on its way.",
    ]);
    assert!(shipped.status.success(), "{shipped:?}");
    let out = String::from_utf8_lossy(&shipped.stdout);
    assert!(out.contains("approved → replacement_shipped"), "{out}");
    let refused = run(&["review", &number, "--status", "in_review"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("can become: closed"), "{said}");
    let unknown = run(&["review", &number, "--status", "lost"]);
    assert_eq!(unknown.status.code(), Some(2));
    let last = changes(&url, &t1, "since=5").await;
    assert_eq!(
        last.changes[0].tracking.as_deref(),
        Some("1Z999AA10123456784")
    );
    let audit = run(&["audit", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&audit.stdout);
    assert!(
        csv.lines()
            .any(|l| l.contains("cli:") && l.contains("approved → replacement_shipped")),
        "{csv}"
    );
    let export = run(&["export", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(csv.contains("replacement_shipped"), "{csv}");

    // A customer back at another counter of the fleet: found there by the receipt's claim
    // number or QR code (the id), status only; outside the fleet, as if it did not exist.
    let lookup = |token: &str, key: String| {
        reqwest::Client::new()
            .get(format!("{url}/v1/lookup/{key}"))
            .bearer_auth(token)
            .send()
    };
    let number_b = claimdesk_model::claim_number::claim_number(b.id);
    assert_eq!(
        lookup(&t2, number_b.clone()).await.expect("get").status(),
        404,
        "no fleet yet"
    );
    for device in ["counter-1", "counter-2"] {
        assert!(
            claimdesk_server::lookup::set_fleet(&backend, device, Some("acme"))
                .await
                .expect("fleet")
        );
    }
    let t3 = backend.add_device("counter-3").await.expect("device");
    let found: claimdesk_model::wire::Lookup = lookup(&t2, number_b.to_lowercase())
        .await
        .expect("get")
        .json()
        .await
        .expect("lookup");
    assert_eq!(
        (
            found.id,
            found.status.as_str(),
            found.tracking.as_deref(),
            found.yours
        ),
        (
            b.id,
            "replacement_shipped",
            Some("1Z999AA10123456784"),
            false
        )
    );
    let text = lookup(&t2, b.id.to_string())
        .await
        .expect("get")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        !text.contains("Ann Example") && !text.contains("ann@example.com"),
        "{text}"
    );
    assert!(
        lookup(&t1, b.id.to_string())
            .await
            .expect("get")
            .json::<claimdesk_model::wire::Lookup>()
            .await
            .expect("own")
            .yours
    );
    assert_eq!(
        lookup(&t3, number_b).await.expect("get").status(),
        404,
        "another fleet"
    );
    let receipt = reqwest::Client::new()
        .get(format!("{url}/v1/claims/{}", b.id))
        .bearer_auth(&t2)
        .send()
        .await
        .expect("get");
    assert_eq!(
        receipt.status(),
        404,
        "the receipt itself stays the sending device's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_review_reaches_each_devices_feed_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let intake = Intake::open(dir.path()).expect("open");
    let data = dir.path().to_str().expect("utf-8").to_owned();
    the_review_suite(Backend::Sqlite(intake), &["--data-dir", &data]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_review_reaches_each_devices_feed_on_postgresql() {
    let pg = Postgres::start();
    let blobs = tempfile::tempdir().expect("blobs");
    let store = PgStore::open(&pg.url(), Blobs::Folder(blobs.path().to_owned()))
        .await
        .expect("open");
    let url = pg.url();
    let dir = blobs.path().to_str().expect("utf-8").to_owned();
    the_review_suite(
        Backend::Postgres(store),
        &["--database-url", &url, "--data-dir", &dir],
    )
    .await;
}

/// Decisions on one device's claims made at once through two replicas, read meanwhile by a
/// device that keeps pulling: it sees every change once, in number order, none skipped.
#[tokio::test(flavor = "multi_thread")]
async fn a_devices_feed_has_no_gap_or_repeat_across_replicas() {
    let pg = Postgres::start();
    let blobs = tempfile::tempdir().expect("blobs");
    let url = pg.url();
    let open = || PgStore::open(&url, Blobs::Folder(blobs.path().to_owned()));
    let (one, two) = (open().await.expect("one"), open().await.expect("two"));
    one.add_device("counter-1").await.expect("device");
    let mut ids = Vec::new();
    for _ in 0..24 {
        let c = claim(b"photo");
        one.put_blob(c.attachments[0].sha256.clone(), b"photo".to_vec())
            .await
            .expect("blob");
        one.insert_claim("counter-1".into(), c.clone())
            .await
            .expect("claim");
        ids.push(c.id);
    }
    let reader = {
        let two = two.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            while seen.len() < 48 {
                let page = two
                    .changes("counter-1".into(), cursor, 5)
                    .await
                    .expect("changes");
                for ch in &page.changes {
                    seen.push(ch.seq);
                }
                cursor = page.next;
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let mut writers = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let store = if i % 2 == 0 { one.clone() } else { two.clone() };
        let id = id.to_string();
        writers.push(tokio::spawn(async move {
            for status in [ServiceStatus::InReview, ServiceStatus::Approved] {
                store
                    .review(id.clone(), decide(status, ""))
                    .await
                    .expect("review");
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let seen = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("the reader finishes")
        .expect("reader");
    assert_eq!(seen, (1..=48).collect::<Vec<u64>>());
}
