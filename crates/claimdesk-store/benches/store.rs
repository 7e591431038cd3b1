//! Store benchmark: saving a claim as `ready` (the store's file is SQLCipher-encrypted) and
//! listing 10,000 claims, each against bare plaintext SQLite (rusqlite with the same pragmas
//! and columns) measured in the same run; and encryption's own cost on the bare insert.
//!
//! Run: `cargo bench -p claimdesk-store --bench store`

use claimdesk_model::{Claim, ClaimFields, ClaimId, Status};
use claimdesk_store::queue::ListQuery;
use claimdesk_store::{Store, Vault};
use std::time::{Duration, Instant};

const SAVES: usize = 1_000;
const LISTED: usize = 10_000;
const LISTS: usize = 50;

fn fields(i: usize) -> ClaimFields {
    ClaimFields {
        channel: "amazon".into(),
        marketplace: "amazon.de".into(),
        email: format!("kunde{i}@example.de"),
        contact_name: format!("Kunde {i}"),
        order_id: "302-1234567-7654321".into(),
        product_name: "PowerCore 10000".into(),
        sku: "A1263".into(),
        serial_number: "SN: FY529241".into(),
        purchase_date: "2026-03-14".into(),
        address_line1: "Friedrichstraße 12".into(),
        address_line2: String::new(),
        country: "DE".into(),
        region: String::new(),
        city: "Berlin".into(),
        postal_code: "10117".into(),
        phone: "030 1234567".into(),
        issue: "Does not charge any more; the LED blinks twice when plugged in.".into(),
        staff_note: String::new(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut ours: Vec<Duration>, mut base: Vec<Duration>) {
    ours.sort();
    base.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (o50, o99) = (percentile(&ours, 0.5), percentile(&ours, 0.99));
    let (b50, b99) = (percentile(&base, 0.5), percentile(&base, 0.99));
    println!(
        "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2}× | {:.2}× |",
        ms(o50),
        ms(o99),
        ms(b50),
        ms(b99),
        ms(o50) / ms(b50),
        ms(o99) / ms(b99)
    );
}

/// Like [`raw_connection`], encrypted under a random raw key as the store's file is.
fn raw_connection_keyed(path: &std::path::Path) -> rusqlite::Connection {
    let key: String = (0..32)
        .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
        .collect();
    raw_connection_with(path, Some(&key))
}

fn raw_connection(path: &std::path::Path) -> rusqlite::Connection {
    raw_connection_with(path, None)
}

fn raw_connection_with(path: &std::path::Path, key: Option<&str>) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open");
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
            .expect("key");
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, status TEXT, created_at TEXT, updated_at TEXT, {}) STRICT;
         CREATE INDEX IF NOT EXISTS claims_by_created ON claims (created_at DESC, id DESC);",
        ClaimFields::NAMES.map(|n| format!("{n} TEXT")).join(", ")
    ))
    .expect("schema");
    conn
}

