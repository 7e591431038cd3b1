//! The vault on a real Secret Service: GNOME Keyring on a private D-Bus session, as a Linux
//! desktop has it. The test runs itself again inside `dbus-run-session` with an unlocked,
//! throwaway keyring (setup.sh --test installs both).

use claimdesk_store::{Secret, Store, Vault, VaultKind};
use std::process::Command;

/// Set in the copy of this test that runs inside the session.
const INSIDE: &str = "CLAIMDESK_TEST_IN_KEYRING_SESSION";
const NAME: &str = "keyring::the_key_and_token_live_in_the_system_keyring";

#[test]
fn the_key_and_token_live_in_the_system_keyring() {
    if std::env::var_os(INSIDE).is_some() {
        inside_the_session();
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let exe = std::env::current_exe().expect("test binary");
    let script = r#"printf throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" --exact "$1" --nocapture --test-threads=1"#;
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .arg(&exe)
        .arg(NAME)
        .env(INSIDE, "1")
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove(claimdesk_store::vault::KEY_DIR_ENV)
        .output()
        .expect("dbus-run-session and gnome-keyring are installed (scripts/setup.sh --test)");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("1 passed"),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn inside_the_session() {
    let data = tempfile::tempdir().expect("tmp");
    let vault = Vault::for_data_dir(data.path());
    assert_eq!(vault.kind(), VaultKind::Keyring, "{vault:?}");
    let store = Store::open_dir(data.path(), &vault).expect("open");
    store.set_device_token("cdt_in_the_keyring").expect("token");
    let key = vault.get(Secret::DatabaseKey).expect("get").expect("a key");
    assert_eq!(key.len(), 64);
    drop(store);

    // A new start finds the same vault and key, and nothing was written as a file.
    let again = Vault::for_data_dir(data.path());
    assert_eq!(again, vault);
    let store = Store::open_dir(data.path(), &again).expect("reopen");
    assert_eq!(
        store.device_token().expect("token").as_deref(),
        Some("cdt_in_the_keyring")
    );
    let config = std::env::var_os("XDG_CONFIG_HOME").expect("set by the outer test");
    assert!(
        !std::path::Path::new(&config)
            .join("com.claimdesk.app")
            .exists(),
        "no key file"
    );
    // Another data folder has its own key.
    let other = tempfile::tempdir().expect("tmp");
    drop(Store::open_dir(other.path(), &Vault::for_data_dir(other.path())).expect("other"));
    let other_key = Vault::for_data_dir(other.path())
        .get(Secret::DatabaseKey)
        .expect("get")
        .expect("a key");
    assert_ne!(other_key, key);
}

/// A Secret Service that answers but has no collection to keep anything in (a kiosk whose
/// keyring was never set up): the key goes to the fallback folder, and stays found there.
#[test]
fn a_keyring_that_will_not_keep_the_key_falls_back_to_a_file() {
    if std::env::var_os(INSIDE).is_some() {
        let data = tempfile::tempdir().expect("tmp");
        let asked = Vault::for_data_dir(data.path());
        let store = Store::open_dir(data.path(), &asked).expect("open");
        assert_eq!(store.vault().kind(), VaultKind::Files);
        drop(store);
        let again = Vault::for_data_dir(data.path());
        assert_eq!(
            again.kind(),
            VaultKind::Files,
            "found in the fallback folder next time"
        );
        Store::open_dir(data.path(), &again).expect("reopen");
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    // The daemon is started by D-Bus activation, without --unlock: no login collection.
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", r#"exec "$0" --exact "$1" --nocapture"#])
        .arg(std::env::current_exe().expect("test binary"))
        .arg("keyring::a_keyring_that_will_not_keep_the_key_falls_back_to_a_file")
        .env(INSIDE, "1")
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DISPLAY")
        .env_remove(claimdesk_store::vault::KEY_DIR_ENV)
        .output()
        .expect("dbus-run-session runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("1 passed"),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
