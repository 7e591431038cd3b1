//! The pull API for the retailer's systems (`/v1/office/…`): claims changed since a time or
//! a cursor, and their attachments, read-only, with API tokens of their own (`cdo_…`, from
//! `claimdesk-server api-token add`). A device token is refused here, and an API token is
//! refused where devices send.

use super::accounts;
use super::claims;
use crate::api::ApiError;
use crate::storage::ClaimStorage;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use claimdesk_model::ErrorCode;
use serde::Deserialize;

/// How long a change settles before the pull API hands it out ([`crate::Limits::pull_settle`]).
#[derive(Debug, Clone, Copy)]
pub struct Settle(pub std::time::Duration);

/// The API token's name, or `401`.
async fn authenticate<S: ClaimStorage>(
    storage: &S,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    accounts::api_token(storage, token).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::AuthInvalidToken,
            "This API needs an office API token (claimdesk-server api-token add NAME); device tokens are not accepted here.",
        )
    })
}

/// The query of `GET /v1/office/claims`.
#[derive(Debug, Deserialize)]
pub struct ChangedQuery {
    /// Claims received or changed after this time (RFC 3339).
    updated_after: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// `GET /v1/office/claims`: claims received or changed (reviewed, answered) after
/// `updated_after` or after `cursor`, oldest change first, with their review and additions.
pub async fn claims<S: ClaimStorage>(
    State(storage): State<S>,
    axum::Extension(Settle(settle)): axum::Extension<Settle>,
    headers: HeaderMap,
    query: Result<Query<ChangedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    authenticate(&storage, &headers).await?;
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::RequestMalformed,
            format!(
                "updated_after is an RFC 3339 time and cursor a next_cursor: {}",
                e.body_text()
            ),
        )
    })?;
    let after = match q.updated_after.as_deref() {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::RequestMalformed,
                        "updated_after is an RFC 3339 time, e.g. 2026-11-01T00:00:00Z",
                    )
                })?
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
        None => None,
    };
    if q.cursor
        .as_deref()
        .is_some_and(|c| !c.contains('|') || c.len() > 128)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::RequestMalformed,
            "cursor is the next_cursor of a previous page",
        ));
    }
    let page = claims::changed(&storage, after.as_deref(), q.cursor.as_deref(), settle).await?;
    Ok(Json(page).into_response())
}

/// `GET /v1/office/claims/{id}/attachments/{sha256}`: an attachment's bytes.
pub async fn attachment<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    authenticate(&storage, &headers).await?;
    let Ok(id) = id.parse() else {
        return Err(ApiError::not_found());
    };
    let Some(media) = claims::attachment_type(&storage, id, &sha256).await? else {
        return Err(ApiError::not_found());
    };
    let Some(bytes) = storage.read_blob(sha256).await? else {
        return Err(ApiError::not_found());
    };
    let media = if media == "image/jpeg" {
        "image/jpeg"
    } else {
        "application/pdf"
    };
    Ok(([(header::CONTENT_TYPE, media)], bytes).into_response())
}
