//! The clerk's remembered choices, as key/value text.

use super::{Result, Secret, Store};
use claimdesk_model::ClaimFields;
use rusqlite::{Connection, OptionalExtension};

impl Store {
    /// The stored value of `key`, if any.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        setting_in(&self.conn, key)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        set_setting_in(&self.conn, key, value)
    }

    /// Stores several settings together: all of them or, on failure, none.
    pub fn set_settings(&mut self, pairs: &[(&str, &str)]) -> Result<()> {
        self.write(|tx| {
            for (key, value) in pairs {
                set_setting_in(tx, key, value)?;
            }
            Ok(())
        })
    }
}

/// The stored value of `key` on `conn` (a transaction or the connection).
pub(crate) fn setting_in(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Stores `value` under `key` on `conn`.
pub(crate) fn set_setting_in(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
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

impl Defaults {
    /// The claim fields remembered for the next customer.
    pub const FIELDS: &'static [&'static str] = &["channel", "marketplace", "country"];
}

const CHANNEL_KEY: &str = "default.channel";
const MARKETPLACE_KEY: &str = "default.marketplace";
const COUNTRY_KEY: &str = "default.country";

impl Store {
    /// The remembered channel, Amazon site and country (empty where none yet).
    pub fn defaults(&self) -> Result<Defaults> {
        Ok(Defaults {
            channel: self.setting(CHANNEL_KEY)?.unwrap_or_default(),
            marketplace: self.setting(MARKETPLACE_KEY)?.unwrap_or_default(),
            country: self.setting(COUNTRY_KEY)?.unwrap_or_default(),
        })
    }

    /// Remembers the channel, Amazon site and country of a claim just queued, together.
    pub fn remember_defaults(&mut self, fields: &ClaimFields) -> Result<()> {
        self.write(|tx| remember_defaults_in(tx, fields))
    }
}

/// Remembers the channel, Amazon site and country of `fields` inside the caller's transaction.
pub(crate) fn remember_defaults_in(conn: &Connection, fields: &ClaimFields) -> Result<()> {
    set_setting_in(conn, CHANNEL_KEY, &fields.channel)?;
    if !fields.marketplace.is_empty() {
        set_setting_in(conn, MARKETPLACE_KEY, &fields.marketplace)?;
    }
    set_setting_in(conn, COUNTRY_KEY, &fields.country)
}

/// Where ClaimDesk before encryption at rest kept the device token.
const LEGACY_TOKEN_KEY: &str = "sync.device_token";

impl Store {
    /// This device's token for the claims service, from the vault (not the database).
    pub fn device_token(&self) -> Result<Option<String>> {
        Ok(self
            .vault
            .get(Secret::DeviceToken)?
            .filter(|t| !t.is_empty()))
    }

    /// Keeps `token` in the vault; an empty one removes it.
    pub fn set_device_token(&self, token: &str) -> Result<()> {
        if token.is_empty() {
            self.vault.delete(Secret::DeviceToken)?;
        } else {
            self.vault.set(Secret::DeviceToken, token)?;
        }
        Ok(())
    }

    /// Moves a token an earlier ClaimDesk stored in the database into the vault: kept there
    /// first, then deleted here (a kill in between only repeats the move).
    pub(crate) fn move_token_to_vault(&self) -> Result<()> {
        if let Some(token) = self.setting(LEGACY_TOKEN_KEY)? {
            self.set_device_token(token.trim())?;
            self.conn
                .execute("DELETE FROM settings WHERE key = ?1", [LEGACY_TOKEN_KEY])?;
            tracing::info!("the device token moved to the vault");
        }
        Ok(())
    }
}

/// Whether a claim needs a receipt (or a reason for having none) to be queued.
const PROOF_KEY: &str = "proof.required";

impl Store {
    /// The proof-of-purchase rule: on unless switched off in Settings.
    pub fn proof_required(&self) -> Result<bool> {
        Ok(self.setting(PROOF_KEY)?.is_none_or(|v| v != "false"))
    }

    /// Switches the proof-of-purchase rule on or off.
    pub fn set_proof_required(&self, on: bool) -> Result<()> {
        self.set_setting(PROOF_KEY, if on { "true" } else { "false" })
    }
}

/// The shop or device name printed on receipts.
const SHOP_KEY: &str = "receipt.shop";

impl Store {
    /// The name receipts are printed with: Settings' shop name, else the computer's name.
    pub fn shop_name(&self) -> Result<String> {
        Ok(self
            .setting(SHOP_KEY)?
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(super::paths::computer_name))
    }

    /// The shop name as set in Settings (empty: the computer's name is used).
    pub fn shop_name_setting(&self) -> Result<String> {
        Ok(self.setting(SHOP_KEY)?.unwrap_or_default())
    }

    /// Sets the shop name for receipts (empty: the computer's name).
    pub fn set_shop_name(&self, name: &str) -> Result<()> {
        self.set_setting(SHOP_KEY, name.trim())
    }
}

/// The window's language, when chosen in Settings.
const LANGUAGE_KEY: &str = "ui.language";

impl Store {
    /// The language chosen in Settings on this device (a code such as `de`), or empty: the
    /// computer's language.
    pub fn language_setting(&self) -> Result<String> {
        Ok(self.setting(LANGUAGE_KEY)?.unwrap_or_default())
    }

    /// Chooses the window's language on this device (empty: the computer's).
    pub fn set_language_setting(&self, code: &str) -> Result<()> {
        self.set_setting(LANGUAGE_KEY, code.trim())
    }
}
