//! ClaimDesk's reference claims service: the receiving side a retailer can run as is, and
//! the one the app's tests run against. No GUI or photo libraries and no HTTP client: axum
//! over a [`ClaimStorage`] — today the embedded SQLite + blob folder ([`intake::Intake`]).
//!
//! The contract is `openapi.yaml` (served at `/openapi.yaml`).

pub mod api;
pub mod intake;
pub mod storage;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use claimdesk_model::wire::{CLAIMS_PATH, PING_PATH, SERVER_HEADER};
use std::future::Future;

pub use storage::ClaimStorage;

/// The OpenAPI document: the published contract.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// The value of the header on every answer: tells clients this is the real service.
pub const SERVER_ID: &str = concat!("claimdesk-server/", env!("CARGO_PKG_VERSION"), "; api=1");

/// The service's routes over `storage`.
pub fn router<S: ClaimStorage>(storage: S) -> Router {
    let body_limit = usize::try_from(api::MAX_BODY_BYTES).unwrap_or(usize::MAX);
    Router::new()
        .route(PING_PATH, get(api::ping))
        .route(CLAIMS_PATH, post(api::post_claim::<S>))
        .route(&format!("{CLAIMS_PATH}/{{id}}"), get(api::get_claim::<S>))
        .route("/openapi.yaml", get(openapi))
        .fallback(|| async { api::ApiError::not_found() })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(stamp))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(storage)
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

/// One log line per request: method, path, status, time taken (never a body or a token).
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

async fn stamp(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(SERVER_HEADER, HeaderValue::from_static(SERVER_ID));
    response
}

/// Serves until `shutdown` completes, finishing requests in flight.
pub async fn serve<S: ClaimStorage>(
    listener: tokio::net::TcpListener,
    storage: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(storage))
        .with_graceful_shutdown(shutdown)
        .await
}
