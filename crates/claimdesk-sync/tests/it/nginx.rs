//! Behind a real reverse proxy: Debian's nginx, with its default 1 MB `client_max_body_size`,
//! in front of the service. A 1.5 MB claim gets nginx's own 413 (no claims-service header, an
//! HTML page); it must become *Needs attention* naming its size, and the smaller claims queued
//! after it must be sent. `scripts/setup.sh --test` installs nginx.

use crate::faults::{drain, engine};
use claimdesk_model::{ErrorCode, Status};
use claimdesk_store::{Store, Vault};
use claimdesk_testkit::{queue_claims, Server};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";

/// nginx in the foreground, one process, everything under `dir`; stopped on drop.
struct Nginx {
    child: Child,
    url: String,
}

impl Nginx {
    fn start(dir: &Path, upstream: SocketAddr) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: run scripts/setup.sh --test (it installs Debian's nginx)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let d = dir.display();
        // Defaults kept on purpose (client_max_body_size 1m): this is the proxy as installed.
        let conf = format!(
            "daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
        }}
    }}
}}
"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: see {d}/error.log"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            child,
            url: format!("http://{addr}/"),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn behind_nginx_at_its_1_mb_default_a_big_claim_waits_for_the_clerk_and_the_rest_go() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(&dir.path().join("server")).await;
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir_all(&nginx_dir).expect("nginx dir");
    let nginx = Nginx::start(&nginx_dir, server.addr);
    let client = dir.path().join("client");
    let mut store = Store::open_dir(&client, &Vault::for_tests(&client)).expect("store");
    let big = queue_claims(&mut store, 1, 1, 1536 * 1024)[0];
    let small = queue_claims(&mut store, 2, 1, 200 * 1024);
    let mut engine = engine(&client, &nginx.url, &server.token);
    let stops = drain(&mut engine).await;
    assert!(
        stops.is_empty(),
        "nginx's 413 never stops the queue: {stops:?}"
    );

    let list = store.list().expect("list");
    let refused = list.iter().find(|c| c.id == big).expect("the big claim");
    assert_eq!(refused.status, Status::NeedsAttention);
    let problem = refused.problem.as_ref().expect("why");
    assert_eq!(problem.known_code(), Some(ErrorCode::ClaimTooLargeOnTheWay));
    let size: f64 = problem
        .params
        .iter()
        .find(|(k, _)| k == "size_mb")
        .and_then(|(_, v)| v.parse().ok())
        .expect("the size in MB");
    assert!((1.5..1.7).contains(&size), "{size} MB");
    assert!(
        problem.message.contains(&format!("{size:.1} MB")),
        "{}",
        problem.message
    );
    for id in &small {
        let c = list.iter().find(|c| c.id == *id).expect("small claim");
        assert_eq!(c.status, Status::Sent);
    }
    assert_eq!(server.intake.count().expect("count"), 2);
}
