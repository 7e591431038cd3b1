//! The command line, run as a real process against a real store.

use std::path::Path;
use std::process::{Command, Output};

fn cli(data: &Path, args: &[&str]) -> Output {
    cli_in(data, args, "C.UTF-8")
}

/// The CLI run with `LANG=lang` (and no `LC_ALL` / `LC_MESSAGES` to override it).
fn cli_in(data: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimdesk-cli"))
        .arg("--data-dir")
        .arg(data)
        .env("CLAIMDESK_KEY_DIR", data.join(".keys"))
        .args(args)
        .env_remove("CLAIMDESK_DATA_DIR")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .expect("run claimdesk-cli")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn claim_json(id: &str, name: &str, postcode: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "status": "ready",
        "created_at": "2026-11-01T10:00:00.000Z", "updated_at": "2026-11-01T10:05:00.000Z",
        "channel": "amazon", "marketplace": "amazon.de",
        "email": "kunde@example.de", "contact_name": name,
        "order_id": "302-1234567-7654321", "product_name": "PowerCore 10000",
        "sku": "A1263", "serial_number": "SN: FY529241", "purchase_date": "2026-03-14",
        "address_line1": "Friedrichstraße 12", "address_line2": "",
        "country": "DE", "region": "", "city": "Berlin", "postal_code": postcode,
        "phone": "+49 30 1234567", "issue": "Does not charge.", "staff_note": ""
    })
}

