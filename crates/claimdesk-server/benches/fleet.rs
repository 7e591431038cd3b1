//! The service under a fleet's load: 1,000 claims with two 300 KB photos each from 8 devices
//! sending at once, against (a) SQLite + blob folder, (b) one PostgreSQL replica with blobs in
//! PostgreSQL, (c) two replicas of (b), the devices taking them in turn. Each replica is the
//! real `claimdesk-server` process; the table gives claims/s, request latency and each
//! replica's peak resident memory (VmHWM), which must not grow with claim size × concurrency.
//!
//! Every store makes each claim durable before answering: SQLite with `synchronous=FULL` and
//! fsync'd blob files, PostgreSQL with `fsync=on` (its default).
//!
//! `cargo bench -p claimdesk-server --bench fleet` (`FLEET_BENCH_CLAIMS=N` for a smaller run,
//! `FLEET_BENCH_PHOTO_KB=K` for other photo sizes: a replica's memory must not follow them).

use claimdesk_model::attachment::Kind;
use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::{sha256_hex, AttachmentRef, ClaimPayload};
use claimdesk_model::ClaimId;
use claimdesk_testkit::pg::Postgres;
use reqwest::multipart::{Form, Part};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DEVICES: usize = 8;

/// Bytes per photo: 300 KB, or `FLEET_BENCH_PHOTO_KB`.
fn photo_len() -> usize {
    std::env::var("FLEET_BENCH_PHOTO_KB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(300)
        * 1024
}

/// A `claimdesk-server serve` process.
struct Replica {
    child: Child,
    url: String,
}

impl Replica {
    fn start(store: &[&str]) -> Replica {
        let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
            .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0"])
            .args(store)
            .env_remove("CLAIMDESK_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start claimdesk-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("the address")
            .to_owned();
        Replica { child, url }
    }

    /// Peak resident memory in KiB.
    fn peak_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn device_tokens(store: &[&str]) -> Vec<String> {
    (0..DEVICES)
        .map(|i| {
            let out = Command::new(env!("CARGO_BIN_EXE_claimdesk-server"))
                .args(["device", "add", &format!("counter-{i}")])
                .args(store)
                .env_remove("CLAIMDESK_DATA_DIR")
                .output()
                .expect("device add");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        })
        .collect()
}

/// Incompressible bytes, different for every `seed`.
fn photo(seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..photo_len())
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

fn upload(seed: u64) -> (ClaimPayload, Vec<Vec<u8>>) {
    let photos = vec![photo(seed * 2), photo(seed * 2 + 1)];
    let attachments = photos
        .iter()
        .map(|p| AttachmentRef {
            sha256: sha256_hex(p),
            kind: Kind::Receipt,
            media_type: "image/jpeg".into(),
            byte_size: p.len() as u64,
            original_name: "photo.jpg".into(),
        })
        .collect();
    let claim = ClaimPayload {
        id: ClaimId::new(),
        created_at: "2026-11-26T08:00:00.000Z".into(),
        fields: claimdesk_model::validate::validate(&valid_fields()).expect("valid"),
        attachments,
        supersedes: None,
    };
    (claim, photos)
}

struct Outcome {
    seconds: f64,
    latencies: Vec<Duration>,
}

async fn send(urls: &[String], tokens: &[String], claims: usize) -> Outcome {
    let started = Instant::now();
    let per_device = claims.div_ceil(DEVICES);
    let tasks = tokens.iter().enumerate().map(|(d, token)| {
        let (urls, token) = (urls.to_vec(), token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            for n in 0..per_device {
                let seed = (d * per_device + n) as u64;
                let (claim, photos) = upload(seed);
                let mut form = Form::new().part(
                    "claim",
                    Part::bytes(serde_json::to_vec(&claim).expect("json")),
                );
                for (a, p) in claim.attachments.iter().zip(photos) {
                    form = form.part(a.sha256.clone(), Part::bytes(p));
                }
                let url = &urls[(d + n) % urls.len()];
                let t = Instant::now();
                let r = client
                    .post(format!("{url}/v1/claims"))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(r.status(), 201, "{:?}", r.text().await);
                latencies.push(t.elapsed());
            }
            latencies
        })
    });
    let mut latencies = Vec::new();
    for t in tasks.collect::<Vec<_>>() {
        latencies.extend(t.await.expect("device"));
    }
    Outcome {
        seconds: started.elapsed().as_secs_f64(),
        latencies,
    }
}

fn row(name: &str, claims: usize, o: &mut Outcome, peaks: &[u64]) {
    o.latencies.sort();
    let at =
        |q: f64| o.latencies[((o.latencies.len() as f64 * q) as usize).min(o.latencies.len() - 1)];
    let peaks: Vec<String> = peaks.iter().map(|k| format!("{} MiB", k / 1024)).collect();
    println!(
        "| {name} | {:.1} s | {:.0} | {} ms | {} ms | {} |",
        o.seconds,
        claims as f64 / o.seconds,
        at(0.5).as_millis(),
        at(0.99).as_millis(),
        peaks.join(", ")
    );
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let claims: usize = std::env::var("FLEET_BENCH_CLAIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    println!(
        "{claims} claims × 2 × {} KB from {DEVICES} devices at once",
        photo_len() / 1024
    );
    println!("| store | time | claims/s | p50 | p99 | peak RSS per replica |");
    println!("|---|---|---|---|---|---|");

    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().display().to_string();
    let sqlite = ["--data-dir", data.as_str()];
    let tokens = device_tokens(&sqlite);
    let replica = Replica::start(&sqlite);
    let mut o = send(std::slice::from_ref(&replica.url), &tokens, claims).await;
    row("SQLite + folder", claims, &mut o, &[replica.peak_kib()]);
    drop(replica);

    for replicas in [1, 2] {
        let pg = Postgres::start_durable();
        let url = pg.url();
        let store = ["--database-url", url.as_str(), "--blobs", "postgres"];
        let tokens = device_tokens(&store);
        let running: Vec<Replica> = (0..replicas).map(|_| Replica::start(&store)).collect();
        let urls: Vec<String> = running.iter().map(|r| r.url.clone()).collect();
        let mut o = send(&urls, &tokens, claims).await;
        let peaks: Vec<u64> = running.iter().map(Replica::peak_kib).collect();
        let name = if replicas == 1 {
            "PostgreSQL, 1 replica"
        } else {
            "PostgreSQL, 2 replicas"
        };
        row(name, claims, &mut o, &peaks);
    }
}
