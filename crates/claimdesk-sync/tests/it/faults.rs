//! The sync engine against the real service on loopback, through a proxy that injects the
//! faults of real networks. Whatever happens, every claim ends `sent` exactly once.

use claimdesk_model::{ClaimId, Status};
use claimdesk_server::intake::Intake;
use claimdesk_store::{Store, Vault};
use claimdesk_sync::{Backoff, Connection, Engine, SyncError, SyncEvent, SyncSettings, Wake};
use claimdesk_testkit::proxy::{Fault, Proxy};
use claimdesk_testkit::{assert_delivered_exactly_once, queue_claims, Server};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) fn engine(dir: &Path, url: &str, token: &str) -> Engine {
    let store = Store::open_dir(dir, &Vault::for_tests(dir)).expect("store");
    Engine::new(store, None, Arc::new(|_| {}))
        .with_settings(SyncSettings {
            server_url: url.to_owned(),
            device_token: token.to_owned(),
            auto_send: true,
        })
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(700))
}

/// Passes until nothing is pending; returns why each stopped pass stopped.
pub(crate) async fn drain(engine: &mut Engine) -> Vec<SyncError> {
    let mut stops = Vec::new();
    for _ in 0..30 {
        let report = engine.pass().await.expect("pass");
        match report.stopped {
            Some(e) => stops.push(e),
            None => {
                if engine.store().outbox_summary().expect("summary").pending == 0 {
                    return stops;
                }
            }
        }
    }
    panic!("queue not drained after 30 passes; stops: {stops:?}");
}

/// A claims service that is not running yet: a loopback port nobody listens on (connection
/// refused), its data folder, and a device token it will accept once started.
struct DownService {
    addr: SocketAddr,
    dir: PathBuf,
    token: String,
}

