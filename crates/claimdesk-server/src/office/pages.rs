//! The office's pages. Each handler checks who is asking ([`signed_in`]), does one thing,
//! and renders one template; every POST checks the CSRF token first and answers with a
//! redirect (so a reload never repeats it).

use super::accounts::{self, SignIn, Staff};
use super::claims::{self, Filter};
use super::Role;
use crate::review::{AuditEntry, Decision, ReviewError};
use crate::storage::{ClaimStorage, Received};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use claimdesk_model::wire::ServiceStatus;
use claimdesk_model::{now_timestamp, ClaimFields, ClaimId};
use serde::Deserialize;

/// The templates' own filters.
mod filters {
    /// A vocabulary name as words: `more_info_needed` → `More info needed`.
    pub fn label<T: std::fmt::Display>(name: T, _: &dyn askama::Values) -> askama::Result<String> {
        let words = name.to_string().replace('_', " ");
        let mut chars = words.chars();
        Ok(match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        })
    }

    /// The day of an RFC 3339 time.
    pub fn day<T: std::fmt::Display>(at: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(at.to_string().chars().take(10).collect())
    }

    /// Text as one percent-encoded path segment.
    pub fn path<T: std::fmt::Display>(text: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::encode(&text.to_string()))
    }
}

/// The session cookie.
const SESSION: &str = "__Host-cd_session";
/// The pre-session cookie the sign-in form's CSRF token is checked against.
const PRE: &str = "__Host-cd_signin";

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The headers every office answer carries.
fn harden(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A rendered page.
fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => harden(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "office page failed to render");
            harden(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The page could not be shown.",
                )
                    .into_response(),
            )
        }
    }
}

/// An error page (the message is ours, never a database's).
fn problem(status: StatusCode, staff: Option<&Staff>, message: &str) -> Response {
    html(
        status,
        ProblemPage {
            nav: Nav::of(staff, ""),
            message,
        },
    )
}

/// What a storage failure shows: only the request id, as the API does.
fn failed(staff: Option<&Staff>, e: impl std::fmt::Display) -> Response {
    crate::metrics::storage_error();
    let id = crate::request_id();
    tracing::error!(request_id = %id, error = %e, "office storage failed");
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        staff,
        &format!("The claims store cannot be reached just now. Try again; if it goes on, give the administrator the request id {id}."),
    )
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> (header::HeaderName, String) {
    (
        header::SET_COOKIE,
        format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}"),
    )
}

