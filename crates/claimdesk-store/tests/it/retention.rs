//! Retention: sent claims lose their photos, then their personal data (leaving a tombstone a
//! reference can be looked up by); unsent claims are never touched; purged bytes leave the file.

use chrono::{Duration, Utc};
use claimdesk_model::attachment::{sha256_hex, NewAttachment};
use claimdesk_model::sample::valid_fields;
use claimdesk_model::{ClaimFields, ClaimId, Kind, MediaType, Status};
use claimdesk_store::queue::ListQuery;
use claimdesk_store::{Retention, Store, Vault};
use rusqlite::params;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, s)
}

fn customer(i: usize) -> ClaimFields {
    ClaimFields {
        contact_name: format!("Bartholomew Zimmerli {i:04}"),
        email: format!("bartholomew{i:04}@zimmerli.example"),
        ..valid_fields()
    }
}

/// Photo bytes that are easy to look for, different per claim.
fn photo(i: usize) -> Vec<u8> {
    format!("PHOTO-OF-CLAIM-{i:04}-").into_bytes().repeat(4_000)
}

/// A claim with one photo, in `status`, last changed `days` ago.
fn claim(store: &mut Store, i: usize, status: Status, days: i64) -> ClaimId {
    let id = ClaimId::new();
    store.save_draft(id, &customer(i)).expect("draft");
    let bytes = photo(i);
    store
        .add_attachment(
            id,
            Kind::Receipt,
            "receipt.jpg",
            &NewAttachment {
                media_type: MediaType::Jpeg,
                bytes: &bytes,
                sha256: &sha256_hex(&bytes),
                width: 1,
                height: 1,
                thumbnail: None,
                pages: None,
            },
        )
        .expect("photo");
    if status != Status::Draft {
        store.submit(id, &customer(i)).expect("queue");
    }
    let at =
        (Utc::now() - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    store
        .connection()
        .expect("conn")
        .execute(
            "UPDATE claims SET status = ?2, updated_at = ?3,
                 case_reference = CASE WHEN ?2 = ?4 THEN 'CD-' || ?5 ELSE NULL END,
                 sent_at = CASE WHEN ?2 = ?4 THEN ?3 ELSE NULL END
             WHERE id = ?1",
            params![
                id.to_string(),
                status.as_str(),
                at,
                Status::Sent.as_str(),
                i as i64
            ],
        )
        .expect("age");
    id
}

#[test]
fn only_sent_claims_past_their_time_lose_photos_then_personal_data() {
    let (_dir, mut store) = store();
    let old_sent = claim(&mut store, 1, Status::Sent, 400);
    let month_sent = claim(&mut store, 2, Status::Sent, 40);
    let new_sent = claim(&mut store, 3, Status::Sent, 5);
    let unsent: Vec<ClaimId> = [Status::Draft, Status::Ready, Status::NeedsAttention]
        .into_iter()
        .enumerate()
        .map(|(n, s)| claim(&mut store, 10 + n, s, 800))
        .collect();

    let dry = store.purge(Utc::now(), true).expect("dry run");
    assert_eq!((dry.photos, dry.claims), (2, 1));
    assert_eq!(
        store.count().expect("count"),
        6,
        "a dry run changes nothing"
    );

    let done = store.purge(Utc::now(), false).expect("purge");
    assert_eq!((done.photos, done.claims), (2, 1));

    assert!(store.get(old_sent).expect("get").is_none());
    let stone = store
        .tombstone("CD-1")
        .expect("lookup")
        .expect("a tombstone");
    assert_eq!(stone.id, old_sent);
    assert_eq!(stone.product_name, valid_fields().product_name);
    assert_eq!(stone.status, Status::Sent);
    assert!(stone.sent_at.is_some());

    let kept = store.get(month_sent).expect("get").expect("kept");
    assert_eq!(kept.fields.contact_name, customer(2).contact_name);
    assert!(store.attachments(month_sent).expect("photos").is_empty());
    assert_eq!(store.attachments(new_sent).expect("photos").len(), 1);
    for id in unsent {
        assert!(store.get(id).expect("get").is_some(), "unsent claims stay");
        assert_eq!(store.attachments(id).expect("photos").len(), 1);
    }
    let found = store
        .page(&ListQuery {
            text: "Zimmerli".into(),
            ..Default::default()
        })
        .expect("search");
    assert_eq!(found.claims.len(), 5);
    assert!(found.claims.iter().all(|c| c.id != old_sent));
    assert_eq!(store.outbox_summary().expect("summary").total, 5);
    // Nothing more to do the second time.
    let again = store.purge(Utc::now(), false).expect("purge again");
    assert_eq!((again.photos, again.claims), (0, 0));
}

#[test]
fn purged_data_leaves_the_file_and_is_gone_even_with_the_key() {
    let (dir, mut store) = store();
    for i in 0..40 {
        claim(&mut store, i, Status::Sent, 500);
    }
    claim(&mut store, 99, Status::Ready, 500);
    store.release_free_pages().expect("checkpoint");
    let file = dir.path().join(claimdesk_store::paths::DATABASE_FILE);
    let before = std::fs::metadata(&file).expect("meta").len();
    let report = store.purge(Utc::now(), false).expect("purge");
    assert_eq!(report.claims, 40);
    let after = std::fs::metadata(&file).expect("meta").len();
    assert!(
        after * 4 < before,
        "the file shrinks: {before} → {after} bytes"
    );
    assert!(report.bytes_freed > 0);
    let wal = dir.path().join("claimdesk.sqlite3-wal");
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);

    // Decrypted, the whole database holds none of the purged customers' words or photos
    // (the search index's segments included), and still has the unsent one's.
    let plain = dir.path().join("decrypted.sqlite3");
    let conn = store.connection().expect("conn");
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [plain.to_string_lossy()],
    )
    .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    conn.execute("DETACH DATABASE plain", []).expect("detach");
    let bytes = std::fs::read(&plain).expect("read");
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    for i in 0..40 {
        assert!(!has(format!("bartholomew{i:04}@").as_bytes()), "email {i}");
        assert!(!has(format!("Zimmerli {i:04}").as_bytes()), "name {i}");
        assert!(!has(&photo(i)[..40]), "photo {i}");
    }
    assert!(has(b"bartholomew0099@"), "the unsent claim stays");
    // The search index deletes for real, rather than marking words deleted.
    let secure: i64 = conn
        .query_row(
            "SELECT v FROM claims_search_config WHERE k = 'secure-delete'",
            [],
            |r| r.get(0),
        )
        .expect("option");
    assert_eq!(secure, 1);
}

#[test]
fn retention_is_a_setting_checked_before_it_is_kept() {
    let (_dir, mut store) = store();
    assert_eq!(store.retention().expect("get"), Retention::default());
    let week = Retention {
        photo_days: 7,
        personal_days: 90,
    };
    store.set_retention(&week).expect("set");
    assert_eq!(store.retention().expect("get"), week);
    let err = store
        .set_retention(&Retention {
            photo_days: 0,
            personal_days: 90,
        })
        .expect_err("out of range");
    assert_eq!(err.code(), "validation");
    assert_eq!(store.retention().expect("get"), week);
}

#[test]
fn every_store_can_give_freed_pages_back() {
    let (dir, store) = store();
    let mode = |s: &Store| -> i64 {
        s.connection()
            .expect("conn")
            .pragma_query_value(None, "auto_vacuum", |r| r.get(0))
            .expect("pragma")
    };
    assert_eq!(mode(&store), 2, "new stores: incremental");
    // A store made without it is switched over once.
    store
        .connection()
        .expect("conn")
        .execute_batch("PRAGMA auto_vacuum = NONE; VACUUM;")
        .expect("switch off");
    assert_eq!(mode(&store), 0);
    drop(store);
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("reopen");
    assert_eq!(mode(&store), 2);
}
