-- Version 5: the queue at any size. The list comes a page at a time, newest first, by
-- (created_at, id) (claims_by_created, version 1); filtered by status through the index
-- below; text search goes through an FTS5 index of what a clerk looks a claim up by, kept in
-- step by triggers (external content: the text itself stays only in `claims`).
CREATE INDEX claims_by_status_created ON claims (status, created_at DESC, id DESC);

CREATE VIRTUAL TABLE claims_search USING fts5(
    contact_name, email, phone, order_id, serial_number, product_name, case_reference,
    content = 'claims', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Keyed on the claims' implicit rowid: a full VACUUM may renumber it, so one must be followed
-- by INSERT INTO claims_search (claims_search) VALUES ('rebuild'). Incremental vacuum does not.
INSERT INTO claims_search (claims_search) VALUES ('rebuild');

CREATE TRIGGER claims_search_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_search (rowid, contact_name, email, phone, order_id, serial_number,
        product_name, case_reference)
    VALUES (new.rowid, new.contact_name, new.email, new.phone, new.order_id,
        new.serial_number, new.product_name, coalesce(new.case_reference, ''));
END;

CREATE TRIGGER claims_search_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_search (claims_search, rowid, contact_name, email, phone, order_id,
        serial_number, product_name, case_reference)
    VALUES ('delete', old.rowid, old.contact_name, old.email, old.phone, old.order_id,
        old.serial_number, old.product_name, coalesce(old.case_reference, ''));
END;

CREATE TRIGGER claims_search_update
AFTER UPDATE OF contact_name, email, phone, order_id, serial_number, product_name,
    case_reference ON claims BEGIN
    INSERT INTO claims_search (claims_search, rowid, contact_name, email, phone, order_id,
        serial_number, product_name, case_reference)
    VALUES ('delete', old.rowid, old.contact_name, old.email, old.phone, old.order_id,
        old.serial_number, old.product_name, coalesce(old.case_reference, ''));
    INSERT INTO claims_search (rowid, contact_name, email, phone, order_id, serial_number,
        product_name, case_reference)
    VALUES (new.rowid, new.contact_name, new.email, new.phone, new.order_id,
        new.serial_number, new.product_name, coalesce(new.case_reference, ''));
END;

-- Uploads that failed in a row since the claim was last queued or delivered: after a few, the
-- claim lets the others go first (`attempts` counts every upload ever started).
ALTER TABLE claims ADD COLUMN failed_in_a_row INTEGER NOT NULL DEFAULT 0;

-- Counts per status, kept by triggers, so the window's counts never scan the claims.
CREATE TABLE claim_counts (
    status  TEXT PRIMARY KEY NOT NULL,
    n       INTEGER NOT NULL
) STRICT;
INSERT INTO claim_counts (status, n) SELECT status, count(*) FROM claims GROUP BY status;

CREATE TRIGGER claim_counts_insert AFTER INSERT ON claims BEGIN
    -- Not INSERT OR IGNORE: an outer upsert's conflict rule would override the IGNORE.
    INSERT INTO claim_counts (status, n) SELECT new.status, 0
    WHERE NOT EXISTS (SELECT 1 FROM claim_counts WHERE status = new.status);
    UPDATE claim_counts SET n = n + 1 WHERE status = new.status;
END;

CREATE TRIGGER claim_counts_delete AFTER DELETE ON claims BEGIN
    UPDATE claim_counts SET n = n - 1 WHERE status = old.status;
END;

CREATE TRIGGER claim_counts_update AFTER UPDATE OF status ON claims
WHEN old.status <> new.status BEGIN
    UPDATE claim_counts SET n = n - 1 WHERE status = old.status;
    -- Not INSERT OR IGNORE: an outer upsert's conflict rule would override the IGNORE.
    INSERT INTO claim_counts (status, n) SELECT new.status, 0
    WHERE NOT EXISTS (SELECT 1 FROM claim_counts WHERE status = new.status);
    UPDATE claim_counts SET n = n + 1 WHERE status = new.status;
END;
