-- PostgreSQL version 3: the office's review, as the SQLite file's migration 5. A device's
-- moves are numbered by `devices.feed_seq`, incremented in the transaction that records the
-- move: the row lock makes a device's moves commit in number order, so a feed reader that
-- has seen number n has seen every number below it, whichever replica wrote them.
-- The status list is ServiceStatus (a test compares them).
ALTER TABLE claims ADD COLUMN status TEXT NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'in_review', 'approved', 'rejected', 'more_info_needed', 'replacement_shipped', 'closed'));
ALTER TABLE claims ADD COLUMN status_note TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN tracking TEXT;
ALTER TABLE claims ADD COLUMN updated_at TEXT;
UPDATE claims SET updated_at = received_at;
CREATE INDEX claims_by_updated ON claims (updated_at, id);
CREATE INDEX claims_by_status ON claims (status, received_at);

ALTER TABLE devices ADD COLUMN feed_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE reviews (
    device    TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    claim_id  TEXT NOT NULL REFERENCES claims (id),
    status    TEXT NOT NULL,
    note      TEXT NOT NULL,
    tracking  TEXT,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (device, seq)
);
CREATE INDEX reviews_by_claim ON reviews (claim_id, at);

CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    address   TEXT NOT NULL,
    action    TEXT NOT NULL,
    claim_id  TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_by_claim ON audit (claim_id, id) WHERE claim_id IS NOT NULL;
