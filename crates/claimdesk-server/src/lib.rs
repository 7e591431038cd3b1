//! ClaimDesk's reference claims service: the receiving side a retailer can run as is, and
//! the one the app's tests run against. No GUI libraries; axum over one SQLite file.
//!
//! The contract is `openapi.yaml` (served at `/openapi.yaml`).

pub mod api;
pub mod intake;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use claimdesk_core::wire::{CLAIMS_PATH, PING_PATH, SERVER_HEADER};
use intake::Intake;
use std::future::Future;
use std::sync::Arc;

/// The OpenAPI document: the published contract.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// The value of the header on every answer: tells clients this is the real service.
pub const SERVER_ID: &str = concat!("claimdesk-server/", env!("CARGO_PKG_VERSION"), "; api=1");

/// The service's routes over `intake`.
pub fn router(intake: Arc<Intake>) -> Router {
    let body_limit = usize::try_from(api::MAX_BODY_BYTES).unwrap_or(usize::MAX);
    Router::new()
        .route(PING_PATH, get(api::ping))
        .route(CLAIMS_PATH, post(api::post_claim))
        .route(&format!("{CLAIMS_PATH}/{{id}}"), get(api::get_claim))
        .route("/openapi.yaml", get(openapi))
        .fallback(|| async { api::ApiError::not_found() })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(stamp))
        .with_state(intake)
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

async fn stamp(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(SERVER_HEADER, HeaderValue::from_static(SERVER_ID));
    response
}

/// Serves until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    intake: Arc<Intake>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(intake))
        .with_graceful_shutdown(shutdown)
        .await
}
