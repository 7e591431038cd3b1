//! A fault-injecting HTTP/1.1 proxy on loopback, between the sync client and the real
//! server. It understands just enough HTTP (Content-Length framing, keep-alive) to apply a
//! fault to a chosen request rather than to a whole connection.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded both ways.
    Pass,
    /// The connection is reset as soon as the request line and headers arrive.
    ResetBeforeBody,
    /// Half the body arrives, then the connection is reset (never reaches the server).
    ResetMidBody,
    /// The whole request arrives, then the connection is reset (never reaches the server).
    ResetAfterBody,
    /// The server receives and commits the request; its answer is replaced by a reset.
    ResetAfterCommit,
    /// Answered by the proxy with this status (and `Retry-After: 1` for 429/503).
    Status(u16),
    /// Forwarded; the answer is held back this long (past the client's read timeout).
    Slow(Duration),
    /// A captive portal's `200 text/html` login page.
    Portal,
    /// A redirect to a login host.
    Redirect,
}

/// Which requests the queued faults apply to.
#[derive(Debug, Default)]
struct Plan {
    /// Faults for the next claim uploads (POSTs), in order; then [`Plan::otherwise`].
    posts: VecDeque<Fault>,
    /// Faults for the next pulls of the change feed, in order.
    pulls: VecDeque<Fault>,
    /// Applied to every request when the queue is empty (e.g. `Portal` for a whole network).
    every: Option<Fault>,
    /// Share (0–100) of uploads to cut mid-body when nothing else is planned.
    cut_percent: u64,
    seed: u64,
    /// Added to every upload, half before the server sees it and half after it answered.
    post_delay: Duration,
    /// Uploads with a body larger than this are cut mid-body, every time (a link that
    /// cannot carry a big upload).
    cut_over: Option<usize>,
}

/// The proxy. Dropping it does not stop it; it lives as long as the test's runtime.
#[derive(Clone)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    plan: Arc<Mutex<Plan>>,
    /// Request bytes forwarded to the server (headers and bodies).
    pub bytes_up: Arc<AtomicU64>,
    /// Bytes received from clients, including requests cut off and never forwarded.
    pub bytes_in: Arc<AtomicU64>,
    /// Requests that got a fault other than `Pass`.
    pub faults_applied: Arc<AtomicU64>,
}

