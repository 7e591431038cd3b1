// The controller: startup, autosave, submit, reset, queue. Rules live in Rust; this file only
// moves values between the form and the commands.

import * as api from './api.js';
import * as form from './form.js';
import * as queue from './queue.js';
import * as answer from './answer.js';
import * as attachments from './attachments.js';
import * as sync from './sync.js';
import * as vocab from './vocab.js';
import * as help from './help.js';
import * as receipt from './receipt.js';
import { loadMessages, translate, t, tn, formatTime, errorText, formatBytes } from './i18n.js';

const AUTOSAVE_MS = 300; // well inside the 0.5 s a crash may lose

let claimId = null; // the claim in the form; null until its first save creates it
let replacing = null; // the claim the one in the form replaces, if any
let lastSaved = ''; // JSON of the fields last written
let timer = null;
let chain = Promise.resolve(); // saves run one after another, in order
const touched = new Set(); // fields whose errors are shown while typing

const $ = (id) => document.getElementById(id);

function setSaveState(key, params = {}) {
  const el = $('save-state');
  el.textContent = t(`save.${key}`, params);
  el.dataset.state = key;
}

/** Tells the clerk `text`; with `receiptFor`, offers that claim's receipt beside it. */
function notice(text, kind = 'ok', receiptFor = null) {
  const el = $('notice');
  $('notice-text').textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  const button = $('notice-receipt');
  button.hidden = !receiptFor;
  button.dataset.id = receiptFor || '';
}

/** Writes the form to the store if it changed; never throws. */
async function saveNow() {
  clearTimeout(timer);
  timer = null;
  const fields = form.read();
  const json = JSON.stringify(fields);
  if (json === lastSaved || (!claimId && form.isBlank(fields))) return;
  setSaveState('saving');
  const at = claimId;
  try {
    const claim = await api.saveDraft(at, fields);
    // Saves run one at a time, but the form may have moved on (a new customer) meanwhile.
    if (claimId !== at) return;
    const created = claimId !== claim.id;
    claimId = claim.id;
    lastSaved = json;
    $('claim-ref').textContent = claim.claim_number;
    $('save-state').dataset.savedAt = claim.updated_at;
    setSaveState('saved', { time: formatTime(claim.updated_at) });
    // A new claim becomes the current row (which fetches it); otherwise refresh its row.
    if (created) queue.setCurrent(claim.id);
    else queue.update(claim.id);
  } catch (e) {
    setSaveState('failed', { message: errorText(api.asError(e)) });
  }
}

function enqueueSave() {
  chain = chain.then(saveNow);
  return chain;
}

function scheduleSave() {
  clearTimeout(timer);
  timer = setTimeout(enqueueSave, AUTOSAVE_MS);
}

async function checkTouched() {
  if (!touched.size) return;
  try {
    const errors = await api.checkClaim(form.read());
    form.showErrors(errors, touched);
    // Once every problem the clerk was told about is fixed, the warning goes too.
    const notice = $('notice');
    if (notice.dataset.kind === 'error' && !errors.some((e) => touched.has(e.field))) notice.hidden = true;
  } catch {
    // Checking is a courtesy; submit checks again.
  }
}

/** Says so while the database key is a file rather than in the system keyring. */
function showKeyNotice(data) {
  const notice = $('key-notice');
  const inFiles = data.vault === 'files' && !data.store_error;
  notice.hidden = !inFiles;
  notice.textContent = inFiles ? t('vault.files', { folder: data.key_dir }) : '';
}

/** Warns while the data folder's disk runs low (checked before each new claim). */
function showDisk(disk) {
  const banner = $('disk-banner');
  banner.hidden = !(disk && disk.low);
  banner.textContent = disk && disk.low ? t('disk.low', { free: formatBytes(disk.free_bytes) }) : '';
}

async function checkDisk() {
  try {
    showDisk(await api.diskSpace());
  } catch {
    // The banner is a courtesy; a save that fails says so itself.
  }
}

/** Starts a new claim, keeping the clerk's usual choices from `keep`. */
function startNew(keep) {
  checkDisk();
  claimId = null;
  queue.setCurrent(null);
  lastSaved = '';
  touched.clear();
  const fields = Object.fromEntries(vocab.remembered().map((n) => [n, keep[n] || '']));
  form.write(fields);
  form.showErrors([]);
  attachments.clear();
  clearNoProof();
  $('claim-ref').textContent = '';
  $('claim-replaces').textContent = '';
  replacing = null;
  setSaveState('idle');
  focusFirstEmpty();
}

function focusFirstEmpty() {
  const first = form.focusable().find((el) => !el.value);
  (first || form.input('email')).focus();
}

