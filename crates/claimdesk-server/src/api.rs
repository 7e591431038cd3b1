//! The HTTP API (`openapi.yaml`): preflight, claim intake, claim lookup.

use crate::limits::RateLimiter;
use crate::spool::{self, Spooled};
use crate::storage::{Accepted, ClaimStorage, StorageError};
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use claimdesk_model::attachment::{megabytes, MediaType, MAX_ATTACHMENTS, MAX_CLAIM_BYTES};
use claimdesk_model::wire::{
    is_sha256_hex, AttachmentRef, ClaimPayload, ErrorBody, CLAIM_PART, MAX_BODY_HEADER,
    MAX_CHANGES_PAGE, MAX_CLAIM_JSON,
};
use claimdesk_model::{validate, ClaimId, ErrorCode, FieldError};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

pub use claimdesk_model::wire::MAX_BODY_BYTES;

/// An error answer: status plus the `{code, message, field?, errors}` body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Seconds a `429` asks the client to wait.
    retry_after: Option<u64>,
    /// Boxed: the body is large next to the `Ok` values handlers return.
    body: Box<ErrorBody>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            retry_after: None,
            body: Box::new(ErrorBody::new(code, message)),
        }
    }

    pub(crate) fn invalid(errors: Vec<FieldError>) -> Self {
        let message = errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            retry_after: None,
            body: Box::new(ErrorBody {
                field: errors.first().map(|e| e.field.clone()),
                errors,
                ..ErrorBody::new(
                    ErrorCode::Validation,
                    format!("The claim is not complete: {message}"),
                )
            }),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::RequestMalformed,
            message,
        )
    }

    /// `404` with the error shape (also the router's fallback).
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No such claim or address.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::info!(status = self.status.as_u16(), code = %self.body.code, "refused");
        let mut response = (self.status, Json(*self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StorageError> for ApiError {
    /// What went wrong goes to the log (with the request id); the client gets only the id
    /// to quote — never a path, a database message or anything else inside the service.
    fn from(e: StorageError) -> Self {
        crate::metrics::storage_error();
        let id = crate::request_id();
        tracing::error!(request_id = %id, error = %e, "storage failed");
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
            body: Box::new(ErrorBody {
                params: vec![("request_id".to_owned(), id.clone())],
                ..ErrorBody::new(
                    ErrorCode::ServerStore,
                    format!(
                        "The claims service cannot store or read claims just now. Try again later; if it goes on, give the administrator the request id {id}."
                    ),
                )
            }),
        }
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Self::bad_request(format!("The upload could not be read: {}", e.body_text()))
        }
    }
}

pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ClaimTooLarge,
        format!(
            "The upload is larger than the {MAX_BODY_BYTES} bytes this service accepts per claim. Remove an attachment and send again."
        ),
    )
}

/// `GET /v1/ping`: `204` and the advertised body limit, so a client can tell this service
/// from a captive portal.
pub async fn ping() -> impl IntoResponse {
    (
        StatusCode::NO_CONTENT,
        [(MAX_BODY_HEADER, MAX_BODY_BYTES.to_string())],
    )
}

/// The device behind the request's bearer token, or `401`; `429` (with `Retry-After`) when
/// that device has made more requests this minute than its share.
pub(crate) async fn authenticate(
    storage: &impl ClaimStorage,
    rate: &RateLimiter,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let unauthorized = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::AuthInvalidToken,
            "This device's token is missing, wrong or revoked. Register the device again (claimdesk-server device add).",
        )
    };
    if token.is_empty() {
        return Err(unauthorized());
    }
    let device = storage
        .device_for_token(token)
        .await?
        .ok_or_else(unauthorized)?;
    if let Err(wait) = rate.take(&device, std::time::Instant::now()) {
        let secs = wait.as_secs().max(1);
        return Err(ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("This device sent too many requests; try again in {secs} s."),
            )
        });
    }
    Ok(device)
}

/// `GET /v1/claims/{id}`: the stored claim's receipt. `{id}` may also be its case reference
/// or its claim number (what the customer's receipt shows).
pub async fn get_claim<S: ClaimStorage>(
    State(storage): State<S>,
    Extension(rate): Extension<Arc<RateLimiter>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let device = authenticate(&storage, &rate, &headers).await?;
    // Only the asking device's own claims: another's answers 404, like one never sent.
    let found = match id.parse::<ClaimId>() {
        Ok(id) => storage.find(device, id).await?,
        Err(_) => storage.find_alias(device, id).await?,
    };
    match found {
        Some((_, receipt)) => Ok(Json(receipt).into_response()),
        None => Err(ApiError::not_found()),
    }
}

/// The query of `GET /v1/changes`.
#[derive(Debug, serde::Deserialize)]
pub struct ChangesQuery {
    /// The last change the device has (0 for none).
    #[serde(default)]
    since: u64,
    /// At most this many: 1 to [`MAX_CHANGES_PAGE`] (the default).
    limit: Option<u32>,
}

