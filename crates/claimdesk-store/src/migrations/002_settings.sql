-- Version 2: the clerk's remembered choices (usual channel, Amazon site, country), so
-- "Save & next customer" and the next start pre-fill them; and an index for finding the
-- draft to restore.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
) STRICT;

CREATE INDEX claims_by_status ON claims (status, updated_at DESC);
