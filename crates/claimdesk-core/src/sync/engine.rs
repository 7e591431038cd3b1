//! The sync engine: one uploader that drains the outbox oldest first, and the loop that runs
//! it whenever there is something to send and a connection to send it over.

use super::client::{Client, ClientConfig, Progress, CONNECT_TIMEOUT, READ_TIMEOUT};
use super::outcome::SyncError;
use super::settings::{server_url, SyncSettings};
use crate::claim::{ClaimId, Status};
use crate::store::{OutboxSummary, Result, Store};
use crate::wire::{ErrorBody, Receipt};
use backon::BackoffBuilder;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the engine tells whoever shows it (the window, the command line).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    /// The overall state changed.
    Status(SyncStatus),
    /// Upload progress of one claim.
    Progress {
        /// The claim.
        id: ClaimId,
        /// Bytes handed to the connection so far.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A claim changed status.
    Claim {
        /// The claim.
        id: ClaimId,
        /// Its new status.
        status: Status,
        /// Its case reference, once sent.
        case_reference: Option<String>,
    },
}

/// The connection as the clerk sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// Not tried yet.
    Unknown,
    /// The service answered the last time.
    Online,
    /// The service could not be reached.
    Offline,
    /// A captive portal answered instead of the service.
    LoginRequired,
    /// The service refused this device's token: sync is paused until Settings change.
    Unauthorized,
    /// No server or token set.
    NotConfigured,
    /// The service answered but is busy or failing.
    ServiceTrouble,
}

/// The engine's state for the status bar.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Connection state.
    pub connection: Connection,
    /// The queue.
    pub outbox: OutboxSummary,
    /// Why the last pass stopped, for the clerk.
    pub problem: Option<ErrorBody>,
    /// Seconds until the next automatic attempt, if one is planned.
    pub retry_in_secs: Option<u64>,
    /// Whether claims are sent automatically.
    pub auto_send: bool,
}

/// What one pass over the outbox did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// Claims the service accepted, with their receipts.
    pub sent: Vec<Receipt>,
    /// Claims the service refused, now `needs_attention`.
    pub rejected: Vec<(ClaimId, ErrorBody)>,
    /// Why the pass stopped early (the connection or the service), if it did.
    pub stopped: Option<SyncError>,
    /// The service could not be reached at all (its preflight failed to connect), as opposed
    /// to an upload cut off half-way.
    pub unreachable: bool,
}

/// How long to wait between failed passes: capped exponential backoff, each wait its step
/// plus a random part of it (so devices that lost the same uplink do not return in step).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first wait.
    pub min: Duration,
    /// The longest wait.
    pub max: Duration,
    /// How often to knock (one preflight request) while the service cannot be reached, so
    /// that a connection coming back is used at once rather than when the backoff ends.
    pub probe: Duration,
    /// How often to look for new work when idle (claims queued by another process).
    pub idle: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            min: Duration::from_secs(2),
            max: Duration::from_secs(120),
            probe: Duration::from_secs(5),
            idle: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    fn delays(&self) -> backon::ExponentialBackoff {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.min)
            .with_max_delay(self.max)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
    }
}

/// Something the engine's loop should react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The clerk pressed "Send now": try at once, forget the backoff.
    SendNow,
    /// Settings changed: reload them, try at once.
    SettingsChanged,
    /// A claim was queued: send it if nothing says to wait.
    ClaimQueued,
}

/// Receives engine events.
pub type Observer = Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// The sync engine. Owns its own connection to the store, so the window's saves never wait
/// for an upload.
pub struct Engine {
    store: Store,
    fallback: Option<SyncSettings>,
    fixed: Option<SyncSettings>,
    timeouts: (Duration, Duration),
    observer: Observer,
    connection: Connection,
    problem: Option<ErrorBody>,
}

impl Engine {
    /// An engine over `store`; `fallback` supplies server and token when Settings have none.
    pub fn new(store: Store, fallback: Option<SyncSettings>, observer: Observer) -> Self {
        Self {
            store,
            fallback,
            fixed: None,
            timeouts: (CONNECT_TIMEOUT, READ_TIMEOUT),
            observer,
            connection: Connection::Unknown,
            problem: None,
        }
    }

