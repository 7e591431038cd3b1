//! *Edit* or *Withdraw* against an upload starting at the same moment, on two connections to
//! one file (the window's and the sync engine's): exactly one of them wins, every time.

use claimdesk_model::sample::valid_fields;
use claimdesk_model::{ClaimId, ErrorCode, Status};
use claimdesk_store::{Store, TakeBack, Vault};
use std::sync::{Arc, Barrier};

const ROUNDS: usize = 40;

fn open(dir: &std::path::Path) -> Store {
    Store::open_dir(dir, &Vault::for_tests(dir)).expect("open")
}

/// Runs `clerk` on one connection while the engine picks the next claim on another, both
/// released at once; returns what the engine picked and what the clerk got.
fn race<T: Send + 'static>(
    dir: &std::path::Path,
    clerk: impl FnOnce(&mut Store) -> T + Send + 'static,
) -> (Option<ClaimId>, T) {
    let start = Arc::new(Barrier::new(2));
    let (d, s) = (dir.to_owned(), start.clone());
    let engine = std::thread::spawn(move || {
        let mut store = open(&d);
        s.wait();
        store.pick_next().expect("pick").map(|o| o.payload.id)
    });
    let mut store = open(dir);
    start.wait();
    let got = clerk(&mut store);
    (engine.join().expect("engine"), got)
}

#[test]
fn an_edit_and_an_upload_starting_together_never_both_win() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut uploads, mut edits) = (0, 0);
    for _ in 0..ROUNDS {
        let id = ClaimId::new();
        open(dir.path()).submit(id, &valid_fields()).expect("queue");
        let (picked, edit) = race(dir.path(), move |s| s.take_back(id, None));
        let status = open(dir.path())
            .get(id)
            .expect("get")
            .expect("claim")
            .status;
        match (picked, edit) {
            (Some(p), Err(e)) if p == id => {
                assert_eq!(e.code(), ErrorCode::ClaimUploading);
                assert_eq!(status, Status::Sending);
                uploads += 1;
                // Done with it: sent, so the next round's claim is the only one queued.
                let mut s = open(dir.path());
                s.record_sent(&claimdesk_model::wire::Receipt {
                    id,
                    case_reference: "CD-7KQ2-M9XA".into(),
                    received_at: "2026-11-26T08:00:00.000Z".into(),
                    status: "received".into(),
                    supersedes: None,
                    superseded_by: None,
                })
                .expect("sent");
            }
            (None, Ok(TakeBack::Editing(c))) => {
                assert_eq!(c.status, Status::Draft);
                assert_eq!(status, Status::Draft);
                edits += 1;
                open(dir.path())
                    .withdraw(id, "test")
                    .expect("out of the way");
            }
            (picked, edit) => panic!("both or neither won: picked {picked:?}, edit {edit:?}"),
        }
    }
    eprintln!("edit vs upload: {uploads} uploads won, {edits} edits won");
}

#[test]
fn a_withdrawal_and_an_upload_starting_together_never_both_win() {
    let dir = tempfile::tempdir().expect("tmp");
    for _ in 0..ROUNDS {
        let id = ClaimId::new();
        open(dir.path()).submit(id, &valid_fields()).expect("queue");
        let (picked, withdrawn) = race(dir.path(), move |s| s.withdraw(id, "clerk"));
        let status = open(dir.path())
            .get(id)
            .expect("get")
            .expect("claim")
            .status;
        match (picked, withdrawn) {
            (Some(p), Err(e)) if p == id => {
                assert_eq!(e.code(), ErrorCode::ClaimNotWithdrawable);
                assert_eq!(status, Status::Sending);
                open(dir.path())
                    .record_rejected(
                        id,
                        &claimdesk_model::wire::ErrorBody::new(ErrorCode::Validation, "x"),
                    )
                    .expect("refused");
                open(dir.path())
                    .withdraw(id, "test")
                    .expect("out of the way");
            }
            (None, Ok(row)) => assert_eq!(row.status, Status::Withdrawn),
            (picked, w) => panic!("both or neither won: picked {picked:?}, withdraw {w:?}"),
        }
    }
}
