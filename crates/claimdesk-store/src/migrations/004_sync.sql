-- Version 4: delivery to the claims service. `queued_at` orders the outbox (oldest first);
-- `sending` is written before a request leaves, so a crash leaves the claim retryable; the
-- case reference and time arrive with the service's receipt; `sync_problem` holds the last
-- reason a send did not succeed ({code, message, errors}) for the clerk to read.
ALTER TABLE claims ADD COLUMN queued_at TEXT;
ALTER TABLE claims ADD COLUMN case_reference TEXT;
ALTER TABLE claims ADD COLUMN sent_at TEXT;
ALTER TABLE claims ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN last_attempt_at TEXT;
ALTER TABLE claims ADD COLUMN sync_problem TEXT;

UPDATE claims SET queued_at = updated_at WHERE status <> 'draft';

CREATE INDEX claims_outbox ON claims (status, queued_at, id);
