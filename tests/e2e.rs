//! End to end in the real window: the app under Xvfb, driven over WebDriver
//! (tauri-driver + WebKitWebDriver). Run with `xvfb-run -a cargo test --test e2e`.

#[path = "support/chrome.rs"]
mod chrome;
#[path = "support/driver.rs"]
mod driver;

use claimdesk_model::Status;
use driver::{app_pids, free_port, js, js_string, wait_for, Driver, APP};
use fantoccini::{Client, Locator};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const SELECT_ALL: &str = "\u{E009}a\u{E000}";
const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";

/// One test at a time: each drives its own app window on the shared display.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn value(client: &Client, field: &str) -> String {
    js_string(
        client,
        &format!("document.getElementById('f-{field}').value"),
    )
    .await
}

/// Types into whatever has the keyboard focus, as a person would.
async fn type_keys(client: &Client, keys: &str) {
    client
        .active_element()
        .await
        .expect("focused element")
        .send_keys(keys)
        .await
        .expect("typing");
}

/// Clicks the element with this id, scrolled into view first as a person would.
async fn click(client: &Client, id: &str) {
    client
        .execute(
            &format!("document.getElementById({id:?}).scrollIntoView({{block: 'center'}});"),
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("scroll to #{id}: {e}"));
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

/// Types into the element with this id (focusing it first, as a click would).
async fn type_into(client: &Client, id: &str, keys: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(keys)
        .await
        .unwrap_or_else(|e| panic!("typing into #{id}: {e}"));
}

async fn focused_field(client: &Client) -> String {
    js_string(
        client,
        "document.activeElement.name || document.activeElement.id",
    )
    .await
}

async fn screenshot(client: &Client, name: &str) {
    // Two animation frames, so the picture is not stale.
    client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await
        .expect("frames");
    let png = client.screenshot().await.expect("screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_typed_by_keyboard_is_checked_saved_and_queued() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let c = driver.open_app().await;

    // The form opens with the keyboard in its first field.
    assert_eq!(focused_field(&c).await, "channel");
    // Every field, in tab order, by keyboard alone; the postcode is wrong on purpose.
    // The address follows the country, which comes first: Germany writes the postcode
    // before the city and has no region.
    let entries: [(&str, &str); 17] = [
        ("channel", "Amazon"),
        ("marketplace", "amazon.de"),
        ("order_id", "302-1234567-7654321"),
        ("purchase_date", "14.03.2026"),
        ("email", "jana.schmidt@example.de"),
        ("contact_name", "Jana Schmidt"),
        ("phone", "030 1234567"),
        ("product_name", "PowerCore 10000"),
        ("sku", "A1263"),
        ("serial_number", "SN: fy529241"),
        ("country", "Germany"),
        ("address_line1", "Friedrichstraße 12"),
        ("address_line2", "Hinterhaus"),
        ("postal_code", "1O117"),
        ("city", "Berlin"),
        (
            "issue",
            "Does not charge any more.\u{E007}The LED blinks twice.",
        ), // Enter in the text area is a new line
        ("staff_note", "Customer kept the box <ok> & 'fine'"),
    ];
    for (field, text) in entries {
        assert_eq!(focused_field(&c).await, field, "tab order");
        if !text.is_empty() {
            type_keys(&c, text).await;
        }
        if field != "staff_note" {
            type_keys(&c, TAB).await;
        }
    }
    assert_eq!(value(&c, "channel").await, "amazon");
    assert_eq!(value(&c, "marketplace").await, "amazon.de");
    assert_eq!(value(&c, "country").await, "DE");

    // Enter on the last field submits; the bad postcode is refused beside its field.
    type_keys(&c, ENTER).await;
    wait_for(
        &c,
        "document.getElementById('notice').dataset.kind === 'error'",
    )
    .await;
    assert!(!js(&c, "document.getElementById('err-postal_code').hidden")
        .await
        .as_bool()
        .unwrap_or(true));
    let msg = js(&c, "document.getElementById('err-postal_code').textContent").await;
    assert!(
        msg.as_str().unwrap_or_default().contains("Germany"),
        "message beside the postcode: {msg}"
    );
    assert_eq!(focused_field(&c).await, "postal_code");
    assert_eq!(
        value(&c, "email").await,
        "jana.schmidt@example.de",
        "nothing typed is lost"
    );
    assert_eq!(
        value(&c, "issue").await,
        "Does not charge any more.\nThe LED blinks twice."
    );

    // Fix it and queue the claim with Ctrl+Enter.
    type_keys(&c, SELECT_ALL).await;
    type_keys(&c, "10117").await;
    type_keys(&c, TAB).await;
    wait_for(&c, "document.getElementById('err-postal_code').hidden").await;
    wait_for(&c, "document.getElementById('notice').hidden").await;
    assert_eq!(value(&c, "postal_code").await, "10117");
    screenshot(&c, "filled-form.png").await;
    type_keys(&c, CTRL_ENTER).await;

    // No receipt attached: refused beside the attachments, until the clerk says why.
    wait_for(&c, "!document.getElementById('att-errors').hidden").await;
    let said = js_string(&c, "document.getElementById('att-errors').textContent").await;
    assert!(said.contains("proof of purchase"), "{said}");
    assert_eq!(
        value(&c, "postal_code").await,
        "10117",
        "nothing typed is lost"
    );
    js(&c, "document.getElementById('no-proof').click()").await;
    wait_for(&c, "!document.getElementById('no-proof-reason').hidden").await;
    type_into(&c, "no-proof-reason", "Gift, the customer has no receipt").await;
    type_keys(&c, CTRL_ENTER).await;

    wait_for(
        &c,
        "document.querySelector('#queue-list li[data-status=ready]')",
    )
    .await;
    let row = js(
        &c,
        "document.querySelector('#queue-list li[data-status=ready]').textContent",
    )
    .await;
    let row = row.as_str().unwrap_or_default();
    assert!(
        row.contains("Jana Schmidt") && row.contains("PowerCore 10000"),
        "{row}"
    );
    // Ready for the next customer: the usual channel and country stay, the rest is empty.
    assert_eq!(value(&c, "email").await, "");
    assert_eq!(value(&c, "channel").await, "amazon");
    assert_eq!(value(&c, "country").await, "DE");
    screenshot(&c, "queued.png").await;

    // What the window showed is what the store holds, normalised.
    let store = driver.store();
    let all = store.all().expect("claims");
    assert_eq!(all.len(), 1);
    let claim = &all[0];
    assert_eq!(claim.status, Status::Ready);
    assert_eq!(claim.fields.serial_number, "FY529241");
    assert_eq!(claim.fields.phone, "+49301234567");
    assert_eq!(claim.fields.purchase_date, "2026-03-14");
    assert_eq!(claim.fields.postal_code, "10117");
    assert_eq!(claim.fields.country, "DE");
    assert_eq!(
        claim.fields.issue,
        "Does not charge any more.\nThe LED blinks twice."
    );
    assert_eq!(
        claim.fields.staff_note,
        "Customer kept the box <ok> & 'fine'"
    );
    // The customer leaves with the claim number, offline and before any sync.
    let number = claimdesk_model::claim_number::claim_number(claim.id);
    let said = js_string(&c, "document.getElementById('notice').textContent").await;
    assert!(said.contains(&number), "{said}");
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_half_typed_claim_survives_sigkill_and_reset_asks_first() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let c = driver.open_app().await;
    type_keys(&c, TAB).await; // past the channel; the Amazon site is hidden until Amazon is chosen
    assert_eq!(focused_field(&c).await, "order_id");
    type_keys(&c, "AK-2026-0042").await;
    type_into(&c, "f-contact_name", "Ōno Hiroshi – أحمد").await;
    type_into(&c, "f-issue", "Screen flickers\u{E007}when charging").await;
    wait_for(
        &c,
        "document.getElementById('save-state').dataset.state === 'saved'",
    )
    .await;

    let pids = app_pids(driver.data_dir());
    assert_eq!(pids.len(), 1, "one app process for this test");
    let status = Command::new("kill")
        .args(["-KILL", &pids[0].to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    // End the dead session so the driver takes a new one (it may answer with an error).
    let _ = c.close().await;

    let c = driver.open_app().await;
    assert_eq!(value(&c, "order_id").await, "AK-2026-0042");
    assert_eq!(value(&c, "contact_name").await, "Ōno Hiroshi – أحمد");
    assert_eq!(value(&c, "issue").await, "Screen flickers\nwhen charging");
    let state = js(&c, "document.getElementById('save-state').dataset.state").await;
    assert_eq!(state, "restored");

    // Reset asks first; Escape keeps everything.
    click(&c, "reset").await;
    wait_for(&c, "document.getElementById('reset-dialog').open").await;
    type_keys(&c, ESCAPE).await;
    wait_for(&c, "!document.getElementById('reset-dialog').open").await;
    assert_eq!(value(&c, "contact_name").await, "Ōno Hiroshi – أحمد");

    // Confirmed, it clears the form and discards the draft.
    click(&c, "reset").await;
    wait_for(&c, "document.getElementById('reset-dialog').open").await;
    click(&c, "reset-confirm").await;
    wait_for(&c, "document.getElementById('f-contact_name').value === ''").await;
    let store = driver.store();
    assert_eq!(store.count().expect("count"), 0);
    c.close().await.expect("close");
}

/// A photo of `w`×`h` pixels as a phone would save it (plain JPEG).
fn photo_jpeg(w: u16, h: u16) -> Vec<u8> {
    let px: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(i % 256) as u8, ((i / 256) % 256) as u8, 128])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

/// Pastes a file into the focused field, as Ctrl+V with a copied picture does.
async fn paste_file(client: &Client, name: &str, media_type: &str, bytes: &[u8]) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    client
        .execute(
            "const [b64, name, type] = arguments;
             const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
             const dt = new DataTransfer();
             dt.items.add(new File([bin], name, { type }));
             document.activeElement.dispatchEvent(
               new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));",
            vec![b64.into(), name.into(), media_type.into()],
        )
        .await
        .expect("paste");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_receipt_gets_a_thumbnail_bad_files_a_message_and_both_survive_a_restart() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let c = driver.open_app().await;
    type_into(&c, "f-contact_name", "Marta Nowak").await;

    paste_file(&c, "receipt.jpg", "image/jpeg", &photo_jpeg(3000, 2000)).await;
    wait_for(&c, "document.querySelector('#att-list li.att img')").await;
    let total = js_string(&c, "document.getElementById('att-total').textContent").await;
    assert!(total.starts_with("1 of 10 files"), "{total}");

    // A text file called .jpg is refused with a specific message; the receipt stays.
    paste_file(
        &c,
        "notes.jpg",
        "image/jpeg",
        b"Dear customer, this is not a photo",
    )
    .await;
    wait_for(&c, "!document.getElementById('att-errors').hidden").await;
    let err = js_string(&c, "document.getElementById('att-errors').textContent").await;
    assert!(
        err.contains("text file") && err.contains("JPEG, PNG, WebP, HEIC or PDF"),
        "{err}"
    );
    assert_eq!(
        js(&c, "document.querySelectorAll('#att-list li.att').length").await,
        1
    );
    assert_eq!(
        value(&c, "contact_name").await,
        "Marta Nowak",
        "the form keeps what was typed"
    );

    // The drop handler's command, with a file on disk.
    let png = driver.data_dir().join("screenshot.png");
    image_png(&png);
    let id = js_string(
        &c,
        "document.getElementById('queue-list').querySelector('li.current')?.dataset.id ?? ''",
    )
    .await;
    assert!(!id.is_empty(), "the draft is in the queue");
    let outcome = c
        .execute_async(
            "const [id, path, done] = arguments;
             window.__TAURI__.core.invoke('attach_files', { id, kind: 'product', paths: [path] }).then(done, (e) => done(e));",
            vec![id.clone().into(), png.display().to_string().into()],
        )
        .await
        .expect("attach_files");
    // The answer carries each file's outcome and the claim's attachments afterwards.
    let outcome = &outcome["outcomes"];
    assert!(outcome[0]["attachment"].is_object(), "{outcome}");
    screenshot(&c, "attachments.png").await;
    c.close().await.expect("close");

    let c = driver.open_app().await;
    wait_for(
        &c,
        "document.querySelectorAll('#att-list li.att').length === 2",
    )
    .await;
    let kinds = js(
        &c,
        "[...document.querySelectorAll('#att-list li.att')].map((li) => li.dataset.kind)",
    )
    .await;
    assert_eq!(kinds, serde_json::json!(["receipt", "product"]));

    let store = driver.store();
    let claim_id = id.parse().expect("id");
    let stored = store.attachments(claim_id).expect("attachments");
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].width, stored[0].height),
        (1600, 1067),
        "resized to 1600 px"
    );
    c.close().await.expect("close");
}

