//! Replacing a claim: *Correct* a sent claim, *Send as a new claim* one the service refused.
//! The replacement is a new draft with the same fields and attachments that names the old
//! one; the old one is never altered, except that a refused one is withdrawn when its
//! replacement is queued.

use claimdesk_model::attachment::{sha256_hex, NewAttachment};
use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::{ErrorBody, Receipt};
use claimdesk_model::{ClaimId, ErrorCode, Kind, MediaType, Status};
use claimdesk_store::{Store, Vault};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, s)
}

/// A queued claim with one receipt, picked for upload.
fn picked(store: &mut Store) -> ClaimId {
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
        .expect("receipt");
    store.submit(id, &valid_fields()).expect("queue");
    store.pick_next().expect("pick").expect("one");
    id
}

fn sent(store: &mut Store) -> ClaimId {
    let id = picked(store);
    store
        .record_sent(&Receipt {
            id,
            case_reference: "CD-7KQ2-M9XA".into(),
            received_at: "2026-11-26T08:00:00.000Z".into(),
            status: "received".into(),
            supersedes: None,
            superseded_by: None,
        })
        .expect("sent");
    id
}

#[test]
fn a_correction_is_a_new_draft_naming_the_sent_claim_which_stays_as_it_was() {
    let (_dir, mut store) = store();
    let old = sent(&mut store);
    let before = store.get(old).expect("get").expect("old");

    let draft = store.replace(old).expect("correct");
    assert_ne!(draft.id, old);
    assert_eq!(draft.status, Status::Draft);
    assert_eq!(draft.fields, before.fields);
    assert_eq!(store.supersedes(draft.id).expect("link"), Some(old));
    let copied = store.attachments(draft.id).expect("attachments");
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0].sha256, sha256_hex(b"%PDF-1.4 receipt"));
    // Asking again reopens the same draft; the old claim is untouched.
    assert_eq!(store.replace(old).expect("again").id, draft.id);
    assert_eq!(store.get(old).expect("get"), Some(before));
    let row = store.summary(old).expect("row").expect("listed");
    assert_eq!(row.superseded_by.as_ref().map(|l| l.id), Some(draft.id));

    // Corrected and queued: it travels naming the claim it replaces, and is not taken for a
    // duplicate of it although it has the same serial number.
    let mut fields = valid_fields();
    fields.issue = "Corrected: the cable is fine, the port is broken.".into();
    store.save_draft(draft.id, &fields).expect("edit");
    assert!(store
        .duplicates(draft.id, &fields)
        .expect("dups")
        .is_empty());
    store.submit(draft.id, &fields).expect("queue");
    let out = store.pick_next().expect("pick").expect("the correction");
    assert_eq!(out.payload.id, draft.id);
    assert_eq!(out.payload.supersedes, Some(old));
    assert_eq!(
        store.get(old).expect("get").expect("old").status,
        Status::Sent
    );
    let row = store.summary(draft.id).expect("row").expect("listed");
    assert_eq!(row.supersedes.as_ref().map(|l| l.id), Some(old));
    let again = store.replace(old).expect_err("replaced already");
    assert_eq!(again.code(), ErrorCode::ClaimAlreadyReplaced);

    // The export names it too.
    let records = store.export_all().expect("export");
    let rec = records
        .iter()
        .find(|r| r.claim.id == draft.id)
        .expect("row");
    assert_eq!(rec.supersedes, Some(old.to_string()));
}

