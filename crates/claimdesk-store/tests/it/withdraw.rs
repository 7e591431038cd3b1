//! Withdrawing: a claim the clerk takes back is never sent, stays listed (who, when), and its
//! attachments go; a claim being sent or sent cannot be withdrawn. And the earlier claims
//! for the same product that the window asks about before queueing another.

use claimdesk_model::attachment::{sha256_hex, NewAttachment};
use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::ErrorBody;
use claimdesk_model::{ClaimId, Kind, MediaType, Status};
use claimdesk_store::{Store, StoreError, Vault};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, s)
}

fn with_photo(store: &mut Store) -> ClaimId {
    let id = ClaimId::new();
    let bytes = b"%PDF-1.4 receipt".to_vec();
    store.save_draft(id, &valid_fields()).expect("draft");
    store
        .add_attachment(
            id,
            Kind::Receipt,
            "receipt.pdf",
            &NewAttachment {
                media_type: MediaType::Pdf,
                bytes: &bytes,
                sha256: &sha256_hex(&bytes),
                width: 0,
                height: 0,
                pages: Some(1),
                thumbnail: None,
            },
        )
        .expect("photo");
    id
}

#[test]
fn a_queued_claim_withdrawn_is_never_sent_and_keeps_who_and_when() {
    let (_dir, mut store) = store();
    let id = with_photo(&mut store);
    store.submit(id, &valid_fields()).expect("queue");
    let row = store.withdraw(id, "counter-2").expect("withdraw");
    assert_eq!(row.status, Status::Withdrawn);
    assert_eq!(row.withdrawn_by.as_deref(), Some("counter-2"));
    assert!(row.withdrawn_at.is_some());
    assert!(store.attachments(id).expect("photos").is_empty());
    assert!(
        store.pick_next().expect("pick").is_none(),
        "nothing to send"
    );
    assert_eq!(store.outbox_summary().expect("summary").pending, 0);
    // Listed still, and not editable or withdrawable again.
    assert_eq!(store.list().expect("list")[0].status, Status::Withdrawn);
    let again = store.withdraw(id, "counter-2").expect_err("twice");
    assert_eq!(again.code(), "claim.not_withdrawable");
    let edit = store.save_draft(id, &valid_fields()).expect_err("no edits");
    assert_eq!(edit.code(), "claim.not_editable");
}

#[test]
fn drafts_and_refused_claims_can_be_withdrawn_but_not_one_being_sent_or_sent() {
    let (_dir, mut store) = store();
    let draft = with_photo(&mut store);
    assert_eq!(
        store.withdraw(draft, "me").expect("draft").status,
        Status::Withdrawn
    );

    let refused = ClaimId::new();
    store.submit(refused, &valid_fields()).expect("queue");
    let picked = store.pick_next().expect("pick").expect("one");
    assert_eq!(picked.payload.id, refused);
    let sending = store.withdraw(refused, "me").expect_err("in flight");
    assert_eq!(sending.code(), "claim.not_withdrawable");
    let body = ErrorBody {
        code: "validation".into(),
        message: "no".into(),
        field: None,
        errors: Vec::new(),
        params: Vec::new(),
    };
    store.record_rejected(refused, &body).expect("refused");
    let row = store.withdraw(refused, "me").expect("needs attention");
    assert_eq!(row.status, Status::Withdrawn);
    assert!(row.problem.is_none());

    let sent = ClaimId::new();
    store.submit(sent, &valid_fields()).expect("queue");
    store.pick_next().expect("pick").expect("one");
    store
        .record_sent(&claimdesk_model::wire::Receipt {
            id: sent,
            case_reference: "CD-AAAA-BBBB".into(),
            received_at: "2026-11-26T00:00:00Z".into(),
            status: "received".into(),
            supersedes: None,
            superseded_by: None,
        })
        .expect("sent");
    let err = store.withdraw(sent, "me").expect_err("sent");
    assert_eq!(err.code(), "claim.not_withdrawable");
}

