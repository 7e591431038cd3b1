-- Version 4: the orphan sweep asks, for each blob, whether any attachment names it.
CREATE INDEX attachments_by_sha256 ON attachments (sha256);
