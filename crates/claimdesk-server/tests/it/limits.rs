//! The per-device rate limit's token bucket (the HTTP side is in `api.rs`).

use claimdesk_server::RateLimiter;
use std::time::{Duration, Instant};

#[test]
fn a_device_gets_its_burst_then_waits_and_others_are_untouched() {
    let r = RateLimiter::new(60);
    let t = Instant::now();
    for _ in 0..60 {
        assert!(r.take("a", t).is_ok());
    }
    assert_eq!(r.take("a", t), Err(Duration::from_secs(1)));
    assert!(r.take("b", t).is_ok(), "per device");
    assert!(r.take("a", t + Duration::from_secs(1)).is_ok(), "refilled");
    assert!(RateLimiter::new(0).take("a", t).is_ok());
}
