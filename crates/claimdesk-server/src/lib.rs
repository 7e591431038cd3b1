//! ClaimDesk's reference claims service: the receiving side a retailer can run as is, and
//! the one the app's tests run against. No GUI or photo libraries and no HTTP client: axum
//! over a [`ClaimStorage`] — today the embedded SQLite + blob folder ([`intake::Intake`]).
//!
//! The contract is `openapi.yaml` (served at `/openapi.yaml`).

pub mod additions;
pub mod api;
pub mod backend;
pub mod blobs;
pub mod intake;
pub mod limits;
pub mod lookup;
pub mod metrics;
pub mod office;
pub mod pg;
pub mod review;
pub mod spool;
pub mod sql;
pub mod storage;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use claimdesk_model::wire::{CHANGES_PATH, CLAIMS_PATH, LOOKUP_PATH, PING_PATH, SERVER_HEADER};
use std::future::Future;

pub use limits::{Limits, RateLimiter};
pub use storage::ClaimStorage;

/// The OpenAPI document: the published contract.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// The value of the header on every answer: tells clients this is the real service.
pub const SERVER_ID: &str = concat!("claimdesk-server/", env!("CARGO_PKG_VERSION"), "; api=1");

/// The service's routes over `storage`, with the default [`Limits`].
pub fn router<S: ClaimStorage>(storage: S) -> Router {
    router_with(storage, Limits::default())
}

/// The service's routes over `storage` within `limits` (the header timeout is the accept
/// loop's: see [`serve_with`]).
pub fn router_with<S: ClaimStorage>(storage: S, limits: Limits) -> Router {
    let body_limit = usize::try_from(api::MAX_BODY_BYTES).unwrap_or(usize::MAX);
    let idle = limits.body_idle_timeout;
    Router::new()
        .route(PING_PATH, get(api::ping))
        .route(CLAIMS_PATH, post(api::post_claim::<S>))
        .route(&format!("{CLAIMS_PATH}/{{id}}"), get(api::get_claim::<S>))
        .route(
            &format!("{CLAIMS_PATH}/{{id}}/additions"),
            post(additions::post_addition::<S>),
        )
        .route(CHANGES_PATH, get(api::get_changes::<S>))
        .route(
            &format!("{LOOKUP_PATH}/{{key}}"),
            get(lookup::get_lookup::<S>),
        )
        .merge(office::routes::<S>())
        .route("/openapi.yaml", get(openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
        .route("/metrics", get(metrics_text))
        .fallback(|| async { api::ApiError::not_found() })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::Extension(std::sync::Arc::new(RateLimiter::new(
            limits.per_device_per_minute,
        ))))
        .layer(axum::Extension(office::api::Settle(limits.pull_settle)))
        // A body that stops arriving for `idle` ends the request (a slow upload that keeps
        // sending is fine).
        .layer(axum::middleware::map_request(
            move |request: axum::extract::Request| async move {
                request.map(|body| {
                    axum::body::Body::new(tower_http::timeout::TimeoutBody::new(idle, body))
                })
            },
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(
            limits.concurrency.max(1),
        ))
        .layer(axum::middleware::map_response(stamp))
        .layer(axum::middleware::map_request(peer_header))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(storage)
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

/// The connection's peer address, set on each request by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

/// The header the office reads the peer address from: set only here, from [`Peer`]; a
/// client's own is removed.
pub const PEER_HEADER: &str = "x-claimdesk-peer";

async fn peer_header(mut request: axum::extract::Request) -> axum::extract::Request {
    request.headers_mut().remove(PEER_HEADER);
    let peer = request.extensions().get::<Peer>().map(|p| p.0.to_string());
    if let Some(value) = peer.and_then(|p| HeaderValue::from_str(&p).ok()) {
        request.headers_mut().insert(PEER_HEADER, value);
    }
    request
}

/// The header carrying a request's id: taken from the client or a proxy when it is a plain
/// token, else made here; answered on every response and written on every log line.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    /// The id of the request being answered (for error bodies and logs).
    pub static REQUEST_ID: String;
}

/// The current request's id ("-" outside a request).
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".to_owned())
}

fn new_request_id(request: &axum::extract::Request) -> String {
    let given = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match given {
        Some(id) => id.to_owned(),
        None => {
            let mut bytes = [0u8; 8];
            let _ = getrandom::fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// One log line per request: its id, method, path, status and time taken (never a body, a
/// token or anything a customer typed); every line logged while answering carries the id.
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use tracing::Instrument;
    let started = std::time::Instant::now();
    let id = new_request_id(&request);
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    let took = started.elapsed();
    metrics::request(took);
    tracing::info!(
        request_id = %id,
        %method,
        path,
        status = response.status().as_u16(),
        ms = took.as_millis() as u64,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// `GET /healthz`: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Below this much free space where blobs go, the replica says it is not ready.
pub const MIN_FREE_BYTES: u64 = 256 * 1024 * 1024;

/// `GET /readyz`: the database and the blob store answer and the blob store has room.
async fn readyz<S: ClaimStorage>(
    axum::extract::State(storage): axum::extract::State<S>,
) -> Response {
    match storage.ready().await {
        Ok(free) if free >= MIN_FREE_BYTES => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ready", "free_bytes": free})),
        )
            .into_response(),
        Ok(free) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "disk_low", "free_bytes": free})),
        )
            .into_response(),
        Err(e) => {
            metrics::storage_error();
            tracing::error!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "storage_unavailable"})),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus' text format.
async fn metrics_text() -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        metrics::render(),
    )
}

async fn stamp(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(SERVER_HEADER, HeaderValue::from_static(SERVER_ID));
    response
}

/// Serves with the default [`Limits`] until `shutdown` completes, finishing requests in
/// flight.
pub async fn serve<S: ClaimStorage>(
    listener: tokio::net::TcpListener,
    storage: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, storage, shutdown, Limits::default()).await
}

/// Sweeps orphan blobs ([`ClaimStorage::sweep`]) older than `grace` every `every`, for as
/// long as the service runs (several replicas sweeping at once is harmless).
pub async fn sweep_every<S: ClaimStorage>(
    storage: S,
    every: std::time::Duration,
    grace: std::time::Duration,
) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        match storage.sweep(grace).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "orphan blobs swept"),
            Err(e) => {
                metrics::storage_error();
                tracing::error!(error = %e, "orphan sweep failed");
            }
        }
    }
}

/// How long shutdown waits for requests in flight.
pub const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves within `limits` until `shutdown` completes: a client that has not sent its headers
/// within the header timeout is disconnected (a slow-loris client holds nothing), and on
/// shutdown no new connection is taken while requests in flight finish (up to [`DRAIN_FOR`]).
pub async fn serve_with<S: ClaimStorage>(
    listener: tokio::net::TcpListener,
    storage: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let app = router_with(storage, limits);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait a moment rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = tower::ServiceExt::map_request(
                    app.clone(),
                    move |mut request: hyper::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(Peer(peer));
                        request
                    },
                );
                let service = hyper_util::service::TowerToHyperService::new(app);
                let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_FOR, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {DRAIN_FOR:?}; stopping anyway");
    }
    Ok(())
}
