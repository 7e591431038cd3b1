-- Version 11: what the office decided about a sent claim, as the service's change feed told
-- this device: the status, the note for the counter, the replacement's tracking number, when,
-- and the change's number (a change is applied only over an older one, so pulling a page
-- twice changes nothing). The feed's cursor is a setting per service address.
ALTER TABLE claims ADD COLUMN review_status TEXT;
ALTER TABLE claims ADD COLUMN review_note TEXT;
ALTER TABLE claims ADD COLUMN review_tracking TEXT;
ALTER TABLE claims ADD COLUMN reviewed_at TEXT;
ALTER TABLE claims ADD COLUMN review_seq INTEGER;