/// A picture on the display's real clipboard, served by `xclip` until dropped: what a
/// screenshot tool or a browser's "Copy image" leaves there.
struct CopiedPicture(Child);

impl CopiedPicture {
    fn new(path: &Path) -> Self {
        let child = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-t", "image/png", "-i"])
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip is installed (scripts/setup.sh --test)");
        // It owns the clipboard once it answers a request for its targets.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let targets = Command::new("xclip")
                .args(["-selection", "clipboard", "-t", "TARGETS", "-o"])
                .output()
                .expect("xclip");
            if String::from_utf8_lossy(&targets.stdout).contains("image/png") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "xclip did not take the clipboard"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        CopiedPicture(child)
    }
}

impl Drop for CopiedPicture {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CTRL_V: &str = "\u{E009}v\u{E000}";

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_v_attaches_a_picture_from_the_system_clipboard() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let c = driver.open_app().await;
    type_into(&c, "f-contact_name", "Ines Duarte").await;

    // In a text field: WebKitGTK shows the page an empty paste; the shell reads the clipboard.
    let png = driver.data_dir().join("copied.png");
    image_png(&png);
    let copied = CopiedPicture::new(&png);
    type_into(&c, "f-staff_note", CTRL_V).await;
    wait_for(
        &c,
        "document.querySelectorAll('#att-list li.att img').length === 1",
    )
    .await;
    assert_eq!(
        value(&c, "staff_note").await,
        "",
        "no text pasted into the field"
    );
    drop(copied);

    // Outside any field (the focus on the page itself), Ctrl+V attaches too.
    let photo = driver.data_dir().join("copied-photo.png");
    image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x / 5) as u8, (y / 4) as u8, 90])
    })
    .save_with_format(&photo, image::ImageFormat::Png)
    .expect("png");
    let _copied = CopiedPicture::new(&photo);
    js(&c, "(document.activeElement.blur(), 0)").await;
    type_keys(&c, CTRL_V).await;
    wait_for(
        &c,
        "document.querySelectorAll('#att-list li.att img').length === 2",
    )
    .await;
    assert_eq!(value(&c, "contact_name").await, "Ines Duarte");

    let id = js_string(
        &c,
        "document.getElementById('queue-list').querySelector('li.current')?.dataset.id ?? ''",
    )
    .await;
    let store = driver.store();
    let stored = store
        .attachments(id.parse().expect("id"))
        .expect("attachments");
    let sizes: Vec<(u32, u32)> = stored.iter().map(|a| (a.width, a.height)).collect();
    assert_eq!(sizes, vec![(800, 500), (1200, 900)]);
    c.close().await.expect("close");
}

/// Writes a small PNG screenshot to `path`.
fn image_png(path: &Path) {
    let img = image::RgbImage::from_fn(800, 500, |x, _| image::Rgb([x as u8, 200, 255]));
    img.save_with_format(path, image::ImageFormat::Png)
        .expect("png");
}

/// Ticks "No proof of purchase available" with a reason (the claims these tests queue have
/// no receipt attached).
async fn no_proof(c: &Client) {
    js(
        c,
        "(() => { const b = document.getElementById('no-proof'); b.checked = true; \
         b.dispatchEvent(new Event('change')); \
         document.getElementById('no-proof-reason').value = 'Customer lost the receipt'; \
         return 1; })()",
    )
    .await;
}

/// Fills the form through the DOM (keyboard entry has its own test) and queues it with
/// Ctrl+Enter, as the clerk would.
async fn queue_claim(c: &Client, i: usize, queued_before: usize) {
    let values = [
        ("channel", "own_store".to_owned()),
        ("order_id", format!("A-{i}")),
        ("purchase_date", "2026-02-01".to_owned()),
        ("email", format!("kunde{i}@example.fr")),
        ("contact_name", format!("Client {i}")),
        ("phone", format!("+33 1 23 45 67 8{i}")),
        ("product_name", "PowerCore 10000".to_owned()),
        ("country", "FR".to_owned()),
        ("city", "Paris".to_owned()),
        ("postal_code", "75001".to_owned()),
        ("issue", format!("Claim {i}: does not charge.")),
    ];
    for (field, v) in &values {
        let script = format!(
            "const e = document.getElementById('f-{field}'); e.value = {v:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}}));"
        );
        c.execute(&script, vec![]).await.expect("fill");
    }
    no_proof(c).await;
    c.execute("document.getElementById('f-issue').focus();", vec![])
        .await
        .expect("focus");
    type_keys(c, CTRL_ENTER).await;
    wait_for(
        c,
        &format!(
            "document.querySelectorAll('#queue-list .claim[data-status=\"ready\"]').length === {}",
            queued_before + i + 1
        ),
    )
    .await;
}