/// Where the request came from: the peer, or (behind a reverse proxy on this machine) the
/// last address of `X-Forwarded-For`, the one that proxy added.
pub(crate) fn address(headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    // The last hop is the one the proxy itself added (`$proxy_add_x_forwarded_for`); those
    // before it are whatever the client sent.
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
    match (peer, forwarded) {
        (Some(p), Some(f)) if p.ip().is_loopback() => f.to_owned(),
        (Some(p), _) => p.ip().to_string(),
        (None, Some(f)) => f.to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}

fn peer(headers: &HeaderMap) -> Option<std::net::SocketAddr> {
    headers
        .get(crate::PEER_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Who is signed in, or the redirect to the sign-in page.
async fn signed_in<S: ClaimStorage>(storage: &S, headers: &HeaderMap) -> Result<Staff, Response> {
    let Some(id) = cookie(headers, SESSION) else {
        return Err(Redirect::to("/office/sign-in").into_response());
    };
    match accounts::session(storage, &id).await {
        Ok(Some(staff)) => Ok(staff),
        Ok(None) => Err(Redirect::to("/office/sign-in").into_response()),
        Err(e) => Err(failed(None, e)),
    }
}

/// An admin, or a 403 for a reviewer.
async fn admin<S: ClaimStorage>(storage: &S, headers: &HeaderMap) -> Result<Staff, Response> {
    let staff = signed_in(storage, headers).await?;
    if staff.role != Role::Admin {
        return Err(problem(
            StatusCode::FORBIDDEN,
            Some(&staff),
            "Only an administrator may do this.",
        ));
    }
    Ok(staff)
}

/// Who is signed in (an admin, when `role` says so) and sent a form with the session's CSRF
/// token; else the sign-in page or a refusal (a form without the token changes nothing).
async fn posting<S: ClaimStorage>(
    storage: &S,
    headers: &HeaderMap,
    csrf: &str,
    role: Role,
) -> Result<Staff, Response> {
    let staff = match role {
        Role::Admin => admin(storage, headers).await?,
        Role::Reviewer => signed_in(storage, headers).await?,
    };
    if !csrf_ok(&staff, csrf) {
        return Err(forged(&staff));
    }
    Ok(staff)
}

/// Whether `given` is the session's CSRF token (compared in constant time).
fn csrf_ok(staff: &Staff, given: &str) -> bool {
    let (a, b) = (staff.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn forged(staff: &Staff) -> Response {
    problem(
        StatusCode::FORBIDDEN,
        Some(staff),
        "This form has expired or did not come from this office. Go back, reload the page and try again.",
    )
}

async fn record<S: ClaimStorage>(
    storage: &S,
    staff: &Staff,
    headers: &HeaderMap,
    action: &str,
    claim_id: Option<String>,
    detail: String,
) -> Result<(), Response> {
    storage
        .audit(AuditEntry {
            at: now_timestamp(),
            actor: format!("user:{}", staff.name),
            address: address(headers, peer(headers)),
            action: action.to_owned(),
            claim_id,
            detail,
        })
        .await
        .map_err(|e| failed(Some(staff), e))
}

/// The header's links.
pub(crate) struct Nav {
    user: String,
    admin: bool,
    csrf: String,
    here: &'static str,
}

impl Nav {
    fn of(staff: Option<&Staff>, here: &'static str) -> Nav {
        Nav {
            user: staff.map(|s| s.name.clone()).unwrap_or_default(),
            admin: staff.is_some_and(|s| s.role == Role::Admin),
            csrf: staff.map(|s| s.csrf.clone()).unwrap_or_default(),
            here,
        }
    }
}

#[derive(Template)]
#[template(path = "office/problem.html")]
struct ProblemPage<'a> {
    nav: Nav,
    message: &'a str,
}

pub async fn home() -> Redirect {
    Redirect::to("/office/claims")
}

pub async fn css() -> Response {
    harden(
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            include_str!("office.css"),
        )
            .into_response(),
    )
}

#[derive(Template)]
#[template(path = "office/sign_in.html")]
struct SignInPage<'a> {
    nav: Nav,
    csrf: &'a str,
    name: &'a str,
    error: &'a str,
}

/// The sign-in form, with a fresh pre-session token in a cookie and in the form.
pub async fn sign_in_form() -> Response {
    sign_in_page(StatusCode::OK, "", "")
}

fn sign_in_page(status: StatusCode, name: &str, error: &str) -> Response {
    let Ok(token) = accounts::random_hex(32) else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "No randomness available.",
        );
    };
    let mut response = html(
        status,
        SignInPage {
            nav: Nav::of(None, ""),
            csrf: &token,
            name,
            error,
        },
    );
    let (k, v) = set_cookie(PRE, &token, 3600);
    if let Ok(v) = HeaderValue::from_str(&v) {
        response.headers_mut().append(k, v);
    }
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn sign_in<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let expected = cookie(&headers, PRE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return sign_in_page(
            StatusCode::FORBIDDEN,
            &form.name,
            "The sign-in form expired. Please sign in again.",
        );
    }
    let from = address(&headers, peer(&headers));
    let outcome = accounts::sign_in(&storage, form.name.trim(), &form.password, &from).await;
    let entry = |detail: &str| AuditEntry {
        at: now_timestamp(),
        actor: format!("user:{}", form.name.trim()),
        address: from.clone(),
        action: "sign_in".to_owned(),
        claim_id: None,
        detail: detail.to_owned(),
    };
    match outcome {
        Ok(SignIn::Ok { session, .. }) => {
            if let Err(e) = storage.audit(entry("signed in")).await {
                return failed(None, e);
            }
            let mut response = Redirect::to("/office/claims").into_response();
            for (name, value, age) in [(SESSION, session.as_str(), 36_000), (PRE, "", 0)] {
                let (k, v) = set_cookie(name, value, age);
                if let Ok(v) = HeaderValue::from_str(&v) {
                    response.headers_mut().append(k, v);
                }
            }
            harden(response)
        }
        Ok(SignIn::Wrong) => {
            let _ = storage.audit(entry("wrong name or password")).await;
            sign_in_page(
                StatusCode::UNAUTHORIZED,
                &form.name,
                "That name and password do not match. Check them and try again.",
            )
        }
        Ok(SignIn::Locked(until)) => {
            let _ = storage.audit(entry("refused: locked")).await;
            sign_in_page(
                StatusCode::TOO_MANY_REQUESTS,
                &form.name,
                &format!("Too many failed sign-ins: this user is locked until {until} (UTC). Ask an administrator if you cannot wait."),
            )
        }
        Err(e) => failed(None, e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Reviewer).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(id) = cookie(&headers, SESSION) {
        if let Err(e) = accounts::sign_out(&storage, &id).await {
            return failed(Some(&staff), e);
        }
    }
    let _ = record(&storage, &staff, &headers, "sign_out", None, String::new()).await;
    let mut response = Redirect::to("/office/sign-in").into_response();
    let (k, v) = set_cookie(SESSION, "", 0);
    if let Ok(v) = HeaderValue::from_str(&v) {
        response.headers_mut().append(k, v);
    }
    harden(response)
}

#[derive(Template)]
#[template(path = "office/claims.html")]
struct ClaimsPage<'a> {
    nav: Nav,
    filter: &'a Filter,
    rows: Vec<claims::ListRow>,
    statuses: Vec<&'static str>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    csv: String,
}

