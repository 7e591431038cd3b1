//! `POST /v1/claims/{id}/additions`: the counter's answer to "more information needed" — a
//! note and attachments added to a claim that itself never changes. Exactly once, as a
//! claim is: the addition's id is its key (same id and content: the first receipt; other
//! content: 409). Blobs are stored first; then, in one transaction, the addition, its
//! attachments, the claim back to `in_review` (a change in the device's feed) and an audit
//! line — or, if the office no longer asks, nothing.

use crate::api::{self, ApiError};
use crate::limits::RateLimiter;
use crate::spool::{self, Spooled};
use crate::sql::{Db, Step, Value};
use crate::storage::ClaimStorage;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use claimdesk_model::attachment::MAX_CLAIM_BYTES;
use claimdesk_model::wire::{
    is_sha256_hex, AdditionPayload, AdditionReceipt, ServiceStatus, ADDITION_PART, MAX_CLAIM_JSON,
    MAX_REVIEW_NOTE,
};
use claimdesk_model::{now_timestamp, ClaimId, ErrorCode, FieldError};
use std::collections::HashMap;
use std::sync::Arc;

/// The stored addition `id`: its claim, device, content hash and receipt time.
async fn stored(
    db: &impl Db,
    id: ClaimId,
) -> Result<Option<(String, String, String, String)>, ApiError> {
    let rows = db
        .query(
            "SELECT claim_id, device, content_sha256, received_at FROM additions WHERE id = $1",
            vec![id.to_string().into()],
        )
        .await?;
    Ok(rows
        .first()
        .map(|r| (r[0].string(), r[1].string(), r[2].string(), r[3].string())))
}

/// What an addition already stored under this id means for `payload` from `device`.
fn answer_for(
    payload: &AdditionPayload,
    device: &str,
    (claim, owner, hash, received_at): (String, String, String, String),
) -> Result<Response, ApiError> {
    if owner != device || claim != payload.claim_id.to_string() {
        return Err(ApiError::not_found());
    }
    if hash != payload.content_hash() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AdditionConflict,
            "A different addition was already received under this id. Nothing was changed.",
        ));
    }
    Ok((
        StatusCode::OK,
        Json(AdditionReceipt {
            id: payload.id,
            claim_id: payload.claim_id,
            received_at,
        }),
    )
        .into_response())
}

fn not_requested() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::AdditionNotRequested,
        "The office is not asking for more information on this claim; the addition was not stored.",
    )
}

fn check(payload: &AdditionPayload) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if payload.note.trim().is_empty() && payload.attachments.is_empty() {
        errors.push(FieldError::new("note", ErrorCode::AdditionEmpty));
    }
    if payload.note.chars().count() > MAX_REVIEW_NOTE {
        errors.push(
            FieldError::new("note", ErrorCode::TooLong).with("max", MAX_REVIEW_NOTE.to_string()),
        );
    }
    errors.extend(api::attachment_problems(&payload.attachments));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// `POST /v1/claims/{id}/additions` (multipart: the `addition` JSON part first, then one part
/// per attachment named by its SHA-256).
pub async fn post_addition<S: ClaimStorage>(
    State(storage): State<S>,
    Extension(rate): Extension<Arc<RateLimiter>>,
    headers: HeaderMap,
    Path(claim): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let device = api::authenticate(&storage, &rate, &headers).await?;
    let Ok(claim) = claim.parse::<ClaimId>() else {
        return Err(ApiError::not_found());
    };
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected multipart/form-data with an “addition” part: {}",
            e.body_text()
        ))
    })?;
    let answer = receive(&storage, device, claim, &mut multipart).await;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
    answer
}