async function submit(duplicateReason = null) {
  await enqueueSave();
  const fields = form.read();
  try {
    const claim = await api.submitClaim(claimId, fields, duplicateReason, noProofReason());
    // Queued, a replacement withdraws the unsent claim it replaces: its row changes too.
    if (replacing) queue.update(replacing);
    notice(t('submit.done', { name: claim.contact_name, number: claim.claim_number }), 'ok', claim.id);
    // Moving the form to a new claim refreshes the queued one's row.
    startNew(claim);
  } catch (err) {
    const e = api.asError(err);
    if (e.errors && e.errors.length) {
      form.fields().forEach((n) => touched.add(n));
      form.showErrors(e.errors);
      attachments.showError(e.errors.find((x) => x.field === 'attachments'));
      form.focusFirstError(e.errors);
      notice(tn('submit.invalid', e.errors.length), 'error');
    } else if (vocab.isDuplicate(e.code)) {
      askDuplicate(e);
    } else {
      notice(errorText(e), 'error');
    }
  }
}

/** The clerk's reason for a claim without a receipt, when "No proof" is ticked. */
function noProofReason() {
  return $('no-proof').checked ? $('no-proof-reason').value.trim() || null : null;
}

/** Shows the reason field while "No proof of purchase available" is ticked. */
function showNoProof() {
  const on = $('no-proof').checked;
  $('no-proof-reason').hidden = !on;
  if (on) $('no-proof-reason').focus();
}

function clearNoProof() {
  $('no-proof').checked = false;
  $('no-proof-reason').value = '';
  $('no-proof-reason').hidden = true;
}

/** The same product was claimed before: queue it only with the clerk's reason. */
function askDuplicate(e) {
  $('duplicate-body').textContent = errorText(e);
  $('duplicate-reason').value = '';
  $('duplicate-dialog').showModal();
  $('duplicate-reason').focus();
}

function confirmDuplicate(ev) {
  ev.preventDefault();
  const reason = $('duplicate-reason').value.trim();
  if (!reason) return $('duplicate-reason').focus();
  $('duplicate-dialog').close();
  submit(reason);
}

async function openDraft(id, summary) {
  await enqueueSave();
  try {
    const claim = await api.openClaim(id);
    if (!claim) return queue.update(id);
    loadClaim(claim);
    setSaveState('restored', { time: formatTime(claim.updated_at) });
    const problem = summary && summary.problem;
    if (vocab.status(claim.status).refused && problem) {
      // Show the claims service's reasons where they belong; fixing and submitting re-queues.
      form.fields().forEach((n) => touched.add(n));
      form.showErrors(problem.errors || []);
      notice(t('sync.attention', { message: errorText(problem) }), 'error');
      if (problem.errors && problem.errors.length) return form.focusFirstError(problem.errors);
    }
    focusFirstEmpty();
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
  }
}

function loadClaim(claim) {
  claimId = claim.id;
  queue.setCurrent(claim.id);
  form.write(claim);
  lastSaved = JSON.stringify(form.read());
  touched.clear();
  form.showErrors([]);
  attachments.load(claim.id);
  clearNoProof();
  $('claim-ref').textContent = claim.claim_number;
  replacing = claim.supersedes ? claim.supersedes.id : null;
  $('claim-replaces').textContent = claim.supersedes ? t('replace.replaces', { number: claim.supersedes.claim_number }) : '';
}

function askReset() {
  $('reset-dialog').showModal();
  $('reset-cancel').focus();
}

/** *Edit* on a queued claim: back into the form, or the service's receipt if it had it. */
async function editQueued(id) {
  await enqueueSave();
  try {
    const r = await api.editClaim(id);
    if (r.outcome === 'editing') {
      // Whatever was typed while the service was asked is saved before the form changes.
      clearTimeout(timer);
      await enqueueSave();
      loadClaim(r.claim);
      setSaveState('restored', { time: formatTime(r.claim.updated_at) });
      notice(t('edit.taken_back', { number: r.claim.claim_number }));
      focusFirstEmpty();
    } else {
      notice(t('edit.already_sent', { reference: r.case_reference }));
    }
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
  }
  queue.update(id);
}

/** *Correct* / *Send as new claim*: opens the new claim that replaces `id`. */
async function replaceClaim(id) {
  await enqueueSave();
  try {
    const claim = await api.replaceClaim(id);
    loadClaim(claim);
    setSaveState('restored', { time: formatTime(claim.updated_at) });
    notice(t('replace.started', { number: claim.claim_number, old: claim.supersedes ? claim.supersedes.claim_number : '' }));
    focusFirstEmpty();
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
  }
  queue.update(id);
}

/** *Export…*: every claim to a file the clerk picks. */
async function exportClaims() {
  try {
    const done = await api.exportClaims();
    if (done) notice(t('export.done', { count: done.count, path: done.path }));
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
  }
}

let withdrawing = null; // the claim the withdraw dialog asks about

function askWithdraw(id, c) {
  withdrawing = id;
  $('withdraw-body').textContent = t('withdraw.body', { name: c.contact_name || t('queue.no_name') });
  $('withdraw-dialog').showModal();
  $('withdraw-cancel').focus();
}

