//! Every language ClaimDesk speaks has a complete catalogue: the same keys as English, no
//! placeholder English lacks, none of English's dropped, and every error message renders in
//! every language with its values filled in.

use claimdesk_model::catalogue::{catalogue, fill};
use claimdesk_model::locale::{self, LANGUAGES};
use claimdesk_model::ErrorCode;
use std::collections::BTreeSet;

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            out.insert(after[..len].to_owned());
        }
        rest = after;
    }
    out
}

#[test]
fn every_catalogue_has_exactly_the_english_keys_and_placeholders() {
    let en = catalogue("en");
    assert!(en.len() > 300, "the English catalogue parsed");
    for lang in LANGUAGES {
        let cat = catalogue(lang);
        let missing: Vec<_> = en.keys().filter(|k| !cat.contains_key(*k)).collect();
        let extra: Vec<_> = cat.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang}.json lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{lang}.json has keys English lacks: {extra:?}"
        );
        for (key, english) in en {
            let (theirs, ours) = (placeholders(&cat[key]), placeholders(english));
            assert!(
                theirs.is_subset(&ours),
                "{lang} {key} uses a parameter English does not have: {theirs:?} vs {ours:?}"
            );
            // Plural forms may say "1" where English says {count}; nothing else is dropped.
            let dropped: BTreeSet<_> = ours.difference(&theirs).cloned().collect();
            let allowed = key.ends_with(".one") && dropped.iter().all(|p| p == "count");
            assert!(
                dropped.is_empty() || allowed,
                "{lang} {key} drops {dropped:?}"
            );
        }
    }
}

#[test]
fn every_error_message_renders_in_every_language_with_its_values() {
    let en = catalogue("en");
    for lang in LANGUAGES {
        let cat = catalogue(lang);
        for code in ErrorCode::names() {
            let key = format!("error.{code}");
            let template = cat.get(&key).unwrap_or_else(|| panic!("{lang}: {key}"));
            let params: Vec<(String, String)> = placeholders(&en[&key])
                .into_iter()
                .map(|p| {
                    let value = format!("⟨{p}⟩");
                    (p, value)
                })
                .collect();
            let text = fill(template, &params);
            assert!(!text.contains('{'), "{lang} {key}: unfilled: {text}");
            for (_, value) in &params {
                assert!(
                    text.contains(value.as_str()),
                    "{lang} {key} lost {value}: {text}"
                );
            }
        }
    }
}

#[test]
fn no_long_message_is_left_in_english() {
    let en = catalogue("en");
    for lang in LANGUAGES.into_iter().filter(|l| *l != "en") {
        let cat = catalogue(lang);
        let same: Vec<_> = en
            .iter()
            .filter(|(k, v)| v.chars().count() > 25 && cat[*k] == **v)
            .map(|(k, _)| k)
            .collect();
        assert!(same.is_empty(), "{lang} left these in English: {same:?}");
    }
}

#[test]
fn the_date_forms_follow_the_language() {
    use chrono::NaiveDate;
    let parse = |lang: &str, text: &str| {
        locale::date_forms(lang)
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
    };
    let march_14 = NaiveDate::from_ymd_opt(2026, 3, 14);
    for lang in LANGUAGES {
        assert_eq!(parse(lang, "2026-03-14"), march_14, "{lang}");
        assert_eq!(parse(lang, "14.03.2026"), march_14, "{lang}");
    }
    for lang in ["fr", "es", "it", "de"] {
        assert_eq!(parse(lang, "14/03/2026"), march_14, "{lang}");
    }
    for lang in ["ja", "zh"] {
        assert_eq!(parse(lang, "2026/03/14"), march_14, "{lang}");
    }
    // English never guesses which of 03/04 is the month.
    assert_eq!(parse("en", "03/04/2026"), None);
    assert_eq!(parse("en", "14/03/2026"), None);
}