#[tokio::test]
async fn claims_queued_offline_are_sent_when_the_service_comes_up() {
    let _serial = SERIAL.lock().await;
    // The counter's claims service is configured but not running yet: offline.
    let port = free_port();
    let server_dir = tempfile::tempdir().expect("tmp");
    let intake = claimdesk_server::intake::Intake::open(server_dir.path()).expect("intake");
    let token = intake.add_device("counter-1").expect("device");
    let url = format!("http://127.0.0.1:{port}/");
    let log_dir = tempfile::tempdir().expect("log dir");
    let driver = Driver::start_with(&[
        ("CLAIMDESK_SERVER_URL", &url),
        ("CLAIMDESK_DEVICE_TOKEN", &token),
        ("CLAIMDESK_LOG_DIR", &log_dir.path().display().to_string()),
    ]);
    // A claim queued five days ago that never got out: the queue raises the 3-day alert.
    let five_days_ago = (chrono::Utc::now() - chrono::Duration::days(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let old = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: five_days_ago.clone(),
        updated_at: five_days_ago,
        fields: claimdesk_model::ClaimFields {
            channel: "own_store".into(),
            order_id: "A-OLD".into(),
            purchase_date: "2026-02-01".into(),
            email: "old@example.fr".into(),
            contact_name: "Client ancien".into(),
            product_name: "PowerCore 10000".into(),
            country: "FR".into(),
            city: "Paris".into(),
            postal_code: "75001".into(),
            issue: "Waiting since last week.".into(),
            ..Default::default()
        },
    };
    driver.store().import(&old).expect("import");
    let c = driver.open_app().await;
    wait_for(&c, "!document.getElementById('stale-alert').hidden").await;
    let alert = js_string(&c, "document.getElementById('stale-alert').textContent").await;
    assert!(alert.contains("more than 3 days"), "{alert}");
    wait_for(
        &c,
        "document.getElementById('sync-state').dataset.state === 'offline'",
    )
    .await;
    for i in 0..3 {
        queue_claim(&c, i, 1).await;
    }
    wait_for(
        &c,
        "document.getElementById('sync-pending').textContent.startsWith('4 ')",
    )
    .await;
    screenshot(&c, "sync-offline.png").await;
    assert_eq!(intake.count().expect("count"), 0);

    // Settings refuse a plain-http address on another machine, beside the field; Esc keeps
    // what was configured.
    click(&c, "open-settings").await;
    wait_for(&c, "document.getElementById('settings-dialog').open").await;
    js(&c, "document.getElementById('s-server_url').select()").await;
    type_keys(&c, &format!("http://claims.example.com/{ENTER}")).await;
    wait_for(
        &c,
        "document.querySelector('[data-setting=\"server_url\"] .err') !== null",
    )
    .await;
    let message = js_string(
        &c,
        "document.querySelector('[data-setting=\"server_url\"] .err').textContent",
    )
    .await;
    assert!(message.contains("https://"), "{message}");
    type_keys(&c, ESCAPE).await;
    wait_for(&c, "!document.getElementById('settings-dialog').open").await;

    // The service comes up; the clerk presses Send now (Ctrl+Shift+S).
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the service's port");
    tokio::spawn(claimdesk_server::serve(
        listener,
        intake.clone(),
        std::future::pending(),
    ));
    click(&c, "send-now").await;
    wait_for(
        &c,
        "document.querySelectorAll('#queue-list .claim[data-status=\"sent\"] .ref-value').length === 4",
    )
    .await;
    wait_for(
        &c,
        "document.getElementById('sync-state').dataset.state === 'online'",
    )
    .await;
    screenshot(&c, "sync-sent.png").await;

    // Each reference on screen is the service's reference for that claim, and only the four
    // claims arrived.
    assert_eq!(intake.count().expect("count"), 4);
    assert!(
        js(&c, "document.getElementById('stale-alert').hidden").await == serde_json::json!(true),
        "the alert goes once the old claim is sent"
    );
    let shown = js(
        &c,
        "[...document.querySelectorAll('#queue-list .claim')].map(li => \
         [li.dataset.id, li.querySelector('.ref-value').textContent])",
    )
    .await;
    for pair in shown.as_array().expect("rows") {
        let id: claimdesk_model::ClaimId = pair[0].as_str().expect("id").parse().expect("uuid");
        let (_, receipt) = intake.find(id).expect("find").expect("received");
        assert_eq!(pair[1].as_str(), Some(receipt.case_reference.as_str()));
    }

    // Help shows what support needs; it and the whole run's log name no customer and carry
    // no token.
    click(&c, "open-help").await;
    wait_for(
        &c,
        "document.getElementById('help-text').value.includes('Claims: 4 in all')",
    )
    .await;
    let diagnostics = js_string(&c, "document.getElementById('help-text').value").await;
    screenshot(&c, "help.png").await;
    c.close().await.expect("close");
    let mut log = String::new();
    for entry in std::fs::read_dir(log_dir.path()).expect("log dir") {
        log += &std::fs::read_to_string(entry.expect("entry").path()).expect("log file");
    }
    assert!(log.contains("ClaimDesk started"), "{log}");
    assert_eq!(
        log.matches(" INFO sent claim=").count(),
        4,
        "one line per claim sent:\n{log}"
    );
    let mut secrets = vec![
        token.clone(),
        "old@example.fr".to_owned(),
        "Client ancien".to_owned(),
    ];
    for i in 0..3 {
        secrets.extend([
            format!("kunde{i}@example.fr"),
            format!("Client {i}"),
            format!("+33 1 23 45 67 8{i}"),
            format!("+3312345678{i}"),
        ]);
    }
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log names {secret}:\n{log}"
        );
        assert!(
            !diagnostics.contains(secret.as_str()),
            "diagnostics name {secret}:\n{diagnostics}"
        );
    }
    // Nor can any file in the data folder be read for them without the key (what `strings`
    // on each file would find, and more): the database and its WAL are encrypted.
    let files = files_under(driver.data_dir());
    assert!(files.iter().any(|f| f.ends_with("claimdesk.sqlite3")));
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        for secret in &secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} contains {secret}",
                file.display()
            );
        }
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn a_second_launch_brings_the_first_window_forward_and_opens_none() {
    let _serial = SERIAL.lock().await;
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the end-to-end tests under dbus-run-session (see README)"
    );
    let driver = Driver::start();
    let c = driver.open_app().await;
    // Started again on the same folder (a double click too many), the app hands over to the
    // first window over D-Bus and exits, instead of restoring and autosaving the same draft
    // in a second window.
    let launch = |bus: Option<&str>| {
        let (dir, keys) = (driver.data_dir().to_owned(), driver.key_dir().to_owned());
        let bus = bus.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new(APP);
            cmd.env("CLAIMDESK_DATA_DIR", &dir)
                .env("CLAIMDESK_LOG_DIR", dir.join("logs"))
                .env("CLAIMDESK_KEY_DIR", &keys);
            if let Some(bus) = bus {
                cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
            }
            cmd.output().expect("start a second app")
        })
    };
    // Without D-Bus, the folder's lock alone keeps the second window from opening.
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        launch(Some("unix:path=/nonexistent/bus")),
    )
    .await
    .expect("the second app exits by itself")
    .expect("join");
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("already open"), "{said}");
    assert_eq!(
        app_pids(driver.data_dir()).len(),
        1,
        "one app on the folder"
    );

    // With D-Bus (a desktop session), the second launch hands over to the first window.
    let out = tokio::time::timeout(Duration::from_secs(30), launch(None))
        .await
        .expect("the second app exits by itself")
        .expect("join");
    assert!(out.status.success(), "{out:?}");
    wait_for(&c, "document.body.dataset.raised === '1'").await;
    assert_eq!(
        app_pids(driver.data_dir()).len(),
        1,
        "one app on the folder"
    );
    c.close().await.expect("close");
}

