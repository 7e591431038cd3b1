//! One claim never holds up the others: a claim that keeps failing for reasons of its own goes
//! to the back of the queue, and a `413` from anything on the path — the service or a reverse
//! proxy in front of it — sets the claim aside with its size, never reads as a login page.

use crate::faults::{drain, engine};
use claimdesk_model::{ClaimId, ErrorCode, Status};
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::proxy::{Fault, Proxy};
use claimdesk_testkit::{queue_claims, Server};

fn status(store: &Store, id: ClaimId) -> Status {
    store.get(id).expect("get").expect("stored").status
}

#[tokio::test]
async fn a_claim_that_keeps_failing_goes_to_the_back_and_the_rest_are_sent() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    // A link that drops every large upload: the big claim, first in the queue, can never go.
    proxy.cut_posts_over(100 * 1024);
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let big = queue_claims(&mut store, 1, 1, 300 * 1024)[0];
    let small = queue_claims(&mut store, 2, 0, 0);
    let mut engine = engine(&client, &proxy.url, &server.token);
    for _ in 0..8 {
        engine.pass().await.expect("pass");
        if small.iter().all(|id| status(&store, *id) == Status::Sent) {
            break;
        }
    }
    for id in &small {
        assert_eq!(
            status(&store, *id),
            Status::Sent,
            "queued behind the big claim"
        );
    }
    assert_eq!(server.intake.count().expect("count"), 2);
    // The big claim is still queued (never lost, never set aside for the network's fault).
    assert_eq!(status(&store, big), Status::Ready);
}

#[tokio::test]
async fn a_413_from_a_proxy_sets_the_claim_aside_with_its_size_and_the_rest_are_sent() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    // The proxy's own 413: no claims-service header, an HTML body.
    proxy.fail_next_posts(&[Fault::Status(413)]);
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 3, 1, 200 * 1024);
    let mut engine = engine(&client, &proxy.url, &server.token);
    let stops = drain(&mut engine).await;
    assert!(stops.is_empty(), "nothing stopped the queue: {stops:?}");
    let first = store.list().expect("list");
    let refused = first.iter().find(|c| c.id == ids[0]).expect("first claim");
    assert_eq!(refused.status, Status::NeedsAttention);
    let problem = refused.problem.as_ref().expect("why");
    assert_eq!(problem.known_code(), Some(ErrorCode::ClaimTooLargeOnTheWay));
    assert!(problem.message.contains(" MB"), "{}", problem.message);
    assert!(
        problem
            .params
            .iter()
            .any(|(k, v)| k == "size_mb" && v.parse::<f64>().is_ok_and(|mb| mb > 0.19)),
        "{problem:?}"
    );
    for id in &ids[1..] {
        assert_eq!(status(&store, *id), Status::Sent);
    }
    assert_eq!(server.intake.count().expect("count"), 2);
}
