-- Version 12: the clerk's answers to "more information needed". An addition belongs to a
-- sent claim (which itself never changes) and goes through the same states a claim does:
-- draft while the clerk writes it (the note and each photo saved as they come), ready when
-- sent off, sending before its upload starts, then sent or needs_attention. Its photos live
-- beside it, as a claim's do; purging the claim purges its additions.
CREATE TABLE additions (
    id          TEXT PRIMARY KEY NOT NULL,
    claim_id    TEXT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'sending', 'sent', 'needs_attention')),
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    queued_at   TEXT,
    sent_at     TEXT,
    problem     TEXT
) STRICT;
CREATE INDEX additions_by_claim ON additions (claim_id, created_at);
CREATE INDEX additions_outbox ON additions (status, queued_at, id);

CREATE TABLE addition_attachments (
    id             TEXT PRIMARY KEY NOT NULL,
    addition_id    TEXT NOT NULL REFERENCES additions (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('receipt', 'product', 'serial_label', 'other')),
    media_type     TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    byte_size      INTEGER NOT NULL,
    original_name  TEXT NOT NULL DEFAULT '',
    data           BLOB NOT NULL,
    thumbnail      BLOB,
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX addition_attachments_by_addition ON addition_attachments (addition_id, created_at);
