//! `claimdesk-cli sync` refuses to run a second sync engine on a data folder the app (or
//! another `sync`) is sending from, and says so.

use claimdesk_store::lock::{FolderLock, SENDING};
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::{queue_claims, Server};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refuses_while_another_process_sends_from_the_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, 1, 0, 0)
    };
    let sync = |client: std::path::PathBuf, url: String, token: String| {
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
                .arg("--data-dir")
                .arg(&client)
                .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
                .args(["sync", "--once", "--server", &url, "--token", &token])
                .output()
                .expect("run claimdesk-cli")
        })
    };
    let held = FolderLock::try_take(&client, SENDING)
        .expect("lock")
        .expect("free");
    let out = sync(client.clone(), server.url.clone(), server.token.clone())
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is sending from this data folder"), "{said}");
    assert_eq!(server.intake.count().expect("count"), 0);
    drop(held);
    let out = sync(client, server.url.clone(), server.token.clone())
        .await
        .expect("join");
    assert!(out.status.success(), "{out:?}");
    assert!(server.intake.find(ids[0]).expect("find").is_some());
}
