//! The claim's rules, in one place: the form, the import and (later) the server ask the same
//! questions here.
//!
//! [`validate`] either returns the claim's fields in their normalised form (what a `ready`
//! claim stores) or every problem found, one [`FieldError`] per field.

use crate::address;
use crate::claim::{Channel, ClaimFields, AMAZON_MARKETPLACES};
use crate::code::ErrorCode;
use crate::error::FieldError;
use chrono::NaiveDate;
use regex::Regex;
use std::sync::OnceLock;

/// Longest accepted single-line field, in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Longest accepted issue description, in characters.
pub const MAX_ISSUE_CHARS: usize = 20_000;
/// Longest accepted staff note, in characters.
pub const MAX_NOTE_CHARS: usize = 5_000;

/// Checks a claim against every rule, taking today's date from the local clock.
pub fn validate(fields: &ClaimFields) -> Result<ClaimFields, Vec<FieldError>> {
    validate_on(fields, chrono::Local::now().date_naive())
}

/// Checks a claim as [`validate`] does, with `today` given (for tests and imports).
pub fn validate_on(fields: &ClaimFields, today: NaiveDate) -> Result<ClaimFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = ClaimFields::default();
    let mut keep = |r: Result<String, FieldError>| match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    };

    let channel = keep(check_channel(&fields.channel));
    let is_amazon = channel
        .as_deref()
        .and_then(Channel::parse)
        .is_some_and(Channel::needs_marketplace);
    out.marketplace = keep(check_marketplace(&fields.marketplace, is_amazon)).unwrap_or_default();
    out.channel = channel.unwrap_or_default();
    out.email = keep(check_email(&fields.email)).unwrap_or_default();
    out.contact_name =
        keep(required_line("contact_name", &fields.contact_name)).unwrap_or_default();
    out.order_id = keep(check_order_id(&fields.order_id, is_amazon)).unwrap_or_default();
    out.product_name =
        keep(required_line("product_name", &fields.product_name)).unwrap_or_default();
    out.sku = keep(optional_line("sku", &fields.sku).map(|s| s.to_uppercase())).unwrap_or_default();
    out.serial_number = keep(check_serial(&fields.serial_number)).unwrap_or_default();
    out.purchase_date = keep(check_purchase_date(&fields.purchase_date, today)).unwrap_or_default();
    out.address_line1 =
        keep(optional_line("address_line1", &fields.address_line1)).unwrap_or_default();
    out.address_line2 =
        keep(optional_line("address_line2", &fields.address_line2)).unwrap_or_default();
    out.city = keep(optional_line("city", &fields.city)).unwrap_or_default();
    let country = match address::country(&fields.country) {
        Some(c) => Some(c),
        None if fields.country.trim().is_empty() => {
            keep(Err(required("country")));
            None
        }
        None => {
            keep(Err(FieldError::new("country", ErrorCode::CountryUnknown)));
            None
        }
    };
    out.country = country.map(|c| c.code.clone()).unwrap_or_default();
    if let Some(country) = country {
        // A country whose addresses have no region (Germany, France, the UK …) keeps none,
        // even one typed while another country was chosen.
        if country.has_region() {
            out.region = keep(check_region(country, &fields.region)).unwrap_or_default();
        }
        out.postal_code = keep(check_postal_code(country, &fields.postal_code)).unwrap_or_default();
    }
    out.phone = keep(check_phone(&fields.phone, country)).unwrap_or_default();
    out.issue = keep(check_issue(&fields.issue)).unwrap_or_default();
    out.staff_note = keep(check_note(&fields.staff_note)).unwrap_or_default();

    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Every problem with the fields, for showing beside the form while the clerk types.
pub fn problems(fields: &ClaimFields) -> Vec<FieldError> {
    validate(fields).err().unwrap_or_default()
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, ErrorCode::Required)
}

fn too_long(field: &str, max: usize) -> FieldError {
    FieldError::new(field, ErrorCode::TooLong).with("max", max.to_string())
}

fn optional_line(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.chars().count() > MAX_LINE_CHARS {
        return Err(too_long(field, MAX_LINE_CHARS));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(field, ErrorCode::LineControl));
    }
    Ok(t.to_owned())
}

fn required_line(field: &str, text: &str) -> Result<String, FieldError> {
    let t = optional_line(field, text)?;
    if t.is_empty() {
        return Err(required(field));
    }
    Ok(t)
}

fn check_channel(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(required("channel"));
    }
    Channel::parse(t)
        .map(|c| c.as_str().to_owned())
        .ok_or_else(|| FieldError::new("channel", ErrorCode::ChannelUnknown))
}

fn check_marketplace(text: &str, is_amazon: bool) -> Result<String, FieldError> {
    if !is_amazon {
        return Ok(String::new());
    }
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Err(required("marketplace"));
    }
    if AMAZON_MARKETPLACES.contains(&t.as_str()) {
        Ok(t)
    } else {
        Err(FieldError::new(
            "marketplace",
            ErrorCode::MarketplaceUnknown,
        ))
    }
}

