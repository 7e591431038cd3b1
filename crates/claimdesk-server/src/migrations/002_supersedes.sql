-- Version 2: a claim may replace another (`supersedes` in the claim JSON, kept in a column
-- so the replaced claim can name its replacement), and is found by its claim number as
-- well as by its id or case reference. The claim numbers of claims already stored are
-- filled in by the service after this migration (they are computed from the id).
ALTER TABLE claims ADD COLUMN supersedes TEXT;
ALTER TABLE claims ADD COLUMN claim_number TEXT;
CREATE INDEX claims_by_supersedes ON claims (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX claims_by_claim_number ON claims (claim_number);
