-- Version 6: retention. A sent claim's photos go after a while and its personal data later;
-- what is left of a purged claim is a tombstone, so its case reference can still be looked up.
-- Unsent claims are never purged.
CREATE TABLE tombstones (
    id              TEXT PRIMARY KEY NOT NULL,
    case_reference  TEXT,
    product_name    TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    purged_at       TEXT NOT NULL
) STRICT;

CREATE INDEX tombstones_by_reference ON tombstones (case_reference);

-- When a sent claim's photos were removed (NULL while it still has them).
ALTER TABLE claims ADD COLUMN photos_purged_at TEXT;

-- Sent claims by when they were sent (their last update), for the purge.
CREATE INDEX claims_by_status_updated ON claims (status, updated_at);

-- A deleted claim's words leave the search index at once, instead of lingering in its segments
-- until they happen to merge.
INSERT INTO claims_search (claims_search, rank) VALUES ('secure-delete', 1);
