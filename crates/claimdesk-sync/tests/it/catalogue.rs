//! Every connection state the status bar can show has a name in the English catalogue.

use claimdesk_sync::Connection;
use std::collections::BTreeMap;

#[test]
fn every_connection_state_has_a_name() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/i18n/en.json");
    let text = std::fs::read_to_string(path).expect("ui/i18n/en.json");
    let cat: BTreeMap<String, String> = serde_json::from_str(&text).expect("flat JSON");
    let missing: Vec<String> = Connection::names()
        .map(|c| format!("sync.state.{c}"))
        .filter(|k| !cat.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "en.json lacks {missing:?}");
}
