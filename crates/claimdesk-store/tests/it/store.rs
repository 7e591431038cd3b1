//! The store against a real SQLite file.

use claimdesk_model::sample::valid_fields;
use claimdesk_model::{ClaimFields, ClaimId, Status};
use claimdesk_store::{migrate_to, ImportOutcome, Store, StoreError, Vault, SCHEMA_VERSION};

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, store)
}

/// Values that would break naive SQL, HTML or CSV handling.
fn hostile_fields() -> ClaimFields {
    let mut f = ClaimFields::default();
    for (i, name) in ClaimFields::NAMES.iter().enumerate() {
        if let Some(slot) = f.field_mut(name) {
            *slot = format!(
                "{i} Robert'); DROP TABLE claims;-- <script>alert(\"x\")</script> &amp; \u{202e}עברית\u{202c} 😀 \\ % _ \0 end"
            );
        }
    }
    f
}

#[test]
fn a_fresh_store_has_the_latest_schema_and_no_claims() {
    let (_dir, store) = temp_store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.count().expect("count"), 0);
    assert!(store.list().expect("list").is_empty());
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

#[test]
fn a_draft_round_trips_every_field_byte_exact() {
    let (dir, mut store) = temp_store();
    let id = ClaimId::new();
    let fields = hostile_fields();
    let saved = store.save_draft(id, &fields).expect("save");
    assert_eq!(saved.status, Status::Draft);
    drop(store);
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("reopen");
    let back = store.get(id).expect("get").expect("present");
    assert_eq!(back.fields, fields);
    assert_eq!(back, saved);
}

#[test]
fn a_ready_claim_round_trips_every_field_normalised() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let mut fields = valid_fields();
    fields.issue = "<b>broken</b> '; DELETE FROM claims; -- \"quoted\" \u{202e}RTL".into();
    fields.staff_note = "50% off & <i>free</i>".into();
    let ready = store.submit(id, &fields).expect("submit");
    assert_eq!(ready.status, Status::Ready);
    let back = store.get(id).expect("get").expect("present");
    assert_eq!(back, ready);
    assert_eq!(back.fields.issue, fields.issue);
    assert_eq!(back.fields.staff_note, fields.staff_note);
    assert_eq!(back.fields.serial_number, "FY529241");
    assert_eq!(back.fields.phone, "+49301234567");
}

#[test]
fn an_invalid_claim_is_not_queued_and_the_draft_is_untouched() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let mut fields = valid_fields();
    fields.postal_code = "ABC".into();
    store.save_draft(id, &fields).expect("draft");
    let err = store.submit(id, &fields).expect_err("invalid");
    assert_eq!(err.code(), "validation");
    let StoreError::Invalid(errors) = err else {
        panic!("expected Invalid")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "postal_code");
    let back = store.get(id).expect("get").expect("present");
    assert_eq!(back.status, Status::Draft);
    assert_eq!(back.fields, fields);
}

#[test]
fn submitting_twice_is_harmless_but_a_queued_claim_cannot_be_changed() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let first = store.submit(id, &valid_fields()).expect("first");
    let second = store.submit(id, &valid_fields()).expect("second");
    assert_eq!(first, second);
    assert_eq!(store.count().expect("count"), 1);

    let mut changed = valid_fields();
    changed.contact_name = "Someone Else".into();
    let err = store.submit(id, &changed).expect_err("locked");
    assert_eq!(err.code(), "claim.not_editable");
    let err = store.save_draft(id, &changed).expect_err("locked");
    assert_eq!(err.code(), "claim.not_editable");
    let err = store.discard_draft(id).expect_err("not a draft");
    assert_eq!(err.code(), "claim.not_editable");
    assert_eq!(store.get(id).expect("get"), Some(first));
}

#[test]
fn created_at_survives_edits_and_updated_at_moves() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let a = store
        .save_draft(
            id,
            &ClaimFields {
                email: "a".into(),
                ..Default::default()
            },
        )
        .expect("a");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let b = store
        .save_draft(
            id,
            &ClaimFields {
                email: "ab".into(),
                ..Default::default()
            },
        )
        .expect("b");
    assert_eq!(a.created_at, b.created_at);
    assert!(b.updated_at > a.updated_at);
}

#[test]
fn the_latest_draft_is_restored() {
    let (_dir, mut store) = temp_store();
    let older = ClaimId::new();
    let newer = ClaimId::new();
    store
        .save_draft(
            older,
            &ClaimFields {
                contact_name: "old".into(),
                ..Default::default()
            },
        )
        .expect("old");
    std::thread::sleep(std::time::Duration::from_millis(5));
    store
        .save_draft(
            newer,
            &ClaimFields {
                contact_name: "new".into(),
                ..Default::default()
            },
        )
        .expect("new");
    store
        .submit(ClaimId::new(), &valid_fields())
        .expect("ready one");
    let d = store.latest_draft().expect("latest").expect("some");
    assert_eq!(d.id, newer);
    assert_eq!(d.fields.contact_name, "new");
}