/// The largest `since` the contract allows (2^53 − 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `GET /v1/changes?since=N`: the office's decisions on the asking device's own claims,
/// numbered after `N`, oldest first. Asking again with the same `since` answers the same
/// changes (and any made since), so a device that lost an answer loses nothing.
pub async fn get_changes<S: ClaimStorage>(
    State(storage): State<S>,
    Extension(rate): Extension<Arc<RateLimiter>>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let device = authenticate(&storage, &rate, &headers).await?;
    let axum::extract::Query(query) = query.map_err(|e| {
        ApiError::bad_request(format!(
            "since is the number of the last change received (0 for none): {}",
            e.body_text()
        ))
    })?;
    // The contract's bound: the largest integer every JSON reader holds exactly.
    if query.since > MAX_SAFE_INTEGER {
        return Err(ApiError::bad_request(format!(
            "since is at most {MAX_SAFE_INTEGER}"
        )));
    }
    let limit = query.limit.unwrap_or(MAX_CHANGES_PAGE);
    if !(1..=MAX_CHANGES_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit is 1 to {MAX_CHANGES_PAGE}"
        )));
    }
    let page = storage.changes(device, query.since, limit).await?;
    Ok(Json(page).into_response())
}

/// `POST /v1/claims`: receive one claim (multipart: the `claim` JSON part first, then one
/// part per attachment named by its SHA-256, in the order the JSON lists them).
pub async fn post_claim<S: ClaimStorage>(
    State(storage): State<S>,
    Extension(rate): Extension<Arc<RateLimiter>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let device = authenticate(&storage, &rate, &headers).await?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected multipart/form-data with a “claim” part: {}",
            e.body_text()
        ))
    })?;
    let answer = receive(&storage, device, &mut multipart).await;
    if let Err(e) = &answer {
        if e.status.is_client_error() && e.status != StatusCode::UNAUTHORIZED {
            crate::metrics::claim(crate::metrics::Outcome::Refused);
        }
    }
    // Read whatever the answer did not need (a replay, a refusal), so the connection stays
    // usable for the device's next claim instead of being closed under it.
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
    answer
}

async fn receive(
    storage: &impl ClaimStorage,
    device: String,
    multipart: &mut Multipart,
) -> Result<Response, ApiError> {
    // Parts may come in any order; ClaimDesk sends the claim first, so for a replay the
    // attachments are only read past, not kept. Every part's name is checked either way: a
    // malformed upload is refused even when its claim was received before.
    let mut payload: Option<ClaimPayload> = None;
    let mut replay: Option<Response> = None;
    // Each attachment part goes to disk as it arrives, hashed on the way (crate::spool).
    let mut received: HashMap<String, Spooled> = HashMap::new();
    let mut total: u64 = 0;
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name != CLAIM_PART && !is_sha256_hex(&name) {
            return Err(ApiError::bad_request(format!(
                "The upload has a part named “{name}”; parts are “claim” and one per attachment named by its SHA-256 in lower-case hex."
            )));
        }
        if name != CLAIM_PART {
            if replay.is_some() {
                skip(field).await?;
            } else {
                let room = MAX_CLAIM_BYTES.saturating_sub(total);
                let part = spool::spool(&mut field, &storage.spool_dir(), room)
                    .await
                    .map_err(|e| match e {
                        spool::SpoolError::Read(e) => ApiError::from(e),
                        spool::SpoolError::Write(e) => ApiError::from(e),
                    })?
                    .ok_or_else(too_large)?;
                total += part.size;
                received.insert(name, part);
            }
            continue;
        }
        if payload.is_some() || replay.is_some() {
            return Err(ApiError::bad_request("The upload has two “claim” parts."));
        }
        let claim = read_claim(field).await?;
        if let Some((hash, receipt)) = storage.find(device.clone(), claim.id).await? {
            replay = Some(match Accepted::for_stored(&claim, &hash, receipt) {
                Accepted::Replay(receipt) => {
                    crate::metrics::claim(crate::metrics::Outcome::Replay);
                    (StatusCode::OK, Json(receipt)).into_response()
                }
                _ => {
                    crate::metrics::claim(crate::metrics::Outcome::Conflict);
                    conflict(claim.id).into_response()
                }
            });
            continue;
        }
        check_claim(&claim)?;
        payload = Some(claim);
    }
    if let Some(answer) = replay {
        return Ok(answer);
    }
    let payload =
        payload.ok_or_else(|| ApiError::bad_request("The upload has no “claim” part."))?;
    let parts = match_parts(&payload.attachments, received)?;
    let bytes: u64 = payload.attachments.iter().map(|a| a.byte_size).sum();
    let stored = storage.receive(device.clone(), payload, parts).await?;
    Ok(match stored {
        Accepted::New(receipt) => {
            crate::metrics::claim(crate::metrics::Outcome::New);
            crate::metrics::bytes_received(bytes);
            tracing::info!(claim = %receipt.id, %device, case_reference = %receipt.case_reference, "claim received");
            let location = format!("/v1/claims/{}", receipt.id);
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(receipt),
            )
                .into_response()
        }
        Accepted::Replay(receipt) => {
            crate::metrics::claim(crate::metrics::Outcome::Replay);
            (StatusCode::OK, Json(receipt)).into_response()
        }
        Accepted::Conflict(receipt) => {
            crate::metrics::claim(crate::metrics::Outcome::Conflict);
            conflict(receipt.id).into_response()
        }
        Accepted::Foreign => {
            crate::metrics::claim(crate::metrics::Outcome::Conflict);
            ApiError::not_found().into_response()
        }
    })
}

