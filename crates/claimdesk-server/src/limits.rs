//! What keeps one client from holding up the others: how long a client may take to send its
//! headers and each part of its body, how many requests are answered at once, and how many
//! requests one device may make per minute (beyond that: `429` with `Retry-After`, which the
//! app honours).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The service's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send the request line and headers.
    pub header_timeout: Duration,
    /// Time the body may go without sending anything.
    pub body_idle_timeout: Duration,
    /// Requests answered at once (more wait their turn).
    pub concurrency: usize,
    /// Requests one device may make per minute (a burst of as many, refilled steadily).
    pub per_device_per_minute: u32,
    /// How old a change must be before the pull API (`/v1/office/claims`) hands it out: a
    /// change is stamped before its transaction commits, so one stamped earlier may still
    /// be committing when a later one is read; waiting this long means a cursor never
    /// passes a change not yet visible.
    pub pull_settle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(60),
            concurrency: 64,
            // Off unless the operator sets it (`serve --rate-limit`, default 600 there): the
            // library's callers (tests, benchmarks) send backlogs as fast as they can.
            per_device_per_minute: 0,
            pull_settle: Duration::from_secs(10),
        }
    }
}

/// A token bucket per device.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// At most `per_minute` requests a minute per device (0: no limit).
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request for `device` at `now`: `Ok`, or how long until it may ask again.
    pub fn take(&self, device: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, at) = buckets.entry(device.to_owned()).or_insert((capacity, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(((1.0 - *tokens) / per_sec).ceil()))
        }
    }
}
