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
    let fields: Vec<&str> = ClaimFields::NAMES.to_vec();
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
