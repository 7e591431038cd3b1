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
    let first = lock(store).take_back(id, false)?;
    if let TakeBack::Editing(claim) = first {
        return Ok(Edit::Editing(claim));
    }
    let settings = SyncSettings::load(&lock(store), fallback)?;
    let client = settings
        .client((CONNECT_TIMEOUT, READ_TIMEOUT))
        .map_err(EditError::CannotCheck)?;
    match client.find(id).await.map_err(EditError::CannotCheck)? {
        Some(receipt) => {
            lock(store).record_sent(&receipt)?;
            tracing::info!(claim = %id, "the service had it already: sent, not edited");
            Ok(Edit::AlreadySent(receipt))
        }
        None => match lock(store).take_back(id, true)? {
            TakeBack::Editing(claim) => Ok(Edit::Editing(claim)),
            // Only a claim not yet checked is sent back to ask; this one was.
            TakeBack::AskService => Err(StoreError::Corrupt(format!(
                "claim {id} could not be taken back after the service was asked"
            ))
            .into()),
        },
    }
}

/// The store, even after a panic elsewhere (its transactions roll back, so it stays sound).
fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}
