//! CSV cells a spreadsheet would run as a formula (OWASP's CSV-injection rule): a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel,
//! LibreOffice and Sheets show it as text. A cell that starts with `'` gets one too, so that
//! [`restore`] gives back exactly what [`neutralise`] was given. Every CSV ClaimDesk writes
//! (app, CLI, claims service) goes through here, and its import reverses it.

use std::borrow::Cow;

/// First characters that make a spreadsheet evaluate a cell, plus the escape itself.
const RISKY: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// `cell` as it is safe to write in a CSV file.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if RISKY.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The cell [`neutralise`] was given, from what it wrote. A cell it did not escape comes
/// back as it is.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(|c| RISKY.contains(&c)) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_come_back_byte_exact() {
        for cell in [
            "=1+1",
            "@SUM(A1)",
            "+49 30 1234567",
            "-2",
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "\tx",
            "\rx",
            "'quoted",
            "''",
            "'",
            "plain",
            "",
            "Müller",
        ] {
            let safe = neutralise(cell);
            assert!(
                !safe.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{safe:?}"
            );
            assert_eq!(restore(&safe), cell, "{cell:?}");
        }
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("plain"), "plain");
    }
}
