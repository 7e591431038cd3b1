//! A SIGKILL at any moment of a withdrawal leaves the claim either as it was (queued, with its
//! photos) or withdrawn (no photos, who and when recorded), never in between: the CLI
//! withdraws a copy of the same queued claim again and again, killed at points spread over
//! the whole run.

use claimdesk_model::{ClaimId, Status};
use claimdesk_store::{Store, Vault};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PHOTOS: usize = 8;
const KILL_POINTS: u32 = 12;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Runs `withdraw id` on `data`, killed after `after`; whether it was killed before it ended.
fn run_cli(data: &Path, id: ClaimId, after: Option<Duration>) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(data)
        .env("CLAIMDESK_KEY_DIR", data.join(".keys"))
        .env_remove("CLAIMDESK_DATA_DIR")
        .env_remove("CLAIMDESK_SERVER_URL")
        .args(["withdraw", &id.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let Some(after) = after else {
        assert!(child.wait().expect("wait").success());
        return false;
    };
    std::thread::sleep(after);
    let killed = child.try_wait().expect("try_wait").is_none();
    if killed {
        child.kill().expect("SIGKILL");
    }
    child.wait().expect("reap");
    killed
}

/// The claim as a kill left it: whether it is withdrawn (checking it is wholly one state).
fn withdrawn(data: &Path, id: ClaimId, after: Duration) -> bool {
    let store = Store::open_dir(data, &Vault::for_tests(data))
        .unwrap_or_else(|e| panic!("open after a kill at {after:?}: {e}"));
    assert_eq!(store.integrity_check().expect("check"), "ok");
    let row = store.summary(id).expect("row").expect("the claim is there");
    let photos = store.attachments(id).expect("photos").len();
    match row.status {
        Status::Ready => {
            assert_eq!(photos, PHOTOS, "queued with all its photos ({after:?})");
            assert!(row.withdrawn_at.is_none());
            false
        }
        Status::Withdrawn => {
            assert_eq!(photos, 0, "withdrawn without photos ({after:?})");
            assert!(row.withdrawn_at.is_some() && row.withdrawn_by.is_some());
            true
        }
        other => panic!("a kill at {after:?} left it {other}"),
    }
}

#[test]
fn a_kill_at_any_moment_of_a_withdrawal_leaves_the_old_or_the_new_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let fixture = dir.path().join("fixture");
    let id = {
        let mut store = Store::open_dir(&fixture, &Vault::for_tests(&fixture)).expect("store");
        claimdesk_testkit::queue_claims(&mut store, 1, PHOTOS, 1_000_000)[0]
    };
    let fresh = |n: u32| -> PathBuf {
        let data = dir.path().join(format!("data-{n}"));
        copy_dir(&fixture, &data);
        data
    };

    let data = fresh(0);
    let t = Instant::now();
    run_cli(&data, id, None);
    let whole = t.elapsed();
    assert!(withdrawn(&data, id, whole));

    let (mut before, mut after_commit) = (0, 0);
    let (mut low, mut high) = (Duration::ZERO, whole * 2);
    let mut round = 0;
    while round < KILL_POINTS || ((before == 0 || after_commit == 0) && round < KILL_POINTS + 24) {
        round += 1;
        let at = if round <= KILL_POINTS {
            whole * round / (KILL_POINTS + 1)
        } else {
            (low + high) / 2
        };
        let data = fresh(round);
        if !run_cli(&data, id, Some(at)) {
            high = high.min(at);
            continue;
        }
        if withdrawn(&data, id, at) {
            after_commit += 1;
            high = high.min(at);
        } else {
            before += 1;
            low = low.max(at);
        }
    }
    eprintln!("withdrawal: {whole:?}; kills left {before} queued, {after_commit} withdrawn");
    assert!(before > 0, "a kill landed before the withdrawal committed");
}
