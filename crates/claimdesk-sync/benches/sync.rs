//! Sync throughput: 1,000 claims with two 300 KB photos each, from a real store through the
//! loopback proxy to the real service, clean and with 30 % of uploads cut mid-request.
//!
//! `cargo bench -p claimdesk-sync --bench sync` (set `SYNC_BENCH_CLAIMS` for a smaller run).
//! Passes run back to back, as "Send now" would: the numbers are the protocol's cost, not
//! the engine's backoff policy (which waits seconds after a failure, on purpose).

use claimdesk_store::{Store, Vault};
use claimdesk_sync::{Engine, SyncSettings};
use claimdesk_testkit::proxy::Proxy;
use claimdesk_testkit::{assert_delivered_exactly_once, queue_claims, Server};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PHOTO: usize = 300 * 1024;

struct Run {
    seconds: f64,
    passes: usize,
    cut: u64,
    wire_up: u64,
    client_sent: u64,
    payload: u64,
}

async fn run(claims: usize, cut_percent: u64) -> Run {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    proxy.cut_uploads(cut_percent, 0x5EED);
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let ids = queue_claims(&mut store, claims, 2, PHOTO);
    let mut engine = Engine::new(
        Store::open_dir(&client, &Vault::for_tests(&client)).expect("store"),
        None,
        Arc::new(|_| {}),
    )
    .with_settings(SyncSettings {
        server_url: proxy.url.clone(),
        device_token: server.token.clone(),
        auto_send: true,
    })
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(30));
    let started = Instant::now();
    let mut passes = 0;
    loop {
        passes += 1;
        let report = engine.pass().await.expect("pass");
        if report.stopped.is_none() {
            break;
        }
        assert!(passes < claims * 10, "not converging");
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_delivered_exactly_once(&store, &server.intake, &ids);
    // What the claims themselves weigh: each claim's JSON plus its photos' bytes.
    let payload: u64 = server
        .intake
        .export()
        .expect("export")
        .iter()
        .map(|r| {
            let json = serde_json::to_vec(&r.claim).map_or(0, |j| j.len() as u64);
            json + r.claim.attachments.iter().map(|a| a.byte_size).sum::<u64>()
        })
        .sum();
    Run {
        seconds,
        passes,
        cut: proxy.faults_applied.load(Ordering::Relaxed),
        wire_up: proxy.bytes_up.load(Ordering::Relaxed),
        client_sent: proxy.bytes_in.load(Ordering::Relaxed),
        payload,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let claims: usize = std::env::var("SYNC_BENCH_CLAIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    println!(
        "{claims} claims, 2 × {} KB photos each, loopback via the proxy",
        PHOTO / 1024
    );
    let clean = run(claims, 0).await;
    let cut = run(claims, 30).await;
    println!("| run | time | claims/s | passes | uploads cut | wire bytes / payload bytes | client bytes / payload bytes |");
    println!("|---|---|---|---|---|---|---|");
    for (name, r) in [("clean", &clean), ("30 % of uploads cut mid-request", &cut)] {
        println!(
            "| {name} | {:.1} s | {:.0} | {} | {} | {:.4} | {:.4} |",
            r.seconds,
            claims as f64 / r.seconds,
            r.passes,
            r.cut,
            r.wire_up as f64 / r.payload as f64,
            r.client_sent as f64 / r.payload as f64,
        );
    }
    println!(
        "cut / clean time: {:.2}× (target ≤ 3×); clean wire / payload: {:.4} (target ≤ 1.03)",
        cut.seconds / clean.seconds,
        clean.wire_up as f64 / clean.payload as f64
    );
}
