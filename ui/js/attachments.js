// The attachments area: add (dialog, drop, paste), list with thumbnails, change kind, remove.

import * as api from './api.js';
import * as vocab from './vocab.js';
import { t, tn, errorText, formatBytes } from './i18n.js';

const $ = (id) => document.getElementById(id);
let ctx = null; // { claimId(), adopt(id), serial(fn), afterChange(), limits }
let items = [];

const kindOptions = () => vocab.kinds().map((k) => new Option(t(`kind.${k}`), k));

/** Wires the area; `context` tells which claim the form holds. */
export function setup(context) {
  ctx = context;
  $('att-kind').replaceChildren(...kindOptions());
  $('att-add').addEventListener('click', () => run(() => api.attachDialog(ctx.claimId(), kind())));
  document.addEventListener('paste', onPaste);
  document.addEventListener('keydown', onPasteKey);
  const webview = window.__TAURI__?.webview?.getCurrentWebview?.();
  webview?.onDragDropEvent((ev) => {
    const p = ev.payload;
    document.body.classList.toggle('dropping', p.type === 'enter' || p.type === 'over');
    if (p.type === 'drop' && p.paths.length) run(() => api.attachFiles(ctx.claimId(), kind(), p.paths));
  });
}

const kind = () => $('att-kind').value || vocab.kinds()[0];

/**
 * Runs an attach call in turn with the form's saves (so a save and an attach never create
 * two claims for one form, and Save & next waits for the photo): shows progress, then each
 * file's outcome and the claim's attachments as the answer lists them. A new form takes the
 * claim the attach created only if a file was stored.
 */
function run(call) {
  return ctx.serial(async () => {
    const asked = ctx.claimId();
    $('att-busy').hidden = false;
    try {
      const { id, outcomes, attachments } = await call();
      const stored = outcomes.some((o) => o.attachment);
      if (stored && asked === null && ctx.claimId() === null) ctx.adopt(id);
      if (id === ctx.claimId()) show(attachments);
      showOutcomes(outcomes);
      if (stored) ctx.afterChange();
    } catch (e) {
      showOutcomes([{ name: '', error: api.asError(e) }]);
    } finally {
      $('att-busy').hidden = true;
    }
  });
}

const editable = (el) => el instanceof HTMLElement
  && (el.isContentEditable || (el.matches('input, textarea') && !el.readOnly && !el.disabled));

async function onPaste(ev) {
  if (document.querySelector('dialog[open]')) return; // Settings, the Reset question
  const files = [...(ev.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
  if (files.length) {
    ev.preventDefault();
    for (const f of files) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      await run(() => api.attachPasted(ctx.claimId(), kind(), bytes));
    }
    return;
  }
  // Text goes into the field as usual. WebKitGTK shows the page nothing at all for a copied
  // picture or copied files, so an empty paste asks the shell to read the clipboard.
  if (ev.clipboardData?.types?.length) return;
  ev.preventDefault();
  await run(() => api.attachClipboard(ctx.claimId(), kind()));
}

/** Ctrl+V outside a text field: WebKit fires no paste event there, so read the clipboard. */
async function onPasteKey(ev) {
  const isPaste = (ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === 'v';
  if (!isPaste || editable(ev.target) || document.querySelector('dialog[open]')) return;
  ev.preventDefault();
  await run(() => api.attachClipboard(ctx.claimId(), kind()));
}

function showOutcomes(outcomes) {
  const failed = outcomes.filter((o) => o.error);
  const list = $('att-errors');
  list.replaceChildren(
    ...failed.map((o) => {
      const li = document.createElement('li');
      const name = o.name || t('attachments.pasted');
      li.textContent = `${name}: ${errorText(o.error)}`;
      return li;
    }),
  );
  list.hidden = !failed.length;
}

/** Shows a validation error about the attachments (e.g. over the size limit). */
export function showError(err) {
  showOutcomes(err ? [{ name: '', error: err }] : []);
  if (err) $('att-errors').firstChild.textContent = errorText(err);
}

/** Loads and shows the claim's attachments (when a stored claim is opened). */
export async function load(claimId) {
  let list = [];
  try {
    list = await api.listAttachments(claimId);
  } catch {
    // Shown empty; the claim's own row says what is wrong.
  }
  if (ctx.claimId() === claimId) show(list);
}

function show(list) {
  items = list;
  render();
}

/** Empties the area (a new claim). */
export function clear() {
  items = [];
  showOutcomes([]);
  render();
}

function render() {
  const total = items.reduce((n, a) => n + a.byte_size, 0);
  const { max_attachments: maxCount, max_claim_bytes: maxBytes } = ctx.limits;
  const summary = $('att-total');
  summary.textContent = items.length
    ? t('attachments.total', { count: items.length, max: maxCount, size: formatBytes(total), max_size: formatBytes(maxBytes) })
    : '';
  summary.classList.toggle('over', total > maxBytes);
  if (total > maxBytes) summary.textContent += ` — ${t('attachments.over', { size: formatBytes(total), max_size: formatBytes(maxBytes) })}`;
  $('att-add').disabled = items.length >= maxCount;
  $('att-list').replaceChildren(...items.map(card));
}

function card(a) {
  const li = document.createElement('li');
  li.className = 'att';
  li.dataset.id = a.id;
  li.dataset.kind = a.kind;
  let preview;
  if (a.thumbnail_url) {
    preview = document.createElement('img');
    preview.src = a.thumbnail_url;
    preview.alt = t(`kind.${a.kind}`);
  } else {
    preview = document.createElement('div');
    preview.className = 'doc';
    preview.textContent = 'PDF';
  }
  const name = document.createElement('span');
  name.className = 'att-name';
  name.textContent = a.original_name || t('attachments.pasted');
  name.title = name.textContent;
  const meta = document.createElement('span');
  meta.className = 'att-meta';
  meta.textContent = [formatBytes(a.byte_size), a.pages ? tn('attachments.pages', a.pages) : a.width ? `${a.width}×${a.height}` : '']
    .filter(Boolean)
    .join(' · ');
  const select = document.createElement('select');
  select.setAttribute('aria-label', t('attachments.kind'));
  select.replaceChildren(...kindOptions());
  select.value = a.kind;
  select.addEventListener('change', () => api.setAttachmentKind(ctx.claimId(), a.id, select.value).then(show, () => load(ctx.claimId())));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'att-remove';
  remove.textContent = '×';
  remove.title = t('attachments.remove');
  remove.setAttribute('aria-label', `${t('attachments.remove')} ${name.textContent}`);
  remove.addEventListener('click', async () => {
    try {
      show(await api.removeAttachment(ctx.claimId(), a.id));
    } catch (e) {
      showOutcomes([{ name: name.textContent, error: api.asError(e) }]);
    }
  });
  li.append(preview, name, meta, select, remove);
  return li;
}