#[test]
fn reset_discards_only_the_draft() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    store.save_draft(id, &valid_fields()).expect("draft");
    assert!(store.discard_draft(id).expect("discard"));
    assert!(store.get(id).expect("get").is_none());
    assert!(!store.discard_draft(id).expect("discard again"));
}

#[test]
fn list_is_newest_first_with_summary_fields() {
    let (_dir, mut store) = temp_store();
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = ClaimId::new();
        let mut f = valid_fields();
        f.contact_name = format!("Customer {i}");
        store.submit(id, &f).expect("submit");
        ids.push(id);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let list = store.list().expect("list");
    let got: Vec<ClaimId> = list.iter().map(|s| s.id).collect();
    ids.reverse();
    assert_eq!(got, ids);
    assert_eq!(list[0].contact_name, "Customer 2");
    assert_eq!(list[0].product_name, "PowerCore 10000");
    assert_eq!(list[0].status, Status::Ready);
}

#[test]
fn import_inserts_once_and_never_alters_a_stored_claim() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let claim = store.submit(id, &valid_fields()).expect("submit");
    let mut other = claim.clone();
    other.fields.contact_name = "Changed".into();
    assert_eq!(
        store.import(&other).expect("import"),
        ImportOutcome::AlreadyPresent
    );
    assert_eq!(store.get(id).expect("get"), Some(claim.clone()));
    let mut fresh = claim;
    fresh.id = ClaimId::new();
    assert_eq!(
        store.import(&fresh).expect("import"),
        ImportOutcome::Inserted
    );
    assert_eq!(
        store.import(&fresh).expect("import"),
        ImportOutcome::AlreadyPresent
    );
    assert_eq!(store.count().expect("count"), 2);
}

#[test]
fn settings_are_remembered() {
    let (dir, store) = temp_store();
    assert_eq!(store.setting("country").expect("get"), None);
    store.set_setting("country", "AT").expect("set");
    store.set_setting("country", "CH").expect("set again");
    drop(store);
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("reopen");
    assert_eq!(
        store.setting("country").expect("get").as_deref(),
        Some("CH")
    );
}

#[test]
fn migrates_from_empty_and_from_every_earlier_version_keeping_data() {
    for from in 0..SCHEMA_VERSION {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite3");
        let id = ClaimId::new();
        {
            let mut conn = rusqlite::Connection::open(&path).expect("open raw");
            migrate_to(&mut conn, from as usize).expect("old schema");
            if from >= 1 {
                conn.execute(
                    "INSERT INTO claims (id, status, created_at, updated_at, email, issue)
                     VALUES (?1, 'draft', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'old@example.com', 'kept')",
                    [id.to_string()],
                )
                .expect("old row");
            }
        }
        let store =
            Store::open(&path, &Vault::for_tests(path.parent().expect("folder"))).expect("migrate");
        assert_eq!(
            store.schema_version().expect("version"),
            SCHEMA_VERSION,
            "from {from}"
        );
        if from >= 1 {
            let c = store.get(id).expect("get").expect("kept");
            assert_eq!(c.fields.email, "old@example.com");
            assert_eq!(c.fields.issue, "kept");
        }
        store.set_setting("k", "v").expect("settings table exists");
        assert_eq!(store.integrity_check().expect("check"), "ok");
    }
}

#[test]
fn a_newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("future.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("open raw");
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .expect("future");
    }
    let err = Store::open(&path, &Vault::for_tests(path.parent().expect("folder")))
        .err()
        .expect("refused");
    assert_eq!(err.code(), "store.schema_too_new");
    assert!(err.to_string().contains("newer ClaimDesk"));
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("v");
    assert_eq!(v, 99);
}

#[test]
fn the_database_runs_in_wal_mode_with_full_sync() {
    let (_dir, store) = temp_store();
    let conn = store.connection().expect("raw");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

/// The names inside `CHECK (<column> IN ('a', 'b', …))` of `table`'s schema as SQLite keeps it.
fn check_list(store: &Store, table: &str, column: &str) -> Vec<String> {
    let db = store.connection().expect("open");
    let sql: String = db
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .expect("table");
    let head = format!("CHECK ({column} IN (");
    let start = sql.find(&head).expect("a CHECK on the column") + head.len();
    let list = &sql[start..start + sql[start..].find(')').expect("closed")];
    list.split(',')
        .map(|v| v.trim().trim_matches('\'').to_owned())
        .collect()
}

#[test]
fn the_schemas_checks_allow_exactly_the_rust_vocabularies() {
    // Shipped migrations are history and keep their literal lists; this holds them to the
    // enums, so a new status or kind cannot be added on one side only.
    let (_dir, store) = temp_store();
    let statuses: Vec<String> = Status::names().map(str::to_owned).collect();
    assert_eq!(check_list(&store, "claims", "status"), statuses);
    let kinds: Vec<String> = claimdesk_model::Kind::names().map(str::to_owned).collect();
    assert_eq!(check_list(&store, "attachments", "kind"), kinds);
}