#[tokio::test]
async fn a_disk_running_low_is_announced_before_the_next_claim() {
    let _serial = SERIAL.lock().await;
    // Any real disk is "low" below a threshold of 1 EB.
    let driver = Driver::start_with(&[("CLAIMDESK_LOW_DISK_BYTES", "1000000000000000000")]);
    let c = driver.open_app().await;
    wait_for(&c, "!document.getElementById('disk-banner').hidden").await;
    let text = js_string(&c, "document.getElementById('disk-banner').textContent").await;
    assert!(text.contains("left on this computer's disk"), "{text}");
    c.close().await.expect("close");
    // With room to spare (a threshold of 0 bytes) there is nothing to say.
    let driver = Driver::start_with(&[("CLAIMDESK_LOW_DISK_BYTES", "0")]);
    let c = driver.open_app().await;
    assert_eq!(
        js(&c, "document.getElementById('disk-banner').hidden").await,
        serde_json::json!(true)
    );
    c.close().await.expect("close");
}

#[tokio::test]
async fn sent_claims_past_retention_are_purged_at_start_and_their_reference_still_found() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    // A claim sent two years ago, and one waiting to go since then: the first is purged when
    // the app starts, the second is never touched.
    let mut store = driver.store();
    let long_ago = "2024-11-01T10:00:00.000Z";
    let claim = |i: usize| claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: long_ago.into(),
        updated_at: long_ago.into(),
        fields: claimdesk_model::ClaimFields {
            channel: "own_store".into(),
            order_id: format!("A-{i}"),
            purchase_date: "2024-10-01".into(),
            email: format!("gone{i}@example.fr"),
            contact_name: format!("Client parti {i}"),
            product_name: "PowerCore 10000".into(),
            country: "FR".into(),
            city: "Paris".into(),
            postal_code: "75001".into(),
            issue: "Does not charge.".into(),
            ..Default::default()
        },
    };
    let (sent, waiting) = (claim(1), claim(2));
    store.import(&sent).expect("import");
    store.import(&waiting).expect("import");
    store
        .connection()
        .expect("conn")
        .execute(
            "UPDATE claims SET status = ?2, case_reference = 'CD-GONE-0001', sent_at = ?3
             WHERE id = ?1",
            (sent.id.to_string(), Status::Sent.as_str(), long_ago),
        )
        .expect("mark sent");
    drop(store);

    let c = driver.open_app().await;
    wait_for(
        &c,
        "document.querySelectorAll('#queue-list .claim').length === 1",
    )
    .await;
    let shown = js_string(
        &c,
        "document.querySelector('#queue-list .claim').dataset.id",
    )
    .await;
    assert_eq!(shown, waiting.id.to_string());

    // The customer's reference still finds what is left of the claim.
    type_into(&c, "queue-search", "CD-GONE-0001").await;
    wait_for(
        &c,
        "document.querySelector('#queue-list .tombstone') !== null",
    )
    .await;
    let text = js_string(
        &c,
        "document.querySelector('#queue-list .tombstone').textContent",
    )
    .await;
    assert!(
        text.contains("CD-GONE-0001") && text.contains("PowerCore 10000"),
        "{text}"
    );
    assert!(text.contains("removed from this computer"), "{text}");
    assert!(!text.contains("Client parti"), "{text}");
    screenshot(&c, "tombstone.png").await;

    // Retention is a setting: a wrong value is named beside its field and nothing is saved;
    // a right one is kept.
    click(&c, "open-settings").await;
    wait_for(&c, "document.getElementById('settings-dialog').open").await;
    assert_eq!(
        js_string(&c, "document.getElementById('s-photo_days').value").await,
        "30"
    );
    type_into(&c, "s-server_url", "https://claims.example.com/").await;
    type_into(&c, "s-device_token", "cdt_counter").await;
    js(&c, "document.getElementById('s-photo_days').select()").await;
    type_keys(&c, &format!("0{ENTER}")).await;
    wait_for(
        &c,
        "document.querySelector('[data-setting=\"photo_days\"] .err') !== null",
    )
    .await;
    let message = js_string(
        &c,
        "document.querySelector('[data-setting=\"photo_days\"] .err').textContent",
    )
    .await;
    assert!(message.contains("from 1 to 3650"), "{message}");
    screenshot(&c, "settings-retention.png").await;
    js(&c, "document.getElementById('s-photo_days').select()").await;
    type_keys(&c, &format!("7{ENTER}")).await;
    wait_for(&c, "!document.getElementById('settings-dialog').open").await;
    c.close().await.expect("close");
    assert_eq!(driver.store().retention().expect("retention").photo_days, 7);
}

#[tokio::test]
async fn a_queued_claim_and_the_open_draft_can_be_withdrawn_after_asking() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let queued = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: claimdesk_model::now_timestamp(),
        updated_at: claimdesk_model::now_timestamp(),
        fields: claimdesk_model::sample::valid_fields(),
    };
    driver.store().import(&queued).expect("import");
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{}\"]", queued.id);
    wait_for(
        &c,
        &format!("document.querySelector('{row} .withdraw') !== null"),
    )
    .await;

    // Asked first; "Keep it" keeps it.
    js(
        &c,
        &format!("document.querySelector('{row} .withdraw').click()"),
    )
    .await;
    wait_for(&c, "document.getElementById('withdraw-dialog').open").await;
    let asked = js_string(&c, "document.getElementById('withdraw-body').textContent").await;
    assert!(
        asked.contains("Jana Schmidt") && asked.contains("never be sent"),
        "{asked}"
    );
    type_keys(&c, ESCAPE).await;
    wait_for(&c, "!document.getElementById('withdraw-dialog').open").await;
    assert_eq!(
        driver
            .store()
            .get(queued.id)
            .expect("get")
            .expect("there")
            .status,
        Status::Ready
    );

    js(
        &c,
        &format!("document.querySelector('{row} .withdraw').click()"),
    )
    .await;
    wait_for(&c, "document.getElementById('withdraw-dialog').open").await;
    click(&c, "withdraw-confirm").await;
    wait_for(
        &c,
        &format!("document.querySelector('{row}').dataset.status === 'withdrawn'"),
    )
    .await;
    let text = js_string(&c, &format!("document.querySelector('{row}').textContent")).await;
    assert!(
        text.contains("Withdrawn by") && text.contains("never sent"),
        "{text}"
    );
    let number = claimdesk_model::claim_number::claim_number(queued.id);
    let said = js_string(&c, "document.getElementById('notice').textContent").await;
    assert!(said.contains(&number), "{said}");
    // The sending bar counts it no more.
    wait_for(
        &c,
        "document.getElementById('sync-pending').textContent.includes('nothing waiting')",
    )
    .await;
    screenshot(&c, "withdrawn.png").await;

    // The draft in the form: withdrawn from its row, the form starts a new claim.
    type_into(&c, "f-email", "draft@example.com").await;
    wait_for(
        &c,
        "document.getElementById('save-state').dataset.state === 'saved'",
    )
    .await;
    let draft: String = js_string(
        &c,
        "document.querySelector('#queue-list li.current').dataset.id",
    )
    .await;
    js(
        &c,
        "document.querySelector('#queue-list li.current .withdraw').click()",
    )
    .await;
    wait_for(&c, "document.getElementById('withdraw-dialog').open").await;
    click(&c, "withdraw-confirm").await;
    wait_for(&c, "document.getElementById('f-email').value === ''").await;
    c.close().await.expect("close");
    let store = driver.store();
    for id in [queued.id.to_string(), draft] {
        let id: claimdesk_model::ClaimId = id.parse().expect("id");
        assert_eq!(
            store.get(id).expect("get").expect("kept").status,
            Status::Withdrawn
        );
    }
}

#[tokio::test]
async fn a_queued_claim_is_taken_back_corrected_and_queued_again_under_its_id() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let queued = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: claimdesk_model::now_timestamp(),
        updated_at: claimdesk_model::now_timestamp(),
        fields: claimdesk_model::sample::valid_fields(),
    };
    driver.store().import(&queued).expect("import");
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{}\"]", queued.id);
    wait_for(
        &c,
        &format!("document.querySelector('{row} .edit') !== null"),
    )
    .await;
    js(
        &c,
        &format!("document.querySelector('{row} .edit').click()"),
    )
    .await;
    // Out of the queue, into the form, everything kept.
    wait_for(
        &c,
        &format!("document.querySelector('{row}').dataset.status === 'draft'"),
    )
    .await;
    assert_eq!(value(&c, "email").await, queued.fields.email);
    let said = js_string(&c, "document.getElementById('notice').textContent").await;
    assert!(said.contains("back in the form"), "{said}");
    screenshot(&c, "taken-back.png").await;

    js(&c, "document.getElementById('f-issue').select()").await;
    type_into(&c, "f-issue", "Corrected: it does not charge at all.").await;
    no_proof(&c).await;
    js(&c, "document.getElementById('f-issue').focus()").await;
    type_keys(&c, CTRL_ENTER).await;
    wait_for(
        &c,
        &format!("document.querySelector('{row}').dataset.status === 'ready'"),
    )
    .await;
    c.close().await.expect("close");
    let all = driver.store().all().expect("claims");
    assert_eq!(all.len(), 1, "the same claim, not a second one");
    assert_eq!(all[0].id, queued.id);
    assert_eq!(all[0].status, Status::Ready);
    assert!(
        all[0].fields.issue.starts_with("Corrected"),
        "{}",
        all[0].fields.issue
    );
}

