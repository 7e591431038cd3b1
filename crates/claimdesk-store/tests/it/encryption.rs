//! Encryption at rest: nothing a customer typed or photographed can be read from the data
//! folder without the key, the folder is the user's alone, and a plaintext store from an
//! earlier ClaimDesk is converted on first open without losing a byte.

use claimdesk_model::attachment::NewAttachment;
use claimdesk_model::sample::valid_fields;
use claimdesk_model::{ClaimFields, ClaimId, Kind, MediaType};
use claimdesk_store::queue::ListQuery;
use claimdesk_store::{paths, Secret, Store, Vault};
use std::path::{Path, PathBuf};

/// A customer whose every detail is easy to look for.
fn customer() -> ClaimFields {
    ClaimFields {
        contact_name: "Wilhelmina Quackenbush".into(),
        email: "wilhelmina.quackenbush@example.org".into(),
        phone: "+49 30 98765432".into(),
        address_line1: "Zwetschgenallee 77".into(),
        ..valid_fields()
    }
}

/// A "photo" whose bytes are as easy to find as a name.
const PHOTO: &[u8] = b"RECEIPT-PIXELS-Wilhelmina-Quackenbush-0123456789-RECEIPT-PIXELS";

fn add_photo(store: &mut Store, id: ClaimId) {
    store
        .add_attachment(
            id,
            Kind::Receipt,
            "receipt.jpg",
            &NewAttachment {
                media_type: MediaType::Jpeg,
                bytes: PHOTO,
                sha256: &claimdesk_model::attachment::sha256_hex(PHOTO),
                width: 1,
                height: 1,
                thumbnail: Some(PHOTO),
                pages: None,
            },
        )
        .expect("photo");
}