    /// Overrides the connect and read timeouts (tests use short ones).
    pub fn with_timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.timeouts = (connect, read);
        self
    }

    /// Uses `settings` instead of the stored ones (the command line's `--server/--token`).
    pub fn with_settings(mut self, settings: SyncSettings) -> Self {
        self.fixed = Some(settings);
        self
    }

    /// The store the engine works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings in force.
    pub fn settings(&self) -> Result<SyncSettings> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        SyncSettings::load(&self.store, self.fallback.as_ref())
    }

    fn client(&self) -> std::result::Result<Client, SyncError> {
        let settings = self
            .settings()
            .map_err(|e| SyncError::NotConfigured(e.to_string()))?;
        if settings.server_url.trim().is_empty() {
            return Err(SyncError::NotConfigured("no server address".to_owned()));
        }
        if settings.device_token.trim().is_empty() {
            return Err(SyncError::NotConfigured("no device token".to_owned()));
        }
        let url =
            server_url(&settings.server_url).map_err(|e| SyncError::NotConfigured(e.message))?;
        let mut config = ClientConfig::new(url, settings.device_token.trim().to_owned());
        (config.connect_timeout, config.read_timeout) = self.timeouts;
        Client::new(config)
    }

    /// Sends every queued claim, oldest first, until the outbox is empty or the connection
    /// or service says stop. A refused claim is set aside (`needs_attention`) and the pass
    /// goes on.
    pub async fn pass(&mut self) -> Result<PassReport> {
        let mut report = PassReport::default();
        let result = match self.client() {
            Ok(client) => self.drain(&client, &mut report).await,
            Err(e) => Ok(Some(e)),
        };
        let stopped = result?;
        self.connection = match &stopped {
            None => Connection::Online,
            Some(e) => connection_for(e),
        };
        self.problem = stopped.as_ref().map(SyncError::problem);
        if stopped.is_none() {
            self.store.record_sync_finished()?;
        }
        report.stopped = stopped;
        Ok(report)
    }

    async fn drain(
        &mut self,
        client: &Client,
        report: &mut PassReport,
    ) -> Result<Option<SyncError>> {
        let max_body = match client.ping().await {
            Ok(max) => max,
            Err(e) => {
                report.unreachable = matches!(e, SyncError::Offline(_));
                return Ok(Some(e));
            }
        };
        self.connection = Connection::Online;
        while let Some(out) = self.store.pick_next()? {
            let id = out.payload.id;
            let size = Client::payload_bytes(&out);
            if let Some(max) = max_body.filter(|max| size > *max) {
                let problem = too_large(size, max);
                self.store.record_rejected(id, &problem)?;
                self.emit_claim(id, Status::NeedsAttention, None);
                report.rejected.push((id, problem));
                continue;
            }
            self.emit_claim(id, Status::Sending, None);
            let observer = self.observer.clone();
            let progress: Progress = Arc::new(move |sent, total| {
                observer(SyncEvent::Progress { id, sent, total });
            });
            match client.send(&out, progress).await {
                Ok(receipt) => {
                    self.store.record_sent(&receipt)?;
                    self.emit_claim(id, Status::Sent, Some(receipt.case_reference.clone()));
                    report.sent.push(receipt);
                }
                Err(e) if e.is_permanent() => {
                    let problem = e.problem();
                    self.store.record_rejected(id, &problem)?;
                    self.emit_claim(id, Status::NeedsAttention, None);
                    report.rejected.push((id, problem));
                }
                Err(e) => {
                    self.store.record_retry(id, &e.problem())?;
                    self.emit_claim(id, Status::Ready, None);
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    /// The state for the status bar.
    pub fn status(&self, retry_in: Option<Duration>) -> Result<SyncStatus> {
        Ok(SyncStatus {
            connection: self.connection,
            outbox: self.store.outbox_summary()?,
            problem: self.problem.clone(),
            retry_in_secs: retry_in.map(|d| d.as_secs()),
            auto_send: self.settings()?.auto_send,
        })
    }

    fn emit_claim(&self, id: ClaimId, status: Status, case_reference: Option<String>) {
        (self.observer)(SyncEvent::Claim {
            id,
            status,
            case_reference,
        });
    }

    fn emit_status(&self, retry_in: Option<Duration>) {
        if let Ok(status) = self.status(retry_in) {
            (self.observer)(SyncEvent::Status(status));
        }
    }

    /// Runs until `wake` closes: a pass at start, then whenever a claim is queued, the clerk
    /// asks, the connection comes back, or the backoff/idle timer fires. Network trouble
    /// backs off (capped, jittered, honouring `Retry-After`); success, "Send now", new
    /// settings and the connection coming back reset the backoff. A refused token or missing
    /// settings wait for new settings.
    ///
    /// "Coming back" is seen by knocking every `backoff.probe` while the service could not be
    /// reached at all (refused, no route, no DNS) — never after an upload was cut half-way
    /// (a flaky link, where the backoff should spare the uplink) or while the service says
    /// it is busy.
    pub async fn run(mut self, backoff: Backoff, mut wake: mpsc::UnboundedReceiver<Wake>) {
        // Claims left `sending` by a previous run go back in the queue.
        let _ = self.store.requeue_in_flight();
        let mut delays = backoff.delays();
        let mut wait = Duration::ZERO;
        // With automatic sending off, even the start waits for "Send now".
        let mut manual = false;
        let mut unreachable = false;
        loop {
            if !wait.is_zero() {
                let deadline = tokio::time::Instant::now() + wait;
                let mut knock = tokio::time::Instant::now() + backoff.probe;
                let prober = if unreachable {
                    self.client().ok()
                } else {
                    None
                };
                loop {
                    let probing = prober.is_some() && knock < deadline;
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => { manual = false; break }
                        back = async {
                            tokio::time::sleep_until(knock).await;
                            match &prober {
                                Some(client) => client.ping().await.is_ok(),
                                None => false,
                            }
                        }, if probing => {
                            if back {
                                delays = backoff.delays();
                                manual = false;
                                break;
                            }
                            knock = tokio::time::Instant::now() + backoff.probe;
                        }
                        w = wake.recv() => match w {
                            None => return,
                            Some(Wake::SendNow | Wake::SettingsChanged) => {
                                delays = backoff.delays();
                                manual = true;
                                break;
                            }
                            // A new claim goes out at once unless the service said to wait.
                            Some(Wake::ClaimQueued) => {
                                if matches!(self.connection, Connection::Online | Connection::Unknown) {
                                    manual = false;
                                    break;
                                }
                                self.emit_status(Some(deadline - tokio::time::Instant::now()));
                            }
                        }
                    }
                }
            }
            let auto = self.settings().map(|s| s.auto_send).unwrap_or(true);
            if !auto && !manual {
                wait = backoff.idle;
                self.emit_status(None);
                continue;
            }
            let stopped = match self.pass().await {
                Ok(report) => {
                    // Progress shows the connection works: a later stop starts the backoff
                    // from its first step, not where an earlier outage left it.
                    if !report.sent.is_empty() {
                        delays = backoff.delays();
                    }
                    unreachable = report.unreachable;
                    report.stopped
                }
                Err(e) => {
                    let e = SyncError::LocalStore(e.to_string());
                    self.problem = Some(e.problem());
                    unreachable = false;
                    Some(e)
                }
            };
            wait = match &stopped {
                None => {
                    delays = backoff.delays();
                    backoff.idle
                }
                Some(e) if e.needs_settings() => Duration::from_secs(24 * 3600),
                Some(e) => {
                    let next = delays.next().unwrap_or(backoff.max);
                    e.retry_after().map_or(next, |r| r.max(next))
                }
            };
            let retry_in = stopped
                .as_ref()
                .filter(|e| !e.needs_settings())
                .map(|_| wait);
            self.emit_status(retry_in);
        }
    }
}

fn too_large(size: u64, max: u64) -> ErrorBody {
    let mb = |b: u64| format!("{:.1}", b as f64 / (1024.0 * 1024.0));
    ErrorBody {
        code: "claim.too_large".to_owned(),
        message: format!(
            "This claim is {} MB; the claims service accepts at most {} MB. Remove an attachment or attach a smaller scan, then queue it again.",
            mb(size),
            mb(max)
        ),
        field: Some("attachments".to_owned()),
        errors: Vec::new(),
    }
}

fn connection_for(e: &SyncError) -> Connection {
    match e {
        SyncError::NotConfigured(_) => Connection::NotConfigured,
        SyncError::Offline(_) | SyncError::Timeout => Connection::Offline,
        SyncError::LoginRequired(_) => Connection::LoginRequired,
        SyncError::Unauthorized => Connection::Unauthorized,
        SyncError::Busy { .. } | SyncError::ServerError { .. } | SyncError::Rejected { .. } => {
            Connection::ServiceTrouble
        }
        SyncError::LocalStore(_) => Connection::Unknown,
    }
}