/// The native GTK window titled `title`, once mapped and given the keyboard (GTK maps it a
/// moment after creating it; under Xvfb there is no window manager to focus it).
fn find_window(title: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .expect("xdotool is installed (scripts/setup.sh --test)");
        let found = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_owned);
        if let Some(w) = found {
            let focused = Command::new("xdotool")
                .args(["windowfocus", "--sync", &w])
                .status()
                .expect("xdotool");
            if focused.success() {
                return w;
            }
        }
        assert!(Instant::now() < deadline, "no window titled {title}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Types `path` into the native GTK file dialog titled `title` and confirms it (xdotool: the
/// dialog is GTK's own window, out of WebDriver's reach; under Xvfb there is no window
/// manager to give it the keyboard, so it is focused by hand).
fn answer_file_dialog(title: &str, path: &Path) {
    let window = find_window(title);
    // Let the dialog finish building (and listing its folder) before typing into it.
    std::thread::sleep(Duration::from_millis(700));
    let xdo = |args: &[&str]| {
        let status = Command::new("xdotool")
            .args(args)
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool {args:?}");
    };
    xdo(&["key", "--window", &window, "ctrl+a"]);
    let path = path.to_str().expect("utf-8 path");
    xdo(&["type", "--window", &window, "--delay", "10", path]);
    xdo(&["key", "--window", &window, "Return"]);
}

/// Opens `path` in the native GTK *open* dialog titled `title`: Ctrl+L for the location
/// entry (the dialog may open on Recent files, where typing starts a search), the path,
/// Return.
fn pick_in_file_dialog(title: &str, path: &Path) {
    let window = find_window(title);
    std::thread::sleep(Duration::from_millis(700));
    let xdo = |args: &[&str]| {
        let status = Command::new("xdotool")
            .args(args)
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool {args:?}");
    };
    xdo(&["key", "--window", &window, "ctrl+l"]);
    std::thread::sleep(Duration::from_millis(300));
    let path = path.to_str().expect("utf-8 path");
    xdo(&["type", "--window", &window, "--delay", "20", path]);
    std::thread::sleep(Duration::from_millis(300));
    xdo(&["key", "--window", &window, "Return"]);
}

#[tokio::test]
async fn export_writes_every_claim_to_the_file_chosen_in_the_save_dialog() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let claim = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: claimdesk_model::now_timestamp(),
        updated_at: claimdesk_model::now_timestamp(),
        fields: claimdesk_model::ClaimFields {
            contact_name: "=HYPERLINK(\"http://evil.example\")".into(),
            ..claimdesk_model::sample::valid_fields()
        },
    };
    driver.store().import(&claim).expect("import");
    let c = driver.open_app().await;
    let out = tempfile::tempdir().expect("tmp");
    let file = out.path().join("claims.csv");
    // The click returns at once; the command waits for the dialog.
    js(
        &c,
        "setTimeout(() => document.getElementById('export-claims').click(), 0) && 1",
    )
    .await;
    let chosen = file.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Export claims", &chosen))
        .await
        .expect("dialog");
    wait_for(
        &c,
        "document.getElementById('notice').textContent.includes('exported to')",
    )
    .await;
    c.close().await.expect("close");
    let text = std::fs::read_to_string(&file).expect("the export");
    assert!(text.contains(&claim.id.to_string()), "{text}");
    assert!(text.contains(&claimdesk_model::claim_number::claim_number(claim.id)));
    assert!(
        text.contains(",\"'=HYPERLINK("),
        "a formula is text: {text}"
    );
}

#[tokio::test]
async fn a_serial_claimed_before_is_queued_again_only_with_a_reason() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let earlier = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: "2026-02-01T10:00:00.000Z".into(),
        updated_at: "2026-02-01T10:00:00.000Z".into(),
        fields: claimdesk_model::ClaimFields {
            serial_number: "FY529241".into(),
            ..claimdesk_model::sample::valid_fields()
        },
    };
    driver.store().import(&earlier).expect("import");
    let c = driver.open_app().await;
    // The same product again, its serial typed another way, on another order.
    let mut fields = claimdesk_model::sample::valid_fields();
    fields.order_id = "302-7654321-1234567".into();
    fields.serial_number = "sn fy529241".into();
    for (name, v) in [
        ("channel", fields.channel.clone()),
        ("marketplace", fields.marketplace.clone()),
        ("order_id", fields.order_id.clone()),
        ("purchase_date", fields.purchase_date.clone()),
        ("email", fields.email.clone()),
        ("contact_name", fields.contact_name.clone()),
        ("product_name", fields.product_name.clone()),
        ("serial_number", fields.serial_number.clone()),
        ("country", fields.country.clone()),
        ("city", fields.city.clone()),
        ("postal_code", fields.postal_code.clone()),
        ("issue", fields.issue.clone()),
    ] {
        let script = format!(
            "const e = document.getElementById('f-{name}'); e.value = {v:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}}));"
        );
        c.execute(&script, vec![]).await.expect("fill");
    }
    no_proof(&c).await;
    js(&c, "document.getElementById('f-issue').focus()").await;
    type_keys(&c, CTRL_ENTER).await;
    wait_for(&c, "document.getElementById('duplicate-dialog').open").await;
    let said = js_string(&c, "document.getElementById('duplicate-body').textContent").await;
    let number = claimdesk_model::claim_number::claim_number(earlier.id);
    assert!(
        said.contains("FY529241") && said.contains("2026-02-01") && said.contains(&number),
        "{said}"
    );
    screenshot(&c, "duplicate.png").await;
    // No reason, no queueing.
    type_keys(&c, ENTER).await;
    assert_eq!(
        js(&c, "document.getElementById('duplicate-dialog').open").await,
        serde_json::json!(true)
    );
    type_keys(&c, &format!("Replacement failed too{ENTER}")).await;
    wait_for(
        &c,
        "document.querySelectorAll('#queue-list .claim[data-status=\"ready\"]').length === 2",
    )
    .await;
    c.close().await.expect("close");
    let all = driver.store().all().expect("claims");
    let second = all
        .iter()
        .find(|x| x.id != earlier.id)
        .expect("the new claim");
    assert!(
        second
            .fields
            .staff_note
            .ends_with(&format!("[duplicate of {number}] Replacement failed too")),
        "{}",
        second.fields.staff_note
    );
}

/// A claim the service has received (queued in the store, picked, its receipt recorded).
fn sent_claim(driver: &Driver, name: &str, reference: &str) -> claimdesk_model::Claim {
    let claim = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: claimdesk_model::now_timestamp(),
        updated_at: claimdesk_model::now_timestamp(),
        fields: claimdesk_model::ClaimFields {
            contact_name: name.into(),
            ..claimdesk_model::sample::valid_fields()
        },
    };
    let mut store = driver.store();
    store.import(&claim).expect("import");
    store.pick_next().expect("pick").expect("the claim");
    store
        .record_sent(&claimdesk_model::wire::Receipt {
            id: claim.id,
            case_reference: reference.into(),
            received_at: claimdesk_model::now_timestamp(),
            status: "received".into(),
            supersedes: None,
            superseded_by: None,
        })
        .expect("sent");
    claim
}

