//! The English message catalogue (`ui/i18n/en.json`): where every error message's words live.
//! The window looks messages up there by code; the Rust side renders the same entries for the
//! `message` a [`FieldError`](crate::FieldError) carries (what the command line prints and a
//! script reads), so the English is written once.

use crate::code::ErrorCode;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The catalogue as shipped with the window.
const ENGLISH: &str = include_str!("../../../ui/i18n/en.json");

fn english() -> &'static HashMap<String, String> {
    static CATALOGUE: OnceLock<HashMap<String, String>> = OnceLock::new();
    // A test parses the file; should it ever not parse, messages fall back to their codes.
    CATALOGUE.get_or_init(|| serde_json::from_str(ENGLISH).unwrap_or_default())
}

/// The English message for `code` — worded for `field` where the catalogue has such an entry
/// (`error.<code>.<field>`), else `error.<code>` — with its `{name}` placeholders filled from
/// `params`. Placeholders without a value stay as they are, as in the window.
pub fn message(code: ErrorCode, field: Option<&str>, params: &[(String, String)]) -> String {
    let cat = english();
    let text = field
        .and_then(|f| cat.get(&format!("error.{code}.{f}")))
        .or_else(|| cat.get(&format!("error.{code}")));
    match text {
        Some(t) => fill(t, params),
        None => code.as_str().to_owned(),
    }
}

/// The English text of any catalogue entry (`receipt.title`, …) with its placeholders filled;
/// the key itself if the catalogue has no such entry.
pub fn text(key: &str, params: &[(String, String)]) -> String {
    english()
        .get(key)
        .map_or_else(|| key.to_owned(), |t| fill(t, params))
}

/// A message that depends on a number: `key.one` for 1, else `key.other`, with `{count}`
/// filled (English plural rules, as the English catalogue is written).
pub fn plural(key: &str, count: u64, params: &[(String, String)]) -> String {
    let form = if count == 1 { "one" } else { "other" };
    let mut all = vec![("count".to_owned(), count.to_string())];
    all.extend_from_slice(params);
    text(&format!("{key}.{form}"), &all)
}

/// `template` with each `{name}` that `params` names replaced by its value.
pub fn fill(template: &str, params: &[(String, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let value = (after[name_len..].starts_with('}'))
            .then(|| &after[..name_len])
            .and_then(|name| params.iter().find(|(k, _)| k == name));
        match value {
            Some((_, v)) => {
                out.push_str(v);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn placeholders_are_filled_like_the_window_does() {
        assert_eq!(fill("{a} and {b}", &[p("a", "1"), p("b", "2")]), "1 and 2");
        assert_eq!(fill("{a} and {missing}", &[p("a", "x")]), "x and {missing}");
        assert_eq!(
            fill("no {} or { x } here {", &[p("x", "y")]),
            "no {} or { x } here {"
        );
        assert_eq!(fill("„{name}“ ✓", &[p("name", "Zoë")]), "„Zoë“ ✓");
    }

    #[test]
    fn a_field_specific_wording_wins() {
        assert_eq!(
            message(ErrorCode::Required, Some("email"), &[]),
            "Enter the customer's email address."
        );
        assert_eq!(
            message(ErrorCode::Required, Some("sku"), &[]),
            "This field is required."
        );
    }
}
