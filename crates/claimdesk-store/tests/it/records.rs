//! Export and import formats.

use chrono::NaiveDate;
use claimdesk_model::sample::valid_fields;
use claimdesk_model::ClaimId;
use claimdesk_store::records::{self, Format};
use claimdesk_store::{Store, Vault};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn store_with_two() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    store.submit(ClaimId::new(), &valid_fields()).expect("one");
    let mut f = valid_fields();
    f.issue = "line one\nline \"two\", with comma; <b>html</b> ' OR 1=1 --".into();
    f.contact_name = "Zoë O'Brien, Jr.".into();
    store.submit(ClaimId::new(), &f).expect("two");
    (dir, store)
}

#[test]
fn an_empty_store_exports_an_empty_array_and_a_header_row() {
    let mut json = Vec::new();
    records::write_json(&[], &mut json).expect("json");
    assert_eq!(String::from_utf8(json).expect("utf8").trim(), "[]");
    let mut csv = Vec::new();
    records::write_csv(&[], &mut csv).expect("csv");
    assert_eq!(
        String::from_utf8(csv).expect("utf8").trim(),
        "id,status,created_at,updated_at,channel,marketplace,email,contact_name,order_id,product_name,sku,serial_number,purchase_date,address_line1,address_line2,country,region,city,postal_code,phone,issue,staff_note,\
         claim_number,case_reference,queued_at,sent_at,attempts,problem,supersedes,no_proof_reason,attachments"
    );
}

#[test]
fn json_export_has_every_documented_key() {
    let (_dir, store) = store_with_two();
    let mut out = Vec::new();
    records::write_json(&store.export_all().expect("all"), &mut out).expect("json");
    let v: serde_json::Value = serde_json::from_slice(&out).expect("parse");
    let first = v
        .as_array()
        .and_then(|a| a.first())
        .and_then(|o| o.as_object())
        .expect("object");
    let keys: Vec<&str> = first.keys().map(|k| k.as_str()).collect();
    for k in records::header() {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(first["country"], "DE");
    assert_eq!(first["phone"], "+49301234567");
    assert_eq!(first["channel"], "amazon");
    assert_eq!(first["marketplace"], "amazon.de");
    assert_eq!(first["status"], "ready");
}

#[test]
fn export_then_import_round_trips_in_both_formats() {
    let (_dir, store) = store_with_two();
    let claims = store.all().expect("all");
    let records = store.export_all().expect("export");
    for format in [Format::Json, Format::Csv] {
        let mut out = Vec::new();
        match format {
            Format::Json => records::write_json(&records, &mut out),
            Format::Csv => records::write_csv(&records, &mut out),
        }
        .expect("write");
        let text = String::from_utf8(out).expect("utf8");
        let raws = records::read(&text, format).expect("read");
        assert_eq!(raws.len(), 2);
        for (raw, original) in raws.iter().zip(&claims) {
            let prepared = records::prepare(raw, today()).expect("valid");
            assert_eq!(&prepared, original, "{format:?}");
        }
    }
}

#[test]
fn bad_rows_name_their_line_and_field() {
    let id = ClaimId::new();
    let text = format!(
        "[\n  {{\"id\": \"{id}\", \"channel\": \"ebay\", \"email\": \"x@example.com\", \"contact_name\": \"A\",\n   \"order_id\": \"1\", \"product_name\": \"P\", \"purchase_date\": \"2026-01-01\", \"country\": \"DE\", \"issue\": \"i\"}},\n  {{\"id\": \"not-a-uuid\", \"email\": \"bad\", \"postal_code\": 123, \"country\": \"DE\"}}\n]\n"
    );
    let raws = records::read(&text, Format::Json).expect("read");
    assert_eq!(raws[0].line, 2);
    assert_eq!(raws[1].line, 4);
    assert_eq!(raws[1].fields.postal_code, "123");
    records::prepare(&raws[0], today()).expect("first is fine");
    let errs = records::prepare(&raws[1], today()).expect_err("second is bad");
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"id") && fields.contains(&"email") && fields.contains(&"postal_code"),
        "{fields:?}"
    );
}

