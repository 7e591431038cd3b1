-- Version 10: a claim that replaces another (a correction of a sent claim, or a claim the
-- service refused as a conflict, sent anew under a new id) names the one it replaces.
ALTER TABLE claims ADD COLUMN supersedes TEXT;
CREATE INDEX claims_by_supersedes ON claims (supersedes) WHERE supersedes IS NOT NULL;
