//! The sync engine: one uploader that drains the outbox oldest first, and the loop that runs
//! it whenever there is something to send and a connection to send it over.

use crate::client::{Client, Progress, CONNECT_TIMEOUT, READ_TIMEOUT};
use crate::outcome::SyncError;
use crate::schedule::{Backoff, PassOutcome, Schedule, Stop, Wait, Wake};
use crate::settings::SyncSettings;
use claimdesk_model::attachment::megabytes;
use claimdesk_model::wire::{AdditionReceipt, ErrorBody, Receipt};
use claimdesk_model::{ClaimId, ErrorCode, Status};
use claimdesk_store::lock::{self, FolderLock};
use claimdesk_store::review::Applied;
use claimdesk_store::{OutboxSummary, Result, Store};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the engine tells whoever shows it (the window, the command line).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    /// The overall state changed.
    Status(Box<SyncStatus>),
    /// Upload progress of one claim.
    Progress {
        /// The claim.
        id: ClaimId,
        /// Bytes handed to the connection so far.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The clerk's answer to "more information needed" changed state.
    Answer {
        /// The claim it answers.
        claim_id: ClaimId,
        /// The answer's state: `sending`, `sent`, `ready` or `needs_attention`.
        status: Status,
    },
    /// The office decided something about a sent claim.
    Reviewed {
        /// The claim.
        id: ClaimId,
        /// Its status at the service now.
        status: String,
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

claimdesk_model::vocabulary! {
    /// The connection as the clerk sees it.
    pub enum Connection ("connection state") {
        /// Not tried yet.
        Unknown = "unknown",
        /// The service answered the last time.
        Online = "online",
        /// The service could not be reached.
        Offline = "offline",
        /// A captive portal answered instead of the service.
        LoginRequired = "login_required",
        /// The service refused this device's token: sync is paused until Settings change.
        Unauthorized = "unauthorized",
        /// No server or token set.
        NotConfigured = "not_configured",
        /// The service answered but is busy or failing.
        ServiceTrouble = "service_trouble",
    }
}

impl Connection {
    /// How the status bar shows it: `ok`, `wait` (it sorts itself out), `act` (the clerk or
    /// an administrator must do something) or `unknown`.
    pub fn severity(self) -> &'static str {
        match self {
            Connection::Unknown => "unknown",
            Connection::Online => "ok",
            Connection::Offline | Connection::ServiceTrouble => "wait",
            Connection::LoginRequired | Connection::Unauthorized | Connection::NotConfigured => {
                "act"
            }
        }
    }
}

/// The engine's state for the status bar.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Connection state.
    pub connection: Connection,
    /// Whether the service answered the last time (so the UI need not compare states).
    pub online: bool,
    /// How the state should look: `ok`, `wait` (it sorts itself out), `act` (someone must
    /// act) or `unknown`.
    pub severity: &'static str,
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
    /// The office's decisions pulled from the service and applied here.
    pub reviewed: Vec<Applied>,
    /// Answers to "more information needed" the service received.
    pub answered: Vec<AdditionReceipt>,
    /// Answers the service refused (by the claim they answer), now waiting for the clerk.
    pub answers_refused: Vec<(ClaimId, ErrorBody)>,
    /// Why the pass stopped early (the connection or the service), if it did.
    pub stopped: Option<SyncError>,
    /// The service could not be reached at all (its preflight failed to connect), as opposed
    /// to an upload cut off half-way.
    pub unreachable: bool,
}

