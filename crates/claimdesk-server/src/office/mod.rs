//! The back office under `/office`: server-rendered pages (askama, auto-escaped) where
//! reviewers find, inspect and decide claims and admins manage devices and users; and the
//! pull API under `/v1/office` for the retailer's systems.
//!
//! Security rules, each stated here once:
//! - every page answers with a strict CSP (nothing but this origin's CSS and images, no
//!   script at all), `nosniff`, no framing, no referrer, no caching;
//! - the session cookie is `__Host-`, Secure, HttpOnly, SameSite=Strict, and a fresh id is
//!   issued at every sign-in (a planted id never becomes a session);
//! - every form carries the session's CSRF token (the sign-in form a pre-session one), and a
//!   POST without the right one changes nothing;
//! - customer-typed text reaches pages only through the templates' escaping, and CSV only
//!   through [`claimdesk_model::spreadsheet::neutralise`].

pub mod accounts;
pub mod api;
pub mod claims;
mod pages;

use crate::storage::ClaimStorage;
use axum::routing::{get, post};
use axum::Router;

claimdesk_model::vocabulary! {
    /// What an office user may do.
    pub enum Role ("office role") {
        /// Find, inspect and decide claims; read the audit log.
        Reviewer = "reviewer",
        /// All a reviewer may, and manage devices and users.
        Admin = "admin",
    }
}

/// Where the office lives.
pub const OFFICE: &str = "/office";

/// The office's routes (pages and the pull API) over `storage`.
pub fn routes<S: ClaimStorage>() -> Router<S> {
    Router::new()
        .route("/office", get(pages::home))
        .route("/office/", get(pages::home))
        .route("/office/office.css", get(pages::css))
        .route(
            "/office/sign-in",
            get(pages::sign_in_form).post(pages::sign_in::<S>),
        )
        .route("/office/sign-out", post(pages::sign_out::<S>))
        .route("/office/claims", get(pages::claims::<S>))
        .route("/office/claims.csv", get(pages::claims_csv::<S>))
        .route("/office/claims/{id}", get(pages::claim::<S>))
        .route("/office/claims/{id}/review", post(pages::review::<S>))
        .route(
            "/office/claims/{id}/attachments/{sha256}",
            get(pages::attachment::<S>),
        )
        .route("/office/audit", get(pages::audit::<S>))
        .route("/office/audit.csv", get(pages::audit_csv::<S>))
        .route(
            "/office/devices",
            get(pages::devices::<S>).post(pages::device_add::<S>),
        )
        .route(
            "/office/devices/{name}/{action}",
            post(pages::device_act::<S>),
        )
        .route(
            "/office/users",
            get(pages::users::<S>).post(pages::user_add::<S>),
        )
        .route(
            "/office/users/{name}/disable",
            post(pages::user_disable::<S>),
        )
        .route("/v1/office/claims", get(api::claims::<S>))
        .route(
            "/v1/office/claims/{id}/attachments/{sha256}",
            get(api::attachment::<S>),
        )
}
