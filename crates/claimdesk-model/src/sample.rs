//! Sample claims for tests and benchmarks across the workspace (one copy, not one per crate).

use crate::ClaimFields;

/// A complete, valid claim as a clerk in Germany would type it.
pub fn valid_fields() -> ClaimFields {
    ClaimFields {
        channel: "amazon".into(),
        marketplace: "amazon.de".into(),
        email: "jana.schmidt@Example.DE".into(),
        contact_name: "Jana Schmidt".into(),
        order_id: "302-1234567-7654321".into(),
        product_name: "PowerCore 10000".into(),
        sku: "a1263".into(),
        serial_number: "SN: fy529241".into(),
        purchase_date: "2026-03-14".into(),
        address_line1: "Friedrichstraße 12".into(),
        address_line2: "Hinterhaus, 3. OG".into(),
        country: "DE".into(),
        region: String::new(),
        city: "Berlin".into(),
        postal_code: "10117".into(),
        phone: "030 1234567".into(),
        issue: "Does not charge any more; LED blinks twice.".into(),
        staff_note: "Customer has the box.".into(),
    }
}
