-- Version 1: devices (tokens stored only as SHA-256), received claims and their attachments.
-- Attachment bytes live in files named by their SHA-256 under blobs/ in the data folder.
CREATE TABLE devices (
    name          TEXT PRIMARY KEY NOT NULL,
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
) STRICT;

CREATE TABLE claims (
    id              TEXT PRIMARY KEY NOT NULL,
    content_sha256  TEXT NOT NULL,
    case_reference  TEXT NOT NULL UNIQUE,
    device          TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    claim_json      TEXT NOT NULL
) STRICT;

CREATE INDEX claims_by_received ON claims (received_at, id);

CREATE TABLE attachments (
    claim_id       TEXT NOT NULL REFERENCES claims (id),
    position       INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    byte_size      INTEGER NOT NULL,
    original_name  TEXT NOT NULL,
    PRIMARY KEY (claim_id, position)
) STRICT;