#[test]
fn an_empty_store_exports_empty_json_and_a_csv_header() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = cli(dir.path(), &["export", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[]");
    let o = cli(dir.path(), &["export", "--format", "csv"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("id,status,created_at,updated_at,channel,marketplace,email,"));
    assert_eq!(stdout(&o).lines().count(), 1);
    let o = cli(dir.path(), &["list"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
}

#[test]
fn import_reports_bad_rows_keeps_good_ones_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tmp");
    let good_id = "0193a1b2-0000-7000-8000-000000000001";
    let rows = serde_json::json!([
        claim_json(good_id, "Jana Schmidt", "10117"),
        claim_json(
            "0193a1b2-0000-7000-8000-000000000002",
            "Bad Postcode",
            "ABC"
        ),
    ]);
    let file = dir.path().join("claims.json");
    std::fs::write(&file, serde_json::to_string_pretty(&rows).expect("json")).expect("write");
    let data = dir.path().join("data");

    let o = cli(&data, &["import", file.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("imported 1, already present 0, rejected 1"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("claims.json:26: postal_code: This is not a postcode used in Deutschland"),
        "{err}"
    );

    let o = cli(&data, &["import", file.to_str().expect("path")]);
    assert!(
        stdout(&o).contains("imported 0, already present 1, rejected 1"),
        "{}",
        stdout(&o)
    );

    let o = cli(&data, &["list"]);
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(stdout(&o).contains(good_id) && stdout(&o).contains("ready"));

    let o = cli(&data, &["show", good_id]);
    assert!(o.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(shown["serial_number"], "FY529241");
    assert_eq!(shown["phone"], "+49301234567");
    assert_eq!(shown["created_at"], "2026-11-01T10:00:00.000Z");
}

#[test]
fn csv_export_imports_into_another_machine_unchanged() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let file = dir.path().join("in.json");
    let mut row = claim_json(
        "0193a1b2-0000-7000-8000-0000000000aa",
        "Zoë \"Z\" O'Brien, Jr.",
        "10117",
    );
    row["issue"] = "multi\nline, \"quoted\" <b>x</b>; DROP TABLE claims;".into();
    std::fs::write(&file, serde_json::to_string(&[row]).expect("json")).expect("write");
    assert!(cli(&a, &["import", file.to_str().expect("p")])
        .status
        .success());
    let csv = dir.path().join("out.csv");
    let o = cli(
        &a,
        &["export", "--format", "csv", "-o", csv.to_str().expect("p")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(&b, &["import", csv.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ea = stdout(&cli(&a, &["export"]));
    let eb = stdout(&cli(&b, &["export"]));
    assert_eq!(ea, eb);
}

#[test]
fn clear_errors_for_bad_arguments() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = cli(dir.path(), &["show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a claim id"));
    let o = cli(
        dir.path(),
        &["show", "0193a1b2-0000-7000-8000-000000000009"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("No claim with id"));
    let o = cli(dir.path(), &["import", "claims.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("name the file .json or .csv"));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[\n{\"id\": }\n]").expect("write");
    let o = cli(dir.path(), &["import", broken.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.json: line 2"), "{}", stderr(&o));
}

#[test]
fn purge_runs_the_retention_rule_and_a_dry_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (old, unsent) = (
        "0193a1b2-0000-7000-8000-0000000000a1",
        "0193a1b2-0000-7000-8000-0000000000a2",
    );
    let rows = serde_json::json!([
        claim_json(old, "Long Ago", "10117"),
        claim_json(unsent, "Never Sent", "10117")
    ]);
    let file = dir.path().join("claims.json");
    std::fs::write(&file, rows.to_string()).expect("write");
    let data = dir.path().join("data");
    assert!(cli(&data, &["import", file.to_str().expect("utf-8")])
        .status
        .success());
    {
        // One was sent two years ago; the other is old but never went out.
        let store = claimdesk_store::Store::open_dir(
            &data,
            &claimdesk_store::Vault::files(data.join(".keys")),
        )
        .expect("store");
        store
            .connection()
            .expect("conn")
            .execute(
                "UPDATE claims SET status = ?2, case_reference = 'CD-OLD1-0001',
                     sent_at = '2024-11-01T10:00:00.000Z', updated_at = '2024-11-01T10:00:00.000Z'
                 WHERE id = ?1",
                [old, claimdesk_model::Status::Sent.as_str()],
            )
            .expect("age");
    }
    let o = cli(&data, &["purge", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("would remove 0 photos and the personal data of 1 sent claims"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stdout(&cli(&data, &["list"])).lines().count(), 2);
    let o = cli(&data, &["purge"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("removed 0 photos and the personal data of 1 sent claims"));
    let list = stdout(&cli(&data, &["list"]));
    assert_eq!(list.lines().count(), 1);
    assert!(list.contains(unsent));
    let store =
        claimdesk_store::Store::open_dir(&data, &claimdesk_store::Vault::files(data.join(".keys")))
            .expect("store");
    let stone = store
        .tombstone("CD-OLD1-0001")
        .expect("lookup")
        .expect("kept");
    assert_eq!(stone.product_name, "PowerCore 10000");
}

#[test]
fn formulas_in_cells_are_exported_as_text_and_imported_back_byte_exact() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut row = claim_json("0193a1b2-0000-7000-8000-0000000000c1", "=1+1", "10117");
    row["issue"] = "=HYPERLINK(\"http://evil.example\",\"Click\")".into();
    row["staff_note"] = "@SUM(A1)".into();
    row["address_line2"] = "-2".into();
    let json = dir.path().join("claims.json");
    std::fs::write(&json, serde_json::json!([row]).to_string()).expect("write");
    let first = dir.path().join("first");
    let o = cli(&first, &["import", json.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));

    let csv = dir.path().join("claims.csv");
    let o = cli(
        &first,
        &[
            "export",
            "--format",
            "csv",
            "-o",
            csv.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).expect("csv");
    // A spreadsheet opening the file sees text: no cell starts with = + - @.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for record in reader.records() {
        for cell in record.expect("record").iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    assert!(
        text.contains("'=1+1") && text.contains("'@SUM(A1)"),
        "{text}"
    );
    assert!(
        text.contains("'+49301234567"),
        "a phone number is text too: {text}"
    );

    // Imported on another device, every cell is what was typed.
    let second = dir.path().join("second");
    let o = cli(&second, &["import", csv.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let export = |data: &Path| stdout(&cli(data, &["export", "--format", "json"]));
    assert_eq!(export(&second), export(&first));
    assert!(export(&second).contains("\"contact_name\": \"=1+1\""));
}

#[test]
fn import_reports_a_bad_row_in_the_language_of_lang() {
    let dir = tempfile::tempdir().expect("tmp");
    let rows = serde_json::json!([claim_json(
        "0193a1b2-0000-7000-8000-0000000000f1",
        "Jana Schmidt",
        "ABC"
    )]);
    let file = dir.path().join("claims.json");
    std::fs::write(&file, rows.to_string()).expect("write");
    let data = dir.path().join("data");
    let o = cli_in(
        &data,
        &["import", file.to_str().expect("path")],
        "de_DE.UTF-8",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    let de = claimdesk_model::catalogue::catalogue("de");
    let refusal = de["error.postal_code.format"]
        .split('{')
        .next()
        .unwrap_or_default();
    assert!(err.contains(refusal.trim()), "not German: {err}");
    let summary = de["cli.rows_rejected.one"].replace("{count}", "1");
    assert!(err.contains(&summary), "not German: {err}");
    // The machine-readable parts stay as they are: file, line, field; stdout's counts.
    assert!(err.contains("claims.json:1: postal_code: "), "{err}");
    assert!(stdout(&o).contains("rejected 1"), "{}", stdout(&o));
}

#[test]
fn withdraw_takes_a_queued_claim_back_for_good() {
    let dir = tempfile::tempdir().expect("tmp");
    let id = "0193a1b2-0000-7000-8000-0000000000d1";
    let file = dir.path().join("claims.json");
    std::fs::write(
        &file,
        serde_json::json!([claim_json(id, "Jana", "10117")]).to_string(),
    )
    .expect("write");
    let data = dir.path().join("data");
    assert!(cli(&data, &["import", file.to_str().expect("utf-8")])
        .status
        .success());
    let o = cli(&data, &["withdraw", id]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("withdrawn {id} ")),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&cli(&data, &["list"])).contains("withdrawn"));
    let again = cli(&data, &["withdraw", id]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("cannot be withdrawn"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn receipt_writes_the_customers_pdf_on_either_paper() {
    let dir = tempfile::tempdir().expect("tmp");
    let id = "0193a1b2-0000-7000-8000-0000000000e1";
    let file = dir.path().join("claims.json");
    std::fs::write(
        &file,
        serde_json::json!([claim_json(id, "Γιώργος Παπαδόπουλος", "10117")]).to_string(),
    )
    .expect("write");
    let data = dir.path().join("data");
    assert!(cli(&data, &["import", file.to_str().expect("utf-8")])
        .status
        .success());
    let number = claimdesk_model::claim_number::claim_number(id.parse().expect("id"));
    for paper in ["a4", "80mm"] {
        let pdf = dir.path().join(format!("receipt-{paper}.pdf"));
        let path = pdf.to_str().expect("utf-8");
        let o = cli(&data, &["receipt", id, "-o", path, "--paper", paper]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::process::Command::new("pdftotext")
            .args([path, "-"])
            .output()
            .expect("pdftotext (scripts/setup.sh --test installs poppler-utils)");
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Γιώργος Παπαδόπουλος"), "{text}");
        assert!(text.contains(&number), "{text}");
    }
    let bad = cli(&data, &["receipt", id, "-o", "x.pdf", "--paper", "letter"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_bundle_moves_the_queue_with_its_photos_to_another_device_byte_exact() {
    use claimdesk_model::attachment::{sha256_hex, NewAttachment};
    use claimdesk_store::{Store, Vault};
    let dir = tempfile::tempdir().expect("tmp");
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    let open =
        |data: &Path| Store::open_dir(data, &Vault::files(data.join(".keys"))).expect("store");
    let photo: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let queued = claimdesk_model::ClaimId::new();
    {
        let mut store = open(&first);
        store
            .save_draft(queued, &claimdesk_model::sample::valid_fields())
            .expect("draft");
        store
            .add_attachment(
                queued,
                claimdesk_model::Kind::Receipt,
                "IMG_0001.HEIC",
                &NewAttachment {
                    media_type: claimdesk_model::MediaType::Jpeg,
                    bytes: &photo,
                    sha256: &sha256_hex(&photo),
                    width: 640,
                    height: 480,
                    pages: None,
                    thumbnail: Some(b"thumb"),
                },
            )
            .expect("photo");
        store
            .submit(queued, &claimdesk_model::sample::valid_fields())
            .expect("queue");
    }
    let bundle = dir.path().join("queue.json");
    let o = cli(
        &first,
        &[
            "export",
            "--format",
            "bundle",
            "-o",
            bundle.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bundle)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the bundle holds customers' data");
    }

    let o = cli(&second, &["import", bundle.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("imported 1, already present 0, rejected 0"),
        "{}",
        stdout(&o)
    );
    let o = cli(&second, &["import", bundle.to_str().expect("utf-8")]);
    assert!(
        stdout(&o).contains("imported 0, already present 1"),
        "{}",
        stdout(&o)
    );
    {
        let store = open(&second);
        let claim = store.get(queued).expect("get").expect("moved");
        assert_eq!(claim.status, claimdesk_model::Status::Ready);
        assert_eq!(
            claim.fields,
            open(&first)
                .get(queued)
                .expect("get")
                .expect("there")
                .fields
        );
        let attachments = store.attachments(queued).expect("photos");
        assert_eq!(attachments.len(), 1);
        assert_eq!(attachments[0].original_name, "IMG_0001.HEIC");
        assert_eq!(
            attachments[0].thumbnail.as_deref(),
            Some(b"thumb".as_slice())
        );
        let bytes = store
            .attachment_data(attachments[0].id)
            .expect("data")
            .expect("bytes");
        assert_eq!(bytes, photo, "byte-exact");
    }

    // A bundle whose photo was changed on the way is refused, and nothing of that claim kept.
    let text = std::fs::read_to_string(&bundle).expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["claims"][0]["attachments"][0]["data"] = "AAAA".into();
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, value.to_string()).expect("write");
    let third = dir.path().join("third");
    let o = cli(&third, &["import", tampered.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("does not match its SHA-256"),
        "{}",
        stderr(&o)
    );
    assert_eq!(open(&third).count().expect("count"), 0);
}
