//! Every validation rule, with good and bad cases.

use chrono::NaiveDate;
use claimdesk_model::address;
use claimdesk_model::sample::valid_fields;
use claimdesk_model::validate::{normalise_serial, validate_on};
use claimdesk_model::{ClaimFields, FieldError};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn errors(f: &ClaimFields) -> Vec<FieldError> {
    validate_on(f, today()).expect_err("should be invalid")
}

fn error_for(f: &ClaimFields, field: &str) -> FieldError {
    errors(f)
        .into_iter()
        .find(|e| e.field == field)
        .unwrap_or_else(|| panic!("expected an error for {field}"))
}

fn ok(f: &ClaimFields) -> ClaimFields {
    validate_on(f, today()).unwrap_or_else(|e| panic!("should be valid: {e:?}"))
}

#[test]
fn a_complete_claim_is_valid_and_normalised() {
    let n = ok(&valid_fields());
    assert_eq!(n.email, "jana.schmidt@example.de");
    assert_eq!(n.serial_number, "FY529241");
    assert_eq!(n.sku, "A1263");
    assert_eq!(n.phone, "+49301234567");
    assert_eq!(n.country, "DE");
    assert_eq!(n.postal_code, "10117");
    assert_eq!(n.marketplace, "amazon.de");
}

#[test]
fn an_empty_claim_names_every_required_field() {
    let errs = errors(&ClaimFields::default());
    let mut fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "channel",
            "contact_name",
            "country",
            "email",
            "issue",
            "order_id",
            "product_name",
            "purchase_date"
        ]
    );
    assert!(errs.iter().all(|e| e.code == "required"));
    assert!(errs
        .iter()
        .all(|e| e.message.starts_with("Enter") || e.message.starts_with("Choose")));
}

#[test]
fn whitespace_only_counts_as_empty() {
    let mut f = valid_fields();
    f.contact_name = " \t ".into();
    assert_eq!(error_for(&f, "contact_name").code, "required");
}

#[test]
fn channel_must_be_one_of_four() {
    for c in ["own_store", "amazon", "ebay", "reseller"] {
        let mut f = valid_fields();
        f.channel = c.into();
        f.order_id = "302-1234567-7654321".into();
        ok(&f);
    }
    let mut f = valid_fields();
    f.channel = "aliexpress".into();
    assert_eq!(error_for(&f, "channel").code, "channel.unknown");
}

#[test]
fn amazon_needs_a_known_marketplace() {
    let mut f = valid_fields();
    f.marketplace = String::new();
    assert_eq!(error_for(&f, "marketplace").code, "required");
    f.marketplace = "amazon.nl".into();
    assert_eq!(error_for(&f, "marketplace").code, "marketplace.unknown");
    f.marketplace = " Amazon.CO.UK ".into();
    assert_eq!(ok(&f).marketplace, "amazon.co.uk");
}

#[test]
fn marketplace_is_cleared_when_not_amazon() {
    let mut f = valid_fields();
    f.channel = "ebay".into();
    f.order_id = "12-34567-89012".into();
    assert_eq!(ok(&f).marketplace, "");
}

#[test]
fn amazon_order_ids_have_the_3_7_7_shape() {
    let mut f = valid_fields();
    for good in [
        "123-1234567-1234567",
        " 123-1234567-1234567 ",
        "#123-1234567-1234567",
        "123 - 1234567 - 1234567",
    ] {
        f.order_id = good.into();
        assert_eq!(ok(&f).order_id, "123-1234567-1234567", "{good}");
    }
    for bad in [
        "123-123456-1234567",
        "1231234567 1234567",
        "ABC-1234567-1234567",
        "123-1234567-12345678",
    ] {
        f.order_id = bad.into();
        let e = error_for(&f, "order_id");
        assert_eq!(e.code, "order_id.amazon_format", "{bad}");
        assert!(e.message.contains("123-1234567-1234567"));
    }
}

#[test]
fn other_channels_accept_their_own_order_ids() {
    let mut f = valid_fields();
    f.channel = "own_store".into();
    f.order_id = "  AK-2018-000123 ".into();
    assert_eq!(ok(&f).order_id, "AK-2018-000123");
}

