//! The clerk's remembered choices, as key/value text.

use super::{Result, Store};
use rusqlite::OptionalExtension;

impl Store {
    /// The stored value of `key`, if any.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// The clerk's usual choices, pre-filled on every new claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Defaults {
    /// Usual purchase channel.
    pub channel: String,
    /// Usual Amazon site.
    pub marketplace: String,
    /// Usual country.
    pub country: String,
}

impl Store {
    /// The remembered channel, Amazon site and country (empty where none yet).
    pub fn defaults(&self) -> Result<Defaults> {
        Ok(Defaults {
            channel: self.setting("default.channel")?.unwrap_or_default(),
            marketplace: self.setting("default.marketplace")?.unwrap_or_default(),
            country: self.setting("default.country")?.unwrap_or_default(),
        })
    }

    /// Remembers the channel, Amazon site and country of a claim just queued.
    pub fn remember_defaults(&self, fields: &crate::ClaimFields) -> Result<()> {
        self.set_setting("default.channel", &fields.channel)?;
        if !fields.marketplace.is_empty() {
            self.set_setting("default.marketplace", &fields.marketplace)?;
        }
        self.set_setting("default.country", &fields.country)
    }
}