#[tokio::test]
async fn the_customer_gets_a_receipt_saved_as_pdf_from_the_list() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let claim = sent_claim(&driver, "山田 花子", "CD-7KQ2-M9XA");
    let number = claimdesk_model::claim_number::claim_number(claim.id);
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{}\"]", claim.id);
    wait_for(
        &c,
        &format!("document.querySelector('{row} .receipt') !== null"),
    )
    .await;
    js(
        &c,
        &format!("document.querySelector('{row} .receipt').click()"),
    )
    .await;
    wait_for(&c, "document.getElementById('receipt-dialog').open").await;
    let shown = js_string(&c, "document.getElementById('receipt-preview').textContent").await;
    for wanted in [
        number.as_str(),
        "CD-7KQ2-M9XA",
        "山田 花子",
        "PowerCore 10000",
    ] {
        assert!(shown.contains(wanted), "{wanted:?} not in {shown}");
    }
    // The QR code is an image that loaded (the CSP allows data: images).
    wait_for(
        &c,
        "(() => { const q = document.querySelector('#receipt-preview .r-qr'); \
         return q.complete && q.naturalWidth > 0; })()",
    )
    .await;
    js(
        &c,
        "(() => { const p = document.getElementById('receipt-paper'); p.value = '80mm'; \
         p.dispatchEvent(new Event('change')); return 1; })()",
    )
    .await;
    screenshot(&c, "receipt.png").await;

    let out = tempfile::tempdir().expect("tmp");
    let file = out.path().join("receipt.pdf");
    js(
        &c,
        "setTimeout(() => document.getElementById('receipt-save').click(), 0) && 1",
    )
    .await;
    let chosen = file.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Save receipt", &chosen))
        .await
        .expect("dialog");
    wait_for(
        &c,
        "document.getElementById('notice').textContent.includes('Receipt saved')",
    )
    .await;
    c.close().await.expect("close");
    let text = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for wanted in [number.as_str(), "CD-7KQ2-M9XA", "山田 花子"] {
        assert!(text.contains(wanted), "{wanted:?} not in the PDF: {text}");
    }
    // The 80 mm roll: 226.8 points wide.
    let info = Command::new("pdfinfo")
        .arg(&file)
        .output()
        .expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("226.77"), "{info}");
}

#[tokio::test]
async fn a_sent_claim_is_corrected_by_a_new_claim_that_names_it() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start();
    let old = sent_claim(&driver, "Jana Schmidt", "CD-7KQ2-M9XA");
    let old_number = claimdesk_model::claim_number::claim_number(old.id);
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{}\"]", old.id);
    wait_for(
        &c,
        &format!("document.querySelector('{row} .replace') !== null"),
    )
    .await;
    js(
        &c,
        &format!("document.querySelector('{row} .replace').click()"),
    )
    .await;
    wait_for(
        &c,
        &format!("document.getElementById('claim-replaces').textContent.includes('{old_number}')"),
    )
    .await;
    assert_eq!(value(&c, "email").await, old.fields.email);
    js(&c, "document.getElementById('f-issue').select()").await;
    type_into(
        &c,
        "f-issue",
        "Corrected: the port is broken, not the cable.",
    )
    .await;
    no_proof(&c).await;
    js(&c, "document.getElementById('f-issue').focus()").await;
    type_keys(&c, CTRL_ENTER).await;
    wait_for(
        &c,
        &format!("document.querySelector('{row}').textContent.includes('Replaced by')"),
    )
    .await;
    screenshot(&c, "corrected.png").await;
    c.close().await.expect("close");
    let store = driver.store();
    let all = store.all().expect("claims");
    assert_eq!(all.len(), 2, "the sent claim and its correction");
    let new = all.iter().find(|x| x.id != old.id).expect("the correction");
    assert_eq!(new.status, Status::Ready);
    assert!(new.fields.issue.starts_with("Corrected"));
    assert_eq!(store.supersedes(new.id).expect("link"), Some(old.id));
    let kept = store.get(old.id).expect("get").expect("old");
    assert_eq!(kept.status, Status::Sent);
    assert_eq!(kept.fields, old.fields, "the sent claim is never altered");
}

