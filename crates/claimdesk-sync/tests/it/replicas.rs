//! Two replicas against one PostgreSQL behind the fault-injecting proxy, taken in turn per
//! connection as a load balancer would: whatever replica an upload, its retry or its replay
//! reaches, and however the network fails between, every claim is stored exactly once and
//! each client's reference is the service's.

use claimdesk_server::pg::{Blobs, PgStore};
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::pg::Postgres;
use claimdesk_testkit::proxy::{Fault, Proxy};
use claimdesk_testkit::queue_claims;

use crate::faults::{drain, engine};

async fn replica(store: PgStore) -> std::net::SocketAddr {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_between_two_replicas_still_deliver_each_claim_exactly_once() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().expect("tmp");
    let blobs = dir.path().join("blobs");
    let database = pg.url();
    let (a, b) = tokio::join!(
        PgStore::open(&database, Blobs::Folder(blobs.clone())),
        PgStore::open(&database, Blobs::Folder(blobs.clone())),
    );
    let (a, b) = (a.expect("replica a"), b.expect("replica b"));
    let token = a.add_device("counter-1").await.expect("device");
    let proxy = Proxy::start_many(vec![replica(a.clone()).await, replica(b).await]).await;

    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 6, 2, 20_000);
    drop(store);
    // Answers lost after the commit (the retry reaches the other replica), uploads cut
    // half-way, a replica busy.
    proxy.fail_next_posts(&[
        Fault::ResetAfterCommit,
        Fault::Pass,
        Fault::ResetMidBody,
        Fault::ResetAfterCommit,
        Fault::Status(503),
        Fault::Pass,
        Fault::ResetAfterCommit,
    ]);
    let mut e = engine(&client, &proxy.url, &token);
    let stops = drain(&mut e).await;
    assert!(!stops.is_empty(), "the faults were met");
    drop(e);

    assert_eq!(
        a.count().await.expect("count"),
        ids.len() as u64,
        "one claim each"
    );
    let store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    for id in ids {
        let row = store.summary(id).expect("row").expect("claim");
        let (_, stored) = a.find_any(id).await.expect("find").expect("on the service");
        assert_eq!(row.case_reference, Some(stored.case_reference), "{id}");
    }
}
