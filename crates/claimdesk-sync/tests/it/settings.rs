//! The sending settings are stored together: a failure part-way never leaves a new server
//! address with the old device's token.

use claimdesk_store::Store;
use claimdesk_sync::SyncSettings;

#[test]
fn address_token_and_auto_send_are_saved_together() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_dir(dir.path()).expect("open");
    let old = SyncSettings {
        server_url: "https://old.example.com/".into(),
        device_token: "cdt_old".into(),
        auto_send: true,
    };
    old.save(&mut store).expect("save");
    // The token's statement fails (as a kill between the statements would leave it).
    let db = rusqlite::Connection::open(store.path()).expect("second connection");
    db.execute_batch(
        "CREATE TRIGGER injected_failure BEFORE UPDATE ON settings
         WHEN NEW.key = 'sync.device_token'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("trigger");
    let new = SyncSettings {
        server_url: "https://new.example.com/".into(),
        device_token: "cdt_new".into(),
        auto_send: false,
    };
    new.save(&mut store)
        .expect_err("the token cannot be stored");
    assert_eq!(SyncSettings::load(&store, None).expect("load"), old);
}
