-- Version 7: a claim the clerk takes back before it is sent is `withdrawn`: kept in the list
-- (who and when), never sent, its attachments dropped. The status CHECK gains the new name in
-- the migration's hook (schema.rs), from the Rust enum: only the CHECK changes, which SQLite
-- documents as safe to do by editing the schema text (https://sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"); rebuilding the table would cascade-delete
-- its attachments.
ALTER TABLE claims ADD COLUMN withdrawn_at TEXT;
ALTER TABLE claims ADD COLUMN withdrawn_by TEXT;
