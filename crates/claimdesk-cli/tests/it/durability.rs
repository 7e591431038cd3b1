//! Kill the CLI with SIGKILL at random moments while it saves claims; every claim it reported
//! saved must be there, intact, exactly once, and the database must pass its integrity check.

use claimdesk_model::ClaimId;
use claimdesk_store::records::{self, Format};
use claimdesk_store::{Store, Vault};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const CLAIMS: usize = 3000;
const KILLS: usize = 200;

/// A tiny xorshift generator: the test needs no crate for randomness, and prints its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn claims_file(
    dir: &std::path::Path,
) -> (std::path::PathBuf, HashMap<ClaimId, claimdesk_model::Claim>) {
    let rows: Vec<serde_json::Value> = (0..CLAIMS)
        .map(|i| {
            serde_json::json!({
                "id": ClaimId::new().to_string(),
                "created_at": "2026-11-01T10:00:00.000Z", "updated_at": "2026-11-01T10:00:00.000Z",
                "channel": "ebay", "email": format!("c{i}@example.com"),
                "contact_name": format!("Customer {i} – Ünïcödé"), "order_id": format!("EB-{i}"),
                "product_name": "Soundcore Life Q30", "purchase_date": "2026-02-01",
                "country": "FR", "postal_code": "75001", "city": "Paris",
                "issue": format!("Claim {i}: {}", "left ear cup crackles. ".repeat(i % 40)),
            })
        })
        .collect();
    let path = dir.join("claims.json");
    let text = serde_json::to_string(&rows).expect("json");
    std::fs::write(&path, &text).expect("write");
    let today = chrono::Local::now().date_naive();
    let expected = records::read(&text, Format::Json)
        .expect("read")
        .iter()
        .map(|r| {
            let c = records::prepare(r, today).expect("valid");
            (c.id, c)
        })
        .collect();
    (path, expected)
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (file, expected) = claims_file(dir.path());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 | 1)
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    eprintln!("durability seed {seed:#x}");
    let mut rng = Rng(seed);
    let mut reported: Vec<ClaimId> = Vec::new();
    let mut kills = 0;
    let mut rounds = 0;
    while kills < KILLS {
        rounds += 1;
        assert!(
            rounds < KILLS * 3,
            "the import kept finishing before the kill"
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
            .arg("--data-dir")
            .arg(&data)
            .env("CLAIMDESK_KEY_DIR", data.join(".keys"))
            .arg("import")
            .arg(&file)
            .arg("--progress")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("saved ").and_then(|id| id.parse().ok()))
                .collect::<Vec<ClaimId>>()
        });
        std::thread::sleep(Duration::from_micros(2_000 + rng.next() % 40_000));
        let finished = child.try_wait().expect("try_wait").is_some();
        if !finished {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reap");
        reported.extend(reader.join().expect("reader"));

        let store = Store::open_dir(&data, &Vault::for_tests(&data)).expect("reopen after kill");
        assert_eq!(
            store.integrity_check().expect("check"),
            "ok",
            "after kill {kills}"
        );
        let stored = store.all().expect("all");
        let mut seen = std::collections::HashSet::new();
        for c in &stored {
            assert!(seen.insert(c.id), "duplicate claim {}", c.id);
            assert_eq!(
                Some(c),
                expected.get(&c.id),
                "stored claim differs from the file"
            );
        }
        for id in &reported {
            assert!(
                seen.contains(id),
                "claim {id} was reported saved but is missing (kill {kills})"
            );
        }
        if finished {
            // Start over so the next round has work to be killed in.
            drop(store);
            std::fs::remove_dir_all(&data).expect("reset data");
            reported.clear();
        }
    }
    // Finish the import: everything arrives exactly once.
    let status = Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(&data)
        .env("CLAIMDESK_KEY_DIR", data.join(".keys"))
        .arg("import")
        .arg(&file)
        .stdout(Stdio::null())
        .status()
        .expect("final import");
    assert!(status.success());
    let store = Store::open_dir(&data, &Vault::for_tests(&data)).expect("open");
    assert_eq!(store.count().expect("count") as usize, CLAIMS);
    assert_eq!(store.integrity_check().expect("check"), "ok");
    eprintln!("{kills} kills in {rounds} rounds");
}