#[test]
fn a_claim_refused_as_a_conflict_is_sent_as_a_new_one_and_then_withdrawn() {
    let (_dir, mut store) = store();
    let old = picked(&mut store);
    let conflict = ErrorBody::new(ErrorCode::ClaimConflict, "another claim has this id");
    store.record_rejected(old, &conflict).expect("409");

    let draft = store.replace(old).expect("send as new");
    // Until the new one is queued the refused one stays as it is (Reset drops only the
    // replacement).
    assert!(store.discard_draft(draft.id).expect("reset"));
    let row = store.summary(old).expect("row").expect("listed");
    assert_eq!(row.status, Status::NeedsAttention);
    assert!(row.superseded_by.is_none());

    let draft = store.replace(old).expect("send as new again");
    store.submit(draft.id, &valid_fields()).expect("queue");
    let row = store.summary(old).expect("row").expect("listed");
    assert_eq!(row.status, Status::Withdrawn);
    assert_eq!(row.superseded_by.as_ref().map(|l| l.id), Some(draft.id));
    assert!(store.attachments(old).expect("old photos").is_empty());
    assert_eq!(store.attachments(draft.id).expect("new photos").len(), 1);
    let out = store.pick_next().expect("pick").expect("the new claim");
    assert_eq!(out.payload.supersedes, Some(old));
    assert_eq!(out.parts.len(), 1);
}

#[test]
fn only_sent_or_refused_claims_are_replaced() {
    let (_dir, mut store) = store();
    let draft = ClaimId::new();
    store.save_draft(draft, &valid_fields()).expect("draft");
    let err = store.replace(draft).expect_err("a draft");
    assert_eq!(err.code(), ErrorCode::ClaimNotReplaceable);
    let sending = picked(&mut store);
    let err = store.replace(sending).expect_err("being sent");
    assert_eq!(err.code(), ErrorCode::ClaimNotReplaceable);
    let err = store.replace(ClaimId::new()).expect_err("unknown");
    assert_eq!(err.code(), ErrorCode::ClaimNotFound);
}

#[test]
fn a_refused_claim_the_clerk_began_fixing_can_still_be_sent_as_new_and_is_then_left_alone() {
    let (_dir, mut store) = store();
    let old = picked(&mut store);
    let conflict = ErrorBody::new(ErrorCode::ClaimConflict, "another claim has this id");
    store.record_rejected(old, &conflict).expect("409");
    // *Fix and queue again*, a keystroke: the refused claim is a draft now.
    store.save_draft(old, &valid_fields()).expect("autosave");
    let row = store.summary(old).expect("row").expect("listed");
    assert!(
        row.replaceable,
        "a 409 can never be sent under its id, however edited"
    );

    let draft = store.replace(old).expect("send as new");
    // While a replacement exists, the old claim is not changed or queued again.
    let err = store
        .save_draft(old, &valid_fields())
        .expect_err("left alone");
    assert_eq!(err.code(), ErrorCode::ClaimAlreadyReplaced);
    let err = store
        .submit(old, &valid_fields())
        .expect_err("not queued twice");
    assert_eq!(err.code(), ErrorCode::ClaimAlreadyReplaced);

    store.submit(draft.id, &valid_fields()).expect("queue");
    let row = store.summary(old).expect("row").expect("listed");
    assert_eq!(row.status, Status::Withdrawn);
    assert!(!row.replaceable);
    // Only the replacement goes out.
    assert_eq!(store.outbox_summary().expect("outbox").pending, 1);
    let out = store.pick_next().expect("pick").expect("one");
    assert_eq!(out.payload.id, draft.id);
}

#[test]
fn a_claim_is_found_in_the_queue_by_its_id_or_claim_number() {
    use claimdesk_store::queue::ListQuery;
    let (_dir, mut store) = store();
    let id = sent(&mut store);
    let other = ClaimId::new();
    store.submit(other, &valid_fields()).expect("another");
    let number = claimdesk_model::claim_number::claim_number(id);
    for text in [
        id.to_string(),
        number.clone(),
        number.to_lowercase().replace('-', ""),
    ] {
        let page = store
            .page(&ListQuery {
                text: text.clone(),
                ..Default::default()
            })
            .expect("search");
        let found: Vec<_> = page.claims.iter().map(|c| c.id).collect();
        assert_eq!(found, [id], "{text}");
    }
}
