//! The office over HTTP, on SQLite and on PostgreSQL: sign-in with lockout, sessions that
//! cannot be planted, CSRF on every form, reviewers kept out of admin pages, hostile
//! customer text shown as text in pages and CSV, and the pull API with its own tokens.

use crate::api::{claim, form};
use claimdesk_model::wire::ServiceStatus;
use claimdesk_server::backend::Backend;
use claimdesk_server::intake::Intake;
use claimdesk_server::office::accounts;
use claimdesk_server::office::Role;
use claimdesk_server::pg::{Blobs, PgStore};
use claimdesk_server::storage::ClaimStorage;
use claimdesk_testkit::pg::Postgres;

const PASSWORD: &str = "correct horse battery";

/// A browser without a browser: cookies kept by hand, redirects not followed.
struct Office {
    url: String,
    http: reqwest::Client,
}

/// What the office answered.
struct Answer {
    status: u16,
    location: String,
    cookies: Vec<String>,
    body: String,
    headers: reqwest::header::HeaderMap,
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first hidden `csrf` input of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

impl Office {
    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.send().await.expect("request");
        let headers = r.headers().clone();
        Answer {
            status: r.status().as_u16(),
            location: headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            cookies: headers
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect(),
            body: r.text().await.unwrap_or_default(),
            headers,
        }
    }

    async fn get(&self, path: &str, cookie: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}{path}", self.url))
                .header("cookie", cookie),
        )
        .await
    }

    async fn post(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            self.http
                .post(format!("{}{path}", self.url))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// Signs in; the session cookie (`name=value`), if it worked, and the answer.
    async fn sign_in(&self, name: &str, password: &str) -> (Option<String>, Answer) {
        let form = self.get("/office/sign-in", "").await;
        let pre = cookie_value(&form.cookies, "__Host-cd_signin").expect("pre-session cookie");
        let answer = self
            .post(
                "/office/sign-in",
                &format!("__Host-cd_signin={pre}"),
                &[
                    ("name", name),
                    ("password", password),
                    ("csrf", &csrf_of(&form.body)),
                ],
            )
            .await;
        let session = cookie_value(&answer.cookies, "__Host-cd_session")
            .filter(|v| !v.is_empty())
            .map(|v| format!("__Host-cd_session={v}"));
        (session, answer)
    }
}

async fn listen<S: ClaimStorage>(store: S) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Changes handed out by the pull API at once (its settle time is tested below).
    let limits = claimdesk_server::Limits {
        pull_settle: std::time::Duration::ZERO,
        ..Default::default()
    };
    tokio::spawn(claimdesk_server::serve_with(
        listener,
        store,
        std::future::pending(),
        limits,
    ));
    url
}

