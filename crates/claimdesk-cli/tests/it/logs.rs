//! `claimdesk-cli -v` logs what happened to each claim on standard error, by id and code,
//! never with what the customer gave or the device token.

use claimdesk_store::{Store, Vault};
use claimdesk_testkit::{fields, queue_claims, Server};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_sync_logs_each_claim_without_naming_anyone() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, 2, 1, 10_000)
    };
    let cli = env!("CARGO_BIN_EXE_claimdesk-cli");
    let (url, token) = (server.url.clone(), server.token.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(cli)
            .arg("--data-dir")
            .arg(&client)
            .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
            .args(["-v", "sync", "--once", "--server", &url, "--token", &token])
            .output()
            .expect("run claimdesk-cli")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    for id in &ids {
        assert!(log.contains(&format!("sent claim={id}")), "{log}");
    }
    let mut secrets = vec![server.token.clone()];
    for i in 0..2 {
        let f = fields(i);
        secrets.extend([f.email, f.contact_name, f.order_id]);
    }
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log names {secret}:\n{log}"
        );
    }

    // Without -v, nothing but what the command prints.
    let quiet = Command::new(cli)
        .arg("--data-dir")
        .arg(dir.path().join("client"))
        .env("CLAIMDESK_KEY_DIR", dir.path().join("client").join(".keys"))
        .arg("list")
        .output()
        .expect("list");
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
}
