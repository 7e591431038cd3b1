//! Attachments in the store: saved with their claim, bounded, frozen once queued.

use claimdesk_model::sample::valid_fields;
use claimdesk_model::{ClaimFields, ClaimId, Kind, MediaType, Status};
use claimdesk_photos::{self as photos, Format, Options, Processed};
use claimdesk_store::{Store, Vault, MAX_ATTACHMENTS};

fn receipt() -> Processed {
    let (w, h) = (640u16, 480u16);
    let px: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(i % 251) as u8, 120, 200])
        .collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    photos::process(&jpeg, &Options::default()).expect("processed")
}

fn fake(bytes: usize) -> Processed {
    let data = vec![7u8; bytes];
    Processed {
        media_type: MediaType::Pdf,
        source: Format::Pdf,
        sha256: photos::sha256_hex(&data),
        bytes: data,
        width: 0,
        height: 0,
        thumbnail: None,
        pages: Some(1),
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, s)
}

#[test]
fn attaching_to_an_unsaved_claim_creates_its_draft() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    s.add_attachment(id, Kind::Receipt, "", &receipt().as_new())
        .expect("add");
    assert_eq!(
        s.get(id).expect("get").expect("draft").status,
        Status::Draft
    );
}

#[test]
fn attaching_saves_the_claim_and_the_photo_together() {
    let (dir, mut s) = store();
    let id = ClaimId::new();
    let fields = ClaimFields {
        contact_name: "Ana".into(),
        ..Default::default()
    };
    s.save_draft(id, &fields).expect("draft");
    let p = receipt();
    let info = s
        .add_attachment(id, Kind::Receipt, "kassenbon.jpg", &p.as_new())
        .expect("add");
    assert_eq!(info.byte_size, p.bytes.len() as u64);
    drop(s);
    let s = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("reopen");
    let claim = s
        .get(id)
        .expect("get")
        .expect("draft created with the photo");
    assert_eq!(claim.status, Status::Draft);
    assert_eq!(claim.fields.contact_name, "Ana");
    let list = s.attachments(id).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0], info);
    assert_eq!(list[0].kind, Kind::Receipt);
    assert_eq!(list[0].original_name, "kassenbon.jpg");
    assert_eq!((list[0].width, list[0].height), (640, 480));
    assert!(list[0].thumbnail.is_some());
    let data = s.attachment_data(info.id).expect("data").expect("present");
    assert_eq!(photos::sha256_hex(&data), info.sha256);
    assert_eq!(s.attachment_bytes(id).expect("bytes"), info.byte_size);
}

#[test]
fn at_most_ten_attachments_per_claim() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    let p = fake(100);
    for _ in 0..MAX_ATTACHMENTS {
        s.add_attachment(id, Kind::Product, "", &p.as_new())
            .expect("add");
    }
    let err = s
        .add_attachment(id, Kind::Product, "", &p.as_new())
        .expect_err("11th");
    assert_eq!(err.code(), "attachments.too_many");
    assert_eq!(s.attachments(id).expect("list").len(), MAX_ATTACHMENTS);
}

#[test]
fn kind_can_change_and_attachments_can_be_removed() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    let a = s
        .add_attachment(id, Kind::Other, "a.jpg", &receipt().as_new())
        .expect("a");
    let b = s
        .add_attachment(id, Kind::Other, "b.pdf", &fake(10).as_new())
        .expect("b");
    assert!(s
        .set_attachment_kind(id, a.id, Kind::SerialLabel)
        .expect("kind"));
    assert!(s.remove_attachment(id, b.id).expect("remove"));
    assert!(!s.remove_attachment(id, b.id).expect("again"));
    let list = s.attachments(id).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, Kind::SerialLabel);
}

#[test]
fn a_queued_claims_attachments_are_frozen() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    let a = s
        .add_attachment(id, Kind::Receipt, "r.jpg", &receipt().as_new())
        .expect("add");
    s.submit(id, &valid_fields()).expect("queued");
    for err in [
        s.add_attachment(id, Kind::Receipt, "", &receipt().as_new())
            .expect_err("add"),
        s.remove_attachment(id, a.id)
            .map(|_| ())
            .expect_err("remove"),
        s.set_attachment_kind(id, a.id, Kind::Other)
            .map(|_| ())
            .expect_err("kind"),
    ] {
        assert_eq!(err.code(), "claim.not_editable");
    }
    assert_eq!(s.attachments(id).expect("list").len(), 1);
}

#[test]
fn reset_removes_the_drafts_attachments_too() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    s.add_attachment(id, Kind::Receipt, "", &receipt().as_new())
        .expect("add");
    assert!(s.discard_draft(id).expect("discard"));
    assert!(s.attachments(id).expect("list").is_empty());
}

#[test]
fn a_claim_over_the_upload_limit_is_flagged_when_queued() {
    let (_dir, mut s) = store();
    let id = ClaimId::new();
    for _ in 0..3 {
        s.add_attachment(
            id,
            Kind::Receipt,
            "scan.pdf",
            &fake(8 * 1024 * 1024).as_new(),
        )
        .expect("add");
    }
    let err = s.submit(id, &valid_fields()).expect_err("too large");
    let claimdesk_store::StoreError::Invalid(errors) = err else {
        panic!("expected Invalid")
    };
    assert_eq!(errors[0].field, "attachments");
    assert_eq!(errors[0].code, "attachments.too_large");
    assert!(
        errors[0].message.contains("24.0 MB") && errors[0].message.contains("20.0 MB"),
        "{}",
        errors[0].message
    );
    assert_eq!(
        s.get(id).expect("get").expect("draft").status,
        Status::Draft
    );
}
