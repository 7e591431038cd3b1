//! Every code and vocabulary value the UI can meet has an entry in the English catalogue
//! (`ui/i18n/en.json`), and the catalogue has no error entry for a code Rust does not know.
//! This is what makes a second language one more file.

use claimdesk_model::{Channel, ClaimFields, ErrorCode, Kind, Status};
use std::collections::BTreeMap;

fn catalogue() -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/i18n/en.json");
    let text = std::fs::read_to_string(path).expect("ui/i18n/en.json");
    serde_json::from_str(&text).expect("a flat JSON object of strings")
}

fn missing(keys: impl Iterator<Item = String>) -> Vec<String> {
    let cat = catalogue();
    keys.filter(|k| !cat.contains_key(k)).collect()
}

#[test]
fn every_error_code_has_a_message() {
    let missing = missing(ErrorCode::names().map(|c| format!("error.{c}")));
    assert!(missing.is_empty(), "en.json lacks {missing:?}");
}

#[test]
fn every_error_message_belongs_to_a_code() {
    // `error.<code>` or, worded per field, `error.<code>.<field>`.
    let fields: Vec<&str> = ClaimFields::NAMES
        .into_iter()
        .chain(claimdesk_model::claim::HEAD_COLUMNS)
        .collect();
    let orphans: Vec<String> = catalogue()
        .into_keys()
        .filter_map(|k| k.strip_prefix("error.").map(str::to_owned))
        .filter(|k| {
            let per_field = k.rsplit_once('.').is_some_and(|(code, field)| {
                ErrorCode::parse(code).is_some() && fields.contains(&field)
            });
            ErrorCode::parse(k).is_none() && !per_field
        })
        .collect();
    assert!(
        orphans.is_empty(),
        "en.json has messages for unknown codes: {orphans:?}"
    );
}

#[test]
fn every_status_kind_and_channel_has_a_name() {
    let keys = Status::names()
        .map(|s| format!("status.{s}"))
        .chain(Kind::names().map(|k| format!("kind.{k}")))
        .chain(Channel::names().map(|c| format!("channel.{c}")))
        .chain(ClaimFields::NAMES.iter().map(|f| format!("field.{f}")));
    let missing = missing(keys);
    assert!(missing.is_empty(), "en.json lacks {missing:?}");
}

#[test]
fn rust_messages_are_the_catalogues_with_every_placeholder_filled() {
    let bad = [
        ClaimFields {
            channel: "amazon".into(),
            marketplace: "amazon.nl".into(),
            email: "nope".into(),
            order_id: "12".into(),
            country: "US".into(),
            postal_code: "x".into(),
            region: "nowhere".into(),
            phone: "1".into(),
            serial_number: "!!".into(),
            purchase_date: "soon".into(),
            contact_name: "a\tb".into(),
            issue: "x".repeat(30_000),
            ..Default::default()
        },
        ClaimFields {
            channel: "market stall".into(),
            country: "XX".into(),
            purchase_date: "1989-12-31".into(),
            ..Default::default()
        },
        ClaimFields {
            purchase_date: "2999-01-01".into(),
            ..Default::default()
        },
    ];
    let cat = catalogue();
    let mut codes = std::collections::BTreeSet::new();
    for fields in &bad {
        for e in claimdesk_model::validate::problems(fields) {
            assert!(
                !e.message.contains('{'),
                "a placeholder left unfilled: {e:?}"
            );
            let template = cat
                .get(&format!("error.{}.{}", e.code, e.field))
                .or_else(|| cat.get(&format!("error.{}", e.code)))
                .expect("a catalogue entry");
            let params: Vec<(String, String)> = e.params.clone();
            assert_eq!(
                e.message,
                claimdesk_model::catalogue::fill(template, &params)
            );
            codes.insert(e.code);
        }
    }
    // The battery above reaches every validation code.
    for code in [
        "required",
        "too_long",
        "line.control",
        "channel.unknown",
        "marketplace.unknown",
        "email.invalid",
        "order_id.amazon_format",
        "serial_number.invalid",
        "purchase_date.invalid",
        "purchase_date.future",
        "purchase_date.too_old",
        "country.unknown",
        "region.unknown",
        "postal_code.format",
        "phone.invalid",
    ] {
        assert!(codes.contains(code), "{code} not reached");
    }
}