impl Proxy {
    /// Starts a proxy to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        Proxy::start_many(vec![upstream]).await
    }

    /// Starts a proxy in front of several replicas, taking them in turn per connection (as
    /// a round-robin load balancer does).
    pub async fn start_many(upstreams: Vec<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let proxy = Proxy {
            url,
            plan: Arc::new(Mutex::new(Plan::default())),
            bytes_up: Arc::new(AtomicU64::new(0)),
            bytes_in: Arc::new(AtomicU64::new(0)),
            faults_applied: Arc::new(AtomicU64::new(0)),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            for turn in 0.. {
                // A client killed before accept() completes is not the proxy's end.
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = upstreams[turn % upstreams.len()];
                let p = p.clone();
                tokio::spawn(async move {
                    let _ = p.connection(client, upstream).await;
                });
            }
        });
        proxy
    }

    /// Queues faults for the next uploads.
    pub fn fail_next_posts(&self, faults: &[Fault]) {
        self.plan().posts.extend(faults.iter().copied());
    }

    /// Queues faults for the next pulls of the change feed (`GET /v1/changes`).
    pub fn fail_next_pulls(&self, faults: &[Fault]) {
        self.plan().pulls.extend(faults.iter().copied());
    }

    /// Applies `fault` to every request (ping included) until cleared with `None`.
    pub fn fail_every(&self, fault: Option<Fault>) {
        self.plan().every = fault;
    }

    /// Cuts `percent` % of uploads mid-body, chosen by a seeded generator.
    pub fn cut_uploads(&self, percent: u64, seed: u64) {
        let mut plan = self.plan();
        plan.cut_percent = percent;
        plan.seed = seed.max(1);
    }

    /// Cuts every upload whose body is larger than `bytes` mid-body, every time.
    pub fn cut_posts_over(&self, bytes: usize) {
        self.plan().cut_over = Some(bytes);
    }

    /// Makes every upload take at least `d` (a slow uplink).
    pub fn slow_posts(&self, d: Duration) {
        self.plan().post_delay = d;
    }

    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().expect("plan lock")
    }

    fn count_in(&self, n: usize) {
        self.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn fault_for(&self, method: &str, path: &str, body_len: usize) -> Fault {
        let mut plan = self.plan();
        if method == "GET" && path.starts_with(claimdesk_model::wire::CHANGES_PATH) {
            if let Some(f) = plan.pulls.pop_front() {
                return f;
            }
        }
        if method == "POST" && plan.cut_over.is_some_and(|max| body_len > max) {
            return Fault::ResetMidBody;
        }
        if method == "POST" {
            if let Some(f) = plan.posts.pop_front() {
                return f;
            }
        }
        if let Some(f) = plan.every {
            return f;
        }
        if method == "POST" && plan.cut_percent > 0 {
            plan.seed ^= plan.seed << 13;
            plan.seed ^= plan.seed >> 7;
            plan.seed ^= plan.seed << 17;
            if plan.seed % 100 < plan.cut_percent {
                return Fault::ResetMidBody;
            }
        }
        Fault::Pass
    }

    async fn connection(&self, mut client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
        let mut server: Option<TcpStream> = None;
        let mut buf = Vec::new();
        loop {
            let before = buf.len();
            let head_len = read_head(&mut client, &mut buf).await;
            self.count_in(buf.len() - before);
            let Some(head_len) = head_len? else {
                return Ok(());
            };
            let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
            let method = head.split(' ').next().unwrap_or_default().to_owned();
            let body_len = content_length(&head);
            let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
            let fault = self.fault_for(&method, &path, body_len);
            if fault != Fault::Pass {
                self.faults_applied.fetch_add(1, Ordering::Relaxed);
            }
            if fault == Fault::ResetBeforeBody {
                return reset(client);
            }
            if fault == Fault::ResetMidBody {
                let want = head_len + body_len / 2;
                let before = buf.len();
                let read = read_at_least(&mut client, &mut buf, want).await;
                self.count_in(buf.len() - before);
                read?;
                return reset(client);
            }
            let before = buf.len();
            let read = read_at_least(&mut client, &mut buf, head_len + body_len).await;
            self.count_in(buf.len() - before);
            read?;
            let request: Vec<u8> = buf.drain(..head_len + body_len).collect();
            let canned = |status: u16, extra: &str, body: &str| {
                format!(
                    "HTTP/1.1 {status} Fault\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let answer = match fault {
                Fault::ResetAfterBody => return reset(client),
                Fault::Status(s) => canned(s, "Retry-After: 1\r\n", ""),
                Fault::Portal => canned(
                    200,
                    "Content-Type: text/html\r\n",
                    "<html><body>Welcome to Hotel Wi-Fi. Log in to continue.</body></html>",
                ),
                Fault::Redirect => canned(302, "Location: http://login.hotel.example/\r\n", ""),
                _ => String::new(),
            };
            if !answer.is_empty() {
                client.write_all(answer.as_bytes()).await?;
                return Ok(());
            }
            let delay = if method == "POST" {
                self.plan().post_delay / 2
            } else {
                Duration::ZERO
            };
            tokio::time::sleep(delay).await;
            // Like a real reverse proxy, reconnect once if the server closed the idle upstream.
            let mut response = None;
            for _ in 0..2 {
                if server.is_none() {
                    server = Some(TcpStream::connect(upstream).await?);
                }
                let Some(up) = server.as_mut() else { break };
                if up.write_all(&request).await.is_ok() {
                    if let Ok(r) = read_response(up).await {
                        response = Some(r);
                        break;
                    }
                }
                server = None;
            }
            let Some(response) = response else {
                return reset(client);
            };
            self.bytes_up
                .fetch_add(request.len() as u64, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
            match fault {
                Fault::ResetAfterCommit => return reset(client),
                Fault::Slow(d) => tokio::time::sleep(d).await,
                _ => {}
            }
            client.write_all(&response).await?;
        }
    }
}

fn reset(client: TcpStream) -> std::io::Result<()> {
    #[allow(deprecated)]
    client.set_linger(Some(Duration::ZERO))?;
    drop(client);
    Ok(())
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Reads until a full request/response head is in `buf`; `None` on a clean close.
async fn read_head(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    loop {
        if let Some(end) = find_head_end(buf) {
            return Ok(Some(end));
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn read_at_least(s: &mut TcpStream, buf: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    while buf.len() < want {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn read_response(up: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let head_len = read_head(up, &mut buf)
        .await?
        .ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let no_body = head.starts_with("HTTP/1.1 204") || head.starts_with("HTTP/1.1 304");
    let body_len = if no_body { 0 } else { content_length(&head) };
    read_at_least(up, &mut buf, head_len + body_len).await?;
    buf.truncate(head_len + body_len);
    Ok(buf)
}