#[test]
fn an_earlier_claim_for_the_same_serial_or_order_is_found() {
    let (_dir, mut store) = store();
    let first = ClaimId::new();
    store.submit(first, &valid_fields()).expect("first");
    // Typed differently, the same serial ("SN: fy529241" is stored as FY529241).
    let mut again = valid_fields();
    again.order_id = "999-0000000-0000000".into();
    again.serial_number = "fy 529241".into();
    let second = ClaimId::new();
    let found = store.duplicates(second, &again).expect("duplicates");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, first);
    assert!(found[0].by_serial);
    // Same order and product, no serial.
    let mut order = valid_fields();
    order.serial_number.clear();
    order.product_name = "powercore 10000".into();
    let found = store.duplicates(second, &order).expect("duplicates");
    assert_eq!(found.len(), 1);
    assert!(!found[0].by_serial);
    // A claim is not its own duplicate; a different product on the same order is none.
    assert!(store
        .duplicates(first, &valid_fields())
        .expect("self")
        .is_empty());
    order.product_name = "Soundcore Life Q30".into();
    assert!(store.duplicates(second, &order).expect("other").is_empty());
    // Neither a draft nor a withdrawn claim counts.
    let draft = ClaimId::new();
    store.save_draft(draft, &valid_fields()).expect("draft");
    assert_eq!(
        store
            .duplicates(second, &again)
            .expect("with a draft")
            .len(),
        1
    );
    store.withdraw(first, "me").expect("withdraw");
    assert!(store
        .duplicates(second, &again)
        .expect("withdrawn")
        .is_empty());
}

#[test]
fn a_claim_needs_a_receipt_or_a_reason_to_be_queued_from_the_form() {
    let (_dir, mut store) = store();
    let id = ClaimId::new();
    let err = store
        .submit_from_form(id, &valid_fields(), None)
        .expect_err("no proof");
    let StoreError::Invalid(errors) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(errors[0].field, "attachments");
    assert_eq!(errors[0].code, "attachments.proof_missing");
    // With a reason it goes, and the export says why.
    store
        .submit_from_form(id, &valid_fields(), Some("  Gift, no receipt  "))
        .expect("with a reason");
    let exported = store.export_all().expect("export");
    assert_eq!(
        exported[0].no_proof_reason.as_deref(),
        Some("Gift, no receipt")
    );
    // A receipt is proof; the rule can be switched off.
    let with_receipt = with_photo(&mut store);
    store
        .submit_from_form(with_receipt, &valid_fields(), None)
        .expect("a receipt");
    store.set_proof_required(false).expect("off");
    store
        .submit_from_form(ClaimId::new(), &valid_fields(), None)
        .expect("rule off");
    // Imports are the back office's path: queued, marked as such.
    let imported = claimdesk_model::Claim {
        id: ClaimId::new(),
        status: Status::Ready,
        created_at: claimdesk_model::now_timestamp(),
        updated_at: claimdesk_model::now_timestamp(),
        fields: valid_fields(),
    };
    store.import(&imported).expect("import");
    let exported = store.export_all().expect("export");
    let row = exported
        .iter()
        .find(|r| r.claim.id == imported.id)
        .expect("row");
    assert_eq!(row.no_proof_reason.as_deref(), Some("imported"));
}

#[test]
fn a_claim_taken_back_from_the_queue_is_never_reset_away() {
    let (_dir, mut store) = store();
    let id = ClaimId::new();
    store.submit(id, &valid_fields()).expect("queue");
    store.take_back(id, None).expect("edit");
    let err = store.discard_draft(id).expect_err("was queued");
    assert_eq!(err.code(), "claim.was_queued");
    assert!(store.get(id).expect("get").is_some());
    // A draft never queued is reset as before.
    let fresh = ClaimId::new();
    store.save_draft(fresh, &valid_fields()).expect("draft");
    assert!(store.discard_draft(fresh).expect("reset"));
}
