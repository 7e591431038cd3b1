//! *Edit* on a queued claim: the claim leaves the queue as a draft, same id, everything kept.
//! If an earlier upload of it may have reached the service, the service is asked first
//! (`GET /v1/claims/{id}`): a claim it has becomes `sent` with its receipt instead, so an edit
//! never turns into a conflict (409) later. The store is locked only for its own calls, never
//! while the service is asked.

use crate::client::{CONNECT_TIMEOUT, READ_TIMEOUT};
use crate::{SyncError, SyncSettings};
use claimdesk_model::wire::Receipt;
use claimdesk_model::{Claim, ClaimId};
use claimdesk_store::{Store, StoreError, TakeBack};
use std::sync::{Mutex, MutexGuard};

/// How an edit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The claim is a draft again: open it in the form.
    Editing(Box<Claim>),
    /// The service had it already: it is `sent` now, with this receipt.
    AlreadySent(Receipt),
}

/// Why a claim could not be taken back.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The store refused (being sent, sent, withdrawn) or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The service could not be asked whether an earlier upload arrived; the claim stays
    /// queued.
    #[error("could not ask the claims service about this claim: {0}")]
    CannotCheck(SyncError),
}

/// Takes claim `id` back for editing, asking the service first where an upload may have
/// reached it. `fallback` is the service the engine uses when Settings name none.
pub async fn take_back(
    store: &Mutex<Store>,
    fallback: Option<&SyncSettings>,
    id: ClaimId,
) -> Result<Edit, EditError> {
    let mut attempts = match lock(store).take_back(id, None)? {
        TakeBack::Editing(claim) => return Ok(Edit::Editing(claim)),
        TakeBack::AskService { attempts } => attempts,
    };
    let settings = SyncSettings::load(&lock(store), fallback)?;
    let client = settings
        .client((CONNECT_TIMEOUT, READ_TIMEOUT))
        .map_err(EditError::CannotCheck)?;
    // The engine may start another upload while the service is asked; then the answer is
    // stale and the service is asked again.
    for _ in 0..3 {
        match client.find(id).await.map_err(EditError::CannotCheck)? {
            Some(receipt) => {
                lock(store).record_sent(&receipt)?;
                tracing::info!(claim = %id, "the service had it already: sent, not edited");
                return Ok(Edit::AlreadySent(receipt));
            }
            None => match lock(store).take_back(id, Some(attempts))? {
                TakeBack::Editing(claim) => return Ok(Edit::Editing(claim)),
                TakeBack::AskService { attempts: now } => attempts = now,
            },
        }
    }
    Err(EditError::Store(StoreError::NotEditable {
        id,
        status: claimdesk_model::Status::Sending,
    }))
}

/// How a withdrawal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawal {
    /// Withdrawn: never sent; its new queue row.
    Withdrawn(Box<claimdesk_model::ClaimSummary>),
    /// The service had it already: it is `sent` now, with this receipt, and not withdrawn.
    AlreadySent(Receipt),
}

/// Withdraws claim `id` for `by`. A queued claim an earlier upload may have delivered is
/// first checked with the service, as an edit is: one the service has is recorded as sent
/// (with its reference for the customer) instead of being marked "never sent".
pub async fn withdraw(
    store: &Mutex<Store>,
    fallback: Option<&SyncSettings>,
    id: ClaimId,
    by: &str,
) -> Result<Withdrawal, EditError> {
    let tried = {
        let s = lock(store);
        let queued = s
            .summary(id)?
            .is_some_and(|c| c.status == claimdesk_model::Status::Ready);
        queued && s.attempts(id)? > 0
    };
    if tried {
        if let Edit::AlreadySent(receipt) = take_back(store, fallback, id).await? {
            return Ok(Withdrawal::AlreadySent(receipt));
        }
    }
    Ok(Withdrawal::Withdrawn(Box::new(
        lock(store).withdraw(id, by)?,
    )))
}

/// The store, even after a panic elsewhere (its transactions roll back, so it stays sound).
fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}
