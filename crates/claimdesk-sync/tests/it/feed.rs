//! The office's decisions reach the counter during sync, through the change feed: an answer
//! lost on the way, a service restarted, two PostgreSQL replicas taken in turn — each change
//! is applied once, in order, and pulling again changes nothing.

use crate::faults::engine;
use claimdesk_model::wire::ServiceStatus;
use claimdesk_server::pg::{Blobs, PgStore};
use claimdesk_server::review::Decision;
use claimdesk_server::storage::ClaimStorage;
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::pg::Postgres;
use claimdesk_testkit::proxy::{Fault, Proxy};
use claimdesk_testkit::{queue_claims, Server};

fn decide(status: ServiceStatus, note: &str) -> Decision {
    Decision {
        status,
        note: note.to_owned(),
        tracking: (status == ServiceStatus::ReplacementShipped).then(|| "1Z999AA1".to_owned()),
        actor: "user:ann".to_owned(),
        address: "192.0.2.7".to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_reach_the_counter_once_through_a_lost_answer_and_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, 3, 1, 5_000)
    };
    let mut e = engine(&client, &proxy.url, &server.token);
    let report = e.pass().await.expect("pass");
    assert_eq!(report.sent.len(), 3);
    assert!(report.reviewed.is_empty());

    let intake = &server.intake;
    for (id, status, note) in [
        (ids[0], ServiceStatus::InReview, ""),
        (
            ids[0],
            ServiceStatus::MoreInfoNeeded,
            "A photo of the serial label, please.",
        ),
        (ids[1], ServiceStatus::InReview, ""),
    ] {
        intake
            .review(&id.to_string(), &decide(status, note))
            .expect("review");
    }
    // The feed's answer is lost after the service sent it: nothing is applied, and the
    // next pass gets the same changes.
    proxy.fail_next_pulls(&[Fault::ResetAfterCommit]);
    let lost = e.pass().await.expect("pass");
    assert!(lost.stopped.is_some());
    assert!(lost.reviewed.is_empty());
    let got = e.pass().await.expect("pass");
    assert!(got.stopped.is_none(), "{:?}", got.stopped);
    let applied: Vec<_> = got
        .reviewed
        .iter()
        .map(|a| (a.id, a.status.as_str()))
        .collect();
    assert_eq!(
        applied,
        [
            (ids[0], "in_review"),
            (ids[0], "more_info_needed"),
            (ids[1], "in_review")
        ]
    );
    let row = e.store().summary(ids[0]).expect("row").expect("claim");
    let review = row.review.expect("reviewed");
    assert_eq!(review.status, "more_info_needed");
    assert_eq!(review.note, "A photo of the serial label, please.");
    assert!(review.takes_additions);
    assert!(
        e.pass().await.expect("pass").reviewed.is_empty(),
        "nothing twice"
    );

    // The service restarts; decisions made meanwhile arrive after it.
    let server = server.restart().await;
    for status in [ServiceStatus::Approved, ServiceStatus::ReplacementShipped] {
        server
            .intake
            .review(&ids[1].to_string(), &decide(status, "On its way."))
            .expect("review");
    }
    let after = e.pass().await.expect("pass");
    assert_eq!(after.reviewed.len(), 2);
    let row = e.store().summary(ids[1]).expect("row").expect("claim");
    let review = row.review.expect("reviewed");
    assert_eq!(
        (review.status.as_str(), review.tracking.as_deref()),
        ("replacement_shipped", Some("1Z999AA1"))
    );
    assert!(!review.takes_additions);
    assert!(e
        .store()
        .summary(ids[2])
        .expect("row")
        .expect("claim")
        .review
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_alternating_between_two_replicas_miss_and_repeat_nothing() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().expect("tmp");
    let blobs = dir.path().join("blobs");
    let url = pg.url();
    let a = PgStore::open(&url, Blobs::Folder(blobs.clone()))
        .await
        .expect("a");
    let b = PgStore::open(&url, Blobs::Folder(blobs)).await.expect("b");
    let token = a.add_device("counter-1").await.expect("device");
    let listen = |store: PgStore| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(claimdesk_server::serve(
            listener,
            store,
            std::future::pending(),
        ));
        addr
    };
    let proxy = Proxy::start_many(vec![listen(a.clone()).await, listen(b.clone()).await]).await;
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, 120, 1, 2_000)
    };
    let mut e = engine(&client, &proxy.url, &token);
    while e.store().outbox_summary().expect("summary").pending > 0 {
        e.pass().await.expect("pass");
    }
    // 240 decisions, made through both replicas, pulled in pages of 100 while more are made.
    let mut pulled = Vec::new();
    for (round, status) in [ServiceStatus::InReview, ServiceStatus::Rejected]
        .into_iter()
        .enumerate()
    {
        for (i, id) in ids.iter().enumerate() {
            let store = if i % 2 == 0 { &a } else { &b };
            store
                .review(id.to_string(), decide(status, &format!("round {round}")))
                .await
                .expect("review");
            if i % 50 == 0 {
                pulled.extend(e.pass().await.expect("pass").reviewed);
            }
        }
    }
    for _ in 0..5 {
        pulled.extend(e.pass().await.expect("pass").reviewed);
    }
    assert_eq!(pulled.len(), 240, "each change once");
    for id in &ids {
        let mine: Vec<&str> = pulled
            .iter()
            .filter(|p| p.id == *id)
            .map(|p| p.status.as_str())
            .collect();
        assert_eq!(mine, ["in_review", "rejected"], "{id}: in order");
        let row = e.store().summary(*id).expect("row").expect("claim");
        assert_eq!(row.review.expect("review").note, "round 1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clerks_answer_is_added_to_the_claim_exactly_once_through_a_lost_answer() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, 1, 1, 5_000)
    };
    let mut e = engine(&client, &proxy.url, &server.token);
    e.pass().await.expect("pass");
    let id = ids[0];
    // Before the office asks, there is nothing to answer.
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    assert!(matches!(
        store.save_addition_note(id, "early"),
        Err(claimdesk_store::StoreError::NotRequested(_))
    ));
    for status in [ServiceStatus::InReview, ServiceStatus::MoreInfoNeeded] {
        server
            .intake
            .review(
                &id.to_string(),
                &decide(status, "A photo of the serial label, please."),
            )
            .expect("review");
    }
    e.pass().await.expect("pass");

    // The clerk writes the answer and adds the photo; it is queued.
    store
        .save_addition_note(id, "Label photo attached.")
        .expect("note");
    let label = claimdesk_testkit::photo(7, 3_000);
    store
        .add_addition_attachment(
            id,
            claimdesk_model::Kind::SerialLabel,
            "label.jpg",
            &label.as_new(),
        )
        .expect("photo");
    store.queue_addition(ids[0]).expect("queued");
    assert!(
        matches!(
            store.queue_addition(id),
            Err(claimdesk_store::StoreError::EmptyAddition)
        ),
        "a second, empty answer is refused"
    );
    drop(store);

    // The service stores it but its answer is lost; the retry gets the first receipt.
    proxy.fail_next_posts(&[Fault::ResetAfterCommit]);
    let lost = e.pass().await.expect("pass");
    assert!(lost.stopped.is_some());
    assert!(lost.answered.is_empty());
    let sent = e.pass().await.expect("pass");
    assert_eq!(sent.answered.len(), 1);
    assert_eq!(
        sent.reviewed
            .iter()
            .map(|r| r.status.as_str())
            .collect::<Vec<_>>(),
        ["in_review"],
        "the claim is back in review, and the counter hears it"
    );
    let detail = claimdesk_server::office::claims::detail(&server.intake, id)
        .await
        .expect("detail")
        .expect("claim");
    assert_eq!(detail.additions.len(), 1, "exactly once");
    assert_eq!(detail.additions[0].note, "Label photo attached.");
    assert_eq!(detail.additions[0].attachments.len(), 1);
    let row = e.store().summary(id).expect("row").expect("claim");
    assert_eq!(row.answer, Some(claimdesk_model::Status::Sent));
    assert_eq!(row.review.expect("review").status, "in_review");
    let sent = e.store().additions(id).expect("additions");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].sent_at.is_some());
}
