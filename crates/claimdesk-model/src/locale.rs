//! The language ClaimDesk speaks in this process, and what follows from it on the Rust side:
//! which catalogue messages come from, how dates are written, which date forms the form
//! accepts. The window chooses it (the computer's language, or Settings); the command line
//! takes it from `LC_ALL` / `LC_MESSAGES` / `LANG`. One process, one language.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The languages ClaimDesk has catalogues for (`ui/i18n/<code>.json`), English first.
pub const LANGUAGES: [&str; 7] = ["en", "de", "fr", "es", "it", "ja", "zh"];

/// Each language's name in itself, for the language picker.
pub const ENDONYMS: [(&str, &str); 7] = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("zh", "中文（简体）"),
];

static CURRENT: AtomicUsize = AtomicUsize::new(0);

/// The supported language `tag` names (`de`, `de-DE`, `de_DE.UTF-8`, `zh-Hans-CN` …), if any.
pub fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag
        .trim()
        .split(['_', '-', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// Sets the process's language (an unsupported tag means English).
pub fn set_language(tag: &str) {
    let code = supported(tag).unwrap_or("en");
    let index = LANGUAGES.iter().position(|l| *l == code).unwrap_or(0);
    CURRENT.store(index, Ordering::Relaxed);
}

/// The process's language.
pub fn language() -> &'static str {
    LANGUAGES[CURRENT.load(Ordering::Relaxed) % LANGUAGES.len()]
}

/// The language the environment asks for, as POSIX orders it: `LC_ALL`, then
/// `LC_MESSAGES`, then `LANG` (`C` / `POSIX` and unsupported languages: English).
pub fn from_env() -> &'static str {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .and_then(|v| supported(&v))
        .unwrap_or("en")
}

/// Which plural form of a message `count` takes in `lang` (CLDR's rules for these
/// languages): `one` or `other`.
pub fn plural_form(lang: &str, count: u64) -> &'static str {
    match lang {
        "ja" | "zh" => "other",
        "fr" if count <= 1 => "one",
        "fr" => "other",
        _ if count == 1 => "one",
        _ => "other",
    }
}

/// How `lang` writes a date and a date with time (chrono patterns), as on its receipts.
pub fn date_patterns(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "de" => ("%d.%m.%Y", "%d.%m.%Y %H:%M"),
        "fr" | "es" | "it" => ("%d/%m/%Y", "%d/%m/%Y %H:%M"),
        "ja" | "zh" => ("%Y/%m/%d", "%Y/%m/%d %H:%M"),
        _ => ("%Y-%m-%d", "%Y-%m-%d %H:%M"),
    }
}

/// The date forms the form accepts in `lang`, besides ISO `YYYY-MM-DD` and `DD.MM.YYYY`
/// (which no locale reads another way): `DD/MM/YYYY` where day-first is the only reading
/// (de, fr, es, it — never in English, where the US reads it month first), `YYYY/MM/DD` in
/// ja and zh.
pub fn date_forms(lang: &str) -> &'static [&'static str] {
    match lang {
        "de" | "fr" | "es" | "it" => &["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"],
        "ja" | "zh" => &["%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d"],
        _ => &["%Y-%m-%d", "%d.%m.%Y"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_as_posix_and_browsers_write_them() {
        assert_eq!(supported("de_DE.UTF-8"), Some("de"));
        assert_eq!(supported("ja-JP"), Some("ja"));
        assert_eq!(supported("zh_CN.UTF-8"), Some("zh"));
        assert_eq!(supported("fr"), Some("fr"));
        assert_eq!(supported("C.UTF-8"), None);
        assert_eq!(supported("pt_BR"), None);
    }

    #[test]
    fn plural_forms_follow_each_languages_rule() {
        assert_eq!(plural_form("en", 0), "other");
        assert_eq!(plural_form("fr", 0), "one");
        assert_eq!(plural_form("de", 1), "one");
        assert_eq!(plural_form("ja", 1), "other");
    }
}
