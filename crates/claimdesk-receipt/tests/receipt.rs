//! The receipt read back the way a person and a scanner read it: its text extracted with
//! poppler's `pdftotext`, its QR code decoded with `zbarimg` from a rendering by `pdftoppm`
//! (Debian's poppler-utils and zbar-tools; `scripts/setup.sh --test` installs them).

use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::Receipt as ServiceReceipt;
use claimdesk_model::ClaimId;
use claimdesk_receipt::{render, Paper, Receipt};
use claimdesk_store::{Store, Vault};
use std::path::Path;
use std::process::Command;

/// A claim queued in a real store for `name`, sent if `reference` is given; its receipt.
fn receipt_for(dir: &Path, name: &str, reference: Option<&str>) -> Receipt {
    let mut store = Store::open_dir(dir, &Vault::for_tests(dir)).expect("store");
    let id = ClaimId::new();
    let mut fields = valid_fields();
    fields.contact_name = name.into();
    store.submit(id, &fields).expect("queue");
    if let Some(reference) = reference {
        store.pick_next().expect("pick").expect("one");
        store
            .record_sent(&ServiceReceipt {
                id,
                case_reference: reference.into(),
                received_at: "2026-11-26T08:00:00.000Z".into(),
                status: "received".into(),
                supersedes: None,
                superseded_by: None,
            })
            .expect("sent");
    }
    let claim = store.get(id).expect("get").expect("claim");
    let row = store.summary(id).expect("row").expect("row");
    Receipt::new(&claim, &row, "Counter 2, Berlin Mitte").expect("receipt")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} did not run ({e}); run scripts/setup.sh --test"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text_of(pdf: &Path) -> String {
    run(Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-"))
}

#[test]
fn the_receipt_holds_the_customer_product_claim_number_and_case_reference_as_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let receipt = receipt_for(dir.path(), "Jana Schmidt", Some("CD-7KQ2-M9XA"));
    for paper in [Paper::A4, Paper::Roll80] {
        let path = dir.path().join(format!("{paper:?}.pdf"));
        std::fs::write(&path, render(&receipt, paper).expect("pdf")).expect("write");
        let text = text_of(&path);
        for wanted in [
            "Jana Schmidt",
            "PowerCore 10000",
            receipt.claim_number.as_str(),
            "CD-7KQ2-M9XA",
            "FY529241",
            "Counter 2, Berlin Mitte",
        ] {
            assert!(
                text.contains(wanted),
                "{paper:?}: {wanted:?} not in\n{text}"
            );
        }
        // One page, and the fonts are in the file.
        let info = run(Command::new("pdfinfo").arg(&path));
        let pages = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .map(str::trim);
        assert_eq!(pages, Some("1"), "{info}");
        let fonts = run(Command::new("pdffonts").arg(&path));
        assert!(
            fonts.lines().skip(2).all(|l| l.contains(" yes ")),
            "{fonts}"
        );
    }
}

#[test]
fn a_scanner_reads_the_claim_id_from_the_qr_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let receipt = receipt_for(dir.path(), "Jana Schmidt", None);
    for paper in [Paper::A4, Paper::Roll80] {
        let pdf = dir.path().join("r.pdf");
        std::fs::write(&pdf, render(&receipt, paper).expect("pdf")).expect("write");
        let png = dir.path().join("r");
        run(Command::new("pdftoppm")
            .args(["-r", "200", "-png", "-singlefile"])
            .arg(&pdf)
            .arg(&png));
        let decoded = run(Command::new("zbarimg")
            .args(["--quiet", "--raw"])
            .arg(png.with_extension("png")));
        assert_eq!(decoded.trim(), receipt.claim_id.to_string(), "{paper:?}");
    }
}

#[test]
fn japanese_and_greek_names_come_out_as_text_not_boxes() {
    let dir = tempfile::tempdir().expect("tmp");
    for name in ["山田 花子", "Γιώργος Παπαδόπουλος", "Анна Каренина", "张伟"]
    {
        let receipt = receipt_for(dir.path(), name, None);
        let path = dir.path().join("r.pdf");
        std::fs::write(&path, render(&receipt, Paper::Roll80).expect("pdf")).expect("write");
        let text = text_of(&path);
        assert!(text.contains(name), "{name:?} not in\n{text}");
        // Drawn with glyphs of an embedded font that has them: no .notdef boxes.
        let fonts = run(Command::new("pdffonts").arg(&path));
        assert!(
            fonts.lines().skip(2).all(|l| l.contains(" yes ")),
            "{fonts}"
        );
    }
}

#[test]
fn a_draft_has_no_receipt() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("store");
    let id = ClaimId::new();
    let claim = store.save_draft(id, &valid_fields()).expect("draft");
    let row = store.summary(id).expect("row").expect("row");
    assert!(Receipt::new(&claim, &row, "").is_err());
}

/// Writes sample receipts to `$CLAIMDESK_RECEIPT_SAMPLES` (for the README's picture).
#[test]
fn samples_for_the_readme() {
    let Some(out) = std::env::var_os("CLAIMDESK_RECEIPT_SAMPLES") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let receipt = receipt_for(dir.path(), "山田 花子", Some("CD-7KQ2-M9XA"));
    let out = Path::new(&out);
    std::fs::write(
        out.join("receipt-a4.pdf"),
        render(&receipt, Paper::A4).expect("pdf"),
    )
    .expect("write");
    std::fs::write(
        out.join("receipt-80mm.pdf"),
        render(&receipt, Paper::Roll80).expect("pdf"),
    )
    .expect("write");
}