fn conflict(id: ClaimId) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::ClaimConflict,
        format!(
            "A different claim with the id {id} was already received. Nothing was changed; send the corrected claim as a new claim."
        ),
    )
}

async fn read_claim(field: Field<'_>) -> Result<ClaimPayload, ApiError> {
    let bytes = read_limited(field, MAX_CLAIM_JSON)
        .await?
        .ok_or_else(too_large)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ClaimJson,
            format!("The “claim” part is not a claim: {e}"),
        )
    })
}

/// Reads past a part whose bytes are not needed.
pub(crate) async fn skip(mut field: Field<'_>) -> Result<(), ApiError> {
    while field.chunk().await?.is_some() {}
    Ok(())
}

/// The part's bytes, or `None` if it is longer than `limit`.
pub(crate) async fn read_limited(
    mut field: Field<'_>,
    limit: usize,
) -> Result<Option<Vec<u8>>, ApiError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if out.len() + chunk.len() > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// The same rules as the app (one source of truth in claimdesk-model), plus the attachment
/// limits.
fn check_claim(payload: &ClaimPayload) -> Result<(), ApiError> {
    let mut errors = validate::validate(&payload.fields)
        .err()
        .unwrap_or_default();
    errors.extend(attachment_problems(&payload.attachments));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// What is wrong with a claim's (or an addition's) list of attachments: too many, too large
/// together, a name that is no SHA-256, a media type the service does not take.
pub(crate) fn attachment_problems(attachments: &[AttachmentRef]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let attachment = |code: ErrorCode| FieldError::new("attachments", code);
    if attachments.len() > MAX_ATTACHMENTS {
        errors.push(
            attachment(ErrorCode::AttachmentsTooMany).with("max", MAX_ATTACHMENTS.to_string()),
        );
    }
    let total: u64 = attachments.iter().map(|a| a.byte_size).sum();
    if total > MAX_CLAIM_BYTES {
        errors.push(
            attachment(ErrorCode::AttachmentsTooLarge)
                .with("total_mb", megabytes(total))
                .with("max_mb", megabytes(MAX_CLAIM_BYTES)),
        );
    }
    for a in attachments {
        if !is_sha256_hex(&a.sha256) {
            errors.push(attachment(ErrorCode::AttachmentsHash).with("sha256", &a.sha256));
        }
        if MediaType::parse(&a.media_type).is_none() {
            errors.push(attachment(ErrorCode::AttachmentsMediaType).with("value", &a.media_type));
        }
    }
    errors
}

/// The attachment parts in the order the claim lists them, each checked against its size
/// and SHA-256; parts the claim does not list are refused.
/// The spooled parts the claim lists, each checked against its size and hash, one per
/// distinct SHA-256 (a file attached twice is one blob), in the order the claim lists them.
pub(crate) fn match_parts(
    attachments: &[AttachmentRef],
    mut received: HashMap<String, Spooled>,
) -> Result<Vec<(String, PathBuf)>, ApiError> {
    let problem = |code: ErrorCode, sha256: &str| {
        ApiError::invalid(vec![
            FieldError::new("attachments", code).with("sha256", sha256)
        ])
    };
    let listed: HashSet<&str> = attachments.iter().map(|a| a.sha256.as_str()).collect();
    if let Some(extra) = received.keys().find(|k| !listed.contains(k.as_str())) {
        return Err(problem(ErrorCode::AttachmentsUnlisted, extra));
    }
    for a in attachments {
        let Some(part) = received.get(&a.sha256) else {
            return Err(problem(ErrorCode::AttachmentsMissing, &a.sha256));
        };
        if part.size != a.byte_size || part.sha256 != a.sha256 {
            return Err(problem(ErrorCode::AttachmentsMismatch, &a.sha256));
        }
    }
    let mut parts = Vec::with_capacity(received.len());
    for a in attachments {
        if let Some(mut part) = received.remove(&a.sha256) {
            if let Some(path) = part.take_path() {
                parts.push((a.sha256.clone(), path));
            }
        }
    }
    Ok(parts)
}