#[test]
fn email_rules() {
    let mut f = valid_fields();
    for good in [
        "a@b.co",
        "first.last+tag@sub.example.com",
        "josé@exämple.de",
        "o'brien@example.ie",
    ] {
        f.email = good.into();
        ok(&f);
    }
    for bad in [
        "plainaddress",
        "@example.com",
        "name@",
        "name@example",
        "name@@example.com",
        "name @example.com",
        "name@exa mple.com",
        ".name@example.com",
        "na..me@example.com",
        "name@-example.com",
        "name@example.c",
        "name@example..com",
        "name@127.0.0.1",
    ] {
        f.email = bad.into();
        assert_eq!(error_for(&f, "email").code, "email.invalid", "{bad}");
    }
}

#[test]
fn serial_numbers_are_read_off_the_label() {
    for (typed, want) in [
        ("SN: FY529241", "FY529241"),
        ("sn fy529241", "FY529241"),
        ("S/N: A1234567", "A1234567"),
        ("Serial No. ab 12 cd", "AB12CD"),
        ("series no.: axxxxxxx", "AXXXXXXX"),
        ("FY529241", "FY529241"),
        ("SNA12345", "SNA12345"),
    ] {
        assert_eq!(normalise_serial(typed), want, "{typed}");
    }
    let mut f = valid_fields();
    f.serial_number = String::new();
    assert_eq!(ok(&f).serial_number, "");
    for bad in ["SN:", "ab", "FY52#9241", "序列号1234"] {
        f.serial_number = bad.into();
        assert_eq!(
            error_for(&f, "serial_number").code,
            "serial_number.invalid",
            "{bad}"
        );
    }
}

#[test]
fn purchase_date_is_a_real_date_not_in_the_future() {
    let mut f = valid_fields();
    f.purchase_date = "2026-11-25".into();
    ok(&f);
    f.purchase_date = "2026-11-26".into();
    assert_eq!(error_for(&f, "purchase_date").code, "purchase_date.future");
    f.purchase_date = "14.03.2026".into();
    assert_eq!(ok(&f).purchase_date, "2026-03-14");
    for bad in ["2026-02-30", "03/14/2026", "yesterday"] {
        f.purchase_date = bad.into();
        assert_eq!(
            error_for(&f, "purchase_date").code,
            "purchase_date.invalid",
            "{bad}"
        );
    }
    // A two-digit year reads as the year 26, which the clerk is asked to check.
    f.purchase_date = "14.3.26".into();
    assert_eq!(error_for(&f, "purchase_date").code, "purchase_date.too_old");
    f.purchase_date = "1989-12-31".into();
    assert_eq!(error_for(&f, "purchase_date").code, "purchase_date.too_old");
}

#[test]
fn all_54_seed_countries_are_offered_by_their_own_names() {
    let c = address::countries();
    assert_eq!(c.len(), 54);
    let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
    for expected in [
        "Azərbaycan",
        "Česko",
        "Ísland",
        "Magyarország",
        "Österreich",
        "Türkiye",
        "UK",
        "Ελλάδα",
        "Қазақстан",
        "საქართველო",
        "日本",
    ] {
        assert!(names.contains(&expected), "{expected}");
    }
    assert_eq!(address::country("gb").map(|c| c.name.as_str()), Some("UK"));
    let mut codes: Vec<&str> = c.iter().map(|c| c.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 54, "codes are unique");
}

#[test]
fn every_country_validates_its_own_example_postcode() {
    for c in address::countries() {
        if let Some(example) = &c.postal_code_example {
            assert!(
                address::normalise_postal_code(c, example).is_some(),
                "{} rejects its own example {example}",
                c.code
            );
        }
    }
}

#[test]
fn postcode_format_depends_on_the_country() {
    let mut f = valid_fields();
    f.postal_code = "1011".into();
    let e = error_for(&f, "postal_code");
    assert_eq!(e.code, "postal_code.format");
    assert!(
        e.message.contains("Deutschland") && e.message.contains("26133"),
        "{}",
        e.message
    );

    f.country = "GB".into();
    f.phone = String::new();
    f.postal_code = "sw1a  2aa".into();
    assert_eq!(ok(&f).postal_code, "SW1A 2AA");
    f.postal_code = "12345".into();
    assert_eq!(error_for(&f, "postal_code").code, "postal_code.format");

    f.country = "NL".into();
    f.postal_code = "1012 ab".into();
    assert_eq!(ok(&f).postal_code, "1012 AB");

    f.country = "JP".into();
    f.postal_code = "154-0023".into();
    ok(&f);
}

