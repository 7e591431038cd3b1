/// ClaimDesk's own commands. The app manifest lists them, so the capability file
/// (`capabilities/default.json`) can grant the webview exactly these and nothing more.
const COMMANDS: &[&str] = &[
    "startup",
    "save_draft",
    "submit_claim",
    "check_claim",
    "discard_draft",
    "list_claims",
    "claim_summary",
    "open_claim",
    "disk_space",
    "attach_files",
    "attach_dialog",
    "attach_pasted",
    "attach_clipboard",
    "list_attachments",
    "remove_attachment",
    "set_attachment_kind",
    "sync_status",
    "send_now",
    "sync_settings",
    "save_sync_settings",
    "diagnostics",
    "open_log_folder",
    "withdraw_claim",
    "replace_claim",
    "receipt",
    "save_receipt",
    "print_receipt",
    "edit_claim",
    "export_claims",
    "answer",
    "answer_note",
    "answer_attach",
    "answer_remove",
    "answer_send",
    "lookup_claim",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
