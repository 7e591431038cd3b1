//! *Edit* on a queued claim against the real service through the fault proxy: a claim whose
//! earlier upload reached the service ends `sent` with the service's reference (never a draft
//! that would be refused as a conflict); one whose upload never arrived becomes a draft; and
//! while the service cannot be asked, it stays queued.

use claimdesk_model::Status;
use claimdesk_store::{Store, Vault};
use claimdesk_sync::{take_back, Edit, EditError, SyncSettings};
use claimdesk_testkit::proxy::{Fault, Proxy};
use claimdesk_testkit::{queue_claims, Server};
use std::sync::Mutex;

use crate::faults::engine;

fn settings(url: &str, token: &str) -> SyncSettings {
    SyncSettings {
        server_url: url.to_owned(),
        device_token: token.to_owned(),
        auto_send: true,
    }
}

/// One queued claim whose first upload met `fault` on the way: the service, its proxy, the
/// store (unlocked for the test's calls) and the claim's id.
struct AfterOneUpload {
    _dir: tempfile::TempDir,
    server: Server,
    proxy: Proxy,
    store: Mutex<Store>,
    id: claimdesk_model::ClaimId,
}

async fn after_one_upload(fault: Fault) -> AfterOneUpload {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 1, 1, 5_000);
    drop(store);
    proxy.fail_next_posts(&[fault]);
    let mut engine = engine(&client, &proxy.url, &server.token);
    assert!(engine.pass().await.expect("pass").stopped.is_some());
    drop(engine);
    let store = Mutex::new(Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"));
    AfterOneUpload {
        _dir: dir,
        server,
        proxy,
        store,
        id: ids[0],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_that_reached_the_service_makes_the_edit_a_receipt() {
    // The service stores the claim, but its answer is lost on the way back.
    let AfterOneUpload {
        _dir,
        server,
        proxy,
        store,
        id,
    } = after_one_upload(Fault::ResetAfterCommit).await;

    let edit = take_back(&store, Some(&settings(&proxy.url, &server.token)), id)
        .await
        .expect("asked");
    let Edit::AlreadySent(receipt) = edit else {
        panic!("the service had it: {edit:?}");
    };
    let (_, stored) = server.intake.find(id).expect("find").expect("there");
    assert_eq!(receipt.case_reference, stored.case_reference);
    let store = store.into_inner().expect("store");
    let claim = store.summary(id).expect("summary").expect("claim");
    assert_eq!(claim.status, Status::Sent);
    assert_eq!(claim.case_reference, Some(stored.case_reference));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_that_never_arrived_lets_the_claim_be_edited() {
    let AfterOneUpload {
        _dir,
        server,
        proxy,
        store,
        id,
    } = after_one_upload(Fault::ResetBeforeBody).await;

    let edit = take_back(&store, Some(&settings(&proxy.url, &server.token)), id)
        .await
        .expect("asked");
    let Edit::Editing(claim) = edit else {
        panic!("the service never had it: {edit:?}");
    };
    assert_eq!(claim.id, id);
    assert_eq!(claim.status, Status::Draft);
    assert_eq!(claim.fields, claimdesk_testkit::fields(0));
    assert!(server.intake.find(id).expect("find").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_service_cannot_be_asked_the_claim_stays_queued() {
    let AfterOneUpload {
        _dir,
        server,
        proxy,
        store,
        id,
    } = after_one_upload(Fault::ResetAfterBody).await;

    // A captive portal answers in the service's place.
    proxy.fail_every(Some(Fault::Portal));
    let err = take_back(&store, Some(&settings(&proxy.url, &server.token)), id)
        .await
        .expect_err("cannot ask");
    assert!(matches!(err, EditError::CannotCheck(_)), "{err:?}");
    let store = store.into_inner().expect("store");
    assert_eq!(
        store.summary(id).expect("summary").expect("claim").status,
        Status::Ready
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_never_tried_is_taken_back_without_asking() {
    let dir = tempfile::tempdir().expect("tmp");
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 1, 0, 0);
    let store = Mutex::new(store);
    // No service at all: it is not needed.
    let edit = take_back(&store, None, ids[0]).await.expect("taken back");
    assert!(
        matches!(edit, Edit::Editing(ref c) if c.status == Status::Draft),
        "{edit:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawing_a_claim_the_service_already_has_records_it_as_sent_instead() {
    // The service stores the claim, but its answer is lost on the way back.
    let AfterOneUpload {
        _dir,
        server,
        proxy,
        store,
        id,
    } = after_one_upload(Fault::ResetAfterCommit).await;

    let done =
        claimdesk_sync::withdraw(&store, Some(&settings(&proxy.url, &server.token)), id, "me")
            .await
            .expect("asked");
    assert!(
        matches!(done, claimdesk_sync::Withdrawal::AlreadySent(_)),
        "{done:?}"
    );
    let store = store.into_inner().expect("store");
    let row = store.summary(id).expect("summary").expect("claim");
    assert_eq!(row.status, Status::Sent);
}
