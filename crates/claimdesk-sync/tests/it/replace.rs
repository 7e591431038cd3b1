//! A claim that replaces another travels with `supersedes` and the real service keeps the
//! link both ways: a correction of a sent claim, and a claim the service refused as a
//! conflict (another claim under its id) sent anew under a new id.

use claimdesk_model::wire::ClaimPayload;
use claimdesk_model::Status;
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::{queue_claims, Server};

use crate::faults::engine;

fn store(dir: &std::path::Path) -> Store {
    Store::open_dir(dir, &Vault::for_tests(dir)).expect("store")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_correction_of_a_sent_claim_reaches_the_service_naming_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let old = queue_claims(&mut store(&client), 1, 1, 2_000)[0];
    let mut e = engine(&client, &server.url, &server.token);
    assert!(e.pass().await.expect("pass").stopped.is_none());
    drop(e);

    let mut s = store(&client);
    let draft = s.replace(old).expect("correct");
    let mut fields = draft.fields.clone();
    fields.issue = "Corrected: the port is loose.".into();
    s.submit(draft.id, &fields).expect("queue");
    drop(s);
    let mut e = engine(&client, &server.url, &server.token);
    let report = e.pass().await.expect("pass");
    assert_eq!(report.sent.len(), 1, "{report:?}");
    assert_eq!(report.sent[0].supersedes, Some(old));

    let (_, new) = server.intake.find(draft.id).expect("find").expect("there");
    assert_eq!(new.supersedes, Some(old));
    let (_, was) = server.intake.find(old).expect("find").expect("there");
    assert_eq!(was.superseded_by, Some(draft.id));
    let s = store(&client);
    assert_eq!(
        s.summary(old).expect("row").expect("old").status,
        Status::Sent
    );
    assert_eq!(
        s.summary(draft.id).expect("row").expect("new").status,
        Status::Sent
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_is_sent_as_a_new_claim_and_the_refused_one_withdrawn() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let old = queue_claims(&mut store(&client), 1, 1, 2_000)[0];
    // The service already holds another claim of this device under this id (the claim as
    // it was before a change, say, delivered while its answer was lost).
    let other = ClaimPayload {
        id: old,
        created_at: "2026-01-01T00:00:00.000Z".into(),
        fields: claimdesk_testkit::fields(99),
        attachments: Vec::new(),
        supersedes: None,
    };
    server
        .intake
        .accept("test-device", &other)
        .expect("other claim");
    let mut e = engine(&client, &server.url, &server.token);
    let report = e.pass().await.expect("pass");
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert_eq!(report.rejected[0].1.code, "claim.conflict");
    drop(e);

    let mut s = store(&client);
    let draft = s.replace(old).expect("send as new");
    assert_ne!(draft.id, old);
    s.submit(draft.id, &draft.fields).expect("queue");
    drop(s);
    let mut e = engine(&client, &server.url, &server.token);
    let report = e.pass().await.expect("pass");
    assert_eq!(report.sent.len(), 1, "{report:?}");
    let s = store(&client);
    assert_eq!(
        s.summary(old).expect("row").expect("old").status,
        Status::Withdrawn
    );
    assert_eq!(
        s.summary(draft.id).expect("row").expect("new").status,
        Status::Sent
    );
    let (_, new) = server.intake.find(draft.id).expect("find").expect("there");
    assert_eq!(new.supersedes, Some(old));
    assert_eq!(server.intake.count().expect("count"), 2);
}
