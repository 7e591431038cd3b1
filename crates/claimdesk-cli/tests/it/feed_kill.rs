//! SIGKILL `claimdesk-cli sync` at random moments while it pulls the office's decisions, over
//! and over, while the office goes on deciding; then let it finish. The device ends with
//! every decision, its cursor never went back, and `list` and `show` tell the review.

use claimdesk_model::wire::ServiceStatus;
use claimdesk_server::review::Decision;
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::{queue_claims, Server};
use std::process::{Command, Stdio};
use std::time::Duration;

const CLAIMS: usize = 200;
const KILLS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_pulling_decisions_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let client = dir.path().join("client");
    let open = || Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut open(), CLAIMS, 0, 0);
    let sync = |once: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"));
        cmd.arg("--data-dir")
            .arg(&client)
            .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
            .args(["sync", "--server", &server.url, "--token", &server.token])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if once {
            cmd.arg("--once");
        }
        cmd
    };
    assert!(sync(true).status().expect("first sync").success());
    let service = server.url.clone();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    eprintln!("seed {seed}");
    let mut rng = seed;
    let mut cursor = 0;
    let mut moved = 0;
    for round in 0..KILLS {
        // The office decides on a slice of the claims: in review, then more information.
        for id in ids.iter().skip((round * 10) % CLAIMS).take(10) {
            for status in [ServiceStatus::InReview, ServiceStatus::MoreInfoNeeded] {
                let _ = server.intake.review(
                    &id.to_string(),
                    &Decision {
                        status,
                        note: format!("asked in round {round}"),
                        tracking: None,
                        actor: "user:ann".into(),
                        address: "192.0.2.7".into(),
                    },
                );
            }
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = sync(false).spawn().expect("spawn");
        tokio::time::sleep(Duration::from_micros(5_000 + rng % 40_000)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let now = open().feed_cursor(&service).expect("cursor");
        assert!(now >= cursor, "the cursor went back from {cursor} to {now}");
        if now > cursor {
            moved += 1;
        }
        cursor = now;
    }
    eprintln!("{moved} of {KILLS} killed syncs had moved the cursor");
    assert!(sync(true).status().expect("final sync").success());

    let store = open();
    assert_eq!(store.integrity_check().expect("check"), "ok");
    let exported = server.intake.export().expect("export");
    let mut asked = 0;
    for claim in &exported {
        let row = store.summary(claim.claim.id).expect("row").expect("claim");
        match row.review {
            Some(r) => {
                assert_eq!(
                    (r.status.as_str(), r.note.as_str()),
                    (claim.status.as_str(), claim.status_note.as_str())
                );
                asked += 1;
            }
            None => assert_eq!(claim.status, "received"),
        }
    }
    assert!(asked > 0);
    let changes = server
        .intake
        .changes("test-device", 0, 10_000)
        .expect("feed");
    assert_eq!(store.feed_cursor(&service).expect("cursor"), changes.next);

    // `list` shows the review status, `show` the note.
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
            .arg("--data-dir")
            .arg(&client)
            .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
            .args(args)
            .output()
            .expect("cli");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let asked_id = exported
        .iter()
        .find(|c| c.status == "more_info_needed")
        .expect("one asked")
        .claim
        .id;
    let list = cli(&["list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with(&asked_id.to_string()))
        .expect("listed");
    assert_eq!(
        line.split_whitespace().nth(3),
        Some("more_info_needed"),
        "{line}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&cli(&["show", &asked_id.to_string()])).expect("json");
    assert_eq!(shown["review"]["status"], "more_info_needed");
    assert!(shown["review"]["note"]
        .as_str()
        .is_some_and(|n| n.starts_with("asked in round")));
    assert!(shown["fields"].is_object() || shown["contact_name"].is_string());

    // An answer waiting to go counts as something left to send: offline, `sync --once`
    // says so (exit 3); online, it sends it.
    {
        let mut store = open();
        store
            .save_addition_note(asked_id, "The serial label reads SN-1.")
            .expect("note");
        store.queue_addition(asked_id).expect("queued");
    }
    let offline = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(&client)
        .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
        .args([
            "sync",
            "--once",
            "--server",
            "http://127.0.0.1:9/",
            "--token",
            &server.token,
        ])
        .output()
        .expect("sync");
    assert_eq!(
        offline.status.code(),
        Some(3),
        "the answer is still to send"
    );
    let online = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(&client)
        .env("CLAIMDESK_KEY_DIR", client.join(".keys"))
        .args([
            "sync",
            "--once",
            "--server",
            &server.url,
            "--token",
            &server.token,
        ])
        .output()
        .expect("sync");
    assert!(online.status.success());
    let said = String::from_utf8_lossy(&online.stdout);
    assert!(said.contains(&format!("answered {asked_id}")), "{said}");
}
