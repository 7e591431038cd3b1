//! Office staff and the retailer's systems: users with Argon2id password hashes and a lockout
//! after repeated failures, sessions (only the id's SHA-256 is stored, with the session's CSRF
//! token), and read-only API tokens. Written once over [`Db`] for both stores.

use super::Role;
use crate::sql::{Db, Value};
use crate::storage::StorageError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use claimdesk_model::now_timestamp;
use claimdesk_model::wire::sha256_hex;

/// Failed sign-ins in a row that lock a user.
pub const LOCK_AFTER: i64 = 5;
/// How long a locked user stays locked.
pub const LOCKED_FOR: chrono::Duration = chrono::Duration::minutes(15);
/// How long a session lasts from sign-in.
pub const SESSION_FOR: chrono::Duration = chrono::Duration::hours(10);
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Why an account action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user name is taken.
    #[error("a user named “{0}” exists already")]
    UserExists(String),
    /// Not a usable user name.
    #[error("a user name is 1 to 64 letters, digits, dots, dashes or underscores")]
    BadName,
    /// Too short a password.
    #[error("a password needs at least {MIN_PASSWORD} characters")]
    WeakPassword,
    /// No such user.
    #[error("no user named “{0}”")]
    NoSuchUser(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing failed.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// A signed-in user, as a request sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The user's name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The session's CSRF token, expected in every form.
    pub csrf: String,
}

/// A user as the admin page lists them.
#[derive(Debug, Clone)]
pub struct User {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Since when.
    pub created_at: String,
    /// Locked until, if locked.
    pub locked_until: Option<String>,
    /// Disabled since, if disabled.
    pub disabled_at: Option<String>,
}

/// How a sign-in came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the new session's id (for the cookie) and the user.
    Ok {
        /// The session id to set in the cookie (only its hash is stored).
        session: String,
        /// Who.
        staff: Staff,
    },
    /// Wrong name or password (not said which).
    Wrong,
    /// Too many failures: locked until then.
    Locked(String),
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Random bytes as hex.
pub fn random_hex(n: usize) -> Result<String, StorageError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| StorageError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().all(|c| c == '.')
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Hashes a password as an Argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::encode_b64(random_hex(16)?.as_bytes())
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash verified against for unknown names, so a wrong name takes as long as a wrong
/// password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password anyone has").unwrap_or_default())
}

/// Adds a user.
pub async fn add_user(
    db: &impl Db,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), AccountError> {
    if !valid_name(name) {
        return Err(AccountError::BadName);
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::WeakPassword);
    }
    let hash = hash_password(password)?;
    let n = db
        .execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
            vec![
                name.into(),
                role.as_str().into(),
                hash.into(),
                now_timestamp().into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(AccountError::UserExists(name.to_owned()));
    }
    Ok(())
}

/// Every user, by name.
pub async fn users(db: &impl Db) -> Result<Vec<User>, StorageError> {
    let rows = db
        .query(
            "SELECT name, role, created_at, locked_until, disabled_at FROM users ORDER BY name",
            vec![],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| User {
            name: r[0].string(),
            role: r[1].string(),
            created_at: r[2].string(),
            locked_until: r[3].text().map(str::to_owned),
            disabled_at: r[4].text().map(str::to_owned),
        })
        .collect())
}

/// Disables a user and ends their sessions.
pub async fn disable_user(db: &impl Db, name: &str) -> Result<(), AccountError> {
    let n = db
        .execute(
            "UPDATE users SET disabled_at = $2 WHERE name = $1 AND disabled_at IS NULL",
            vec![name.into(), now_timestamp().into()],
        )
        .await?;
    db.execute(
        "DELETE FROM sessions WHERE user_name = $1",
        vec![name.into()],
    )
    .await?;
    if n == 0 {
        return Err(AccountError::NoSuchUser(name.to_owned()));
    }
    Ok(())
}

/// Password checks (Argon2id: ~19 MiB and tens of milliseconds each) running at once; more
/// wait, off the async threads, so a flood of sign-ins cannot starve the device API.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// [`verify`] on a blocking thread, a few at a time.
async fn verify_off_thread(password: &str, phc: &str) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .unwrap_or(false)
}

