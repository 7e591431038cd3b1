//! A SIGKILL at any moment of converting a plaintext store leaves the old file or the new one,
//! usable, with every claim: the CLI opens (and so converts) a copy of the same plaintext store
//! again and again, killed at points spread over the whole conversion.

use claimdesk_model::{Claim, ClaimId, Status};
use claimdesk_store::queue::ListQuery;
use claimdesk_store::{paths, Store, Vault};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 4_000;
const WITH_PHOTOS: usize = 30;
const KILL_POINTS: u32 = 14;

/// A plaintext store, as ClaimDesk before encryption wrote it: claims, photos, search index.
fn plaintext_store(at: &Path) -> usize {
    let scratch = tempfile::tempdir().expect("tmp");
    let mut store =
        Store::open_dir(scratch.path(), &Vault::for_tests(scratch.path())).expect("store");
    claimdesk_testkit::queue_claims(&mut store, WITH_PHOTOS, 2, 250_000);
    let claims: Vec<Claim> = (0..ROWS)
        .map(|i| Claim {
            id: ClaimId::new(),
            status: Status::Ready,
            created_at: "2026-01-02T03:04:05.000Z".into(),
            updated_at: "2026-01-02T03:04:05.000Z".into(),
            fields: claimdesk_testkit::fields(i),
        })
        .collect();
    for chunk in claims.chunks(500) {
        store.import_batch(chunk).expect("import");
    }
    let conn = store.connection().expect("conn");
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [at.to_string_lossy()])
        .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    conn.pragma_update(
        Some("plain"),
        "user_version",
        store.schema_version().expect("v"),
    )
    .expect("version");
    conn.execute("DETACH DATABASE plain", []).expect("detach");
    WITH_PHOTOS + ROWS
}

fn is_plaintext(file: &Path) -> bool {
    std::fs::read(file)
        .map(|b| b.starts_with(b"SQLite format 3\0"))
        .unwrap_or(false)
}

/// Runs the CLI on `data` (which opens the store, converting it), killed after `after`;
/// returns whether it was killed before it finished.
fn run_cli(data: &Path, after: Option<Duration>) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(data)
        .env("CLAIMDESK_KEY_DIR", data.join(".keys"))
        .env_remove("CLAIMDESK_DATA_DIR")
        .arg("list")
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

/// Whichever file a kill left, the next open (which finishes the job) has it all.
fn check(data: &Path, claims: usize, after: Duration) {
    let file = data.join(paths::DATABASE_FILE);
    let store = Store::open_dir(data, &Vault::for_tests(data))
        .unwrap_or_else(|e| panic!("open after a kill at {after:?}: {e}"));
    assert_eq!(store.integrity_check().expect("check"), "ok");
    assert_eq!(
        store.count().expect("count") as usize,
        claims,
        "kill at {after:?}"
    );
    let found = store
        .page(&ListQuery {
            text: claimdesk_testkit::fields(7).contact_name,
            ..Default::default()
        })
        .expect("search");
    assert!(!found.claims.is_empty(), "the search index survived");
    drop(store);
    assert!(!is_plaintext(&file));
    assert!(!data.join("claimdesk.sqlite3.encrypting").exists());
}

#[test]
fn a_kill_at_any_moment_of_the_conversion_loses_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let fixture = dir.path().join("plain.sqlite3");
    let claims = plaintext_store(&fixture);
    let fresh = |n: u32| {
        let data = dir.path().join(format!("data-{n}"));
        std::fs::create_dir_all(&data).expect("dir");
        std::fs::copy(&fixture, data.join(paths::DATABASE_FILE)).expect("copy");
        data
    };

    // How long a whole conversion (and the listing after it) takes here.
    let data = fresh(0);
    let t = Instant::now();
    run_cli(&data, None);
    let whole = t.elapsed();
    assert!(!is_plaintext(&data.join(paths::DATABASE_FILE)));

    let (mut left_plain, mut left_encrypted) = (0, 0);
    // Kill points spread over the measured time, then (the machine may be busier now) a
    // bisection between the latest kill that left the old file and the earliest run that
    // finished, until a kill has landed after the switch too.
    let (mut low, mut high) = (Duration::ZERO, whole * 2);
    let mut round = 0;
    while round < KILL_POINTS || (left_encrypted == 0 && round < KILL_POINTS + 24) {
        round += 1;
        let after = if round <= KILL_POINTS {
            whole * round / (KILL_POINTS + 1)
        } else {
            (low + high) / 2
        };
        let data = fresh(round);
        let file = data.join(paths::DATABASE_FILE);
        if !run_cli(&data, Some(after)) {
            high = high.min(after);
            continue;
        }
        if is_plaintext(&file) {
            left_plain += 1;
            low = low.max(after);
        } else {
            left_encrypted += 1;
        }
        check(&data, claims, after);
    }
    eprintln!(
        "conversion of {claims} claims: {whole:?}; kills left {left_plain} plaintext, {left_encrypted} encrypted"
    );
    assert!(
        left_plain > 0 && left_encrypted > 0,
        "kills landed on both sides of the switch"
    );
}