/// The filter as a query string, on another page.
fn query_for(filter: &Filter, page: Option<i64>) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("q", &filter.q),
        ("status", &filter.status),
        ("device", &filter.device),
        ("country", &filter.country),
        ("product", &filter.product),
        ("serial", &filter.serial),
        ("order", &filter.order),
        ("from", &filter.from),
        ("to", &filter.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect();
    if let Some(p) = page {
        pairs.push(("page", p.to_string()));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
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

pub async fn claims<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let (rows, more) = match claims::list(&storage, &filter).await {
        Ok(x) => x,
        Err(e) => return failed(Some(&staff), e),
    };
    let page = filter.page();
    html(
        StatusCode::OK,
        ClaimsPage {
            nav: Nav::of(Some(&staff), "claims"),
            statuses: ServiceStatus::names().collect(),
            prev: (page > 1).then(|| query_for(&filter, Some(page - 1))),
            next: more.then(|| query_for(&filter, Some(page + 1))),
            csv: query_for(&filter, None),
            filter: &filter,
            rows,
            page,
        },
    )
}

/// The claims the filter finds, every page, as CSV (customer text neutralised).
pub async fn claims_csv<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut filter = filter.map(|Query(f)| f).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "case_reference",
        "claim_number",
        "id",
        "received_at",
        "device",
        "status",
        "contact_name",
        "product_name",
        "serial_number",
        "country",
    ]);
    for page in 1.. {
        filter.page = Some(page);
        let (rows, more) = match claims::list(&storage, &filter).await {
            Ok(x) => x,
            Err(e) => return failed(Some(&staff), e),
        };
        for r in rows {
            let row = [
                r.case_reference,
                r.claim_number,
                r.id,
                r.received_at,
                r.device,
                r.status,
                r.contact_name,
                r.product_name,
                r.serial_number,
                r.country,
            ];
            let _ = w.write_record(
                row.iter()
                    .map(|c| claimdesk_model::spreadsheet::neutralise(c).into_owned()),
            );
        }
        if !more {
            break;
        }
    }
    let _ = record(
        &storage,
        &staff,
        &headers,
        "export",
        None,
        "claims.csv".into(),
    )
    .await;
    csv_response(w, "claims.csv")
}

fn csv_response(w: csv::Writer<Vec<u8>>, name: &str) -> Response {
    let body = w.into_inner().unwrap_or_default();
    harden(
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response(),
    )
}

