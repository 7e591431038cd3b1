-- Version 3: a device may hold more than one token while it changes tokens (`device rotate`:
-- the old one keeps working until its grace period ends), and the service records when each
-- device was last seen. Tokens are stored only as SHA-256, as before; `devices.token_sha256`
-- keeps the newest one.
CREATE TABLE device_tokens (
    token_sha256  TEXT PRIMARY KEY NOT NULL,
    device        TEXT NOT NULL REFERENCES devices (name),
    created_at    TEXT NOT NULL,
    expires_at    TEXT
) STRICT;

INSERT INTO device_tokens (token_sha256, device, created_at)
SELECT token_sha256, name, created_at FROM devices WHERE revoked_at IS NULL;

ALTER TABLE devices ADD COLUMN last_seen_at TEXT;

-- A device's own claims, found by case reference or claim number.
CREATE INDEX claims_by_device ON claims (device, id);
