// Sending: the status bar (connection, queue, last sync, Send now), upload progress, the
// 3-day alert and the Settings dialog. The engine runs in Rust; this only shows what it reports.

import * as api from './api.js';
import { t, tn, lang, formatAge, formatDateTime, formatDuration, errorText } from './i18n.js';
import * as vocab from './vocab.js';

const $ = (id) => document.getElementById(id);

let onChange = () => {};
let queueCount = () => {};
let notify = () => {};
let relabel = async () => {};
let status = null;
let retryAt = null; // when the engine tries again, if it said
const progress = new Map(); // claim id -> fraction sent

/**
 * Wires the bar and dialog; `changed(id)` is called when a claim's status changes,
 * `language(code)` when Settings chose another language, with `languages` [code, name] to
 * offer.
 */
export async function setup({ changed, notice, count, language, languages }) {
  relabel = language;
  $('s-language').replaceChildren(
    new Option(t('settings.language.system'), ''),
    ...languages.map(([code, name]) => new Option(name, code)),
  );
  onChange = changed;
  queueCount = count;
  notify = notice;
  $('send-now').addEventListener('click', sendNow);
  $('open-settings').addEventListener('click', openSettings);
  $('settings-cancel').addEventListener('click', () => $('settings-dialog').close());
  $('settings-form').addEventListener('submit', saveSettings);
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey && ev.shiftKey && ev.key.toLowerCase() === 's') {
      ev.preventDefault();
      sendNow();
    }
  });
  await api.onSync(onEvent);
  try {
    const s = await api.syncStatus();
    if (s) showStatus(s);
  } catch {
    // The first event will fill the bar.
  }
  setInterval(renderBar, 1000); // the retry countdown
}

function onEvent(event) {
  if (event.type === 'status') {
    showStatus(event);
  } else if (event.type === 'progress') {
    progress.set(event.id, event.total ? event.sent / event.total : 0);
    const bar = document.querySelector(`.claim[data-id="${event.id}"] progress`);
    if (bar) bar.value = progress.get(event.id);
  } else if (event.type === 'claim') {
    if (!vocab.status(event.status).uploading) progress.delete(event.id);
    onChange(event.id);
  } else if (event.type === 'reviewed') {
    onChange(event.id);
  } else if (event.type === 'answer') {
    onChange(event.claim_id);
  }
}

function showStatus(s) {
  status = s;
  retryAt = s.retry_in_secs != null ? Date.now() + s.retry_in_secs * 1000 : null;
  renderBar();
  showSummary(s.outbox);
}

function renderBar() {
  if (!status) return;
  const state = $('sync-state');
  state.dataset.state = status.connection;
  state.dataset.severity = status.severity;
  let text = t(`sync.state.${status.connection}`);
  if (!status.auto_send) text = `${text} · ${t('sync.paused')}`;
  if (retryAt && status.outbox.pending > 0) {
    const secs = Math.max(0, Math.round((retryAt - Date.now()) / 1000));
    text = `${text} · ${t('sync.retry_in', { time: formatDuration(secs) })}`;
  }
  state.textContent = text;
  const pending = status.outbox.pending;
  $('sync-pending').textContent = pending ? tn('sync.pending', pending) : t('sync.pending.zero');
  const last = status.outbox.last_sync_at;
  const lastEl = $('sync-last');
  lastEl.textContent = last ? t('sync.last', { time: formatAge(last) }) : t('sync.never');
  lastEl.title = last ? formatDateTime(last) : '';
  const problem = $('sync-problem');
  const showProblem = status.problem && !status.online;
  problem.hidden = !showProblem;
  problem.textContent = showProblem ? errorText(status.problem) : '';
}

/** Shows the queue's counts: the alert for claims waiting longer than the Rust side's
 * threshold (counted by the store, not from the list), and the total. */
export function showSummary(summary) {
  const stale = summary.stale;
  const alert = $('stale-alert');
  alert.hidden = stale === 0;
  alert.textContent = stale ? tn('sync.stale', stale, { days: vocab.staleAfterDays() }) : '';
  queueCount(summary.total);
}

/** The fraction of a claim's upload sent so far. */
export function progressOf(id) {
  return progress.get(id) ?? 0;
}

async function sendNow() {
  try {
    await api.sendNow();
  } catch (e) {
    notify(errorText(api.asError(e)), 'error');
  }
}

async function openSettings() {
  const dialog = $('settings-dialog');
  showSettingsErrors([]);
  try {
    const s = await api.syncSettings();
    $('s-server_url').value = s.server_url;
    $('s-device_token').value = '';
    $('s-token-hint').textContent = t(s.has_token ? 'settings.token.kept' : 'settings.token.none');
    $('s-auto_send').checked = s.auto_send;
    $('s-proof_required').checked = s.proof_required;
    $('s-shop_name').value = s.shop_name;
    $('s-shop_name').placeholder = s.computer_name;
    $('s-language').value = s.language;
    $('s-photo_days').value = s.retention.photo_days;
    $('s-personal_days').value = s.retention.personal_days;
    const source = $('s-source');
    source.hidden = !s.from_environment;
    source.textContent = s.from_environment ? t('settings.from_environment') : '';
  } catch (e) {
    notify(errorText(api.asError(e)), 'error');
    return;
  }
  dialog.showModal();
  $('s-server_url').focus();
}

async function saveSettings(ev) {
  ev.preventDefault();
  const settings = {
    server_url: $('s-server_url').value,
    device_token: $('s-device_token').value,
    auto_send: $('s-auto_send').checked,
    retention: { photo_days: days('s-photo_days'), personal_days: days('s-personal_days') },
    proof_required: $('s-proof_required').checked,
    shop_name: $('s-shop_name').value,
    language: $('s-language').value,
  };
  try {
    const saved = await api.saveSyncSettings(settings);
    $('settings-dialog').close();
    if (saved.language !== lang) return relabel(saved.language);
    notify(t('settings.saved'));
  } catch (err) {
    const e = api.asError(err);
    if (e.errors && e.errors.length) showSettingsErrors(e.errors);
    else showSettingsErrors([{ field: 'server_url', code: e.code, message: e.message }]);
  }
}

/** A day count as typed; anything else becomes 0, which the range check (in Rust) names. */
function days(id) {
  const n = Number.parseInt($(id).value, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1_000_000) : 0;
}

function showSettingsErrors(errors) {
  for (const box of document.querySelectorAll('[data-setting]')) {
    box.classList.remove('invalid');
    box.querySelector('.err')?.remove();
  }
  for (const e of errors) {
    const box = document.querySelector(`[data-setting="${e.field}"]`);
    if (!box) continue;
    box.classList.add('invalid');
    const p = document.createElement('p');
    p.className = 'err';
    p.textContent = errorText(e);
    box.append(p);
  }
  const first = errors[0] && document.querySelector(`[data-setting="${errors[0].field}"] input`);
  if (first) first.focus();
}
