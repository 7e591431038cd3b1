//! SIGKILL `claimdesk-cli sync` at random moments while it uploads, over and over; then let it
//! finish. No claim may be lost, none duplicated, and every case reference must match the
//! service's.

use claimdesk_store::{Store, Vault};
use claimdesk_testkit::proxy::Proxy;
use claimdesk_testkit::{assert_delivered_exactly_once, queue_claims, Server};
use std::process::{Command, Stdio};
use std::time::Duration;

const CLAIMS: usize = 150;
const KILLS: usize = 120;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_syncing_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    // A slow uplink (20 ms per upload), so kills land before, during and after uploads.
    let proxy = Proxy::start(server.addr).await;
    proxy.slow_posts(Duration::from_millis(20));
    let client = dir.path().join("client");
    let ids = {
        let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
        queue_claims(&mut store, CLAIMS, 2, 30_000)
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    eprintln!("seed {seed}");
    let mut rng = seed;
    let sync = |once: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"));
        cmd.arg("--data-dir")
            .arg(&client)
            .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
            .args(["sync", "--server", &proxy.url, "--token", &server.token])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if once {
            cmd.arg("--once");
        }
        cmd
    };
    let mut kills_mid_queue = 0;
    for _ in 0..KILLS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = sync(false).spawn().expect("spawn");
        tokio::time::sleep(Duration::from_micros(2_000 + rng % 25_000)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let left = Store::open_dir(&client, &Vault::for_tests(&client))
            .expect("store")
            .outbox_summary()
            .expect("summary")
            .pending;
        if left > 0 {
            kills_mid_queue += 1;
        }
    }
    eprintln!("{kills_mid_queue} of {KILLS} kills landed with claims still queued");
    assert!(
        kills_mid_queue >= 100,
        "at least 100 kills hit a sync in progress"
    );
    let out = sync(true)
        .stderr(Stdio::piped())
        .output()
        .expect("final sync");
    assert!(
        out.status.success(),
        "the final pass sends the rest: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    assert_eq!(store.integrity_check().expect("check"), "ok");
    assert_delivered_exactly_once(&store, &server.intake, &ids);

    // `list` shows each claim's status and its case reference.
    let list = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(&client)
        .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
        .arg("list")
        .output()
        .expect("list");
    let text = String::from_utf8(list.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), CLAIMS);
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], "sent", "{line}");
        assert!(claimdesk_model::wire::is_case_reference(cols[2]), "{line}");
    }
}
