-- Version 3: attachments (receipts, invoices, product and serial-label photos), stored in the
-- same file as their claim so one transaction covers both: a crash never leaves a claim
-- pointing at a missing photo, or a photo without its claim.
CREATE TABLE attachments (
    id             TEXT PRIMARY KEY NOT NULL,
    claim_id       TEXT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('receipt', 'product', 'serial_label', 'other')),
    media_type     TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    byte_size      INTEGER NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    pages          INTEGER,
    original_name  TEXT NOT NULL DEFAULT '',
    data           BLOB NOT NULL,
    thumbnail      BLOB,
    created_at     TEXT NOT NULL
) STRICT;

CREATE INDEX attachments_by_claim ON attachments (claim_id, created_at);
