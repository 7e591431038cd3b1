-- Version 1: the claim. Every field the clerk types is a text column, as typed for a draft
-- and normalised once the claim is `ready`. The status check already allows the states the
-- sync engine will use, so adding sync needs no table rewrite.
CREATE TABLE claims (
    id             TEXT PRIMARY KEY NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('draft', 'ready', 'sending', 'sent', 'needs_attention')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    channel        TEXT NOT NULL DEFAULT '',
    marketplace    TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    contact_name   TEXT NOT NULL DEFAULT '',
    order_id       TEXT NOT NULL DEFAULT '',
    product_name   TEXT NOT NULL DEFAULT '',
    sku            TEXT NOT NULL DEFAULT '',
    serial_number  TEXT NOT NULL DEFAULT '',
    purchase_date  TEXT NOT NULL DEFAULT '',
    address_line1  TEXT NOT NULL DEFAULT '',
    address_line2  TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    postal_code    TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    issue          TEXT NOT NULL DEFAULT '',
    staff_note     TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX claims_by_created ON claims (created_at DESC, id DESC);
