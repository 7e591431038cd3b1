//! The published contract (`openapi.yaml`) says what the Rust vocabularies say: every enum in
//! it is checked against the enum it was written from, so neither can change alone.

use claimdesk_model::attachment::MAX_ATTACHMENTS;
use claimdesk_model::wire::ServiceStatus;
use claimdesk_model::{Channel, ClaimFields, Kind, MediaType};

const DOC: &str = claimdesk_server::OPENAPI;

/// The lines of schema `name` under `components/schemas` (indented by four spaces).
fn schema(name: &str) -> Vec<&'static str> {
    let head = format!("    {name}:");
    let mut lines = DOC.lines().skip_while(|l| *l != head);
    assert!(lines.next().is_some(), "openapi.yaml has no schema {name}");
    lines
        .take_while(|l| l.starts_with("     ") || l.trim().is_empty())
        .collect()
}

/// The names of a schema's properties, in order.
fn properties(name: &str) -> Vec<String> {
    schema(name)
        .iter()
        .filter(|l| l.starts_with("        ") && !l.starts_with("         "))
        .map(|l| l.trim().trim_end_matches(':').to_owned())
        .collect()
}

/// The lines describing one property of a schema.
fn property(name: &str, prop: &str) -> Vec<&'static str> {
    let head = format!("        {prop}:");
    schema(name)
        .into_iter()
        .skip_while(|l| *l != head)
        .skip(1)
        .take_while(|l| l.starts_with("          "))
        .collect()
}

/// The `enum: [...]` of one property.
fn enum_of(name: &str, prop: &str) -> Vec<String> {
    let line = property(name, prop)
        .into_iter()
        .find_map(|l| l.trim().strip_prefix("enum:"))
        .unwrap_or_else(|| panic!("{name}.{prop} has no enum"));
    line.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|v| v.trim().to_owned())
        .collect()
}

fn names(it: impl Iterator<Item = &'static str>) -> Vec<String> {
    it.map(str::to_owned).collect()
}

#[test]
fn attachment_kinds_and_media_types_are_the_rust_ones() {
    assert_eq!(enum_of("AttachmentRef", "kind"), names(Kind::names()));
    assert_eq!(
        enum_of("AttachmentRef", "media_type"),
        names(MediaType::names())
    );
}

#[test]
fn channels_are_the_rust_ones() {
    assert_eq!(enum_of("ClaimFields", "channel"), names(Channel::names()));
}

#[test]
fn the_receipts_statuses_are_the_rust_ones() {
    assert_eq!(enum_of("Receipt", "status"), names(ServiceStatus::names()));
    assert_eq!(enum_of("Change", "status"), names(ServiceStatus::names()));
    assert_eq!(
        enum_of("OfficeClaim", "status"),
        names(ServiceStatus::names())
    );
}

/// The `status IN (...)` list of a migration's CHECK.
fn status_check(sql: &str) -> Vec<String> {
    let start = sql.find("CHECK (status IN (").expect("a status CHECK") + 18;
    let len = sql[start..].find(')').expect("closed");
    sql[start..start + len]
        .split(',')
        .map(|v| v.trim().trim_matches('\'').to_owned())
        .collect()
}

#[test]
fn the_databases_status_checks_are_the_rust_ones() {
    for sql in [
        include_str!("../../src/migrations/005_review.sql"),
        include_str!("../../src/migrations/pg/003_review.sql"),
    ] {
        assert_eq!(status_check(sql), names(ServiceStatus::names()));
    }
}

#[test]
fn claim_fields_are_the_rust_ones_in_export_order() {
    assert_eq!(
        properties("ClaimFields"),
        names(ClaimFields::NAMES.into_iter())
    );
}

#[test]
fn the_attachment_limit_is_the_rust_one() {
    let max = property("ClaimPayload", "attachments")
        .into_iter()
        .find_map(|l| l.trim().strip_prefix("maxItems:"))
        .map(|n| n.trim().parse::<usize>().expect("a number"));
    assert_eq!(max, Some(MAX_ATTACHMENTS));
}
