-- PostgreSQL version 1: the same service as the SQLite file's migrations 1–3 (devices and
-- their tokens, received claims with their receipts, supersedes and claim numbers, attachment
-- metadata), plus blobs for `--blobs postgres`. Times are RFC 3339 UTC text, as in SQLite, so
-- both stores answer byte-identical receipts.
CREATE TABLE devices (
    name          TEXT PRIMARY KEY,
    token_sha256  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_seen_at  TEXT
);

CREATE TABLE device_tokens (
    token_sha256  TEXT PRIMARY KEY,
    device        TEXT NOT NULL REFERENCES devices (name),
    created_at    TEXT NOT NULL,
    expires_at    TEXT
);

CREATE TABLE claims (
    id              TEXT PRIMARY KEY,
    content_sha256  TEXT NOT NULL,
    case_reference  TEXT NOT NULL UNIQUE,
    device          TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    claim_json      TEXT NOT NULL,
    supersedes      TEXT,
    claim_number    TEXT NOT NULL
);

CREATE INDEX claims_by_received ON claims (received_at, id);
CREATE INDEX claims_by_device ON claims (device, id);
CREATE INDEX claims_by_claim_number ON claims (claim_number);
CREATE INDEX claims_by_supersedes ON claims (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE attachments (
    claim_id       TEXT NOT NULL REFERENCES claims (id),
    position       INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    byte_size      BIGINT NOT NULL,
    original_name  TEXT NOT NULL,
    PRIMARY KEY (claim_id, position)
);

CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    data        BYTEA NOT NULL,
    created_at  TEXT NOT NULL
);
