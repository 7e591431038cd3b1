// The Rust side, one function per command. Errors arrive as {code, message, field?, errors?,
// params?}. A new claim has no id (null) until save_draft or an attach command creates it.

const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args);

export const startup = () => invoke('startup');
export const saveDraft = (id, fields) => invoke('save_draft', { id, fields });
export const submitClaim = (id, fields, duplicateReason = null, noProofReason = null) =>
  invoke('submit_claim', { id, fields, duplicateReason, noProofReason });
export const checkClaim = (fields) => invoke('check_claim', { fields });
export const discardDraft = (id) => invoke('discard_draft', { id });
export const listClaims = (query) => invoke('list_claims', { query });
export const claimSummary = (id) => invoke('claim_summary', { id });
export const openClaim = (id) => invoke('open_claim', { id });
export const attachDialog = (id, kind) => invoke('attach_dialog', { id, kind });
export const attachFiles = (id, kind, paths) => invoke('attach_files', { id, kind, paths });
export const attachPasted = (id, kind, bytes) => invoke('attach_pasted', { id, kind, data: toBase64(bytes) });
export const attachClipboard = (id, kind) => invoke('attach_clipboard', { id, kind });
export const listAttachments = (id) => invoke('list_attachments', { id });
export const removeAttachment = (id, attachment) => invoke('remove_attachment', { id, attachment });
export const syncStatus = () => invoke('sync_status');
export const sendNow = () => invoke('send_now');
export const syncSettings = () => invoke('sync_settings');
export const saveSyncSettings = (settings) => invoke('save_sync_settings', { settings });
/** Calls `handler(payload)` for every event the sync engine reports. */
export const onSync = (handler) => window.__TAURI__.event.listen('sync', (e) => handler(e.payload));
/** Calls `handler()` when a second launch brought this window forward. */
export const onRaised = (handler) => window.__TAURI__.event.listen('raised', () => handler());
/** Calls `handler(report)` when the retention purge removed something. */
export const onPurged = (handler) => window.__TAURI__.event.listen('purged', (e) => handler(e.payload));
export const diagnostics = () => invoke('diagnostics');
export const diskSpace = () => invoke('disk_space');
export const withdrawClaim = (id) => invoke('withdraw_claim', { id });
export const editClaim = (id) => invoke('edit_claim', { id });
export const replaceClaim = (id) => invoke('replace_claim', { id });
export const receipt = (id) => invoke('receipt', { id });
export const saveReceipt = (id, paper) => invoke('save_receipt', { id, paper });
export const printReceipt = (id) => invoke('print_receipt', { id });
export const exportClaims = () => invoke('export_claims');
export const openLogFolder = () => invoke('open_log_folder');
export const answer = (claim) => invoke('answer', { claim });
export const answerNote = (claim, note) => invoke('answer_note', { claim, note });
export const answerAttach = (claim) => invoke('answer_attach', { claim });
export const answerRemove = (claim, photo) => invoke('answer_remove', { claim, photo });
export const answerSend = (claim) => invoke('answer_send', { claim });
export const lookupClaim = (key) => invoke('lookup_claim', { key });
export const setAttachmentKind = (id, attachment, kind) => invoke('set_attachment_kind', { id, attachment, kind });

/** Any rejection as the one error shape, whatever threw it. */
export function asError(e) {
  if (e && typeof e === 'object' && 'code' in e) return e;
  return { code: 'internal', message: String(e) };
}

/** Bytes as base64, in chunks (a spread of megabytes would overflow the call stack). */
function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
