//! The claim number: a short name for a claim that a clerk can read out and a customer can
//! write down, valid from the moment the claim exists (offline, before any sync), with a check
//! character that catches a mistyped or swapped character.
//!
//! It is the last 40 bits of the claim id (a UUID v7's random part) in Crockford's base 32 —
//! digits and capitals without I, L, O and U, so nothing reads as something else — grouped
//! 4 + 4, then a Luhn mod 32 check character: `7KQ2-M9XA-R`. Reading it back forgives case,
//! missing dashes and the look-alikes Crockford allows (`O` for 0, `I`/`L` for 1).

use crate::ClaimId;

/// Crockford's base-32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The claim number of `id`.
pub fn claim_number(id: ClaimId) -> String {
    let bytes = id.as_bytes();
    let tail = bytes[11..16]
        .iter()
        .fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let digits: Vec<u8> = (0..8)
        .rev()
        .map(|i| ((tail >> (i * 5)) & 31) as u8)
        .collect();
    let check = luhn32(&digits);
    let text = |d: &[u8]| -> String { d.iter().map(|&v| ALPHABET[v as usize] as char).collect() };
    format!(
        "{}-{}-{}",
        text(&digits[..4]),
        text(&digits[4..]),
        ALPHABET[check as usize] as char
    )
}

/// `text` as a claim number in its canonical form, if it is one (its check character holds).
pub fn parse_claim_number(text: &str) -> Option<String> {
    let values: Vec<u8> = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(value)
        .collect::<Option<_>>()?;
    let (digits, check) = values.split_at_checked(8)?;
    if check.len() != 1 || luhn32(digits) != check[0] {
        return None;
    }
    let text = |d: &[u8]| -> String { d.iter().map(|&v| ALPHABET[v as usize] as char).collect() };
    Some(format!(
        "{}-{}-{}",
        text(&digits[..4]),
        text(&digits[4..]),
        ALPHABET[check[0] as usize] as char
    ))
}

/// The last ten hex digits of the id of every claim whose number `text` is (the 40 bits the
/// number spells), to find the claim by its number; `None` if `text` is not a claim number.
pub fn id_suffix(text: &str) -> Option<String> {
    let number = parse_claim_number(text)?;
    let tail = number
        .chars()
        .filter(|c| *c != '-')
        .take(8)
        .filter_map(value)
        .fold(0u64, |n, v| (n << 5) | u64::from(v));
    Some(format!("{tail:010x}"))
}

/// A character's value in Crockford's alphabet, with its look-alikes.
fn value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// The Luhn mod 32 check value of `digits` (values 0–31): catches every single wrong
/// character and every swap of two neighbours but `0` ↔ `Z` (Luhn's one blind spot).
fn luhn32(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 32 + doubled % 32
            } else {
                d
            }
        })
        .sum();
    ((32 - sum % 32) % 32) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_reads_back_and_forgives_case_dashes_and_look_alikes() {
        for _ in 0..200 {
            let n = claim_number(ClaimId::new());
            assert_eq!(n.len(), 11, "{n}");
            assert_eq!(parse_claim_number(&n).as_deref(), Some(n.as_str()));
            let sloppy = n
                .to_lowercase()
                .replace('-', " ")
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(
                parse_claim_number(&sloppy).as_deref(),
                Some(n.as_str()),
                "{sloppy}"
            );
        }
    }

    #[test]
    fn a_number_names_the_end_of_its_claims_id() {
        for _ in 0..50 {
            let id = ClaimId::new();
            let suffix = id_suffix(&claim_number(id)).expect("a number");
            assert!(id.to_string().ends_with(&suffix), "{id} {suffix}");
        }
        assert_eq!(id_suffix("not a number"), None);
    }

    #[test]
    fn a_wrong_character_or_a_swap_is_caught() {
        for _ in 0..200 {
            let n = claim_number(ClaimId::new());
            let chars: Vec<char> = n.chars().filter(|c| *c != '-').collect();
            for i in 0..chars.len() {
                for &other in ALPHABET {
                    let mut typo = chars.clone();
                    if typo[i] == other as char {
                        continue;
                    }
                    typo[i] = other as char;
                    let typo: String = typo.into_iter().collect();
                    assert_eq!(parse_claim_number(&typo), None, "{n} → {typo}");
                }
                let blind = |a: char, b: char| matches!((a, b), ('0', 'Z') | ('Z', '0'));
                if i + 1 < chars.len() && chars[i] != chars[i + 1] && !blind(chars[i], chars[i + 1])
                {
                    let mut swapped = chars.clone();
                    swapped.swap(i, i + 1);
                    let swapped: String = swapped.into_iter().collect();
                    assert_eq!(parse_claim_number(&swapped), None, "{n} → {swapped}");
                }
            }
        }
    }

    #[test]
    fn other_text_is_not_a_claim_number() {
        for text in [
            "",
            "CD-7KQ2-M9XA",
            "7KQ2-M9XA",
            "7KQ2-M9XA-RR",
            "UUUU-UUUU-U",
            "!",
        ] {
            assert_eq!(parse_claim_number(text), None, "{text}");
        }
    }
}
