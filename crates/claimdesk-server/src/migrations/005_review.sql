-- Version 5: the office's review. A claim has a status (`received` until the office moves
-- it), the last note to the counter and the tracking number of a shipped replacement. Every
-- move is a row of `reviews`, numbered per device with no gaps (`devices.feed_seq` counts a
-- device's moves, and the row lock on it orders them), so each device pulls its own changes
-- in order. Every office action, reviews included, is a row of `audit`.
-- The status list is ServiceStatus (a test compares them).
ALTER TABLE claims ADD COLUMN status TEXT NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'in_review', 'approved', 'rejected', 'more_info_needed', 'replacement_shipped', 'closed'));
ALTER TABLE claims ADD COLUMN status_note TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN tracking TEXT;
ALTER TABLE claims ADD COLUMN updated_at TEXT;
UPDATE claims SET updated_at = received_at;
CREATE INDEX claims_by_updated ON claims (updated_at, id);
CREATE INDEX claims_by_status ON claims (status, received_at);

ALTER TABLE devices ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE reviews (
    device    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    claim_id  TEXT NOT NULL REFERENCES claims (id),
    status    TEXT NOT NULL,
    note      TEXT NOT NULL,
    tracking  TEXT,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) STRICT;
CREATE INDEX reviews_by_claim ON reviews (claim_id, at);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    address   TEXT NOT NULL,
    action    TEXT NOT NULL,
    claim_id  TEXT,
    detail    TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_claim ON audit (claim_id, id) WHERE claim_id IS NOT NULL;