fn raw_insert_sql() -> String {
    format!(
        "INSERT INTO claims VALUES ({})",
        (1..=22)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn raw_insert(conn: &rusqlite::Connection, sql: &str, i: usize) {
    let f = fields(i);
    let head = [
        ClaimId::new().to_string(),
        "ready".to_owned(),
        "2026-11-25T00:00:00.000Z".to_owned(),
        "2026-11-25T00:00:00.000Z".to_owned(),
    ];
    let values: Vec<String> = head
        .into_iter()
        .chain(f.values().iter().map(|v| (*v).to_owned()))
        .collect();
    conn.prepare_cached(sql)
        .expect("prepare")
        .execute(rusqlite::params_from_iter(values))
        .expect("insert");
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!("| operation | ClaimDesk p50 ms | p99 ms | bare SQLite p50 ms | p99 ms | p50 ratio | p99 ratio |");
    println!("|---|---|---|---|---|---|---|");

    // Save as ready: validate + one immediate transaction + fsync (synchronous=FULL).
    let mut store = Store::open_dir(
        &dir.path().join("ours"),
        &Vault::for_tests(&dir.path().join("ours")),
    )
    .expect("store");
    let raw = raw_connection(&dir.path().join("raw.sqlite3"));
    let sql = raw_insert_sql();
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for i in 0..SAVES {
        let f = fields(i);
        let t = Instant::now();
        store.submit(ClaimId::new(), &f).expect("submit");
        ours.push(t.elapsed());
        let t = Instant::now();
        raw_insert(&raw, &sql, i);
        base.push(t.elapsed());
    }
    report("save a claim as ready (fsync'd)", ours, base);

    // Encryption's own share: the same bare insert into a SQLCipher file, keyed as the store
    // keys its file, against the plaintext one.
    let encrypted = raw_connection_keyed(&dir.path().join("raw-encrypted.sqlite3"));
    let (mut enc, mut plain) = (Vec::new(), Vec::new());
    for i in 0..SAVES {
        let t = Instant::now();
        raw_insert(&encrypted, &sql, i);
        enc.push(t.elapsed());
        let t = Instant::now();
        raw_insert(&raw, &sql, i);
        plain.push(t.elapsed());
    }
    report(
        "bare insert, SQLCipher-encrypted vs plaintext (encryption alone)",
        enc,
        plain,
    );
    drop(encrypted);

    // List 10,000: fill both databases in one transaction each, then time the queue query.
    let ours_path = dir.path().join("ours").join("claimdesk.sqlite3");
    // Close both, so each file is checkpointed and both lists read the same kind of file.
    drop(store);
    drop(raw);
    {
        // ClaimDesk's own rows go in through the store (its schema has more columns and the
        // search index); the bare table gets the same claims in one transaction.
        let mut store = Store::open(
            &ours_path,
            &Vault::for_tests(ours_path.parent().expect("folder")),
        )
        .expect("reopen");
        let have = store.count().expect("count") as usize;
        fill_from(&mut store, have, LISTED);
        let mut conn = rusqlite::Connection::open(dir.path().join("raw.sqlite3")).expect("open");
        let tx = conn.transaction().expect("tx");
        let n: i64 = tx
            .query_row("SELECT count(*) FROM claims", [], |r| r.get(0))
            .expect("count");
        for i in n as usize..LISTED {
            raw_insert(&tx, &sql, i);
        }
        tx.commit().expect("commit");
    }
    let store = Store::open(
        &ours_path,
        &Vault::for_tests(ours_path.parent().expect("folder")),
    )
    .expect("reopen");
    let raw = raw_connection(&dir.path().join("raw.sqlite3"));
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..LISTS {
        let t = Instant::now();
        let list = store.list().expect("list");
        ours.push(t.elapsed());
        assert_eq!(list.len(), LISTED);
        let t = Instant::now();
        let mut stmt = raw
            .prepare_cached(
                "SELECT id, status, created_at, updated_at, contact_name, email, product_name
                 FROM claims ORDER BY created_at DESC, id DESC",
            )
            .expect("prepare");
        let rows: Vec<[String; 7]> = stmt
            .query_map([], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ])
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        base.push(t.elapsed());
        assert_eq!(rows.len(), LISTED);
    }
    report("list 10,000 claims (queue view)", ours, base);

    drop(store);
    at_scale(dir.path());
}

/// A claim as an import brings it: ready, created `i` minutes after a fixed start.
fn imported(i: usize) -> Claim {
    let at = (chrono::DateTime::parse_from_rfc3339("2025-11-25T08:00:00.000Z").expect("start")
        + chrono::Duration::minutes(i as i64))
    .to_utc()
    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Claim {
        id: ClaimId::new(),
        status: Status::Ready,
        created_at: at.clone(),
        updated_at: at,
        fields: fields(i),
    }
}

fn fill(store: &mut Store, n: usize) -> Duration {
    fill_from(store, 0, n)
}

/// Imports claims `from..to`, 500 per transaction; returns how long it took.
fn fill_from(store: &mut Store, from: usize, to: usize) -> Duration {
    let t = Instant::now();
    for chunk in (from..to).collect::<Vec<_>>().chunks(500) {
        let claims: Vec<Claim> = chunk.iter().map(|i| imported(*i)).collect();
        store.import_batch(&claims).expect("import");
    }
    t.elapsed()
}

fn times(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

/// The queue view with 100,000 claims against the same store with 100, in the same run.
fn at_scale(dir: &std::path::Path) {
    const BIG: usize = 100_000;
    const SMALL: usize = 100;
    const RUNS: usize = 200;
    let mut small =
        Store::open_dir(&dir.join("small"), &Vault::for_tests(&dir.join("small"))).expect("store");
    // (marked sent below, like the big one)
    fill(&mut small, SMALL);
    let mut big =
        Store::open_dir(&dir.join("big"), &Vault::for_tests(&dir.join("big"))).expect("store");
    let took = fill(&mut big, BIG);
    // A year at a counter: nearly every claim sent, the last few still queued.
    for (store, keep) in [(&small, 20), (&big, 200)] {
        let db = store.connection().expect("open");
        db.execute(
            "UPDATE claims SET status = 'sent', sent_at = updated_at,
                 case_reference = 'CD-' || substr(id, 1, 4) || '-' || substr(id, 5, 4)
             WHERE rowid <= (SELECT max(rowid) FROM claims) - ?1",
            [keep],
        )
        .expect("mark sent");
    }
    println!();
    println!(
        "Import of {BIG} claims in batches of 500: {:.1} s ({:.0} claims/s)",
        took.as_secs_f64(),
        BIG as f64 / took.as_secs_f64()
    );
    println!();
    println!("| operation | {BIG} claims p50 ms | p99 ms | {SMALL} claims p50 ms | p99 ms | p50 ratio | p99 ratio |");
    println!("|---|---|---|---|---|---|---|");
    let first = ListQuery::default();
    let page = |s: &Store, q: &ListQuery| {
        let p = s.page(q).expect("page");
        assert!(!p.claims.is_empty());
    };
    report(
        "first page of the queue (50 rows)",
        times(RUNS, || page(&big, &first)),
        times(RUNS, || page(&small, &first)),
    );
    // A page deep down: the cursor of the page at the middle of the big store.
    let mut q = ListQuery {
        limit: 200,
        ..ListQuery::default()
    };
    for _ in 0..(BIG / 2 / 200) {
        q.after = big.page(&q).expect("page").next;
    }
    let deep_big = ListQuery { limit: 50, ..q };
    let q = ListQuery {
        after: small
            .page(&ListQuery {
                limit: SMALL / 2,
                ..ListQuery::default()
            })
            .expect("page")
            .next,
        ..ListQuery::default()
    };
    report(
        "a page in the middle (keyset, no OFFSET)",
        times(RUNS, || page(&big, &deep_big)),
        times(RUNS, || page(&small, &q)),
    );
    let search = ListQuery {
        text: "kunde4242".into(),
        ..ListQuery::default()
    };
    let search_small = ListQuery {
        text: "kunde42".into(),
        ..ListQuery::default()
    };
    report(
        "search by email prefix",
        times(RUNS, || page(&big, &search)),
        times(RUNS, || page(&small, &search_small)),
    );
    let by_status = ListQuery {
        status: Some(Status::Ready),
        ..ListQuery::default()
    };
    report(
        "filter by status, first page",
        times(RUNS, || page(&big, &by_status)),
        times(RUNS, || page(&small, &by_status)),
    );
    report(
        "summary (counts and the alert's count)",
        times(RUNS, || {
            big.outbox_summary().expect("summary");
        }),
        times(RUNS, || {
            small.outbox_summary().expect("summary");
        }),
    );
    report(
        "save a draft (autosave), fsync'd",
        times(RUNS, || {
            big.save_draft(ClaimId::new(), &fields(7)).expect("save");
        }),
        times(RUNS, || {
            small.save_draft(ClaimId::new(), &fields(7)).expect("save");
        }),
    );
}