#[tokio::test]
async fn claims_waiting_for_days_raise_a_notification_while_the_window_is_elsewhere() {
    let _serial = SERIAL.lock().await;
    // Every Notify call on this session bus, as the desktop's notification service gets it.
    let watched = tempfile::NamedTempFile::new().expect("tmp");
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(watched.reopen().expect("reopen"))
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor (package dbus)");
    let port = free_port();
    let driver = Driver::start_with(&[
        ("CLAIMDESK_SERVER_URL", &format!("http://127.0.0.1:{port}/")),
        ("CLAIMDESK_DEVICE_TOKEN", "cdt_offline"),
    ]);
    let five_days_ago = (chrono::Utc::now() - chrono::Duration::days(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let old = claimdesk_model::Claim {
        id: claimdesk_model::ClaimId::new(),
        status: Status::Ready,
        created_at: five_days_ago.clone(),
        updated_at: five_days_ago,
        fields: claimdesk_model::sample::valid_fields(),
    };
    driver.store().import(&old).expect("import");
    // Under Xvfb there is no window manager to give the window the keyboard: it is never
    // focused, as if the clerk were in another program (the focused case is a unit test of
    // claimdesk_sync::alerts).
    let c = driver.open_app().await;
    wait_for(&c, "!document.getElementById('stale-alert').hidden").await;
    let said = |text: &str| {
        std::fs::read_to_string(watched.path())
            .unwrap_or_default()
            .contains(text)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !said("Claims are waiting to be sent") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = monitor.kill();
    let _ = monitor.wait();
    let log = std::fs::read_to_string(watched.path()).unwrap_or_default();
    c.close().await.expect("close");
    assert!(
        said("Claims are waiting to be sent"),
        "no notification: {log}"
    );
    assert!(log.contains("more than 3 days"), "{log}");
    // Counts only: nothing the customer typed goes to the desktop.
    assert!(!log.contains("Jana"), "{log}");
}

#[tokio::test]
async fn the_receipt_is_printed_to_a_pdf_through_the_system_print_dialog() {
    let _serial = SERIAL.lock().await;
    // "Print to File" offers receipt-<number>.pdf in the home folder (no Documents there).
    let home = tempfile::tempdir().expect("home");
    let driver = Driver::start_with(&[("HOME", &home.path().display().to_string())]);
    let claim = sent_claim(&driver, "Анна Каренина", "CD-7KQ2-M9XA");
    let number = claimdesk_model::claim_number::claim_number(claim.id);
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{}\"]", claim.id);
    wait_for(
        &c,
        &format!("document.querySelector('{row} .receipt') !== null"),
    )
    .await;
    js(
        &c,
        &format!("document.querySelector('{row} .receipt').click()"),
    )
    .await;
    wait_for(&c, "document.getElementById('receipt-dialog').open").await;
    // The click returns at once; the print dialog runs until it is answered.
    js(
        &c,
        "setTimeout(() => document.getElementById('receipt-print').click(), 0) && 1",
    )
    .await;
    tokio::task::spawn_blocking(|| {
        // GTK's own dialog, out of WebDriver's reach: choose the first printer ("Print to
        // File", the only one without CUPS) and print.
        let window = find_window("Print");
        for keys in [
            ["key", "--window", &window, "Down"],
            ["key", "--window", &window, "Return"],
        ] {
            assert!(Command::new("xdotool")
                .args(keys)
                .status()
                .expect("xdotool")
                .success());
            std::thread::sleep(Duration::from_millis(300));
        }
    })
    .await
    .expect("print dialog");
    let printed = home.path().join(format!("receipt-{number}.pdf"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = Command::new("pdftotext")
            .arg(&printed)
            .arg("-")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if text.contains(&number) || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    c.close().await.expect("close");
    for wanted in [
        number.as_str(),
        "CD-7KQ2-M9XA",
        "Анна Каренина",
        "Warranty claim receipt",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} not in the printout: {text}"
        );
    }
    // Only the receipt: none of the form, the queue or the window's other text.
    for absent in [
        "Bought from",
        "Claims on this computer",
        "Save & next customer",
    ] {
        assert!(!text.contains(absent), "{absent:?} printed: {text}");
    }
}

/// The page's visible text.
async fn page_text(c: &Client) -> String {
    js_string(c, "document.body.innerText").await
}

/// The English catalogue's longer strings that `lang` words differently and that show on the
/// page: none should, when the window speaks `lang`.
fn english_left(text: &str, lang: &str) -> Vec<String> {
    let (en, other) = (
        claimdesk_model::catalogue::catalogue("en"),
        claimdesk_model::catalogue::catalogue(lang),
    );
    en.iter()
        .filter(|(k, v)| v.chars().count() > 20 && !v.contains('{') && other[*k] != **v)
        .filter(|(_, v)| text.contains(v.as_str()))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Sets a form field through the DOM as typing would.
async fn set_field(c: &Client, field: &str, v: &str) {
    let script = format!(
        "const e = document.getElementById('f-{field}'); e.value = {v:?}; \
         e.dispatchEvent(new Event('input', {{bubbles: true}})); \
         e.dispatchEvent(new Event('change', {{bubbles: true}}));"
    );
    c.execute(&script, vec![]).await.expect("fill");
}

/// Fills a claim for `country` (its postcode wrong), queues it and checks the refusal, then
/// fixes the postcode and queues it: everything in the catalogue of `lang`.
async fn claim_in_language(c: &Client, lang: &str, country: &str, fields: &[(&str, &str)]) {
    let cat = claimdesk_model::catalogue::catalogue(lang);
    set_field(c, "country", country).await;
    for (field, v) in fields {
        set_field(c, field, v).await;
    }
    set_field(c, "postal_code", "1").await;
    no_proof(c).await;
    js(c, "document.getElementById('f-issue').focus()").await;
    type_keys(c, CTRL_ENTER).await;
    wait_for(c, "!document.getElementById('err-postal_code').hidden").await;
    let said = js_string(c, "document.getElementById('err-postal_code').textContent").await;
    let template = &cat["error.postal_code.format"];
    let words = template.split('{').next().unwrap_or_default().trim();
    assert!(
        said.starts_with(words) || said.contains(words),
        "{lang}: the postcode refusal {said:?} is not {template:?}"
    );
    let good = fields
        .iter()
        .find(|(f, _)| *f == "postal_code")
        .map(|(_, v)| *v)
        .expect("a postcode");
    set_field(c, "postal_code", good).await;
    js(c, "document.getElementById('f-issue').focus()").await;
    type_keys(c, CTRL_ENTER).await;
    wait_for(
        c,
        "document.querySelectorAll('#queue-list .claim[data-status=\"ready\"]').length === 1",
    )
    .await;
}

#[tokio::test]
async fn a_german_counter_works_in_german_and_switches_to_french_without_a_restart() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start_with(&[("LANG", "de_DE.UTF-8"), ("LC_ALL", "de_DE.UTF-8")]);
    let c = driver.open_app().await;
    let de = claimdesk_model::catalogue::catalogue("de");
    let label = js_string(
        &c,
        "document.querySelector('label[for=f-email]').textContent",
    )
    .await;
    assert_eq!(label, de["field.email"]);
    assert_eq!(js_string(&c, "document.documentElement.lang").await, "de");
    set_field(&c, "country", "DE").await;
    // Germany has no region, and writes the postcode before the city.
    assert!(js(
        &c,
        "document.getElementById('f-region').closest('.f').hidden"
    )
    .await
    .as_bool()
    .unwrap_or(false));
    let order = js_string(
        &c,
        "[...document.querySelectorAll('#claim-form [id^=f-]')].map(e => e.id.slice(2)).join(',')",
    )
    .await;
    assert!(order.contains("address_line2,postal_code,city"), "{order}");
    claim_in_language(
        &c,
        "de",
        "DE",
        &[
            ("channel", "own_store"),
            ("order_id", "A-1"),
            ("purchase_date", "14.03.2026"),
            ("email", "jana@example.de"),
            ("contact_name", "Jana Schmidt"),
            ("product_name", "PowerCore 10000"),
            ("address_line1", "Friedrichstraße 12"),
            ("city", "Berlin"),
            ("postal_code", "10117"),
            ("issue", "Lädt nicht mehr."),
        ],
    )
    .await;
    let said = js_string(&c, "document.getElementById('notice').textContent").await;
    let done = de["submit.done"]
        .split('{')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(said.contains(done.trim()), "{said}");
    let text = page_text(&c).await;
    let left = english_left(&text, "de");
    assert!(left.is_empty(), "English left on the German page: {left:?}");
    screenshot(&c, "form-de.png").await;

    // Settings: Français. The window speaks French at once, what was typed kept.
    set_field(&c, "contact_name", "Jean Dupont").await;
    click(&c, "open-settings").await;
    wait_for(&c, "document.getElementById('settings-dialog').open").await;
    js(
        &c,
        "(() => { const s = document.getElementById('s-language'); s.value = 'fr'; \
         s.dispatchEvent(new Event('change')); \
         document.getElementById('settings-form').requestSubmit(); return 1; })()",
    )
    .await;
    let fr = claimdesk_model::catalogue::catalogue("fr");
    wait_for(
        &c,
        &format!(
            "document.querySelector('label[for=f-email]') && \
             document.querySelector('label[for=f-email]').textContent === {:?} && \
             document.body.dataset.ready === '1'",
            fr["field.email"]
        ),
    )
    .await;
    assert_eq!(value(&c, "contact_name").await, "Jean Dupont");
    let left = english_left(&page_text(&c).await, "fr");
    assert!(left.is_empty(), "English left on the French page: {left:?}");
    c.close().await.expect("close");
    assert_eq!(
        driver.store().language_setting().expect("setting"),
        "fr",
        "remembered on this device"
    );
}

#[tokio::test]
async fn a_japanese_counter_enters_the_address_in_japans_order() {
    let _serial = SERIAL.lock().await;
    let driver = Driver::start_with(&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "ja_JP.UTF-8")]);
    let c = driver.open_app().await;
    let ja = claimdesk_model::catalogue::catalogue("ja");
    let label = js_string(
        &c,
        "document.querySelector('label[for=f-email]').textContent",
    )
    .await;
    assert_eq!(label, ja["field.email"]);
    set_field(&c, "country", "JP").await;
    let order = js_string(
        &c,
        "[...document.querySelectorAll('#claim-form [id^=f-]')].map(e => e.id.slice(2)).join(',')",
    )
    .await;
    assert!(
        order.contains("country,postal_code,region,city,address_line1,address_line2"),
        "{order}"
    );
    let region = js_string(&c, "document.getElementById('l-region').textContent").await;
    assert_eq!(region, ja["field.region.prefecture"]);
    claim_in_language(
        &c,
        "ja",
        "JP",
        &[
            ("channel", "own_store"),
            ("order_id", "A-2"),
            ("purchase_date", "2026/03/14"),
            ("email", "hanako@example.jp"),
            ("contact_name", "山田 花子"),
            ("product_name", "PowerCore 10000"),
            ("postal_code", "100-0005"),
            ("region", "東京都"),
            ("city", "千代田区"),
            ("address_line1", "丸の内1-9-2"),
            ("issue", "充電できません。"),
        ],
    )
    .await;
    let left = english_left(&page_text(&c).await, "ja");
    assert!(
        left.is_empty(),
        "English left on the Japanese page: {left:?}"
    );
    screenshot(&c, "form-ja.png").await;
    c.close().await.expect("close");
    let claims = driver.store().all().expect("claims");
    assert_eq!(claims.len(), 1);
    assert_eq!(
        claims[0].fields.purchase_date, "2026-03-14",
        "the Japanese form, stored ISO"
    );
    assert_eq!(claims[0].fields.region, "東京都");
}