#[derive(Template)]
#[template(path = "office/claim.html")]
struct ClaimPage<'a> {
    nav: Nav,
    c: &'a Received,
    fields: Vec<(&'static str, &'a str)>,
    attachments: Vec<claims::AttachmentMeta>,
    additions: Vec<claims::Addition>,
    history: Vec<AuditEntry>,
    next: Vec<&'static str>,
    needs_tracking: Vec<&'static str>,
    note: &'a str,
    tracking: &'a str,
    error: &'a str,
}

async fn claim_page<S: ClaimStorage>(
    storage: &S,
    staff: &Staff,
    id: &str,
    status: StatusCode,
    typed: (&str, &str, &str),
) -> Response {
    let Ok(id) = id.parse::<ClaimId>() else {
        return problem(
            StatusCode::NOT_FOUND,
            Some(staff),
            "There is no such claim.",
        );
    };
    let detail = match claims::detail(storage, id).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                Some(staff),
                "There is no such claim.",
            )
        }
        Err(e) => return failed(Some(staff), e),
    };
    let history = match claims::history(storage, id).await {
        Ok(h) => h,
        Err(e) => return failed(Some(staff), e),
    };
    let c = &detail.received;
    let from = ServiceStatus::parse(&c.status).unwrap_or(ServiceStatus::Received);
    let values = c.claim.fields.values();
    let fields = ClaimFields::NAMES
        .iter()
        .zip(values.iter())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, *v))
        .collect();
    let attachments = c
        .claim
        .attachments
        .iter()
        .map(|a| claims::AttachmentMeta {
            sha256: a.sha256.clone(),
            kind: a.kind.as_str().to_owned(),
            media_type: a.media_type.clone(),
            byte_size: i64::try_from(a.byte_size).unwrap_or(i64::MAX),
            original_name: a.original_name.clone(),
        })
        .collect();
    html(
        status,
        ClaimPage {
            nav: Nav::of(Some(staff), "claims"),
            c,
            fields,
            attachments,
            additions: detail.additions.clone(),
            history,
            next: from.next().iter().map(|s| s.as_str()).collect(),
            needs_tracking: ServiceStatus::ALL
                .iter()
                .filter(|s| s.needs_tracking())
                .map(|s| s.as_str())
                .collect(),
            note: typed.0,
            tracking: typed.1,
            error: typed.2,
        },
    )
}

pub async fn claim<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    claim_page(&storage, &staff, &id, StatusCode::OK, ("", "", "")).await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    tracking: String,
}

pub async fn review<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Reviewer).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let typed = (form.note.as_str(), form.tracking.as_str());
    let Some(status) = ServiceStatus::parse(&form.status) else {
        return claim_page(
            &storage,
            &staff,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            (typed.0, typed.1, "Choose the claim's new status."),
        )
        .await;
    };
    let decision = Decision {
        status,
        note: form.note.clone(),
        tracking: Some(form.tracking.clone()).filter(|t| !t.trim().is_empty()),
        actor: format!("user:{}", staff.name),
        address: address(&headers, peer(&headers)),
    };
    match storage.review(id.clone(), decision).await {
        Ok(_) => harden(Redirect::to(&format!("/office/claims/{}", encode(&id))).into_response()),
        Err(ReviewError::Storage(e)) => failed(Some(&staff), e),
        Err(e) => {
            let message = e.to_string();
            claim_page(
                &storage,
                &staff,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                (typed.0, typed.1, &message),
            )
            .await
        }
    }
}

/// A photo or PDF of a claim (or of one of its additions). Photos are shown inline; PDFs are
/// downloaded (a PDF viewer in the office's origin is more than a picture).
pub async fn attachment<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path((id, sha256)): Path<(String, String)>,
) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    blob_response(&storage, Some(&staff), &id, &sha256).await
}