/// Checks an email address's shape and lower-cases its domain.
fn check_email(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(required("email"));
    }
    let invalid = || FieldError::new("email", ErrorCode::EmailInvalid);
    if t.chars().count() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = t.rsplit_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.contains(['(', ')', '<', '>', ',', ';', ':', '\\', '"', '[', ']']);
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
        });
    if !local_ok || !domain_ok {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn amazon_order_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\d{3}-\d{7}-\d{7}$").expect("static pattern"))
}

fn check_order_id(text: &str, is_amazon: bool) -> Result<String, FieldError> {
    let t = required_line("order_id", text)?;
    if !is_amazon {
        return Ok(t);
    }
    let compact: String = t
        .trim_start_matches('#')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if amazon_order_re().is_match(&compact) {
        Ok(compact)
    } else {
        Err(FieldError::new("order_id", ErrorCode::OrderIdAmazonFormat)
            .with("example", "123-1234567-1234567"))
    }
}

fn serial_label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:S\s*/\s*N|SN|SERIAL(?:\s*(?:NO|NUMBER|NR))?|SERIES\s*NO)\.?(?:\s*[:#]\s*|\s+)",
        )
        .expect("static pattern")
    })
}

/// Turns what is printed on a serial label (`SN: FY529241`, `sn fy529241`, `S/N FY529241`)
/// into the serial number itself (`FY529241`).
pub fn normalise_serial(text: &str) -> String {
    let t = text.trim();
    let t = serial_label_re().replace(t, "");
    t.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

fn check_serial(text: &str) -> Result<String, FieldError> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    let s = normalise_serial(text);
    let ok = (4..=40).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(s)
    } else {
        Err(
            FieldError::new("serial_number", ErrorCode::SerialNumberInvalid)
                .with("example", "FY529241"),
        )
    }
}

fn check_purchase_date(text: &str, today: NaiveDate) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(required("purchase_date"));
    }
    // ISO (2026-03-31), the dotted day-first form printed on European receipts
    // (31.03.2026), and the slashed form of the clerk's language only where that language
    // reads it one way (31/03/2026 in fr/es/it/de, 2026/03/31 in ja/zh): 03/04/2026 means
    // different days in different countries, so English refuses it.
    let date = crate::locale::date_forms(crate::locale::language())
        .iter()
        .find_map(|form| NaiveDate::parse_from_str(t, form).ok())
        .ok_or_else(|| FieldError::new("purchase_date", ErrorCode::PurchaseDateInvalid))?;
    if date > today {
        return Err(FieldError::new(
            "purchase_date",
            ErrorCode::PurchaseDateFuture,
        ));
    }
    if date < NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(date) {
        return Err(FieldError::new(
            "purchase_date",
            ErrorCode::PurchaseDateTooOld,
        ));
    }
    Ok(date.format("%Y-%m-%d").to_string())
}

fn check_region(country: &address::Country, text: &str) -> Result<String, FieldError> {
    let t = optional_line("region", text)?;
    if t.is_empty() || country.regions.is_empty() {
        return Ok(t);
    }
    address::find_region(country, &t)
        .map(|r| r.key.clone())
        .ok_or_else(|| {
            FieldError::new("region", ErrorCode::RegionUnknown)
                .with("value", t.as_str())
                .with("region_label", country.region_label.clone())
                .with("country", country.name.clone())
        })
}

fn check_postal_code(country: &address::Country, text: &str) -> Result<String, FieldError> {
    let t = optional_line("postal_code", text)?;
    if t.is_empty() {
        return Ok(t);
    }
    address::normalise_postal_code(country, &t).ok_or_else(|| {
        let example = country.postal_code_example.clone().unwrap_or_default();
        FieldError::new("postal_code", ErrorCode::PostalCodeFormat)
            .with("country", country.name.clone())
            .with("example", example)
    })
}

fn check_phone(text: &str, country: Option<&address::Country>) -> Result<String, FieldError> {
    let t = optional_line("phone", text)?;
    if t.is_empty() {
        return Ok(t);
    }
    let t = match t.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => t,
    };
    let region: Option<phonenumber::country::Id> = country.and_then(|c| c.code.parse().ok());
    let where_ = country
        .map(|c| c.name.as_str())
        .unwrap_or("the customer's country");
    let invalid = || FieldError::new("phone", ErrorCode::PhoneInvalid).with("country", where_);
    let number = phonenumber::parse(region, &t).map_err(|_| invalid())?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

fn check_issue(text: &str) -> Result<String, FieldError> {
    if text.trim().is_empty() {
        return Err(required("issue"));
    }
    if text.chars().count() > MAX_ISSUE_CHARS {
        return Err(too_long("issue", MAX_ISSUE_CHARS));
    }
    Ok(text.to_owned())
}

fn check_note(text: &str) -> Result<String, FieldError> {
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(too_long("staff_note", MAX_NOTE_CHARS));
    }
    Ok(text.to_owned())
}
