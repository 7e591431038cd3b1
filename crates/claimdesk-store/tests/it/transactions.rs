//! Every change of more than one statement is one transaction: when a later statement fails,
//! the earlier ones are not on disk either. A kill between two statements cannot be timed in
//! a test, so each test makes the second statement fail (a trigger that aborts it, created
//! from a second connection as another process would) and checks nothing of the change
//! stayed. Each of these failed on the code before `Store::write`.

use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::Receipt;
use claimdesk_model::{now_timestamp, Claim, ClaimId, Status};
use claimdesk_store::{ImportOutcome, Store, Vault};

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, store)
}

/// Makes every statement matching `when` (a trigger's `table`+`WHEN` clause) fail.
fn fail_when(store: &Store, event: &str, when: &str) {
    let db = store.connection().expect("second connection");
    db.execute_batch(&format!(
        "CREATE TRIGGER injected_failure BEFORE {event} {when}
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    ))
    .expect("trigger");
}

fn heal(store: &Store) {
    let db = store.connection().expect("second connection");
    db.execute_batch("DROP TRIGGER injected_failure")
        .expect("drop");
}

#[test]
fn an_import_that_fails_to_queue_leaves_no_claim() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    let now = now_timestamp();
    let claim = Claim {
        id,
        status: Status::Ready,
        created_at: now.clone(),
        updated_at: now,
        fields: claimdesk_model::validate::validate(&valid_fields()).expect("valid"),
    };
    fail_when(&store, "UPDATE OF queued_at ON claims", "");
    store
        .import(&claim)
        .expect_err("the queueing statement fails");
    assert_eq!(
        store.get(id).expect("get"),
        None,
        "no claim without its queue time"
    );
    heal(&store);
    assert_eq!(
        store.import(&claim).expect("import"),
        ImportOutcome::Inserted
    );
    let summary = store.outbox_summary().expect("summary");
    assert_eq!(summary.pending, 1);
    assert!(
        summary.oldest_pending_since.is_some(),
        "queued with its time"
    );
}

#[test]
fn a_receipt_and_the_last_sync_time_are_recorded_together() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    store.submit(id, &valid_fields()).expect("queue");
    store.pick_next().expect("pick").expect("one");
    fail_when(
        &store,
        "INSERT ON settings",
        "WHEN NEW.key = 'sync.last_success_at'",
    );
    let receipt = Receipt {
        id,
        case_reference: "CD-7KQ2-M9XA".into(),
        received_at: now_timestamp(),
        status: "received".into(),
        supersedes: None,
        superseded_by: None,
    };
    store
        .record_sent(&receipt)
        .expect_err("the second statement fails");
    let claim = store.get(id).expect("get").expect("claim");
    assert_eq!(
        claim.status,
        Status::Sending,
        "not sent without the sync time"
    );
    assert_eq!(store.outbox_summary().expect("summary").last_sync_at, None);
}

#[test]
fn the_remembered_choices_change_together() {
    let (_dir, mut store) = temp_store();
    fail_when(
        &store,
        "INSERT ON settings",
        "WHEN NEW.key = 'default.country'",
    );
    store
        .remember_defaults(&valid_fields())
        .expect_err("the last statement fails");
    let defaults = store.defaults().expect("defaults");
    assert_eq!(defaults.channel, "", "no channel without its country");
    assert_eq!(defaults.marketplace, "");
}

#[test]
fn queueing_and_remembering_the_choices_are_one_change() {
    let (_dir, mut store) = temp_store();
    let id = ClaimId::new();
    store.save_draft(id, &valid_fields()).expect("draft");
    fail_when(
        &store,
        "INSERT ON settings",
        "WHEN NEW.key = 'default.country'",
    );
    store
        .submit(id, &valid_fields())
        .expect_err("remembering fails, so queueing is reported as failed");
    let claim = store.get(id).expect("get").expect("claim");
    assert_eq!(claim.status, Status::Draft, "and it really was not queued");
    heal(&store);
    let queued = store.submit(id, &valid_fields()).expect("queue");
    assert_eq!(queued.status, Status::Ready);
    assert_eq!(store.defaults().expect("defaults").country, "DE");
}

#[test]
fn several_settings_are_stored_together() {
    let (_dir, mut store) = temp_store();
    fail_when(&store, "INSERT ON settings", "WHEN NEW.key = 'b'");
    store
        .set_settings(&[("a", "1"), ("b", "2")])
        .expect_err("the second fails");
    assert_eq!(store.setting("a").expect("a"), None);
}
