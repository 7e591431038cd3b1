-- Version 6: the office. Claims get the columns the office searches and lists by (filled
-- from the claim JSON here, and by the service as claims arrive). Office staff are `users`
-- (passwords as Argon2id PHC strings; repeated failures lock a user for a while), signed in
-- through `sessions` (ids stored only as SHA-256, each with its CSRF token). The retailer's
-- systems read through `api_tokens` (stored only as SHA-256, read-only). A device answers
-- "more information needed" with `additions`, each with its own id (its idempotency key)
-- and attachments. The role list is office::Role (a test compares them).
ALTER TABLE claims ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN product_name TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN serial_number TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN order_id TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
UPDATE claims SET
    country = coalesce(json_extract(claim_json, '$.fields.country'), ''),
    product_name = coalesce(json_extract(claim_json, '$.fields.product_name'), ''),
    serial_number = coalesce(json_extract(claim_json, '$.fields.serial_number'), ''),
    order_id = coalesce(json_extract(claim_json, '$.fields.order_id'), ''),
    contact_name = coalesce(json_extract(claim_json, '$.fields.contact_name'), '');
CREATE INDEX claims_by_serial ON claims (serial_number);
CREATE INDEX claims_by_order ON claims (order_id);

CREATE TABLE users (
    name             TEXT PRIMARY KEY NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
    password_hash    TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    disabled_at      TEXT
) STRICT;

CREATE TABLE sessions (
    id_sha256   TEXT PRIMARY KEY NOT NULL,
    user_name   TEXT NOT NULL REFERENCES users (name),
    csrf        TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    token_sha256  TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
) STRICT;

CREATE TABLE additions (
    id              TEXT PRIMARY KEY NOT NULL,
    claim_id        TEXT NOT NULL REFERENCES claims (id),
    device          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    note            TEXT NOT NULL,
    received_at     TEXT NOT NULL
) STRICT;
CREATE INDEX additions_by_claim ON additions (claim_id, received_at);

CREATE TABLE addition_attachments (
    addition_id    TEXT NOT NULL REFERENCES additions (id),
    position       INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    byte_size      INTEGER NOT NULL,
    original_name  TEXT NOT NULL,
    PRIMARY KEY (addition_id, position)
) STRICT;
CREATE INDEX addition_attachments_by_sha256 ON addition_attachments (sha256);
