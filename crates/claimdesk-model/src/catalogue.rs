//! The message catalogues (`ui/i18n/<language>.json`): where every message's words live, in
//! every language ClaimDesk speaks. The window looks messages up there by code; the Rust side
//! renders the same entries — in the process's language ([`crate::locale`]) — for the
//! `message` a [`FieldError`](crate::FieldError) carries, the command line's reports, the
//! receipt and the notifications, so each message is written once per language.

use crate::code::ErrorCode;
use crate::locale;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The catalogues as shipped with the window, in [`locale::LANGUAGES`] order.
const FILES: [&str; 7] = [
    include_str!("../../../ui/i18n/en.json"),
    include_str!("../../../ui/i18n/de.json"),
    include_str!("../../../ui/i18n/fr.json"),
    include_str!("../../../ui/i18n/es.json"),
    include_str!("../../../ui/i18n/it.json"),
    include_str!("../../../ui/i18n/ja.json"),
    include_str!("../../../ui/i18n/zh.json"),
];

/// The catalogue of `lang` (English for one ClaimDesk does not speak).
pub fn catalogue(lang: &str) -> &'static HashMap<String, String> {
    static PARSED: [OnceLock<HashMap<String, String>>; 7] = [const { OnceLock::new() }; 7];
    let i = locale::LANGUAGES
        .iter()
        .position(|l| *l == lang)
        .unwrap_or(0);
    // A test parses every file; should one ever not parse, messages fall back to English and
    // then to their keys.
    PARSED[i].get_or_init(|| serde_json::from_str(FILES[i]).unwrap_or_default())
}

/// The entry `key` in the process's language, else in English.
fn lookup(key: &str) -> Option<&'static String> {
    catalogue(locale::language())
        .get(key)
        .or_else(|| catalogue("en").get(key))
}

/// The message for `code` — worded for `field` where the catalogue has such an entry
/// (`error.<code>.<field>`), else `error.<code>` — in the process's language, with its
/// `{name}` placeholders filled from `params`. Placeholders without a value stay as they
/// are, as in the window.
pub fn message(code: ErrorCode, field: Option<&str>, params: &[(String, String)]) -> String {
    let text = field
        .and_then(|f| lookup(&format!("error.{code}.{f}")))
        .or_else(|| lookup(&format!("error.{code}")));
    match text {
        Some(t) => fill(t, params),
        None => code.as_str().to_owned(),
    }
}

/// Any catalogue entry (`receipt.title`, …) in the process's language with its placeholders
/// filled; the key itself if no catalogue has it.
pub fn text(key: &str, params: &[(String, String)]) -> String {
    lookup(key).map_or_else(|| key.to_owned(), |t| fill(t, params))
}

/// A message that depends on a number: `key.one` or `key.other` by the language's plural
/// rule ([`locale::plural_form`]), with `{count}` filled.
pub fn plural(key: &str, count: u64, params: &[(String, String)]) -> String {
    let form = locale::plural_form(locale::language(), count);
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
