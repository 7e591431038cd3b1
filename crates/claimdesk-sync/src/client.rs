//! The HTTP side of sending: the preflight and the multipart upload (reqwest, rustls).

use crate::outcome::{
    classify, classify_addition, classify_changes, classify_lookup, classify_ping, Answer,
    SyncError,
};
use claimdesk_model::wire::{
    additions_path, AdditionReceipt, ChangesPage, Lookup, Receipt, ADDITION_PART, CHANGES_PATH,
    CLAIMS_PATH, CLAIM_PART, LOOKUP_PATH, MAX_BODY_HEADER, PING_PATH, SERVER_HEADER,
};
use claimdesk_model::ClaimId;
use claimdesk_store::additions::OutgoingAddition;
use claimdesk_store::Outgoing;
use reqwest::multipart::{Form, Part};
use reqwest::{Body, Url};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for a connection to the service.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence from the service while it should be answering.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the client reaches the service.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The service's base address, e.g. `https://claims.example.com/`.
    pub server_url: Url,
    /// This device's bearer token.
    pub token: String,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for the service (per read, so slow uplinks still work).
    pub read_timeout: Duration,
}

impl ClientConfig {
    /// A configuration with the usual timeouts.
    pub fn new(server_url: Url, token: String) -> Self {
        Self {
            server_url,
            token,
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
        }
    }
}

/// Called with (bytes handed to the connection, total bytes) while an upload runs.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A connection to one claims service.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

const CHUNK: usize = 64 * 1024;

impl Client {
    /// A client for `config`. It never follows redirects (a redirect is never success) and
    /// never uses a proxy: claims go to the configured service and nowhere else.
    pub fn new(config: ClientConfig) -> Result<Self, SyncError> {
        // TLS through rustls with the ring provider (aws-lc would need cmake and minutes of
        // C build for the same ciphers). Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("ClaimDesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::NotConfigured(e.to_string()))?;
        Ok(Self { http, config })
    }

    fn url(&self, path: &str) -> Result<Url, SyncError> {
        self.config
            .server_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| SyncError::NotConfigured(format!("bad server address: {e}")))
    }

    /// The preflight: succeeds only if the claims service itself answers `204`; returns the
    /// largest upload it accepts, if it says.
    pub async fn ping(&self) -> Result<Option<u64>, SyncError> {
        let response = self
            .http
            .get(self.url(PING_PATH)?)
            .bearer_auth(&self.config.token)
            .send()
            .await
            .map_err(network_error)?;
        let max_body = header(&response, MAX_BODY_HEADER).and_then(|v| v.parse().ok());
        classify_ping(Head::of(&response).answer(&[]))?;
        Ok(max_body)
    }

    /// Bytes the upload of `out` will carry (claim JSON and attachments, before framing).
    pub fn payload_bytes(out: &Outgoing) -> u64 {
        serde_json::to_vec(&out.payload).map_or(0, |j| j.len() as u64) + out.attachment_bytes()
    }

    /// Posts one claim as `multipart/form-data` (the claim JSON, then one binary part per
    /// attachment) and classifies the answer.
    pub async fn send(&self, out: &Outgoing, progress: Progress) -> Result<Receipt, SyncError> {
        // Plain structs of strings and numbers always serialise.
        let json = serde_json::to_vec(&out.payload).unwrap_or_default();
        let total = json.len() as u64 + out.attachment_bytes();
        let done = Arc::new(AtomicU64::new(json.len() as u64));
        let mut form = Form::new().part(
            CLAIM_PART,
            Part::bytes(json)
                .mime_str("application/json")
                .map_err(network_error)?,
        );
        for (a, data) in out.payload.attachments.iter().zip(&out.parts) {
            let body = counted_body(data.clone(), done.clone(), total, progress.clone());
            let part = Part::stream_with_length(body, data.len() as u64)
                .file_name(a.sha256.clone())
                .mime_str(&a.media_type)
                .map_err(network_error)?;
            form = form.part(a.sha256.clone(), part);
        }
        let response = self
            .http
            .post(self.url(CLAIMS_PATH)?)
            .bearer_auth(&self.config.token)
            .multipart(form)
            .send()
            .await
            .map_err(network_error)?;
        let head = Head::of(&response);
        let body = response.bytes().await.map_err(network_error)?;
        progress(total, total);
        classify(out.payload.id, head.answer(&body))
    }
}