/// Saves a screenshot of the office page in `target/e2e` (for the README).
async fn office_shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// Waits until the office page (reloaded each time) satisfies `condition`.
async fn office_until(c: &Client, url: &str, condition: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        c.goto(url).await.expect("goto");
        if js(c, condition).await == serde_json::Value::Bool(true) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the office never showed: {condition}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn office_decide(o: &Client, status: &str, note: &str, tracking: &str) {
    o.find(Locator::Css(&format!("#status-{status}")))
        .await
        .expect("the status is offered")
        .click()
        .await
        .expect("choose");
    let field = o.find(Locator::Id("note")).await.expect("note");
    field.clear().await.expect("clear");
    field.send_keys(note).await.expect("type note");
    if !tracking.is_empty() {
        o.find(Locator::Id("tracking-input"))
            .await
            .expect("tracking")
            .send_keys(tracking)
            .await
            .expect("type tracking");
    }
    o.find(Locator::Css("form[action$='/review'] button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("record");
    wait_for(
        o,
        &format!(
            "document.getElementById('current-status').textContent.trim() === '{}'",
            {
                let words = status.replace('_', " ");
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|f| f.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            }
        ),
    )
    .await;
}

/// The whole loop: a claim sent from the counter is found in the office (a real Chromium) by
/// its serial, its photo opened, more information asked for; the counter (the real window)
/// shows the request after its next sync, the clerk answers with a note and a photo, the
/// office sees the answer, approves and ships with a tracking number, and the counter shows it.
#[tokio::test(flavor = "multi_thread")]
async fn the_office_asks_the_counter_answers_and_the_decision_comes_back() {
    let _serial = SERIAL.lock().await;
    let server_dir = tempfile::tempdir().expect("tmp");
    let intake = claimdesk_server::intake::Intake::open(server_dir.path()).expect("intake");
    let token = intake.add_device("counter-1").expect("device");
    claimdesk_server::office::accounts::add_user(
        &intake,
        "ann",
        claimdesk_server::office::Role::Reviewer,
        "correct horse battery",
    )
    .await
    .expect("reviewer");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(claimdesk_server::serve(
        listener,
        intake.clone(),
        std::future::pending(),
    ));
    // `localhost`: the browser keeps the office's Secure cookies for it without TLS.
    let office = format!("http://localhost:{port}");
    let driver = Driver::start_with(&[
        ("CLAIMDESK_SERVER_URL", &format!("http://127.0.0.1:{port}/")),
        ("CLAIMDESK_DEVICE_TOKEN", &token),
    ]);

    // A claim with a receipt photo, queued at the counter.
    let fields = claimdesk_model::ClaimFields {
        contact_name: "Jana Schmidt".into(),
        serial_number: "SN-E2E-4711".into(),
        ..claimdesk_model::sample::valid_fields()
    };
    let id = claimdesk_model::ClaimId::new();
    {
        let mut store = driver.store();
        let processed =
            claimdesk_photos::process(&photo_jpeg(640, 480), &claimdesk_photos::Options::default())
                .expect("photo");
        store
            .add_attachment(
                id,
                claimdesk_model::Kind::Receipt,
                "receipt.jpg",
                &processed.as_new(),
            )
            .expect("photo");
        store.submit(id, &fields).expect("queued");
    }
    let queued = driver.store().get(id).expect("get").expect("claim").fields;
    let c = driver.open_app().await;
    let row = format!("#queue-list li[data-id=\"{id}\"]");
    wait_for(
        &c,
        &format!("document.querySelector('{row}').dataset.status === 'sent'"),
    )
    .await;

    // The office: sign in by keyboard, find the claim by its serial, open it and its photo.
    let chrome = chrome::Chrome::start().await;
    let o = &chrome.client;
    o.goto(&format!("{office}/office/")).await.expect("office");
    o.find(Locator::Id("name"))
        .await
        .expect("name")
        .send_keys("ann")
        .await
        .expect("type");
    o.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(&format!("correct horse battery{ENTER}"))
        .await
        .expect("type");
    wait_for(o, "location.pathname === '/office/claims'").await;
    o.find(Locator::Id("serial"))
        .await
        .expect("serial")
        .send_keys(&format!("e2e-4711{ENTER}"))
        .await
        .expect("search");
    wait_for(
        o,
        &format!("document.querySelector('a[href=\"/office/claims/{id}\"]') !== null"),
    )
    .await;
    office_shot(o, "office-list.png").await;
    o.find(Locator::Css(&format!("a[href='/office/claims/{id}']")))
        .await
        .expect("the claim")
        .click()
        .await
        .expect("open");
    wait_for(o, "document.querySelector('.attachments img') !== null").await;
    wait_for(o, "document.querySelector('.attachments img').complete && document.querySelector('.attachments img').naturalWidth > 0").await;
    let photo = js_string(o, "document.querySelector('.attachments a').href").await;
    let claim_page = js_string(o, "location.href").await;
    office_decide(o, "in_review", "", "").await;
    office_decide(
        o,
        "more_info_needed",
        "A photo of the serial label, please.",
        "",
    )
    .await;
    office_shot(o, "office-claim.png").await;
    o.goto(&photo).await.expect("full size");
    wait_for(
        o,
        "document.images.length === 1 && document.images[0].naturalWidth > 0",
    )
    .await;
    o.goto(&claim_page).await.expect("back");

    // The counter hears it at its next sync, with a notification (on the session bus, as the
    // desktop's notification service gets it).
    let watched = tempfile::NamedTempFile::new().expect("tmp");
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(watched.reopen().expect("reopen"))
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor (package dbus)");
    tokio::time::sleep(Duration::from_millis(300)).await;
    click(&c, "send-now").await;
    wait_for(&c, &format!("document.querySelector('{row} .review-note') !== null && document.querySelector('{row} .review-note').textContent.includes('serial label')")).await;
    wait_for(
        &c,
        &format!("document.querySelector('{row} .answer') !== null"),
    )
    .await;
    screenshot(&c, "more-info.png").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let notified = loop {
        let log = std::fs::read_to_string(watched.path()).unwrap_or_default();
        if log.contains("The office answered") || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = monitor.kill();
    let _ = monitor.wait();
    assert!(
        notified.contains("The office answered"),
        "no notification: {notified}"
    );
    assert!(notified.contains("needs more information"), "{notified}");
    assert!(
        !notified.contains("Jana") && !notified.contains("serial label"),
        "counts only: {notified}"
    );

    // The clerk answers with a note and a photo through the file dialog.
    js(
        &c,
        &format!("document.querySelector('{row} .answer').click()"),
    )
    .await;
    wait_for(&c, "document.getElementById('answer-dialog').open").await;
    type_into(&c, "answer-note", "Here is the label.").await;
    // A short, fixed path: GTK's location entry completes as it is typed into.
    let label = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-input");
    std::fs::create_dir_all(&label).expect("input folder");
    let label_file = label.join("label.jpg");
    std::fs::write(&label_file, photo_jpeg(400, 300)).expect("label photo");
    js(
        &c,
        "setTimeout(() => document.getElementById('answer-add').click(), 0) && 1",
    )
    .await;
    let chosen = label_file.clone();
    tokio::task::spawn_blocking(move || pick_in_file_dialog("Attach receipts and photos", &chosen))
        .await
        .expect("dialog");
    wait_for(
        &c,
        "document.querySelectorAll('#answer-photos li').length === 1",
    )
    .await;
    screenshot(&c, "answer.png").await;
    click(&c, "answer-send").await;
    wait_for(&c, "!document.getElementById('answer-dialog').open").await;
    click(&c, "send-now").await;
    wait_for(&c, &format!("document.querySelector('{row} .answer-state') !== null && document.querySelector('{row}').querySelector('.answer-sent') !== null")).await;

    // The office sees the answer, approves and ships.
    office_until(
        o,
        &claim_page,
        "document.querySelector('.addition-note') !== null",
    )
    .await;
    let said = js_string(o, "document.querySelector('.addition-note').textContent").await;
    assert_eq!(said, "Here is the label.");
    wait_for(o, "[...document.querySelectorAll('.addition img')].every((i) => i.complete && i.naturalWidth > 0)").await;
    office_decide(o, "approved", "Approved.", "").await;
    office_decide(
        o,
        "replacement_shipped",
        "Replacement on its way.",
        "1Z999AA10123456784",
    )
    .await;

    // The counter shows it.
    click(&c, "send-now").await;
    wait_for(&c, &format!("document.querySelector('{row} .review-tracking') !== null && document.querySelector('{row} .review-tracking').textContent.includes('1Z999AA10123456784')")).await;
    let shown = js_string(
        &c,
        &format!("document.querySelector('{row} .review').textContent"),
    )
    .await;
    assert!(shown.contains("Replacement shipped"), "{shown}");
    screenshot(&c, "shipped.png").await;
    c.close().await.expect("close");
    let stored = intake.export().expect("export");
    assert_eq!(stored.len(), 1, "one claim, never sent twice");
    assert_eq!(stored[0].status, "replacement_shipped");
    let answers = driver.store().additions(id).expect("answers");
    assert_eq!(answers.len(), 1, "one answer, no stray draft");

    // The customer comes back to another counter of the fleet with the receipt: the claim
    // number typed into that counter's search finds where it stands, from the service.
    let other = intake.add_device("counter-2").expect("device");
    for device in ["counter-1", "counter-2"] {
        claimdesk_server::lookup::set_fleet(&intake, device, Some("berlin-stores"))
            .await
            .expect("fleet");
    }
    let second = Driver::start_with(&[
        ("CLAIMDESK_SERVER_URL", &format!("http://127.0.0.1:{port}/")),
        ("CLAIMDESK_DEVICE_TOKEN", &other),
    ]);
    let c2 = second.open_app().await;
    let number = claimdesk_model::claim_number::claim_number(id);
    type_into(&c2, "queue-search", &number).await;
    wait_for(&c2, "document.getElementById('queue-lookup') !== null").await;
    click(&c2, "queue-lookup").await;
    wait_for(
        &c2,
        "document.querySelector('.lookup-result .review-tracking') !== null",
    )
    .await;
    let found = js_string(&c2, "document.querySelector('.lookup-result').textContent").await;
    assert!(
        found.contains("Replacement shipped") && found.contains("1Z999AA10123456784"),
        "{found}"
    );
    assert!(
        !found.contains("Jana"),
        "status only, never the customer: {found}"
    );
    screenshot(&c2, "fleet-lookup.png").await;
    c2.close().await.expect("close");
    let kept = driver.store().get(id).expect("get").expect("claim");
    assert_eq!(kept.fields, queued, "the sent claim is never altered");
}
