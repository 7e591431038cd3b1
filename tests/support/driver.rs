//! The real app under WebDriver (tauri-driver + WebKitWebDriver), shared by the end-to-end
//! tests and the window benchmark. Needs a display: run under `xvfb-run -a`.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The app binary cargo built for these tests (or benchmarks).
pub const APP: &str = env!("CARGO_BIN_EXE_claimdesk");

/// A port nothing listens on.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `$TAURI_DRIVER`, else the one `cargo install` put in ~/.cargo/bin, else the PATH's.
pub fn tauri_driver_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return p.into();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_bin = home.join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// A running tauri-driver whose app instances keep their data in `data_dir` and its key in
/// `key_dir`, outside it (as the fallback for a machine without a system keyring does).
pub struct Driver {
    child: Child,
    port: u16,
    data_dir: tempfile::TempDir,
    key_dir: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Driver {
        Self::start_with(&[])
    }

    /// Like [`Driver::start`], with extra environment for the app (e.g. its claims service).
    pub fn start_with(env: &[(&str, &str)]) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the end-to-end tests under xvfb-run (see README)"
        );
        let data_dir = tempfile::tempdir().expect("tempdir");
        let key_dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new(tauri_driver_path())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &free_port().to_string(),
            ])
            .env("CLAIMDESK_DATA_DIR", data_dir.path())
            .env("CLAIMDESK_LOG_DIR", data_dir.path().join("logs"))
            .env("CLAIMDESK_KEY_DIR", key_dir.path())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is installed (cargo install tauri-driver --locked)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            port,
            data_dir,
            key_dir,
        }
    }

    /// Starts the app and waits until its form is ready.
    pub async fn open_app(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": APP }),
        );
        caps.insert("browserName".into(), "wry".into());
        let url = format!("http://127.0.0.1:{}", self.port);
        // tauri-driver speaks plain HTTP on loopback.
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        // WebKitWebDriver takes one session at a time and may need a moment to notice that
        // the previous app was killed ("maximum number of active sessions"): retry a while.
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let attempt = tokio::time::timeout(Duration::from_secs(30), builder.connect(&url))
                .await
                .expect("a WebDriver session within 30 s");
            match attempt {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("retrying new session: {e:?}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("a WebDriver session: {e:?}"),
            }
        };
        wait_for(&client, "document.body.dataset.ready === '1'").await;
        client
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Where the app keeps the data folder's key and device token.
    pub fn key_dir(&self) -> &Path {
        self.key_dir.path()
    }

    /// The store the app is using, opened from the test (as the CLI would).
    pub fn store(&self) -> claimdesk_store::Store {
        claimdesk_store::Store::open_dir(
            self.data_dir(),
            &claimdesk_store::Vault::files(self.key_dir()),
        )
        .expect("the app's store")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would leave it running.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Polls a JavaScript condition until it holds (10 s at most).
pub async fn wait_for(client: &Client, condition: &str) {
    let script = format!("return !!({condition});");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if client.execute(&script, vec![]).await.ok() == Some(serde_json::Value::Bool(true)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {condition}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn js(client: &Client, expr: &str) -> serde_json::Value {
    client
        .execute(&format!("return {expr};"), vec![])
        .await
        .expect("script")
}

pub async fn js_string(client: &Client, expr: &str) -> String {
    js(client, expr)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Every app process started for `data_dir` (found by its environment).
pub fn app_pids(data_dir: &Path) -> Vec<u32> {
    let needle = format!("CLAIMDESK_DATA_DIR={}", data_dir.display());
    let app = std::fs::canonicalize(APP).expect("app path");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let exe = std::fs::read_link(entry.path().join("exe")).ok();
        let env = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let has_env = env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes());
        if has_env && exe.as_deref() == Some(app.as_path()) {
            pids.push(pid);
        }
    }
    pids
}