#[test]
fn csv_rows_know_their_line_even_with_multiline_cells() {
    let text = "id,email,issue\n,a@b.co,\"two\nlines\"\n,c@d.co,x\n";
    let raws = records::read(text, Format::Csv).expect("read");
    assert_eq!(raws[0].line, 2);
    assert_eq!(raws[1].line, 4);
    let errs = records::prepare(&raws[0], today()).expect_err("no id");
    assert!(errs.iter().any(|e| e.field == "id" && e.code == "required"));
}

#[test]
fn unknown_columns_are_ignored_and_sent_claims_are_refused() {
    let text = format!(
        "id,status,future_column\n{},sent,whatever\n",
        ClaimId::new()
    );
    let raws = records::read(&text, Format::Csv).expect("read");
    let errs = records::prepare(&raws[0], today()).expect_err("sent");
    assert!(errs.iter().any(|e| e.code == "status.not_importable"));
}

#[test]
fn files_that_are_not_exports_get_a_located_error() {
    let err = records::read("{\"id\": 1}", Format::Json).expect_err("not array");
    assert!(err.to_string().contains("line 1"), "{err}");
    let err =
        records::read("[\n {\"id\": \"a\"},\n {\"id\": }\n]", Format::Json).expect_err("broken");
    assert!(err.to_string().starts_with("line 3"), "{err}");
    let err = records::read("[1]", Format::Json).expect_err("not object");
    assert!(err.to_string().contains("object"), "{err}");
    let err = records::read("email,name\na,b\n", Format::Csv).expect_err("no id column");
    assert!(err.to_string().contains("id"), "{err}");
}

#[test]
fn an_export_says_what_happened_to_each_claim_and_what_is_attached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    let id = ClaimId::new();
    store.save_draft(id, &valid_fields()).expect("draft");
    let bytes = b"%PDF-1.4 receipt".to_vec();
    let sha = claimdesk_model::attachment::sha256_hex(&bytes);
    store
        .add_attachment(
            id,
            claimdesk_model::Kind::Receipt,
            "receipt.pdf",
            &claimdesk_model::NewAttachment {
                media_type: claimdesk_model::MediaType::Pdf,
                bytes: &bytes,
                sha256: &sha,
                width: 0,
                height: 0,
                pages: Some(1),
                thumbnail: None,
            },
        )
        .expect("attach");
    store.submit(id, &valid_fields()).expect("queue");
    let records = store.export_all().expect("export");
    let r = &records[0];
    assert_eq!(
        claimdesk_model::claim_number::parse_claim_number(&r.claim_number).as_deref(),
        Some(r.claim_number.as_str())
    );
    assert!(r.queued_at.is_some() && r.sent_at.is_none() && r.case_reference.is_none());
    assert_eq!(r.attachments.len(), 1);
    assert_eq!(r.attachments[0].sha256, sha);
    assert_eq!(r.attachments[0].bytes, bytes.len() as u64);

    let mut csv = Vec::new();
    records::write_csv(&records, &mut csv).expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let row = reader.records().next().expect("a row").expect("row");
    let cell = |name: &str| {
        row.get(headers.iter().position(|h| h == name).expect(name))
            .expect(name)
    };
    assert_eq!(cell("claim_number"), r.claim_number);
    let cell_attachments: serde_json::Value =
        serde_json::from_str(cell("attachments")).expect("one JSON cell");
    assert_eq!(cell_attachments[0]["kind"], "receipt");
    assert_eq!(cell_attachments[0]["media_type"], "application/pdf");
}

#[test]
fn the_apps_export_writes_csv_or_json_by_the_chosen_name_and_keeps_it_private() {
    let (dir, store) = store_with_two();
    let csv = dir.path().join("claims-2026-11-26.csv");
    assert_eq!(store.export_file(&csv).expect("csv"), 2);
    let text = std::fs::read_to_string(&csv).expect("read");
    assert!(text.starts_with("id,status,"));
    assert_eq!(records::read(&text, Format::Csv).expect("csv").len(), 2);
    let json = dir.path().join("claims.JSON");
    store.export_file(&json).expect("json");
    let text = std::fs::read_to_string(&json).expect("read");
    assert_eq!(records::read(&text, Format::Json).expect("json").len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&csv, &json] {
            let mode = std::fs::metadata(f).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