#[test]
fn unknown_country_is_rejected() {
    let mut f = valid_fields();
    f.country = "XX".into();
    assert_eq!(error_for(&f, "country").code, "country.unknown");
}

#[test]
fn regions_come_from_the_country_list() {
    let mut f = valid_fields();
    f.country = "US".into();
    f.postal_code = "95014".into();
    f.phone = "+1 650 253 0000".into();
    f.region = "california".into();
    assert_eq!(ok(&f).region, "CA");
    f.region = "ca".into();
    assert_eq!(ok(&f).region, "CA");
    f.region = "Bavaria".into();
    let e = error_for(&f, "region");
    assert_eq!(e.code, "region.unknown");
    assert!(
        e.message.contains("state of United States"),
        "{}",
        e.message
    );
    // Where the country has no list, any single line is fine.
    f.country = "EE".into();
    f.postal_code = "69501".into();
    f.phone = String::new();
    f.region = "Harju maakond".into();
    assert_eq!(ok(&f).region, "Harju maakond");
    // Where its addresses have no region at all, none is kept (one typed while another
    // country was chosen is dropped).
    f.country = "DE".into();
    f.postal_code = "80331".into();
    f.region = "Bayern".into();
    assert_eq!(ok(&f).region, "");
}

#[test]
fn phone_is_normalised_to_e164_with_the_country_as_default() {
    let mut f = valid_fields();
    for (typed, want) in [
        ("030 1234567", "+49301234567"),
        ("+49 30 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ] {
        f.phone = typed.into();
        assert_eq!(ok(&f).phone, want, "{typed}");
    }
    f.country = "GB".into();
    f.postal_code = "SW1A 2AA".into();
    f.phone = "020 7946 0958".into();
    assert_eq!(ok(&f).phone, "+442079460958");
    for bad in ["12", "not a number", "+49 30", "030 12345678901234"] {
        f.phone = bad.into();
        assert_eq!(error_for(&f, "phone").code, "phone.invalid", "{bad}");
    }
}

#[test]
fn lengths_are_bounded_with_a_clear_message() {
    let mut f = valid_fields();
    f.contact_name = "x".repeat(201);
    let e = error_for(&f, "contact_name");
    assert_eq!(e.code, "too_long");
    assert!(e.message.contains("200"));
    f = valid_fields();
    f.issue = "y".repeat(20_001);
    assert_eq!(error_for(&f, "issue").code, "too_long");
}

#[test]
fn single_line_fields_refuse_line_breaks() {
    let mut f = valid_fields();
    f.city = "Berlin\nMitte".into();
    assert_eq!(error_for(&f, "city").code, "line.control");
}

#[test]
fn unicode_rtl_and_long_text_pass_unchanged() {
    let mut f = valid_fields();
    f.contact_name = "محمد بن سلمان".into();
    f.address_line1 = "שדרות רוטשילד 1".into();
    f.city = "Zürich – Ω 東京".into();
    f.issue = "Лампа не горить. 🔋\n".repeat(500); // about 10 KB
    assert!(f.issue.len() > 10_000);
    let n = ok(&f);
    assert_eq!(n.contact_name, f.contact_name);
    assert_eq!(n.address_line1, f.address_line1);
    assert_eq!(n.city, f.city);
    assert_eq!(n.issue, f.issue);
}

#[test]
fn every_error_has_a_field_code_and_message() {
    let f = ClaimFields {
        channel: "amazon".into(),
        email: "nope".into(),
        country: "US".into(),
        postal_code: "x".into(),
        region: "nowhere".into(),
        phone: "1".into(),
        serial_number: "!!".into(),
        purchase_date: "soon".into(),
        ..Default::default()
    };
    for e in errors(&f) {
        assert!(
            !e.field.is_empty() && !e.code.is_empty() && e.message.len() > 10,
            "{e:?}"
        );
        assert!(e.message.ends_with('.'), "{e:?}");
    }
}