async function confirmWithdraw() {
  $('withdraw-dialog').close();
  const id = withdrawing;
  withdrawing = null;
  if (!id) return;
  const inForm = id === claimId;
  if (inForm) {
    // Let a pending autosave land first; the claim is the store's to close after that.
    clearTimeout(timer);
    await chain;
  }
  try {
    const row = await api.withdrawClaim(id);
    notice(t('withdraw.done', { number: row.claim_number }));
    if (inForm) startNew(form.read());
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
  }
  queue.update(id);
}

async function confirmReset() {
  $('reset-dialog').close();
  clearTimeout(timer);
  await chain;
  const keep = form.read();
  const dropped = claimId;
  try {
    if (dropped) await api.discardDraft(dropped);
  } catch (e) {
    notice(errorText(api.asError(e)), 'error');
    return;
  }
  $('notice').hidden = true;
  // Moving the form to a new claim drops the discarded draft's row.
  startNew(keep);
}

function onKeyDown(ev) {
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    submit();
    return;
  }
  const el = ev.target;
  if (ev.key !== 'Enter' || ev.shiftKey || el.tagName === 'TEXTAREA' || el.tagName === 'BUTTON') return;
  const fields = form.focusable();
  const i = fields.indexOf(el);
  if (i < 0) return;
  ev.preventDefault();
  if (i === fields.length - 1) submit();
  else fields[i + 1].focus();
}

function wire() {
  const f = $('claim-form');
  f.addEventListener('input', scheduleSave);
  f.addEventListener('change', () => {
    scheduleSave();
    checkTouched();
  });
  f.addEventListener('focusout', (ev) => {
    const name = ev.target.name;
    if (name && ev.target.value) {
      touched.add(name);
      checkTouched();
    }
  });
  f.addEventListener('keydown', onKeyDown);
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit();
  });
  $('reset').addEventListener('click', askReset);
  $('reset-cancel').addEventListener('click', () => $('reset-dialog').close());
  $('reset-confirm').addEventListener('click', confirmReset);
  $('withdraw-cancel').addEventListener('click', () => $('withdraw-dialog').close());
  $('export-claims').addEventListener('click', exportClaims);
  $('duplicate-form').addEventListener('submit', confirmDuplicate);
  $('no-proof').addEventListener('change', showNoProof);
  $('duplicate-cancel').addEventListener('click', () => $('duplicate-dialog').close());
  $('withdraw-confirm').addEventListener('click', confirmWithdraw);
  // Leaving the window or hiding it flushes the pending save at once.
  window.addEventListener('blur', enqueueSave);
  document.addEventListener('visibilitychange', enqueueSave);
}

/** Settings chose another language: the page is built again in it (what was typed is saved
 * first and restored, as after a restart; the app itself keeps running). */
async function switchLanguage() {
  clearTimeout(timer);
  await enqueueSave();
  window.location.reload();
}

async function main() {
  let data;
  try {
    data = await api.startup();
  } finally {
    await loadMessages(data && data.language);
    translate();
  }
  vocab.set(data.vocabulary);
  form.setup(data);
  attachments.setup({
    claimId: () => claimId,
    limits: data.limits,
    // After any pending save, in the same chain as the saves.
    serial: (fn) => {
      chain = chain.then(saveNow).then(fn);
      return chain;
    },
    // Attaching to a new form creates the claim: keep its id.
    adopt: (id) => {
      if (claimId !== id) queue.setCurrent(id);
      claimId = id;
    },
    afterChange: () => queue.update(claimId),
  });
  wire();
  help.setup();
  queue.setup({ open: openDraft, edit: editQueued, withdraw: askWithdraw, replace: replaceClaim, receipt: receipt.open, answer: answer.open, summary: sync.showSummary });
  receipt.setup(notice);
  answer.setup((text, kind, id) => {
    notice(text, kind);
    if (id) queue.update(id);
  });
  $('notice-receipt').addEventListener('click', (ev) => receipt.open(ev.currentTarget.dataset.id));
  await sync.setup({ changed: queue.update, notice, count: queue.showCount, language: switchLanguage, languages: data.languages });
  showDisk(data.disk);
  showKeyNotice(data);
  if (data.store_error) {
    const banner = $('store-banner');
    banner.textContent = t('store.unavailable', { message: errorText(data.store_error) });
    banner.hidden = false;
  }
  if (data.draft) {
    loadClaim(data.draft);
    setSaveState('restored', { time: formatTime(data.draft.updated_at) });
  } else {
    claimId = null;
    form.write(data.defaults);
    setSaveState('idle');
  }
  await queue.reload();
  focusFirstEmpty();
  // A second launch on this data folder brings this window forward (the shell does that);
  // the count is for tests, and the clerk carries on where the cursor was.
  await api.onPurged(() => queue.reload());
  await api.onRaised(() => {
    document.body.dataset.raised = String(Number(document.body.dataset.raised || 0) + 1);
  });
  document.body.dataset.ready = '1';
}

main().catch((e) => {
  const banner = $('store-banner');
  banner.textContent = api.asError(e).message;
  banner.hidden = false;
});