async fn receive<S: ClaimStorage>(
    storage: &S,
    device: String,
    claim: ClaimId,
    multipart: &mut Multipart,
) -> Result<Response, ApiError> {
    let mut payload: Option<AdditionPayload> = None;
    let mut replay: Option<Response> = None;
    let mut received: HashMap<String, Spooled> = HashMap::new();
    let mut total: u64 = 0;
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == ADDITION_PART {
            if payload.is_some() || replay.is_some() {
                return Err(ApiError::bad_request(
                    "The upload has two “addition” parts.",
                ));
            }
            let bytes = api::read_limited(field, MAX_CLAIM_JSON)
                .await?
                .ok_or_else(api::too_large)?;
            let addition: AdditionPayload = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ClaimJson,
                    format!("The “addition” part is not an addition: {e}"),
                )
            })?;
            if addition.claim_id != claim {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::RequestMalformed,
                    "The addition names another claim than the address it was sent to.",
                ));
            }
            if let Some(found) = stored(storage, addition.id).await? {
                replay = Some(answer_for(&addition, &device, found)?);
                continue;
            }
            check(&addition)?;
            payload = Some(addition);
        } else if is_sha256_hex(&name) {
            if replay.is_some() {
                api::skip(field).await?;
                continue;
            }
            let room = MAX_CLAIM_BYTES.saturating_sub(total);
            let part = spool::spool(&mut field, &storage.spool_dir(), room)
                .await
                .map_err(|e| match e {
                    spool::SpoolError::Read(e) => ApiError::from(e),
                    spool::SpoolError::Write(e) => ApiError::from(e),
                })?
                .ok_or_else(api::too_large)?;
            total += part.size;
            received.insert(name, part);
        } else {
            return Err(ApiError::bad_request(format!(
                "The upload has a part named “{name}”; parts are “addition” and one per attachment named by its SHA-256 in lower-case hex."
            )));
        }
    }
    if let Some(answer) = replay {
        return Ok(answer);
    }
    let payload =
        payload.ok_or_else(|| ApiError::bad_request("The upload has no “addition” part."))?;
    // Only the device's own claim, and only while the office asks.
    let Some((_, receipt)) = storage.find(device.clone(), claim).await? else {
        return Err(ApiError::not_found());
    };
    let asking = ServiceStatus::MoreInfoNeeded;
    if ServiceStatus::parse(&receipt.status) != Some(asking) {
        return Err(not_requested());
    }
    let parts = api::match_parts(&payload.attachments, received)?;
    for (sha256, path) in parts {
        storage.put_blob_file(sha256, path).await?;
    }
    let now = now_timestamp();
    let back = ServiceStatus::InReview;
    debug_assert!(asking.may_move_to(back));
    let id = payload.id.to_string();
    let claim_id = claim.to_string();
    let mut steps = vec![Step::must_change(
        "INSERT INTO additions (id, claim_id, device, content_sha256, note, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        vec![
            id.clone().into(),
            claim_id.clone().into(),
            device.clone().into(),
            payload.content_hash().into(),
            payload.note.clone().into(),
            now.clone().into(),
        ],
    )];
    for (i, a) in payload.attachments.iter().enumerate() {
        steps.push(Step::new(
            "INSERT INTO addition_attachments (addition_id, position, sha256, kind, media_type,
                 byte_size, original_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                id.clone().into(),
                Value::Int(i as i64),
                a.sha256.clone().into(),
                a.kind.as_str().into(),
                a.media_type.clone().into(),
                Value::Int(i64::try_from(a.byte_size).unwrap_or(i64::MAX)),
                a.original_name.clone().into(),
            ],
        ));
    }
    let actor = format!("device:{device}");
    steps.extend([
        Step::must_change(
            "UPDATE claims SET status = $2, status_note = '', updated_at = $3
             WHERE id = $1 AND status = $4",
            vec![
                claim_id.clone().into(),
                back.as_str().into(),
                now.clone().into(),
                asking.as_str().into(),
            ],
        ),
        Step::new(
            "UPDATE devices SET feed_seq = feed_seq + 1 WHERE name = $1",
            vec![device.clone().into()],
        ),
        Step::new(
            "INSERT INTO reviews (device, seq, claim_id, status, note, tracking, actor, at)
             SELECT name, feed_seq, $2, $3, '', NULL, $4, $5 FROM devices WHERE name = $1",
            vec![
                device.clone().into(),
                claim_id.clone().into(),
                back.as_str().into(),
                actor.clone().into(),
                now.clone().into(),
            ],
        ),
        Step::new(
            "INSERT INTO audit (at, actor, address, action, claim_id, detail)
             VALUES ($1, $2, 'device', 'addition', $3, $4)",
            vec![
                now.clone().into(),
                actor.into(),
                claim_id.into(),
                format!(
                    "{} attachment(s); {asking} → {back}",
                    payload.attachments.len()
                )
                .into(),
            ],
        ),
    ]);
    match storage.atomically(steps).await? {
        None => {
            tracing::info!(claim = %claim, addition = %payload.id, %device, "addition received");
            Ok((
                StatusCode::CREATED,
                [(header::LOCATION, format!("/v1/claims/{claim}"))],
                Json(AdditionReceipt {
                    id: payload.id,
                    claim_id: claim,
                    received_at: now,
                }),
            )
                .into_response())
        }
        // Another upload of the same addition won the race: answer as it was stored.
        Some(0) => match stored(storage, payload.id).await? {
            Some(found) => answer_for(&payload, &device, found),
            None => Err(not_requested()),
        },
        // The office moved the claim on meanwhile.
        Some(_) => Err(not_requested()),
    }
}
