//! Where to send claims and with which device token, as the clerk set them in Settings.

use crate::{Client, ClientConfig, SyncError};
use claimdesk_model::{ErrorCode, FieldError};
use claimdesk_store::{Result, Store};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

const URL_KEY: &str = "sync.server_url";
const AUTO_KEY: &str = "sync.auto_send";

/// The sync settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettings {
    /// The claims service's address (`https://…`; `http://` only on this computer).
    pub server_url: String,
    /// This device's token, from `claimdesk-server device add`.
    pub device_token: String,
    /// Send queued claims automatically whenever a connection is there.
    pub auto_send: bool,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            server_url: String::new(),
            device_token: String::new(),
            auto_send: true,
        }
    }
}

/// Environment variable naming a server to use when Settings name none.
pub const SERVER_URL_ENV: &str = "CLAIMDESK_SERVER_URL";
/// Environment variable with the device token for [`SERVER_URL_ENV`].
pub const DEVICE_TOKEN_ENV: &str = "CLAIMDESK_DEVICE_TOKEN";

impl SyncSettings {
    /// Server and token from [`SERVER_URL_ENV`] and [`DEVICE_TOKEN_ENV`], if the address is
    /// set (`scripts/run.sh` sets them for the local service it starts).
    pub fn from_env() -> Option<SyncSettings> {
        let url = std::env::var(SERVER_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())?;
        Some(SyncSettings {
            server_url: url,
            device_token: std::env::var(DEVICE_TOKEN_ENV).unwrap_or_default(),
            auto_send: true,
        })
    }

    /// The stored settings; where no server is stored, `fallback` (the local service that
    /// `scripts/run.sh` starts) supplies address and token.
    pub fn load(store: &Store, fallback: Option<&SyncSettings>) -> Result<SyncSettings> {
        let url = store.setting(URL_KEY)?.unwrap_or_default();
        let auto_send = store.setting(AUTO_KEY)?.is_none_or(|v| v != "false");
        if url.is_empty() {
            if let Some(f) = fallback {
                return Ok(SyncSettings {
                    auto_send,
                    ..f.clone()
                });
            }
        }
        Ok(SyncSettings {
            server_url: url,
            device_token: store.device_token()?.unwrap_or_default(),
            auto_send,
        })
    }

    /// Checks the settings and stores them: the token in the vault, then address and
    /// auto-send in one transaction. Nothing is stored if a field is wrong, and if the
    /// database fails the old token is put back (never a new address with the old token, nor
    /// the reverse).
    pub fn save(&self, store: &mut Store) -> std::result::Result<(), SaveError> {
        let errors = self.check();
        if !errors.is_empty() {
            return Err(SaveError::Invalid(errors));
        }
        let old_token = store.device_token()?.unwrap_or_default();
        store.set_device_token(self.device_token.trim())?;
        let saved = store.set_settings(&[
            (URL_KEY, self.server_url.trim()),
            (AUTO_KEY, if self.auto_send { "true" } else { "false" }),
        ]);
        if let Err(e) = saved {
            if let Err(undo) = store.set_device_token(&old_token) {
                tracing::error!(error = %undo, "the old device token could not be put back");
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// A client for the configured service, with these (connect, read) timeouts; an error
    /// says what is missing.
    pub fn client(&self, timeouts: (Duration, Duration)) -> std::result::Result<Client, SyncError> {
        if self.server_url.trim().is_empty() {
            return Err(SyncError::NotConfigured("no server address".to_owned()));
        }
        if self.device_token.trim().is_empty() {
            return Err(SyncError::NotConfigured("no device token".to_owned()));
        }
        let url = server_url(&self.server_url).map_err(|e| SyncError::NotConfigured(e.message))?;
        let mut config = ClientConfig::new(url, self.device_token.trim().to_owned());
        (config.connect_timeout, config.read_timeout) = timeouts;
        Client::new(config)
    }

    /// Every problem with the settings, by field.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(e) = server_url(&self.server_url) {
            errors.push(e);
        }
        let token = self.device_token.trim();
        if !self.server_url.trim().is_empty() && token.is_empty() {
            errors.push(FieldError::new(
                "device_token",
                ErrorCode::SettingsTokenMissing,
            ));
        } else if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.push(FieldError::new(
                "device_token",
                ErrorCode::SettingsTokenFormat,
            ));
        }
        errors
    }
}

/// Why settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A field is wrong.
    #[error("the settings are not valid")]
    Invalid(Vec<FieldError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] claimdesk_store::StoreError),
}

/// Parses a server address: `https://…`, or `http://` to this computer only (claims carry
/// customers' names and addresses and must not cross a network unencrypted).
pub fn server_url(text: &str) -> std::result::Result<Url, FieldError> {
    let bad = |code: ErrorCode| Err(FieldError::new("server_url", code));
    let text = text.trim();
    if text.is_empty() {
        return bad(ErrorCode::SettingsUrlMissing);
    }
    let Ok(mut url) = Url::parse(text) else {
        return bad(ErrorCode::SettingsUrlFormat);
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return bad(ErrorCode::SettingsUrlInsecure),
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_https_except_on_this_computer() {
        for ok in [
            "https://claims.example.com",
            "http://127.0.0.1:8787/",
            "http://localhost:8787",
            "http://[::1]:8787/",
        ] {
            let url = server_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(url.path().ends_with('/'), "{url}");
        }
        for (bad, code) in [
            ("", "settings.url_missing"),
            ("claims.example.com", "settings.url_format"),
            ("http://claims.example.com/", "settings.url_insecure"),
            ("http://192.168.1.10:8787/", "settings.url_insecure"),
            ("ftp://127.0.0.1/", "settings.url_insecure"),
        ] {
            let err = server_url(bad).expect_err(bad);
            assert_eq!(
                (err.field.as_str(), err.code.as_str()),
                ("server_url", code),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_server_needs_a_token_without_spaces() {
        let mut s = SyncSettings {
            server_url: "https://claims.example.com/".into(),
            device_token: String::new(),
            auto_send: true,
        };
        assert_eq!(s.check()[0].code, "settings.token_missing");
        s.device_token = "cdt_abc def".into();
        assert_eq!(s.check()[0].code, "settings.token_format");
        s.device_token = "cdt_abcdef".into();
        assert!(s.check().is_empty());
    }
}
