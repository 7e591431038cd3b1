//! A full disk is never reported as saved: the CLI imports into a data folder on a real, tiny
//! filesystem (a 2 MiB tmpfs in a private mount namespace) until the disk fills. It must stop
//! with the disk-full error, and the claims it said were saved must be exactly the ones there.

use claimdesk_model::ClaimId;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

const CLAIMS: usize = 6_000;

/// Runs `script` as root of a private mount namespace (unprivileged user namespace where the
/// kernel allows one, else root's own), so it can mount a tmpfs no one else sees.
fn in_mount_namespace(script: &str, env: &[(&str, &Path)]) -> std::process::Output {
    let attempts: [&[&str]; 2] = [&["--user", "--map-root-user", "--mount"], &["--mount"]];
    let mut last = None;
    for flags in attempts {
        let out = Command::new("unshare")
            .args(flags)
            .args(["sh", "-c", script])
            .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .output()
            .expect("unshare (util-linux) runs");
        if out.status.success() {
            return out;
        }
        last = Some(out);
    }
    let out = last.expect("tried");
    panic!(
        "cannot mount a tmpfs in a private namespace here: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_full_disk_stops_the_import_and_nothing_unsaved_is_reported_saved() {
    let dir = tempfile::tempdir().expect("tmp");
    let rows: Vec<serde_json::Value> = (0..CLAIMS)
        .map(|i| {
            serde_json::json!({
                "id": ClaimId::new().to_string(),
                "created_at": "2026-11-01T10:00:00.000Z", "updated_at": "2026-11-01T10:00:00.000Z",
                "channel": "ebay", "email": format!("c{i}@example.com"),
                "contact_name": format!("Customer {i}"), "order_id": format!("EB-{i}"),
                "product_name": "Soundcore Life Q30", "purchase_date": "2026-02-01",
                "country": "FR", "postal_code": "75001", "city": "Paris",
                "issue": format!("Claim {i}: {}", "left ear cup crackles. ".repeat(20)),
            })
        })
        .collect();
    let file = dir.path().join("claims.json");
    std::fs::write(&file, serde_json::to_string(&rows).expect("json")).expect("write");
    let (data, keys, out) = (
        dir.path().join("data"),
        dir.path().join("keys"),
        dir.path().join("out"),
    );
    for d in [&data, &out] {
        std::fs::create_dir(d).expect("dir");
    }
    let script = r#"
        set -u
        mount -t tmpfs -o size=2m tmpfs "$DATA" || exit 1
        "$CLI" --data-dir "$DATA" import "$FILE" --progress >"$OUT/import.out" 2>"$OUT/import.err"
        echo $? >"$OUT/import.rc"
        "$CLI" --data-dir "$DATA" export --format json -o "$OUT/after.json" 2>"$OUT/export.err"
        echo $? >"$OUT/export.rc"
    "#;
    in_mount_namespace(
        script,
        &[
            ("CLI", Path::new(env!("CARGO_BIN_EXE_claimdesk-cli"))),
            ("DATA", &data),
            ("FILE", &file),
            ("OUT", &out),
            ("CLAIMDESK_KEY_DIR", &keys),
        ],
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
    let err = read("import.err");
    assert_eq!(read("import.rc").trim(), "2", "the import fails: {err}");
    assert!(err.contains("disk is full"), "{err}");
    assert_eq!(read("export.rc").trim(), "0", "{}", read("export.err"));

    let saved: Vec<String> = read("import.out")
        .lines()
        .filter_map(|l| l.strip_prefix("saved ").map(str::to_owned))
        .collect();
    let after: Vec<serde_json::Value> =
        serde_json::from_str(&read("after.json")).expect("export json");
    let there: HashSet<String> = after
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(there.len(), after.len(), "no claim twice");
    assert!(
        !saved.is_empty() && saved.len() < CLAIMS,
        "the disk filled part-way ({} of {CLAIMS} saved)",
        saved.len()
    );
    assert_eq!(
        saved.iter().cloned().collect::<HashSet<_>>(),
        there,
        "exactly the claims reported saved are there"
    );
}