/// Pages of the change feed one pass pulls at most (the rest wait for the next pass).
const MAX_PAGES_PER_PASS: usize = 20;

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
        self.settings()
            .map_err(|e| SyncError::NotConfigured(e.to_string()))?
            .client(self.timeouts)
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
        self.set_connection(match &stopped {
            None => Connection::Online,
            Some(e) => connection_for(e),
        });
        // An idle look-around every 30 s is not news; a pass that did or met something is.
        let sent = report.sent.len();
        let refused = report.rejected.len();
        let reviewed = report.reviewed.len();
        let stopped_code = stopped.as_ref().map(|e| e.code().as_str());
        if sent > 0 || refused > 0 || reviewed > 0 || stopped_code.is_some() {
            tracing::info!(
                sent,
                refused,
                reviewed,
                stopped = stopped_code,
                "pass finished"
            );
        } else {
            tracing::debug!("pass finished with nothing to send");
        }
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
        self.set_connection(Connection::Online);
        while let Some(out) = self.store.pick_next()? {
            let id = out.payload.id;
            let size = Client::payload_bytes(&out);
            if let Some(max) = max_body.filter(|max| size > *max) {
                tracing::warn!(claim = %id, bytes = size, limit = max, "larger than the service takes");
                let problem = too_large(ErrorCode::ClaimTooLarge, size, Some(max));
                self.store.record_rejected(id, &problem)?;
                self.emit_claim(id, Status::NeedsAttention, None);
                report.rejected.push((id, problem));
                continue;
            }
            tracing::debug!(claim = %id, attempt = out.attempt, bytes = size, "upload started");
            self.emit_claim(id, Status::Sending, None);
            let observer = self.observer.clone();
            let progress: Progress = Arc::new(move |sent, total| {
                observer(SyncEvent::Progress { id, sent, total });
            });
            match client.send(&out, progress).await {
                Ok(receipt) => {
                    tracing::info!(claim = %id, case_reference = %receipt.case_reference, "sent");
                    self.store.record_sent(&receipt)?;
                    self.emit_claim(id, Status::Sent, Some(receipt.case_reference.clone()));
                    report.sent.push(receipt);
                }
                Err(e) if e.is_permanent() => {
                    let problem = match e {
                        // The service's limit is the one it advertised; a proxy's is only
                        // known to be below this claim's size.
                        SyncError::TooLarge { by_service: true } if max_body.is_some() => {
                            too_large(ErrorCode::ClaimTooLarge, size, max_body)
                        }
                        SyncError::TooLarge { .. } => {
                            too_large(ErrorCode::ClaimTooLargeOnTheWay, size, None)
                        }
                        _ => e.problem(),
                    };
                    tracing::warn!(claim = %id, code = %problem.code, "refused; waits for the clerk");
                    self.store.record_rejected(id, &problem)?;
                    self.emit_claim(id, Status::NeedsAttention, None);
                    report.rejected.push((id, problem));
                }
                Err(e) => {
                    tracing::warn!(claim = %id, attempt = out.attempt, code = %e.code(), error = %e, "upload failed; will retry");
                    self.store.record_retry(id, &e.problem())?;
                    self.emit_claim(id, Status::Ready, None);
                    return Ok(Some(e));
                }
            }
        }
        if let Some(stop) = self.send_additions(client, report).await? {
            return Ok(Some(stop));
        }
        self.pull_changes(client, report).await
    }

    /// Sends the clerk's queued answers, oldest first, as claims are sent: a refusal sets
    /// that one aside; a connection or service problem stops the pass.
    async fn send_additions(
        &mut self,
        client: &Client,
        report: &mut PassReport,
    ) -> Result<Option<SyncError>> {
        while let Some(out) = self.store.pick_next_addition()? {
            let (id, claim_id) = (out.payload.id, out.payload.claim_id);
            self.emit_answer(claim_id, Status::Sending);
            match client.send_addition(&out).await {
                Ok(receipt) => {
                    tracing::info!(claim = %claim_id, addition = %id, "answer sent");
                    self.store.record_addition_sent(&receipt)?;
                    self.emit_answer(claim_id, Status::Sent);
                    report.answered.push(receipt);
                }
                Err(e) if e.is_permanent() => {
                    tracing::warn!(claim = %claim_id, addition = %id, code = %e.code(), "answer refused; waits for the clerk");
                    let problem = e.problem();
                    self.store.record_addition_rejected(id, &problem)?;
                    self.emit_answer(claim_id, Status::NeedsAttention);
                    report.answers_refused.push((claim_id, problem));
                }
                Err(e) => {
                    tracing::warn!(claim = %claim_id, addition = %id, code = %e.code(), error = %e, "answer not sent; will retry");
                    self.store.record_addition_retry(id, &e.problem())?;
                    self.emit_answer(claim_id, Status::Ready);
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    fn emit_answer(&self, claim_id: ClaimId, status: Status) {
        (self.observer)(SyncEvent::Answer { claim_id, status });
    }

    /// Pulls the office's decisions on this device's claims, page by page, each page applied
    /// together with the cursor (so a cut anywhere loses and repeats nothing).
    async fn pull_changes(
        &mut self,
        client: &Client,
        report: &mut PassReport,
    ) -> Result<Option<SyncError>> {
        let service = client.service().to_owned();
        for _ in 0..MAX_PAGES_PER_PASS {
            let since = self.store.feed_cursor(&service)?;
            let page = match client.changes(since).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(code = %e.code(), error = %e, "pulling the office's decisions failed; will retry");
                    return Ok(Some(e));
                }
            };
            let applied = self.store.apply_changes(&service, &page)?;
            for a in &applied {
                tracing::info!(claim = %a.id, status = %a.status, "the office decided");
                (self.observer)(SyncEvent::Reviewed {
                    id: a.id,
                    status: a.status.clone(),
                });
            }
            report.reviewed.extend(applied);
            if !page.more {
                break;
            }
        }
        Ok(None)
    }

    /// Notes the connection state, logging a change.
    fn set_connection(&mut self, connection: Connection) {
        if connection != self.connection {
            tracing::info!(from = %self.connection, to = %connection, "connection");
        }
        self.connection = connection;
    }

    /// The state for the status bar.
    pub fn status(&self, retry_in: Option<Duration>) -> Result<SyncStatus> {
        Ok(SyncStatus {
            connection: self.connection,
            online: self.connection == Connection::Online,
            severity: self.connection.severity(),
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
            (self.observer)(SyncEvent::Status(Box::new(status)));
        }
    }

    /// Runs until `wake` closes: a pass at start, then whenever [`Schedule`] says so — a
    /// claim queued, the clerk asking, the connection coming back, or a backoff/idle timer.
    /// This loop only executes the plan; every pacing rule lives in [`Schedule`].
    pub async fn run(mut self, backoff: Backoff, mut wake: mpsc::UnboundedReceiver<Wake>) {
        // One engine per data folder: wait while another process sends from it.
        let Some(_sending) = self.wait_for_sending_lock(&mut wake).await else {
            return;
        };
        // Claims left `sending` by a previous run go back in the queue.
        let _ = self.store.requeue_in_flight();
        let mut schedule = Schedule::new(backoff);
        let mut plan = Wait::NOW;
        loop {
            if !plan.is_now() && !self.sleep(plan, &mut schedule, &mut wake).await {
                return;
            }
            let auto = self.settings().map(|s| s.auto_send).unwrap_or(true);
            if !schedule.should_pass(auto) {
                plan = schedule.idle();
                self.emit_status(None);
                continue;
            }
            let outcome = match self.pass().await {
                Ok(report) => PassOutcome {
                    delivered: !report.sent.is_empty(),
                    stop: report
                        .stopped
                        .as_ref()
                        .map(|e| stop_for(e, report.unreachable)),
                },
                Err(e) => {
                    tracing::error!(error = %e, "the local store failed during a pass");
                    let e = SyncError::LocalStore(e.to_string());
                    self.problem = Some(e.problem());
                    PassOutcome {
                        delivered: false,
                        stop: Some(stop_for(&e, false)),
                    }
                }
            };
            plan = schedule.after_pass(outcome, jitter());
            tracing::debug!(timer = ?plan.timer, probe = ?plan.probe, "next pass");
            self.emit_status(plan.timer.filter(|_| plan.is_retry));
        }
    }

    /// Takes this data folder's sending lock: `Ok(None)` while another engine (the app's, or
    /// `claimdesk-cli sync`) holds it.
    pub fn take_sending_lock(&self) -> std::io::Result<Option<FolderLock>> {
        let dir = self
            .store
            .path()
            .parent()
            .unwrap_or(std::path::Path::new("."));
        FolderLock::try_take(dir, lock::SENDING)
    }

    /// Takes the sending lock, saying why nothing is sent while another process holds it;
    /// `None` when the wake channel closed first. A folder that cannot be locked at all (a
    /// read-only share) is sent from without the lock.
    async fn wait_for_sending_lock(
        &mut self,
        wake: &mut mpsc::UnboundedReceiver<Wake>,
    ) -> Option<Option<FolderLock>> {
        let mut said = false;
        loop {
            match self.take_sending_lock() {
                Ok(Some(lock)) => return Some(Some(lock)),
                Err(e) => {
                    tracing::warn!(error = %e, "the data folder cannot be locked; sending anyway");
                    return Some(None);
                }
                Ok(None) if !said => {
                    tracing::info!("another process is sending from this data folder; waiting");
                    self.problem = Some(ErrorBody::from_catalogue(
                        ErrorCode::SyncAlreadyRunning,
                        Vec::new(),
                    ));
                    self.emit_status(None);
                    said = true;
                }
                Ok(None) => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                w = wake.recv() => { w?; }
            }
        }
    }

    /// Waits out `plan`: `true` when a pass is due, `false` when the wake channel closed.
    async fn sleep(
        &mut self,
        plan: Wait,
        schedule: &mut Schedule,
        wake: &mut mpsc::UnboundedReceiver<Wake>,
    ) -> bool {
        let now = tokio::time::Instant::now();
        let deadline = plan.timer.map(|t| now + t);
        let prober = plan
            .probe
            .and_then(|every| Some((every, self.client().ok()?)));
        let mut knock = prober.as_ref().map(|(every, _)| now + *every);
        loop {
            tokio::select! {
                _ = until(deadline) => return true,
                back = async {
                    until(knock).await;
                    match &prober {
                        Some((_, client)) => client.ping().await.is_ok(),
                        None => false,
                    }
                }, if knock.is_some_and(|k| deadline.is_none_or(|d| k < d)) => {
                    if back {
                        schedule.on_back();
                        return true;
                    }
                    knock = prober
                        .as_ref()
                        .map(|(every, _)| tokio::time::Instant::now() + *every);
                }
                w = wake.recv() => match w {
                    None => return false,
                    Some(w) => {
                        let online =
                            matches!(self.connection, Connection::Online | Connection::Unknown);
                        if schedule.on_wake(w, online) {
                            return true;
                        }
                        let left = deadline.map(|d| d - tokio::time::Instant::now());
                        self.emit_status(left.filter(|_| plan.is_retry));
                    }
                }
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// A random number in `[0, 1)` for the backoff's jitter (0 if the OS has no randomness).
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// What a stopped pass means for pacing.
fn stop_for(e: &SyncError, unreachable: bool) -> Stop {
    if e.needs_settings() {
        Stop::NeedsSettings
    } else {
        Stop::Trouble {
            unreachable,
            retry_after: e.retry_after(),
        }
    }
}

/// Why a claim too large for the service (`claim.too_large`) or for a proxy on the way
/// (`claim.too_large_on_the_way`) waits for the clerk: its size and, where known, the limit.
fn too_large(code: ErrorCode, size: u64, limit: Option<u64>) -> ErrorBody {
    let mut params = vec![("size_mb".to_owned(), megabytes(size))];
    if let Some(limit) = limit {
        params.push(("max_mb".to_owned(), megabytes(limit)));
    }
    ErrorBody {
        field: Some("attachments".to_owned()),
        ..ErrorBody::from_catalogue(code, params)
    }
}

fn connection_for(e: &SyncError) -> Connection {
    match e {
        SyncError::NotConfigured(_) => Connection::NotConfigured,
        SyncError::Offline(_) | SyncError::Timeout => Connection::Offline,
        SyncError::LoginRequired(_) => Connection::LoginRequired,
        SyncError::Unauthorized => Connection::Unauthorized,
        SyncError::Busy { .. }
        | SyncError::ServerError { .. }
        | SyncError::Rejected { .. }
        | SyncError::TooLarge { .. } => Connection::ServiceTrouble,
        SyncError::LocalStore(_) => Connection::Unknown,
    }
}
