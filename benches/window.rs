//! Typing in the real window with 0, 10,000 and 100,000 claims on the device: the time from
//! each keystroke (sent over WebDriver) until the field holds it, and the peak memory of the
//! app's WebKit web process. The figures for 100,000 are compared with the empty store's, in
//! the same run.
//!
//! Run: `xvfb-run -a -s "-screen 0 1366x768x24" cargo bench --bench window`
//! (release build of the app; `WINDOW_BENCH_CLAIMS=0,10000` for other sizes).

#[path = "../tests/support/driver.rs"]
mod driver;

use claimdesk_model::{Claim, ClaimFields, ClaimId, Status};
use driver::{js, js_string, wait_for, Driver};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// Characters typed per round, and rounds per store size.
const TEXT: &str = "jana.schmidt@ex";
const ROUNDS: usize = 20;

fn claim(i: usize) -> Claim {
    let at = (chrono::Utc::now() - chrono::Duration::minutes(i as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Claim {
        id: ClaimId::new(),
        status: Status::Ready,
        created_at: at.clone(),
        updated_at: at,
        fields: ClaimFields {
            channel: "own_store".into(),
            order_id: format!("A-{i}"),
            purchase_date: "2026-02-01".into(),
            email: format!("kunde{i}@example.de"),
            contact_name: format!("Kunde {i}"),
            product_name: "PowerCore 10000".into(),
            country: "DE".into(),
            city: "Berlin".into(),
            postal_code: "10117".into(),
            issue: "Does not charge.".into(),
            ..Default::default()
        },
    }
}

/// A year at the counter: `n` claims, all but the last 200 sent.
fn fill(driver: &Driver, n: usize) {
    let mut store = driver.store();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let claims: Vec<Claim> = chunk.iter().map(|i| claim(*i)).collect();
        store.import_batch(&claims).expect("import");
    }
    let db = store.connection().expect("open");
    db.execute(
        "UPDATE claims SET status = 'sent', sent_at = updated_at,
             case_reference = 'CD-' || substr(id, 1, 4) || '-' || substr(id, 5, 4)
         WHERE rowid <= (SELECT coalesce(max(rowid), 0) FROM claims) - 200",
        [],
    )
    .expect("mark sent");
}

/// Peak and current resident memory (KiB) of the app's WebKit web process.
fn webkit_memory(data_dir: &std::path::Path) -> (u64, u64) {
    let needle = format!("CLAIMDESK_DATA_DIR={}", data_dir.display());
    let mut best = (0, 0);
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if !status.starts_with("Name:\tWebKitWebProces") {
            continue;
        }
        let env = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if !env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
            continue;
        }
        let kib = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        best = best.max((kib("VmHWM:"), kib("VmRSS:")));
    }
    best
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Figures {
    p50: Duration,
    p99: Duration,
    peak_kib: u64,
}

async fn measure(n: usize) -> Figures {
    let driver = Driver::start();
    fill(&driver, n);
    let c = driver.open_app().await;
    // A clerk starts typing a moment after the window shows, not within its first frame.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let email = c.find(Locator::Id("f-email")).await.expect("email field");
    let mut lags = Vec::new();
    for _ in 0..ROUNDS {
        js(&c, "document.getElementById('f-email').value = ''").await;
        email.click().await.expect("focus");
        let mut want = String::new();
        for ch in TEXT.chars() {
            want.push(ch);
            let t = Instant::now();
            email.send_keys(&ch.to_string()).await.expect("type");
            loop {
                if js_string(&c, "document.getElementById('f-email').value").await == want {
                    break;
                }
            }
            lags.push(t.elapsed());
            // A clerk's pace: the autosave and the queue's row update run as they would.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let the autosave land (and the queue row follow) between rounds.
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    wait_for(
        &c,
        "document.getElementById('save-state').dataset.state === 'saved'",
    )
    .await;
    let (peak_kib, _) = webkit_memory(driver.data_dir());
    c.close().await.expect("close");
    lags.sort();
    Figures {
        p50: percentile(&lags, 0.5),
        p99: percentile(&lags, 0.99),
        peak_kib,
    }
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("WINDOW_BENCH_CLAIMS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 10_000, 100_000]);
    println!("| claims on the device | keystroke p50 ms | p99 ms | WebKit peak RSS MiB | p50 vs empty | p99 vs empty | RSS vs empty |");
    println!("|---|---|---|---|---|---|---|");
    let mut empty: Option<Figures> = None;
    for n in sizes {
        let f = measure(n).await;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let base = empty.get_or_insert(Figures { ..f });
        println!(
            "| {n} | {:.1} | {:.1} | {:.0} | {:.2}× | {:.2}× | {:.2}× |",
            ms(f.p50),
            ms(f.p99),
            f.peak_kib as f64 / 1024.0,
            ms(f.p50) / ms(base.p50),
            ms(f.p99) / ms(base.p99),
            f.peak_kib as f64 / base.peak_kib.max(1) as f64,
        );
    }
}
