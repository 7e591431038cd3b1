//! A store written by an earlier ClaimDesk opens unchanged: every claim reads back as that
//! version exported it. (Opening it encrypts it: see `encryption.rs`.) The fixture was made
//! by commit 5d372f6 (before the crates were split) with `tests/fixtures/make-v4-store.sh`.

use claimdesk_model::Status;
use claimdesk_store::{records, Store, Vault};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[test]
fn a_store_written_before_the_split_opens_with_every_claim_as_it_was() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join(claimdesk_store::paths::DATABASE_FILE);
    std::fs::copy(Path::new(FIXTURES).join("store-v4.sqlite3"), &file).expect("copy");
    let before = std::fs::read(&file).expect("read");
    {
        let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
        assert_eq!(store.integrity_check().expect("check"), "ok");
        let mut exported = Vec::new();
        records::write_json(&store.export_all().expect("all"), &mut exported).expect("export");
        let then = std::fs::read_to_string(Path::new(FIXTURES).join("store-v4.export.json"))
            .expect("fixture export");
        // Every key that version exported, with the same value; later keys come after them.
        let (now, then): (serde_json::Value, serde_json::Value) = (
            serde_json::from_slice(&exported).expect("json"),
            serde_json::from_str(&then).expect("fixture json"),
        );
        let (now, then) = (
            now.as_array().expect("array"),
            then.as_array().expect("array"),
        );
        assert_eq!(now.len(), then.len());
        for (n, t) in now.iter().zip(then) {
            for (key, value) in t.as_object().expect("object") {
                assert_eq!(&n[key], value, "{key}");
            }
        }

        let list = store.list().expect("list");
        let sent: Vec<_> = list.iter().filter(|c| c.status == Status::Sent).collect();
        assert_eq!(sent.len(), 2);
        assert!(sent
            .iter()
            .all(|c| c.case_reference.is_some() && !c.editable));
        // Claims from before the search index are found by it after the migration.
        let found = store
            .page(&claimdesk_store::queue::ListQuery {
                text: "Łukasiewicz".into(),
                ..Default::default()
            })
            .expect("search");
        assert_eq!(found.claims.len(), 1);
        let summary = store.outbox_summary().expect("summary");
        assert_eq!((summary.pending, summary.sent), (2, 2));
        assert!(summary.oldest_pending_since.is_some());
    }
    assert_ne!(std::fs::read(&file).expect("read"), before, "encrypted");
}