/// What a lost laptop's finder would search for.
fn needles() -> Vec<Vec<u8>> {
    let c = customer();
    [
        c.contact_name,
        c.email,
        c.phone,
        c.address_line1,
        "Quackenbush".into(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .chain([PHOTO[..24].to_vec(), b"cdt_never_in_the_folder".to_vec()])
    .collect()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Fails if any file under `dir` contains any needle (what `strings` would show, and more).
fn assert_unreadable(dir: &Path) {
    for file in files(dir) {
        let bytes = std::fs::read(&file).expect("read");
        for needle in needles() {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{} contains {:?}",
                file.display(),
                String::from_utf8_lossy(&needle)
            );
        }
    }
}

/// A store with the customer's claim queued and a draft with a photo; keys outside `data`.
fn filled(data: &Path, vault: &Vault) -> (Store, ClaimId, ClaimId) {
    let mut store = Store::open_dir(data, vault).expect("open");
    let queued = ClaimId::new();
    store.submit(queued, &customer()).expect("submit");
    let draft = ClaimId::new();
    store.save_draft(draft, &customer()).expect("draft");
    add_photo(&mut store, draft);
    store
        .set_device_token("cdt_never_in_the_folder")
        .expect("token");
    (store, queued, draft)
}

#[test]
fn no_customer_detail_photo_or_token_is_readable_in_the_data_folder() {
    let (data, keys) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let vault = Vault::files(keys.path());
    let (mut store, _, draft) = filled(data.path(), &vault);
    // While open: the WAL holds the newest pages.
    assert_unreadable(data.path());
    // A deleted draft leaves nothing behind either (secure_delete, and encrypted anyway).
    store.discard_draft(draft).expect("discard");
    drop(store);
    assert_unreadable(data.path());
    // With the key, it all reads back.
    let store = Store::open_dir(data.path(), &vault).expect("reopen");
    assert_eq!(store.count().expect("count"), 1);
    assert_eq!(
        store.device_token().expect("token").as_deref(),
        Some("cdt_never_in_the_folder")
    );
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_0700_and_every_file_in_it_0600() {
    use std::os::unix::fs::PermissionsExt;
    let (data, keys) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let dir = data.path().join("claimdesk");
    // As the OS would make it under the usual umask.
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let _lock = claimdesk_store::lock::FolderLock::try_take(&dir, claimdesk_store::lock::APP)
        .expect("lock");
    let (_store, _, _) = filled(&dir, &Vault::files(keys.path()));
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let all = files(&dir);
    assert!(all.iter().any(|f| f.ends_with("claimdesk.sqlite3-wal")));
    for file in all {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn secure_delete_is_on() {
    let data = tempfile::tempdir().expect("tmp");
    let store = Store::open_dir(data.path(), &Vault::for_tests(data.path())).expect("open");
    let on: i64 = store
        .connection()
        .expect("conn")
        .pragma_query_value(None, "secure_delete", |r| r.get(0))
        .expect("pragma");
    assert_eq!(on, 1);
}

/// Writes `store`'s data as a plaintext file at `to`, as ClaimDesk before encryption kept it
/// (with the token in the settings table, where it was then).
pub fn plaintext_copy(store: &Store, to: &Path, token: Option<&str>) {
    let conn = store.connection().expect("conn");
    let version = store.schema_version().expect("version");
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [to.to_string_lossy()])
        .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    conn.pragma_update(Some("plain"), "user_version", version)
        .expect("version");
    if let Some(token) = token {
        conn.execute(
            "INSERT INTO plain.settings (key, value) VALUES ('sync.device_token', ?1)",
            [token],
        )
        .expect("token");
    }
    conn.execute("DETACH DATABASE plain", []).expect("detach");
    let head = std::fs::read(to).expect("read");
    assert!(head.starts_with(b"SQLite format 3\0"), "a plaintext file");
}

#[test]
fn a_plaintext_store_is_encrypted_on_first_open_with_every_claim_and_the_token_moved() {
    let (old, data, keys) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let (store, queued, draft) = filled(old.path(), &Vault::for_tests(old.path()));
    let file = data.path().join(paths::DATABASE_FILE);
    plaintext_copy(&store, &file, Some("cdt_never_in_the_folder"));
    let before = (
        store.all().expect("all"),
        store.attachments(draft).expect("photos"),
    );
    drop(store);

    let vault = Vault::files(keys.path());
    let store = Store::open_dir(data.path(), &vault).expect("converted");
    assert_eq!(
        (
            store.all().expect("all"),
            store.attachments(draft).expect("photos")
        ),
        before
    );
    let photo = store.attachments(draft).expect("photos")[0].id;
    assert_eq!(
        store.attachment_data(photo).expect("data").as_deref(),
        Some(PHOTO)
    );
    assert_eq!(store.integrity_check().expect("check"), "ok");
    // The search index follows the claims (the export renumbers rowids).
    let found = store
        .page(&ListQuery {
            text: "Quackenbush".into(),
            ..Default::default()
        })
        .expect("search");
    let mut ids: Vec<_> = found.claims.iter().map(|c| c.id).collect();
    ids.sort();
    let mut want = vec![queued, draft];
    want.sort();
    assert_eq!(ids, want);
    let summary = store.outbox_summary().expect("summary");
    assert_eq!(summary.total, 2);
    assert_eq!(
        store.device_token().expect("token").as_deref(),
        Some("cdt_never_in_the_folder")
    );
    assert!(vault.get(Secret::DatabaseKey).expect("key").is_some());
    drop(store);
    assert_unreadable(data.path());
    assert!(!data.path().join("claimdesk.sqlite3.encrypting").exists());
}

#[test]
fn without_its_key_an_encrypted_store_is_refused_untouched() {
    let (data, keys) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    drop(filled(data.path(), &Vault::files(keys.path())));
    let file = data.path().join(paths::DATABASE_FILE);
    let before = std::fs::read(&file).expect("read");

    let elsewhere = tempfile::tempdir().expect("tmp");
    let err = Store::open_dir(data.path(), &Vault::files(elsewhere.path()))
        .err()
        .expect("no key");
    assert_eq!(err.code(), "store.key_missing");
    assert!(
        Vault::files(elsewhere.path())
            .get(Secret::DatabaseKey)
            .expect("get")
            .is_none(),
        "no new key is made for a file that has one"
    );

    let wrong = Vault::files(elsewhere.path());
    wrong
        .set(Secret::DatabaseKey, &"ab".repeat(32))
        .expect("set");
    let err = Store::open_dir(data.path(), &wrong)
        .err()
        .expect("wrong key");
    assert_eq!(err.code(), "store.key_wrong");
    assert_eq!(std::fs::read(&file).expect("read"), before);
    Store::open_dir(data.path(), &Vault::files(keys.path())).expect("the right key opens it");
}
