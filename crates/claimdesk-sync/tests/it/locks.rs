//! One sync engine per data folder: the app's engine waits (saying why) while another process
//! sends from its folder, and starts when that one stops.

use claimdesk_model::ErrorCode;
use claimdesk_store::lock::{self, FolderLock};
use claimdesk_store::{Store, Vault};
use claimdesk_sync::{Backoff, Engine, SyncEvent, SyncSettings};
use claimdesk_testkit::{queue_claims, Server};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_engine_waits_while_another_process_sends_from_its_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    queue_claims(&mut store, 2, 0, 0);
    // Another process (here: this test) holds the folder's sending lock.
    let other = std::thread::spawn({
        let client = client.clone();
        move || {
            let held = FolderLock::try_take(&client, lock::SENDING)
                .expect("lock")
                .expect("free");
            std::thread::sleep(Duration::from_millis(1500));
            drop(held);
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let seen = events.clone();
    let engine = Engine::new(
        Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"),
        None,
        Arc::new(move |e| seen.lock().expect("events").push(e)),
    )
    .with_settings(SyncSettings {
        server_url: server.url.clone(),
        device_token: server.token.clone(),
        auto_send: true,
    });
    let (_wake, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(engine.run(Backoff::default(), rx));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        server.intake.count().expect("count"),
        0,
        "nothing sent while locked"
    );
    let waiting = events.lock().expect("events").iter().any(|e| {
        matches!(e, SyncEvent::Status(s) if s.problem.as_ref().and_then(|p| p.known_code())
            == Some(ErrorCode::SyncAlreadyRunning))
    });
    assert!(waiting, "the status bar says why nothing is sent");
    other.join().expect("other process");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.intake.count().expect("count") < 2 {
        assert!(Instant::now() < deadline, "sent once the folder was free");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
}