/// The blob `sha256` if claim `id` names it.
pub(crate) async fn blob_response<S: ClaimStorage>(
    storage: &S,
    staff: Option<&Staff>,
    id: &str,
    sha256: &str,
) -> Response {
    let not_found = || problem(StatusCode::NOT_FOUND, staff, "There is no such attachment.");
    let Ok(id) = id.parse::<ClaimId>() else {
        return not_found();
    };
    let media = match claims::attachment_type(storage, id, sha256).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(),
        Err(e) => return failed(staff, e),
    };
    let bytes = match storage.read_blob(sha256.to_owned()).await {
        Ok(Some(b)) => b,
        Ok(None) => return not_found(),
        Err(e) => return failed(staff, e),
    };
    let (media, disposition) = if media == "image/jpeg" {
        ("image/jpeg", format!("inline; filename=\"{sha256}.jpg\""))
    } else {
        (
            "application/pdf",
            format!("attachment; filename=\"{sha256}.pdf\""),
        )
    };
    harden(
        (
            [
                (header::CONTENT_TYPE, media.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response(),
    )
}

#[derive(Template)]
#[template(path = "office/audit.html")]
struct AuditPage {
    nav: Nav,
    lines: Vec<AuditEntry>,
}

/// The audit log's newest lines shown on a page.
const AUDIT_SHOWN: usize = 500;

/// The newest [`AUDIT_SHOWN`] lines, newest first.
async fn audit_page_lines<S: ClaimStorage>(storage: &S) -> crate::storage::Result<Vec<AuditEntry>> {
    let rows = storage
        .query(
            "SELECT at, actor, address, action, claim_id, detail FROM audit
             ORDER BY id DESC LIMIT $1",
            vec![crate::sql::Value::Int(AUDIT_SHOWN as i64)],
        )
        .await?;
    Ok(rows.iter().map(claims::audit_entry).collect())
}

pub async fn audit<S: ClaimStorage>(State(storage): State<S>, headers: HeaderMap) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lines = match audit_page_lines(&storage).await {
        Ok(l) => l,
        Err(e) => return failed(Some(&staff), e),
    };
    html(
        StatusCode::OK,
        AuditPage {
            nav: Nav::of(Some(&staff), "audit"),
            lines,
        },
    )
}

pub async fn audit_csv<S: ClaimStorage>(State(storage): State<S>, headers: HeaderMap) -> Response {
    let staff = match signed_in(&storage, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lines = match storage.audit_log(None).await {
        Ok(l) => l,
        Err(e) => return failed(Some(&staff), e),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["at", "actor", "address", "action", "claim_id", "detail"]);
    for l in &lines {
        let row = [
            l.at.as_str(),
            &l.actor,
            &l.address,
            &l.action,
            l.claim_id.as_deref().unwrap_or(""),
            &l.detail,
        ];
        let _ = w.write_record(
            row.iter()
                .map(|c| claimdesk_model::spreadsheet::neutralise(c).into_owned()),
        );
    }
    csv_response(w, "audit.csv")
}

/// How long a device's old token keeps working after a rotation from the office.
pub const ROTATE_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

#[derive(Template)]
#[template(path = "office/devices.html")]
struct DevicesPage<'a> {
    nav: Nav,
    devices: Vec<crate::storage::Device>,
    /// A token just issued, shown once.
    token: Option<(&'a str, &'a str)>,
    error: &'a str,
}

async fn devices_page<S: ClaimStorage>(
    storage: &S,
    staff: &Staff,
    token: Option<(&str, &str)>,
    error: &str,
) -> Response {
    let devices = match storage.device_list().await {
        Ok(d) => d,
        Err(e) => return failed(Some(staff), e),
    };
    html(
        if error.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        DevicesPage {
            nav: Nav::of(Some(staff), "devices"),
            devices,
            token,
            error,
        },
    )
}

pub async fn devices<S: ClaimStorage>(State(storage): State<S>, headers: HeaderMap) -> Response {
    match admin(&storage, &headers).await {
        Ok(staff) => devices_page(&storage, &staff, None, "").await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// The fleet a new device joins (empty: none).
    #[serde(default)]
    fleet: String,
}

pub async fn device_add<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Form(form): Form<NameForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Admin).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = form.name.trim();
    // Names become a path segment of the device's actions: no dot-only names.
    if name.is_empty() || name.len() > 64 || name.chars().all(|c| c == '.') {
        return devices_page(
            &storage,
            &staff,
            None,
            "A device name is 1 to 64 characters.",
        )
        .await;
    }
    match storage.device_add(name.to_owned()).await {
        Ok(token) => {
            let fleet = form.fleet.trim();
            if !fleet.is_empty() {
                if let Err(e) = crate::lookup::set_fleet(&storage, name, Some(fleet)).await {
                    return failed(Some(&staff), e);
                }
            }
            if let Err(r) = record(
                &storage,
                &staff,
                &headers,
                "device.add",
                None,
                name.to_owned(),
            )
            .await
            {
                return r;
            }
            devices_page(&storage, &staff, Some((name, &token)), "").await
        }
        Err(e @ crate::storage::StorageError::NameRetired(_)) => {
            devices_page(&storage, &staff, None, &e.to_string()).await
        }
        Err(crate::storage::StorageError::DeviceExists(_)) => {
            devices_page(
                &storage,
                &staff,
                None,
                "A live device has that name; revoke it first or choose another.",
            )
            .await
        }
        Err(e) => failed(Some(&staff), e),
    }
}

