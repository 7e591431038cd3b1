//! `GET /v1/lookup/{key}`: a counter finds a claim of its fleet from the customer's receipt
//! (its QR code holds the id; the claim number and case reference are printed) and learns
//! where it stands — status, the office's note, tracking — never what the customer typed. A
//! device without a fleet finds only its own claims; any other answers 404, as for a claim
//! that does not exist. Written once over [`Db`] for both stores.

use crate::api::{self, ApiError};
use crate::limits::RateLimiter;
use crate::sql::{Db, Value};
use crate::storage::{ClaimStorage, StorageError};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use claimdesk_model::claim_number::parse_claim_number;
use claimdesk_model::wire::{is_case_reference, Lookup};
use claimdesk_model::ClaimId;
use std::sync::Arc;

/// The claim `key` names, if `device` sent it or its fleet did.
pub async fn lookup(db: &impl Db, device: &str, key: &str) -> Result<Option<Lookup>, StorageError> {
    let key = key.trim();
    let upper = key.to_ascii_uppercase();
    let (column, value) = if let Ok(id) = key.parse::<ClaimId>() {
        ("id", id.to_string())
    } else if is_case_reference(&upper) {
        ("case_reference", upper)
    } else if let Some(number) = parse_claim_number(&upper) {
        ("claim_number", number)
    } else {
        return Ok(None);
    };
    let rows = db
        .query(
            &format!(
                "SELECT c.id, c.claim_number, c.case_reference, c.received_at, c.status,
                     c.status_note, c.tracking, c.updated_at, c.device
                 FROM claims c JOIN devices d ON d.name = c.device
                 WHERE c.{column} = $1
                   AND (c.device = $2 OR (d.fleet IS NOT NULL
                        AND d.fleet = (SELECT f.fleet FROM devices f WHERE f.name = $2)))
                 LIMIT 2"
            ),
            vec![Value::from(value), device.into()],
        )
        .await?;
    // None, or (very rarely) two claims with one claim number: not found either way.
    let [r] = rows.as_slice() else {
        return Ok(None);
    };
    let Ok(id) = r[0].string().parse::<ClaimId>() else {
        return Ok(None);
    };
    Ok(Some(Lookup {
        id,
        claim_number: r[1].string(),
        case_reference: r[2].string(),
        received_at: r[3].string(),
        status: r[4].string(),
        note: r[5].string(),
        tracking: r[6].text().map(str::to_owned),
        updated_at: r[7].string(),
        yours: r[8].string() == device,
    }))
}

/// Puts `device` in `fleet` (`None`: a fleet of its own); whether it is registered.
pub async fn set_fleet(
    db: &impl Db,
    device: &str,
    fleet: Option<&str>,
) -> Result<bool, StorageError> {
    let n = db
        .execute(
            "UPDATE devices SET fleet = $2 WHERE name = $1",
            vec![device.into(), fleet.map(str::to_owned).into()],
        )
        .await?;
    Ok(n == 1)
}

/// `GET /v1/lookup/{key}`.
pub async fn get_lookup<S: ClaimStorage>(
    State(storage): State<S>,
    Extension(rate): Extension<Arc<RateLimiter>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let device = api::authenticate(&storage, &rate, &headers).await?;
    match lookup(&storage, &device, &key).await? {
        Some(found) => Ok(Json(found).into_response()),
        None => Err(ApiError::not_found()),
    }
}
