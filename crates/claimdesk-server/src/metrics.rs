//! What the service counts, for Prometheus (`GET /metrics`, text format 0.0.4): claims by
//! outcome, bytes received, storage errors and request latency. Process-wide counters; one
//! replica's numbers, as Prometheus scrapes each replica.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What became of an upload.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// Stored for the first time.
    New,
    /// The same claim again: the first receipt.
    Replay,
    /// Other content under a stored id (or another device's id).
    Conflict,
    /// Refused before storing (invalid, too large, malformed).
    Refused,
}

static CLAIMS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static BYTES_RECEIVED: AtomicU64 = AtomicU64::new(0);
static STORAGE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
static LATENCY: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];
static LATENCY_SUM_MICROS: AtomicU64 = AtomicU64::new(0);

/// Counts one upload's outcome.
pub fn claim(outcome: Outcome) {
    CLAIMS[outcome as usize].fetch_add(1, Ordering::Relaxed);
}

/// Counts attachment bytes stored with a new claim.
pub fn bytes_received(n: u64) {
    BYTES_RECEIVED.fetch_add(n, Ordering::Relaxed);
}

/// Counts a storage failure.
pub fn storage_error() {
    STORAGE_ERRORS.fetch_add(1, Ordering::Relaxed);
}

/// Records how long a request took.
pub fn request(took: Duration) {
    let secs = took.as_secs_f64();
    let bucket = BUCKETS
        .iter()
        .position(|b| secs <= *b)
        .unwrap_or(BUCKETS.len());
    LATENCY[bucket].fetch_add(1, Ordering::Relaxed);
    LATENCY_SUM_MICROS.fetch_add(
        u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

/// Everything, in Prometheus' text format.
pub fn render() -> String {
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let mut out = String::new();
    out.push_str("# HELP claimdesk_claims_total Claim uploads by outcome.\n");
    out.push_str("# TYPE claimdesk_claims_total counter\n");
    for (i, name) in ["new", "replay", "conflict", "refused"].iter().enumerate() {
        let _ = writeln!(
            out,
            "claimdesk_claims_total{{outcome=\"{name}\"}} {}",
            get(&CLAIMS[i])
        );
    }
    out.push_str(
        "# HELP claimdesk_received_bytes_total Attachment bytes stored with new claims.\n",
    );
    out.push_str("# TYPE claimdesk_received_bytes_total counter\n");
    let _ = writeln!(
        out,
        "claimdesk_received_bytes_total {}",
        get(&BYTES_RECEIVED)
    );
    out.push_str(
        "# HELP claimdesk_storage_errors_total Failed calls to the database or blob store.\n",
    );
    out.push_str("# TYPE claimdesk_storage_errors_total counter\n");
    let _ = writeln!(
        out,
        "claimdesk_storage_errors_total {}",
        get(&STORAGE_ERRORS)
    );
    out.push_str("# HELP claimdesk_request_duration_seconds Time to answer a request.\n");
    out.push_str("# TYPE claimdesk_request_duration_seconds histogram\n");
    let mut cumulative = 0;
    for (i, bound) in BUCKETS.iter().enumerate() {
        cumulative += get(&LATENCY[i]);
        let _ = writeln!(
            out,
            "claimdesk_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
        );
    }
    cumulative += get(&LATENCY[BUCKETS.len()]);
    let _ = writeln!(
        out,
        "claimdesk_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
    );
    let _ = writeln!(
        out,
        "claimdesk_request_duration_seconds_sum {}",
        get(&LATENCY_SUM_MICROS) as f64 / 1e6
    );
    let _ = writeln!(out, "claimdesk_request_duration_seconds_count {cumulative}");
    out
}