pub async fn device_act<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path((name, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Admin).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let done = match action.as_str() {
        "revoke" => storage
            .device_revoke(name.clone())
            .await
            .map(|ok| ok.then(String::new)),
        "rotate" => storage.device_rotate(name.clone(), ROTATE_GRACE).await,
        _ => {
            return problem(
                StatusCode::NOT_FOUND,
                Some(&staff),
                "There is no such action.",
            )
        }
    };
    match done {
        Ok(Some(token)) => {
            if let Err(r) = record(
                &storage,
                &staff,
                &headers,
                &format!("device.{action}"),
                None,
                name.clone(),
            )
            .await
            {
                return r;
            }
            if token.is_empty() {
                harden(Redirect::to("/office/devices").into_response())
            } else {
                devices_page(&storage, &staff, Some((&name, &token)), "").await
            }
        }
        Ok(None) => devices_page(&storage, &staff, None, "No live device has that name.").await,
        Err(e) => failed(Some(&staff), e),
    }
}

#[derive(Template)]
#[template(path = "office/users.html")]
struct UsersPage<'a> {
    nav: Nav,
    users: Vec<accounts::User>,
    roles: Vec<&'static str>,
    error: &'a str,
}

async fn users_page<S: ClaimStorage>(storage: &S, staff: &Staff, error: &str) -> Response {
    let users = match accounts::users(storage).await {
        Ok(u) => u,
        Err(e) => return failed(Some(staff), e),
    };
    html(
        if error.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        UsersPage {
            nav: Nav::of(Some(staff), "users"),
            users,
            roles: Role::names().collect(),
            error,
        },
    )
}

pub async fn users<S: ClaimStorage>(State(storage): State<S>, headers: HeaderMap) -> Response {
    match admin(&storage, &headers).await {
        Ok(staff) => users_page(&storage, &staff, "").await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn user_add<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Admin).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(role) = Role::parse(&form.role) else {
        return users_page(&storage, &staff, "Choose a role.").await;
    };
    match accounts::add_user(&storage, form.name.trim(), role, &form.password).await {
        Ok(()) => {
            if let Err(r) = record(
                &storage,
                &staff,
                &headers,
                "user.add",
                None,
                format!("{} ({role})", form.name.trim()),
            )
            .await
            {
                return r;
            }
            harden(Redirect::to("/office/users").into_response())
        }
        Err(accounts::AccountError::Storage(e)) => failed(Some(&staff), e),
        Err(e) => users_page(&storage, &staff, &e.to_string()).await,
    }
}

pub async fn user_disable<S: ClaimStorage>(
    State(storage): State<S>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let staff = match posting(&storage, &headers, &form.csrf, Role::Admin).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if name == staff.name {
        return users_page(&storage, &staff, "You cannot disable yourself.").await;
    }
    match accounts::disable_user(&storage, &name).await {
        Ok(()) => {
            if let Err(r) = record(&storage, &staff, &headers, "user.disable", None, name).await {
                return r;
            }
            harden(Redirect::to("/office/users").into_response())
        }
        Err(accounts::AccountError::Storage(e)) => failed(Some(&staff), e),
        Err(e) => users_page(&storage, &staff, &e.to_string()).await,
    }
}