/// Checks a name and password; on success, a new session (a fresh id every time: an id
/// planted before sign-in never becomes a session). Each attempt is counted *before* the
/// password is checked, in one statement, so attempts made at once cannot slip past the
/// lockout; a success resets the count, and a lock that has run out starts it again at one.
pub async fn sign_in(
    db: &impl Db,
    name: &str,
    password: &str,
    address: &str,
) -> Result<SignIn, StorageError> {
    let now = chrono::Utc::now();
    let reserved = db
        .query(
            "UPDATE users SET
                 failed_sign_ins = CASE WHEN locked_until IS NOT NULL THEN 1
                                        ELSE failed_sign_ins + 1 END,
                 locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1
                                                ELSE failed_sign_ins + 1 END) >= $2
                                     THEN $3 ELSE NULL END
             WHERE name = $1 AND disabled_at IS NULL
               AND (locked_until IS NULL OR locked_until <= $4)
             RETURNING role, password_hash",
            vec![
                name.into(),
                LOCK_AFTER.into(),
                stamp(now + LOCKED_FOR).into(),
                stamp(now).into(),
            ],
        )
        .await?
        .into_iter()
        .next();
    let Some(row) = reserved else {
        // Unknown, disabled, or locked: as slow as a wrong password either way.
        verify_off_thread(password, dummy_hash()).await;
        let locked = db
            .query(
                "SELECT locked_until FROM users WHERE name = $1 AND disabled_at IS NULL",
                vec![name.into()],
            )
            .await?;
        return Ok(
            match locked.first().and_then(|r| r[0].text().map(str::to_owned)) {
                Some(until) => SignIn::Locked(until),
                None => SignIn::Wrong,
            },
        );
    };
    let Some(role) = Role::parse(&row[0].string()) else {
        return Ok(SignIn::Wrong);
    };
    if !verify_off_thread(password, &row[1].string()).await {
        return Ok(SignIn::Wrong);
    }
    db.execute(
        "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE name = $1",
        vec![name.into()],
    )
    .await?;
    let session = random_hex(32)?;
    let csrf = random_hex(32)?;
    db.execute(
        "INSERT INTO sessions (id_sha256, user_name, csrf, address, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            sha256_hex(session.as_bytes()).into(),
            name.into(),
            csrf.clone().into(),
            address.into(),
            stamp(now).into(),
            stamp(now + SESSION_FOR).into(),
        ],
    )
    .await?;
    Ok(SignIn::Ok {
        session,
        staff: Staff {
            name: name.to_owned(),
            role,
            csrf,
        },
    })
}

/// The user a session id belongs to, if the session is live and the user not disabled.
pub async fn session(db: &impl Db, id: &str) -> Result<Option<Staff>, StorageError> {
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row = db
        .query(
            "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            vec![sha256_hex(id.as_bytes()).into(), now_timestamp().into()],
        )
        .await?
        .into_iter()
        .next();
    Ok(row.and_then(|r| {
        Some(Staff {
            name: r[0].string(),
            role: Role::parse(&r[1].string())?,
            csrf: r[2].string(),
        })
    }))
}

/// Ends a session (and sweeps expired ones).
pub async fn sign_out(db: &impl Db, id: &str) -> Result<(), StorageError> {
    db.execute(
        "DELETE FROM sessions WHERE id_sha256 = $1 OR expires_at < $2",
        vec![sha256_hex(id.as_bytes()).into(), now_timestamp().into()],
    )
    .await?;
    Ok(())
}

/// A new read-only API token for the retailer's systems, named `name`; shown once.
pub async fn add_api_token(db: &impl Db, name: &str) -> Result<String, AccountError> {
    if !valid_name(name) {
        return Err(AccountError::BadName);
    }
    let token = format!("cdo_{}", random_hex(24)?);
    db.execute(
        "INSERT INTO api_tokens (token_sha256, name, created_at) VALUES ($1, $2, $3)",
        vec![
            sha256_hex(token.as_bytes()).into(),
            name.into(),
            now_timestamp().into(),
        ],
    )
    .await?;
    Ok(token)
}

/// The name of the live API token `token`, if it is one.
pub async fn api_token(db: &impl Db, token: &str) -> Result<Option<String>, StorageError> {
    if !token.starts_with("cdo_") {
        return Ok(None);
    }
    let rows = db
        .query(
            "SELECT name FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL",
            vec![sha256_hex(token.as_bytes()).into()],
        )
        .await?;
    Ok(rows.first().map(|r| r[0].string()))
}

/// Revokes every API token named `name`; whether there was one.
pub async fn revoke_api_token(db: &impl Db, name: &str) -> Result<bool, StorageError> {
    let n = db
        .execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
            vec![name.into(), Value::from(now_timestamp())],
        )
        .await?;
    Ok(n > 0)
}