async fn the_office_suite(backend: Backend) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = match backend.clone() {
        Backend::Sqlite(s) => listen(s).await,
        Backend::Postgres(p) => listen(p).await,
    };
    let office = Office {
        url: url.clone(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    };
    accounts::add_user(&backend, "ann", Role::Admin, PASSWORD)
        .await
        .expect("admin");
    accounts::add_user(&backend, "rob", Role::Reviewer, PASSWORD)
        .await
        .expect("reviewer");
    assert!(matches!(
        accounts::add_user(&backend, "weak", Role::Reviewer, "short").await,
        Err(accounts::AccountError::WeakPassword)
    ));

    // A claim full of hostile text.
    let token = backend.add_device("counter-1").await.expect("device");
    let photo = b"\xff\xd8\xff\xe0 not really a jpeg".as_slice();
    let mut c = claim(photo);
    c.fields.contact_name = "<script>alert(1)</script>".into();
    c.fields.issue = "\"><img src=x onerror=alert(2)>".into();
    c.fields.serial_number = "SN-HOSTILE-1".into();
    c.fields.staff_note = "=HYPERLINK(\"http://evil\")".into();
    c.attachments[0].original_name = "<b>bold</b>.jpg".into();
    let sent = reqwest::Client::new()
        .post(format!("{url}/v1/claims"))
        .bearer_auth(&token)
        .multipart(form(&c, &[photo]))
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), 201);

    // Pages need a session.
    let anonymous = office.get("/office/claims", "").await;
    assert_eq!(
        (anonymous.status, anonymous.location.as_str()),
        (303, "/office/sign-in")
    );

    // Wrong passwords are refused, and five in a row lock the user.
    let (none, wrong) = office.sign_in("rob", "not the password").await;
    assert!(none.is_none());
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("do not match"));
    let (none, _) = office.sign_in("nobody", PASSWORD).await;
    assert!(none.is_none(), "an unknown user gets the same answer");
    accounts::add_user(&backend, "eve", Role::Reviewer, PASSWORD)
        .await
        .expect("eve");
    for _ in 0..accounts::LOCK_AFTER {
        office.sign_in("eve", "guess guess guess").await;
    }
    let (none, locked) = office.sign_in("eve", PASSWORD).await;
    assert!(none.is_none(), "locked even with the right password");
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("locked until"));

    // Guesses made all at once cannot slip past the lockout.
    accounts::add_user(&backend, "max", Role::Reviewer, PASSWORD)
        .await
        .expect("max");
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let b = backend.clone();
            tokio::spawn(async move {
                accounts::sign_in(&b, "max", &format!("guess number {i}"), "192.0.2.1").await
            })
        })
        .collect();
    for g in guesses {
        assert!(!matches!(
            g.await.expect("task").expect("sign in"),
            accounts::SignIn::Ok { .. }
        ));
    }
    assert!(matches!(
        accounts::sign_in(&backend, "max", PASSWORD, "192.0.2.1")
            .await
            .expect("sign in"),
        accounts::SignIn::Locked(_)
    ));

    // The sign-in form itself needs its token.
    let planted = office
        .post(
            "/office/sign-in",
            "__Host-cd_signin=aaaa",
            &[("name", "rob"), ("password", PASSWORD), ("csrf", "bbbb")],
        )
        .await;
    assert_eq!(planted.status, 403);
    assert!(cookie_value(&planted.cookies, "__Host-cd_session").is_none());

    // A session id planted before sign-in never becomes the session.
    let fixed = "ab".repeat(32);
    let form = office
        .get("/office/sign-in", &format!("__Host-cd_session={fixed}"))
        .await;
    let pre = cookie_value(&form.cookies, "__Host-cd_signin").expect("pre");
    let signed = office
        .post(
            "/office/sign-in",
            &format!("__Host-cd_session={fixed}; __Host-cd_signin={pre}"),
            &[
                ("name", "rob"),
                ("password", PASSWORD),
                ("csrf", &csrf_of(&form.body)),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    let issued = cookie_value(&signed.cookies, "__Host-cd_session").expect("a session");
    assert_ne!(issued, fixed);
    let set = signed
        .cookies
        .iter()
        .find(|c| c.starts_with("__Host-cd_session="))
        .expect("cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set} lacks {flag}");
    }
    assert_eq!(
        office
            .get("/office/claims", &format!("__Host-cd_session={fixed}"))
            .await
            .status,
        303
    );

    // The reviewer finds the claim by serial; hostile text is text.
    let rob = format!("__Host-cd_session={issued}");
    let list = office.get("/office/claims?serial=hostile", &rob).await;
    assert_eq!(list.status, 200);
    let csp = list.headers["content-security-policy"]
        .to_str()
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(list.body.contains(&c.id.to_string()));
    assert!(!list.body.contains("<script>alert(1)"));
    assert!(list
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    // Case folding is Unicode on both stores.
    let mut umlaut = claim(b"another photo");
    umlaut.fields.contact_name = "JÜRGEN MÜLLER".into();
    let sent = reqwest::Client::new()
        .post(format!("{url}/v1/claims"))
        .bearer_auth(&token)
        .multipart(crate::api::form(&umlaut, &[b"another photo".as_slice()]))
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), 201);
    let found = office.get("/office/claims?q=m%C3%BCller", &rob).await;
    assert!(
        found.body.contains(&umlaut.id.to_string()),
        "müller finds MÜLLER"
    );
    let none = office
        .get("/office/claims?serial=nothing-like-it", &rob)
        .await;
    assert!(!none.body.contains(&c.id.to_string()));
    let page = office.get(&format!("/office/claims/{}", c.id), &rob).await;
    assert_eq!(page.status, 200);
    for raw in ["<script>alert(1)", "<img src=x", "<b>bold</b>"] {
        assert!(!page.body.contains(raw), "{raw} reached the page as HTML");
    }
    assert!(page.body.contains("&#60;b&#62;bold&#60;/b&#62;.jpg"));
    let photo_answer = office
        .get(
            &format!(
                "/office/claims/{}/attachments/{}",
                c.id, c.attachments[0].sha256
            ),
            &rob,
        )
        .await;
    assert_eq!(photo_answer.status, 200);
    assert_eq!(photo_answer.headers["content-type"], "image/jpeg");
    assert_eq!(photo_answer.headers["x-content-type-options"], "nosniff");
    let other = office
        .get(
            &format!("/office/claims/{}/attachments/{}", c.id, "0".repeat(64)),
            &rob,
        )
        .await;
    assert_eq!(other.status, 404);

    // CSV: formulas neutralised, HTML left as plain text.
    let csv = office.get("/office/claims.csv?serial=hostile", &rob).await;
    assert!(
        csv.body.contains("<script>alert(1)</script>"),
        "{}",
        csv.body
    );
    let audit_csv = office.get("/office/audit.csv", &rob).await;
    assert_eq!(audit_csv.status, 200);

    // A decision needs the session's CSRF token: missing or forged changes nothing.
    let csrf = csrf_of(&page.body);
    let path = format!("/office/claims/{}/review", c.id);
    for bad in ["", "0000", &"f".repeat(64)] {
        let forged = office
            .post(
                &path,
                &rob,
                &[("csrf", bad), ("status", "in_review"), ("note", "")],
            )
            .await;
        assert_eq!(forged.status, 403, "csrf {bad:?}");
    }
    assert_eq!(
        backend.export().await.expect("export")[0].status,
        "received"
    );
    let moved = office
        .post(
            &path,
            &rob,
            &[("csrf", &csrf), ("status", "in_review"), ("note", "")],
        )
        .await;
    assert_eq!(moved.status, 303);
    let refused = office
        .post(
            &path,
            &rob,
            &[
                ("csrf", &csrf),
                ("status", "closed"),
                ("note", "kept <i>note</i>"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("cannot become closed"));
    assert!(
        refused.body.contains("kept &#60;i&#62;note&#60;/i&#62;"),
        "what was typed stays"
    );
    let asked = office
        .post(
            &path,
            &rob,
            &[
                ("csrf", &csrf),
                ("status", "more_info_needed"),
                ("note", "A photo of the serial label, please."),
            ],
        )
        .await;
    assert_eq!(asked.status, 303);
    let after = office.get(&format!("/office/claims/{}", c.id), &rob).await;
    assert!(after.body.contains("A photo of the serial label, please."));
    assert!(
        after.body.contains("user:rob"),
        "the history names who decided"
    );
    let log = backend.audit_log(Some(c.id)).await.expect("audit");
    assert_eq!(
        log.last().map(|l| l.detail.as_str()),
        Some("in_review → more_info_needed")
    );
    assert_eq!(log.last().map(|l| l.address.as_str()), Some("127.0.0.1"));

    // A reviewer may not manage devices or users.
    for admin_page in ["/office/devices", "/office/users"] {
        assert_eq!(
            office.get(admin_page, &rob).await.status,
            403,
            "{admin_page}"
        );
    }
    let denied = office
        .post(
            "/office/devices",
            &rob,
            &[("csrf", &csrf), ("name", "sneaky")],
        )
        .await;
    assert_eq!(denied.status, 403);
    assert!(backend
        .devices()
        .await
        .expect("devices")
        .iter()
        .all(|d| d.name != "sneaky"));

    // An admin registers a device (the token is shown once) and adds a user.
    let (ann, _) = office.sign_in("ann", PASSWORD).await;
    let ann = ann.expect("admin session");
    let devices = office.get("/office/devices", &ann).await;
    assert_eq!(devices.status, 200);
    let ann_csrf = csrf_of(&devices.body);
    let added = office
        .post(
            "/office/devices",
            &ann,
            &[("csrf", &ann_csrf), ("name", "counter-9")],
        )
        .await;
    assert_eq!(added.status, 200);
    assert!(added.body.contains("id=\"new-token\">cdt_"));
    let user = office
        .post(
            "/office/users",
            &ann,
            &[
                ("csrf", &ann_csrf),
                ("name", "zoe"),
                ("role", "reviewer"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(user.status, 303);
    assert!(office.sign_in("zoe", PASSWORD).await.0.is_some());

    // Signing out ends the session, and needs its token too.
    assert_eq!(
        office
            .post("/office/sign-out", &rob, &[("csrf", "nope")])
            .await
            .status,
        403
    );
    assert_eq!(
        office
            .post("/office/sign-out", &rob, &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert_eq!(office.get("/office/claims", &rob).await.status, 303);

    // The pull API: its own tokens; a device token is refused, and its token is no device's.
    let api = accounts::add_api_token(&backend, "erp")
        .await
        .expect("api token");
    let get = |token: &str, path: &str| {
        reqwest::Client::new()
            .get(format!("{url}{path}"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        get(&token, "/v1/office/claims")
            .await
            .expect("get")
            .status(),
        401
    );
    assert_eq!(get(&api, "/v1/claims/x").await.expect("get").status(), 401);
    assert_eq!(get(&api, "/v1/changes").await.expect("get").status(), 401);
    let page: serde_json::Value = get(&api, "/v1/office/claims?updated_after=2000-01-01T00:00:00Z")
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let hostile = page["claims"]
        .as_array()
        .and_then(|all| all.iter().find(|x| x["claim"]["id"] == c.id.to_string()))
        .expect("the claim")
        .clone();
    assert_eq!(hostile["status"], "more_info_needed", "{page}");
    assert_eq!(
        hostile["claim"]["fields"]["contact_name"],
        "<script>alert(1)</script>"
    );
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let later: serde_json::Value = get(
        &api,
        &format!("/v1/office/claims?cursor={}", encode(&cursor)),
    )
    .await
    .expect("get")
    .json()
    .await
    .expect("json");
    assert_eq!(later["claims"].as_array().map(Vec::len), Some(0));
    backend
        .review(
            &c.id.to_string(),
            claimdesk_server::review::Decision {
                status: ServiceStatus::InReview,
                note: String::new(),
                tracking: None,
                actor: "cli:test".into(),
                address: "local".into(),
            },
        )
        .await
        .expect("review");
    let changed: serde_json::Value = get(
        &api,
        &format!("/v1/office/claims?cursor={}", encode(&cursor)),
    )
    .await
    .expect("get")
    .json()
    .await
    .expect("json");
    assert_eq!(
        changed["claims"][0]["status"], "in_review",
        "a decision brings it back"
    );
    let settling = claimdesk_server::office::claims::changed(
        &backend,
        None,
        Some(&cursor),
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("changed");
    assert!(
        settling.claims.is_empty(),
        "a change younger than the settle time waits"
    );
    let blob = get(
        &api,
        &format!(
            "/v1/office/claims/{}/attachments/{}",
            c.id, c.attachments[0].sha256
        ),
    )
    .await
    .expect("get");
    assert_eq!(blob.status(), 200);
    assert_eq!(blob.bytes().await.expect("bytes").as_ref(), photo);
    assert!(accounts::revoke_api_token(&backend, "erp")
        .await
        .expect("revoke"));
    assert_eq!(
        get(&api, "/v1/office/claims").await.expect("get").status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_is_safe_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    the_office_suite(Backend::Sqlite(Intake::open(dir.path()).expect("open"))).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_is_safe_on_postgresql() {
    let pg = Postgres::start();
    let blobs = tempfile::tempdir().expect("blobs");
    let store = PgStore::open(&pg.url(), Blobs::Folder(blobs.path().to_owned()))
        .await
        .expect("open");
    the_office_suite(Backend::Postgres(store)).await;
}

#[test]
fn the_databases_role_checks_are_the_rust_ones() {
    for sql in [
        include_str!("../../src/migrations/006_office.sql"),
        include_str!("../../src/migrations/pg/004_office.sql"),
    ] {
        let start = sql.find("CHECK (role IN (").expect("a role CHECK") + 16;
        let len = sql[start..].find(')').expect("closed");
        let names: Vec<&str> = sql[start..start + len]
            .split(',')
            .map(|v| v.trim().trim_matches('\''))
            .collect();
        assert_eq!(names, Role::names().collect::<Vec<_>>());
    }
}