impl DownService {
    fn new(dir: PathBuf) -> Self {
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = free.local_addr().expect("addr");
        drop(free);
        let token = Intake::open(&dir)
            .expect("intake")
            .add_device("d")
            .expect("token");
        Self { addr, dir, token }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    async fn start(self) -> Server {
        Server::start_on(&self.dir, self.addr, Some(self.token)).await
    }
}

/// Waits until the service holds `n` claims, failing with `why` if that takes longer than
/// `limit` from `since`.
async fn until_received(
    server: &Server,
    n: u64,
    since: std::time::Instant,
    limit: Duration,
    why: &str,
) {
    while server.intake.count().expect("count") < n {
        assert!(since.elapsed() < limit, "{why}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn status_of(store: &Store, id: ClaimId) -> Status {
    store.get(id).expect("get").expect("stored").status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_network_fault_ends_with_each_claim_sent_exactly_once() {
    let cases: [(Fault, &str); 10] = [
        (Fault::ResetBeforeBody, "sync.offline"),
        (Fault::ResetMidBody, "sync.offline"),
        (Fault::ResetAfterBody, "sync.offline"),
        (Fault::ResetAfterCommit, "sync.offline"),
        (Fault::Status(500), "sync.server_error"),
        (Fault::Status(503), "sync.busy"),
        (Fault::Status(429), "sync.busy"),
        (Fault::Slow(Duration::from_millis(1500)), "sync.timeout"),
        (Fault::Portal, "sync.login_required"),
        (Fault::Redirect, "sync.login_required"),
    ];
    for (fault, code) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let server = Server::start(&dir.path().join("server")).await;
        let proxy = Proxy::start(server.addr).await;
        let client = dir.path().join("client");
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        let ids = queue_claims(&mut store, 3, 2, 20_000);
        proxy.fail_next_posts(&[fault, Fault::Pass, fault]);
        let mut engine = engine(&client, &proxy.url, &server.token);
        let stops = drain(&mut engine).await;
        assert_eq!(stops.len(), 2, "{fault:?}: two passes stopped: {stops:?}");
        for e in &stops {
            assert_eq!(
                e.code(),
                code,
                "{fault:?} classified as {e:?}; all: {stops:?}"
            );
            assert!(!e.is_permanent());
        }
        if let Fault::Status(429 | 503) = fault {
            assert_eq!(stops[0].retry_after(), Some(Duration::from_secs(1)));
        }
        assert_delivered_exactly_once(&store, &server.intake, &ids);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captive_portal_is_never_taken_for_the_service() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 2, 1, 5_000);
    let mut engine = engine(&client, &proxy.url, &server.token);
    for portal in [Fault::Portal, Fault::Redirect] {
        proxy.fail_every(Some(portal));
        let report = engine.pass().await.expect("pass");
        let stopped = report.stopped.expect("stopped");
        assert_eq!(stopped.code(), "sync.login_required", "{portal:?}");
        assert!(stopped.problem().message.contains("log in"));
        assert!(report.sent.is_empty());
        assert_eq!(
            engine.status(None).expect("status").connection,
            Connection::LoginRequired
        );
        assert_eq!(status_of(&store, ids[0]), Status::Ready);
    }
    proxy.fail_every(None);
    assert!(drain(&mut engine).await.is_empty());
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_first_then_the_service_comes_up() {
    let dir = tempfile::tempdir().expect("tmp");
    let service = DownService::new(dir.path().join("server"));
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 3, 1, 5_000);
    let mut engine = engine(&client, &service.url(), &service.token);
    let report = engine.pass().await.expect("pass");
    assert_eq!(
        report.stopped.map(|e| e.code().as_str()),
        Some("sync.offline")
    );
    assert_eq!(engine.status(None).expect("status").outbox.pending, 3);
    let server = service.start().await;
    assert!(drain(&mut engine).await.is_empty());
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_coming_back_is_used_at_once_not_when_the_backoff_ends() {
    let dir = tempfile::tempdir().expect("tmp");
    let service = DownService::new(dir.path().join("server"));
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 2, 1, 5_000);
    let statuses: Arc<Mutex<Vec<Connection>>> = Arc::default();
    let seen = statuses.clone();
    let engine = Engine::new(
        Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"),
        None,
        Arc::new(move |e| {
            if let SyncEvent::Status(s) = e {
                seen.lock().expect("lock").push(s.connection);
            }
        }),
    )
    .with_settings(SyncSettings {
        server_url: service.url(),
        device_token: service.token.clone(),
        auto_send: true,
    });
    let (wake, rx) = tokio::sync::mpsc::unbounded_channel();
    // After the first refused pass the engine would wait at least a minute.
    let backoff = Backoff {
        min: Duration::from_secs(60),
        max: Duration::from_secs(120),
        probe: Duration::from_millis(100),
        idle: Duration::from_secs(60),
    };
    let task = tokio::spawn(engine.run(backoff, rx));
    let started = std::time::Instant::now();
    while !statuses
        .lock()
        .expect("lock")
        .contains(&Connection::Offline)
    {
        assert!(started.elapsed() < Duration::from_secs(10), "never offline");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let server = service.start().await;
    let back = std::time::Instant::now();
    until_received(
        &server,
        2,
        back,
        Duration::from_secs(20),
        "the engine waited for its backoff instead of noticing the service",
    )
    .await;
    drop(wake);
    task.await.expect("engine stops");
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_cut_half_way_back_off_instead_of_knocking() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 1, 1, 50_000);
    proxy.fail_next_posts(&[Fault::ResetMidBody]);
    let engine = engine(&client, &proxy.url, &server.token);
    let (wake, rx) = tokio::sync::mpsc::unbounded_channel();
    let backoff = Backoff {
        min: Duration::from_secs(2),
        max: Duration::from_secs(2),
        probe: Duration::from_millis(50),
        idle: Duration::from_secs(60),
    };
    let started = std::time::Instant::now();
    let task = tokio::spawn(engine.run(backoff, rx));
    until_received(
        &server,
        1,
        started,
        Duration::from_secs(20),
        "not delivered",
    )
    .await;
    // The service answered its preflight all along: the retry waited for the backoff.
    assert!(started.elapsed() >= Duration::from_secs(2));
    drop(wake);
    task.await.expect("engine stops");
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_sync_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 40, 2, 100_000);
    let mut engine = engine(&client, &server.url, &server.token);
    let intake = server.intake.clone();
    let syncing = tokio::spawn(async move {
        let report = engine.pass().await.expect("pass");
        (engine, report)
    });
    while intake.count().expect("count") < 5 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let server = server.restart().await;
    let (mut engine, _) = syncing.await.expect("join");
    drain(&mut engine).await;
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_claim_waits_for_the_clerk_without_blocking_the_rest() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 3, 0, 0);
    // The oldest claim was damaged after it was queued (another tool, an old version): the
    // service's own validation refuses it.
    let db = store.connection().expect("open");
    db.execute(
        "UPDATE claims SET email = 'not-an-address' WHERE id = ?1",
        [ids[0].to_string()],
    )
    .expect("damage");
    let mut engine = engine(&client, &server.url, &server.token);
    let report = engine.pass().await.expect("pass");
    assert!(report.stopped.is_none());
    assert_eq!(report.sent.len(), 2, "the claims behind it were sent");
    let (id, problem) = &report.rejected[0];
    assert_eq!(*id, ids[0]);
    assert_eq!(problem.code, "validation");
    assert_eq!(problem.errors[0].field, "email");
    assert_eq!(status_of(&store, ids[0]), Status::NeedsAttention);
    let summary = store.list().expect("list");
    let shown = summary.iter().find(|s| s.id == ids[0]).expect("listed");
    assert_eq!(
        shown.problem.as_ref().map(|p| p.code.as_str()),
        Some("validation")
    );

    // The clerk fixes it and queues it again; it goes out and the problem is gone.
    let mut fixed = claimdesk_testkit::fields(0);
    fixed.email = "kunde0@example.de".into();
    store.save_draft(ids[0], &fixed).expect("edit");
    store.submit(ids[0], &fixed).expect("requeue");
    assert!(engine.pass().await.expect("pass").stopped.is_none());
    assert_delivered_exactly_once(&store, &server.intake, &ids);
    let shown = store.list().expect("list");
    assert!(shown.iter().all(|s| s.problem.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_id_with_other_content_is_a_conflict() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let first = dir.path().join("first");
    let mut store = Store::open_dir(&first, &Vault::for_tests(&first)).expect("store");
    let ids = queue_claims(&mut store, 1, 1, 1_000);
    let mut engine_a = engine(&first, &server.url, &server.token);
    assert_eq!(engine_a.pass().await.expect("pass").sent.len(), 1);

    // Another machine holds a claim with the same id and different content.
    let second = dir.path().join("second");
    let mut other = Store::open_dir(&second, &Vault::for_tests(&second)).expect("store");
    let mut changed = claimdesk_testkit::fields(0);
    changed.issue = "Something else entirely.".into();
    other.save_draft(ids[0], &changed).expect("draft");
    other.submit(ids[0], &changed).expect("queue");
    let mut engine_b = engine(&second, &server.url, &server.token);
    let report = engine_b.pass().await.expect("pass");
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.code, "claim.conflict");
    assert_eq!(status_of(&other, ids[0]), Status::NeedsAttention);
    assert_eq!(server.intake.count().expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_revoked_token_pauses_sync() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 2, 0, 0);
    for token in ["cdt_wrong".to_owned(), {
        let t = server.intake.add_device("old-laptop").expect("add");
        server.intake.revoke_device("old-laptop").expect("revoke");
        t
    }] {
        let mut engine = engine(&client, &server.url, &token);
        let report = engine.pass().await.expect("pass");
        let stopped = report.stopped.expect("stopped");
        assert!(stopped.needs_settings(), "{stopped:?}");
        assert_eq!(
            engine.status(None).expect("status").connection,
            Connection::Unauthorized
        );
        assert_eq!(status_of(&store, ids[0]), Status::Ready);
        assert_eq!(server.intake.count().expect("count"), 0);
    }
    let mut engine = engine(&client, &server.url, &server.token);
    assert!(drain(&mut engine).await.is_empty());
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_loop_backs_off_honours_retry_after_and_delivers() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 4, 1, 10_000);
    proxy.fail_next_posts(&[Fault::Status(429), Fault::ResetMidBody, Fault::Status(500)]);
    let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let seen = events.clone();
    let engine = Engine::new(
        Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"),
        None,
        Arc::new(move |e| seen.lock().expect("lock").push(e)),
    )
    .with_settings(SyncSettings {
        server_url: proxy.url.clone(),
        device_token: server.token.clone(),
        auto_send: true,
    });
    let (wake, rx) = tokio::sync::mpsc::unbounded_channel();
    let backoff = Backoff {
        min: Duration::from_millis(20),
        max: Duration::from_millis(200),
        idle: Duration::from_secs(60),
        ..Backoff::default()
    };
    let started = std::time::Instant::now();
    let task = tokio::spawn(engine.run(backoff, rx));
    until_received(
        &server,
        4,
        started,
        Duration::from_secs(20),
        "not delivered in time",
    )
    .await;
    // The service's Retry-After: 1 was honoured over the 20 ms backoff.
    assert!(started.elapsed() >= Duration::from_secs(1));
    // A claim queued while idle goes out at once, without waiting for the idle timer.
    let more = queue_claims(&mut store, 1, 0, 0);
    wake.send(Wake::ClaimQueued).expect("wake");
    until_received(
        &server,
        5,
        started,
        Duration::from_secs(20),
        "queued claim not sent",
    )
    .await;
    drop(wake);
    task.await
        .expect("engine stops when its wake channel closes");
    let all: Vec<ClaimId> = ids.into_iter().chain(more).collect();
    assert_delivered_exactly_once(&store, &server.intake, &all);
    let events = events.lock().expect("lock");
    let waited: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Status(s) => s.retry_in_secs,
            _ => None,
        })
        .collect();
    assert!(
        waited.contains(&1),
        "the status bar showed the wait: {waited:?}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, SyncEvent::Progress { sent, total, .. } if sent == total)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_automatic_sending_off_only_send_now_sends() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, 2, 0, 0);
    let engine = Engine::new(
        Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"),
        None,
        Arc::new(|_| {}),
    )
    .with_settings(SyncSettings {
        server_url: server.url.clone(),
        device_token: server.token.clone(),
        auto_send: false,
    });
    let (wake, rx) = tokio::sync::mpsc::unbounded_channel();
    let backoff = Backoff {
        min: Duration::from_millis(20),
        max: Duration::from_millis(200),
        idle: Duration::from_millis(50),
        ..Backoff::default()
    };
    let task = tokio::spawn(engine.run(backoff, rx));
    wake.send(Wake::ClaimQueued).expect("wake");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.intake.count().expect("count"),
        0,
        "nothing sent on its own"
    );
    wake.send(Wake::SendNow).expect("wake");
    let started = std::time::Instant::now();
    until_received(
        &server,
        2,
        started,
        Duration::from_secs(10),
        "Send now did not send",
    )
    .await;
    drop(wake);
    task.await.expect("engine stops");
    assert_delivered_exactly_once(&store, &server.intake, &ids);
}