impl Client {
    /// Asks the service whether it has claim `id` (`GET /v1/claims/{id}`): its receipt if so,
    /// `None` only when the service itself says it has none. Anything else (offline, a login
    /// page, a proxy's 404) is an error: "not found" must come from the service.
    pub async fn find(&self, id: ClaimId) -> Result<Option<Receipt>, SyncError> {
        let response = self
            .http
            .get(self.url(&format!("{CLAIMS_PATH}/{id}"))?)
            .bearer_auth(&self.config.token)
            .send()
            .await
            .map_err(network_error)?;
        let head = Head::of(&response);
        let body = response.bytes().await.map_err(network_error)?;
        if head.status == 404 && head.from_service {
            return Ok(None);
        }
        classify(id, head.answer(&body)).map(Some)
    }
}

/// Changes asked for per request: small enough that each page is one short transaction.
pub const FEED_PAGE: u32 = 100;

impl Client {
    /// The office's decisions on this device's claims numbered after `since`
    /// (`GET /v1/changes`), one page.
    pub async fn changes(&self, since: u64) -> Result<ChangesPage, SyncError> {
        let response = self
            .http
            .get(self.url(&format!("{CHANGES_PATH}?since={since}&limit={FEED_PAGE}"))?)
            .bearer_auth(&self.config.token)
            .send()
            .await
            .map_err(network_error)?;
        let head = Head::of(&response);
        let body = response.bytes().await.map_err(network_error)?;
        classify_changes(since, head.answer(&body))
    }

    /// Posts one addition (the `addition` JSON, then one part per attachment).
    pub async fn send_addition(
        &self,
        out: &OutgoingAddition,
    ) -> Result<AdditionReceipt, SyncError> {
        let json = serde_json::to_vec(&out.payload).unwrap_or_default();
        let mut form = Form::new().part(
            ADDITION_PART,
            Part::bytes(json)
                .mime_str("application/json")
                .map_err(network_error)?,
        );
        for (a, data) in out.payload.attachments.iter().zip(&out.parts) {
            let part = Part::bytes(data.clone())
                .file_name(a.sha256.clone())
                .mime_str(&a.media_type)
                .map_err(network_error)?;
            form = form.part(a.sha256.clone(), part);
        }
        let response = self
            .http
            .post(self.url(&additions_path(out.payload.claim_id))?)
            .bearer_auth(&self.config.token)
            .multipart(form)
            .send()
            .await
            .map_err(network_error)?;
        let head = Head::of(&response);
        let body = response.bytes().await.map_err(network_error)?;
        classify_addition(out.payload.id, head.answer(&body))
    }

    /// Where a claim of this device's fleet stands (`GET /v1/lookup/{key}`: its id, case
    /// reference or claim number); `None` only when the service itself says it knows none.
    pub async fn lookup(&self, key: &str) -> Result<Option<Lookup>, SyncError> {
        let key: String = key
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if key.is_empty() {
            return Ok(None);
        }
        let response = self
            .http
            .get(self.url(&format!("{LOOKUP_PATH}/{key}"))?)
            .bearer_auth(&self.config.token)
            .send()
            .await
            .map_err(network_error)?;
        let head = Head::of(&response);
        let body = response.bytes().await.map_err(network_error)?;
        classify_lookup(head.answer(&body))
    }

    /// The service's address, as the feed's cursor is kept under it.
    pub fn service(&self) -> &str {
        self.config.server_url.as_str()
    }
}

/// What of an answer's status line and headers decides its outcome.
struct Head {
    status: u16,
    from_service: bool,
    location: Option<String>,
    retry_after: Option<String>,
}

impl Head {
    fn of(response: &reqwest::Response) -> Self {
        Self {
            status: response.status().as_u16(),
            from_service: response.headers().contains_key(SERVER_HEADER),
            location: header(response, "location"),
            retry_after: header(response, "retry-after"),
        }
    }

    fn answer<'a>(&'a self, body: &'a [u8]) -> Answer<'a> {
        Answer {
            status: self.status,
            from_service: self.from_service,
            location: self.location.as_deref(),
            retry_after: self.retry_after.as_deref(),
            body,
        }
    }
}

/// The attachment's bytes as a stream of chunks that reports progress as the connection
/// takes them.
fn counted_body(data: Vec<u8>, done: Arc<AtomicU64>, total: u64, progress: Progress) -> Body {
    let bytes = bytes::Bytes::from(data);
    let chunks: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(CHUNK)
        .map(|start| bytes.slice(start..(start + CHUNK).min(bytes.len())))
        .collect();
    let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
        let sent = done.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        progress(sent, total);
        Ok::<_, std::io::Error>(chunk)
    }));
    Body::wrap_stream(stream)
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn network_error(e: reqwest::Error) -> SyncError {
    let mut timed_out = e.is_timeout();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        // The read timeout surfaces as an I/O error deep in the chain.
        timed_out |= s
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        source = s.source();
    }
    if timed_out {
        SyncError::Timeout
    } else {
        SyncError::Offline(text)
    }
}
