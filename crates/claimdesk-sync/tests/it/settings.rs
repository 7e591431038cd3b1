//! The sending settings are stored together: a failure part-way never leaves a new server
//! address with the old device's token, nor the reverse. The token is in the vault, never in
//! the database.

use claimdesk_store::{Secret, Store, Vault};
use claimdesk_sync::SyncSettings;

#[test]
fn address_token_and_auto_send_are_saved_together() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    let old = SyncSettings {
        server_url: "https://old.example.com/".into(),
        device_token: "cdt_old".into(),
        auto_send: true,
    };
    old.save(&mut store).expect("save");
    // The database's half fails after the token is in the vault.
    let db = store.connection().expect("second connection");
    db.execute_batch(
        "CREATE TRIGGER injected_failure BEFORE UPDATE ON settings
         WHEN NEW.key = 'sync.server_url'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("trigger");
    let new = SyncSettings {
        server_url: "https://new.example.com/".into(),
        device_token: "cdt_new".into(),
        auto_send: false,
    };
    new.save(&mut store)
        .expect_err("the address cannot be stored");
    assert_eq!(SyncSettings::load(&store, None).expect("load"), old);
}

#[test]
fn the_token_is_kept_in_the_vault_not_the_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    SyncSettings {
        server_url: "https://claims.example.com/".into(),
        device_token: "cdt_secret".into(),
        auto_send: true,
    }
    .save(&mut store)
    .expect("save");
    assert_eq!(
        store
            .vault()
            .get(Secret::DeviceToken)
            .expect("vault")
            .as_deref(),
        Some("cdt_secret")
    );
    let in_db: i64 = store
        .connection()
        .expect("db")
        .query_row(
            "SELECT count(*) FROM settings WHERE value LIKE '%cdt_secret%'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(in_db, 0);
}
