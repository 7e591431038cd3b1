//! A real PostgreSQL for tests: Debian's `postgresql`, started in a temporary folder for each
//! test (`initdb` + `pg_ctl` on a free port). PostgreSQL refuses to run as root, so as root
//! (CI) its tools run as the `postgres` user the package creates.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;

/// A PostgreSQL server of its own, stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// Starts one (initdb + pg_ctl in a temporary folder, a free port) with `fsync` off:
    /// tests need the rules, not the durability.
    pub fn start() -> Postgres {
        Postgres::start_with(false, false)
    }

    /// Starts one that also speaks TLS, with a certificate for `127.0.0.1` and `localhost`
    /// signed by a CA of its own ([`Postgres::ca_file`]), made with the `openssl` tool.
    pub fn start_tls() -> Postgres {
        Postgres::start_with(false, true)
    }

    /// The CA that signed a [`Postgres::start_tls`] server's certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    /// Starts one that syncs every commit to disk, as a production server does (for
    /// benchmarks).
    pub fn start_durable() -> Postgres {
        Postgres::start_with(true, false)
    }

    fn start_with(fsync: bool, tls: bool) -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .expect("PostgreSQL's initdb under /usr/lib/postgresql (scripts/setup.sh --test installs postgresql)");
        let dir = tempfile::tempdir().expect("tmp");
        if tls {
            make_certificates(&dir.path().join("tls"));
        }
        let as_postgres = std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "claimdesk",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=100",
            pg.dir.path().display(),
            if fsync { "on" } else { "off" }
        );
        if tls {
            let t = pg.dir.path().join("tls");
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                t.join("server.pem").display(),
                t.join("server.key").display()
            ));
        }
        let log = format!("{}/log", pg.dir.path().display());
        pg.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        );
        pg
    }

    fn data(&self) -> String {
        format!("{}/data", self.dir.path().display())
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `postgres://claimdesk@127.0.0.1:PORT/postgres`, no password (trust on loopback).
    pub fn url(&self) -> String {
        format!("postgres://claimdesk@127.0.0.1:{}/postgres", self.port)
    }
}

/// A CA and a server certificate it signed for `127.0.0.1` / `localhost`, in `dir`.
fn make_certificates(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("tls dir");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl tool");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=ClaimDesk test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
    // PostgreSQL refuses a key others can read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("key mode");
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}
