// The queue view: the claims on this computer, a page at a time, newest first, found by
// search and filters. Rows are updated one by one from saves and sync events; the list is
// rebuilt only when the clerk searches, filters or asks for more.

import * as api from './api.js';
import * as vocab from './vocab.js';
import { t, tn, formatAge, formatDateTime, errorText } from './i18n.js';
import { progressOf } from './sync.js';

const PAGE = 50;
const $ = (id) => document.getElementById(id);

let onOpen = () => {};
let onWithdraw = () => {};
let onEdit = () => {};
let onReplace = () => {};
let onReceipt = () => {};
let onAnswer = () => {};
let onSummary = () => {};
let current = null; // the claim in the form
let next = null; // where the next page starts
let rows = new Map(); // id -> <li>
let timer = null;
let generation = 0; // bumped by each reload: answers for an older list are dropped
const asked = new Map(); // id -> the latest update asked for it

/** The filters as the Rust side takes them. */
function query(after = null) {
  return {
    text: $('queue-search').value,
    status: $('queue-status').value || null,
    from: $('queue-from').value || null,
    to: $('queue-to').value || null,
    after,
    limit: PAGE,
  };
}

const filtered = () => ['queue-search', 'queue-status', 'queue-from', 'queue-to'].some((id) => $(id).value);

/**
 * Wires search and filters; `open(id, claim)` opens a row, `edit(id)` takes a queued one
 * back, `withdraw(id, claim)` asks to withdraw one, `replace(id)` corrects a sent one or
 * sends a refused one as a new claim, `receipt(id)` opens its receipt, `summary(s)` gets the
 * counts.
 */
export function setup({ open, edit, withdraw, replace, receipt, answer, summary }) {
  onReceipt = receipt;
  onAnswer = answer;
  onOpen = open;
  onEdit = edit;
  onReplace = replace;
  onWithdraw = withdraw;
  onSummary = summary;
  $('queue-status').replaceChildren(
    new Option(t('queue.all_statuses'), ''),
    ...vocab.statuses().map((s) => new Option(t(`status.${s}`), s)),
  );
  $('queue-search').setAttribute('aria-label', t('queue.search'));
  $('queue-status').setAttribute('aria-label', t('queue.all_statuses'));
  // Results as the clerk types, without a query per keystroke.
  $('queue-search').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 150);
  });
  for (const id of ['queue-status', 'queue-from', 'queue-to']) $(id).addEventListener('change', reload);
  $('queue-more').addEventListener('click', more);
  setInterval(refreshAges, 60_000);
}

/** Loads the first page for the current filters. */
export async function reload() {
  const mine = ++generation;
  try {
    const view = await api.listClaims(query());
    if (mine !== generation) return;
    rows = new Map();
    const list = $('queue-list');
    list.replaceChildren(...view.claims.map((c) => remember(row(c))));
    if (view.tombstone) list.append(tombstone(view.tombstone));
    else showEmpty();
    setNext(view.next);
    showCount(view.summary.total);
    onSummary(view.summary);
  } catch (e) {
    showError(e);
  }
}

async function more() {
  const mine = generation;
  try {
    const view = await api.listClaims(query(next));
    if (mine !== generation) return;
    $('queue-list').append(...view.claims.filter((c) => !rows.has(c.id)).map((c) => remember(row(c))));
    setNext(view.next);
  } catch (e) {
    showError(e);
  }
}

/** Updates one claim's row in place (or puts a new claim on top) after a save or an event. */
export async function update(id) {
  if (!id) return;
  const mine = { generation };
  asked.set(id, mine);
  try {
    const { claim: c, total } = await api.claimSummary(id);
    // Only the latest answer for this row, and only for the list it was asked for.
    if (asked.get(id) !== mine || mine.generation !== generation) return;
    asked.delete(id);
    showCount(total);
    const old = rows.get(id);
    if (!c) {
      old?.remove();
      rows.delete(id);
    } else if (old) {
      old.replaceWith(remember(row(c)));
    } else if (!filtered() && isNewest(c)) {
      // A claim created since the list loaded goes on top; an older one not loaded (a
      // backlog being sent) stays where Show more will find it.
      $('queue-list').prepend(remember(row(c)));
    }
    showEmpty();
  } catch (e) {
    showError(e);
  }
}

/** Marks the claim in the form (its row has no Open button). */
export function setCurrent(id) {
  const before = current;
  current = id;
  if (before && before !== id) update(before);
  if (id && id !== before) update(id);
}

/** Shows how many claims there are in all. */
export function showCount(total) {
  $('queue-count').textContent = total ? tn('queue.count', total) : '';
}

function isNewest(c) {
  const top = $('queue-list').querySelector('li.claim');
  return !top || `${c.created_at}|${c.id}` >= `${top.dataset.created}|${top.dataset.id}`;
}

function remember(li) {
  rows.set(li.dataset.id, li);
  return li;
}

function setNext(cursor) {
  next = cursor;
  $('queue-more').hidden = !cursor;
}

function showEmpty() {
  const list = $('queue-list');
  list.querySelector('li.empty')?.remove();
  if (rows.size) return;
  const li = document.createElement('li');
  li.className = 'empty';
  li.textContent = filtered() ? t('queue.no_match') : t('queue.empty');
  list.append(li);
  // A receipt from another counter of the fleet (its QR code or claim number): ask the service.
  const text = $('queue-search').value.trim();
  if (text) {
    const ask = el('button', 'lookup', t('lookup.ask'));
    ask.type = 'button';
    ask.id = 'queue-lookup';
    ask.addEventListener('click', () => lookup(text, li));
    li.append(document.createElement('br'), ask);
  }
}

/** Asks the claims service where the claim `text` names stands, and shows it under `li`. */
async function lookup(text, li) {
  li.querySelector('.lookup-result')?.remove();
  const out = el('div', 'lookup-result', t('lookup.asking'));
  out.setAttribute('role', 'status');
  li.append(out);
  try {
    const found = await api.lookupClaim(text);
    if (!found) {
      out.textContent = t('lookup.none');
      return;
    }
    out.replaceChildren(
      el('strong', 'review-status', t(`review.status.${found.status}`)),
      el('span', 'number', ` ${found.claim_number} · ${found.case_reference}`),
    );
    if (found.note) out.append(el('p', 'review-note', found.note));
    if (found.tracking) out.append(el('p', 'review-tracking', t('review.tracking', { tracking: found.tracking })));
    out.append(el('p', 'hint', t('lookup.received', { when: formatDateTime(found.received_at) })));
  } catch (e) {
    out.textContent = errorText(api.asError(e));
  }
}

function showError(e) {
  const list = $('queue-list');
  const li = document.createElement('li');
  li.className = 'empty';
  li.textContent = errorText(api.asError(e));
  list.replaceChildren(li);
}

function refreshAges() {
  for (const el of document.querySelectorAll('#queue-list time.age')) el.textContent = formatAge(el.dateTime);
}

function row(c) {
  const li = document.createElement('li');
  const is = vocab.status(c.status);
  li.className = 'claim';
  // Styled by what the status means, not by its name.
  for (const trait of ['pending', 'uploading', 'delivered', 'refused', 'withdrawn']) li.classList.toggle(`is-${trait}`, !!is[trait]);
  li.dataset.id = c.id;
  li.dataset.created = c.created_at;
  li.dataset.status = c.status;
  if (c.id === current) li.classList.add('current');
  const status = el('span', 'chip', t(`status.${c.status}`));
  const name = el('span', 'name', c.contact_name || t('queue.no_name'));
  const product = el('span', 'product', c.product_name || t('queue.no_product'));
  const age = el('time', 'age', formatAge(c.updated_at));
  age.dateTime = c.updated_at;
  age.title = formatDateTime(c.updated_at);
  const number = el('span', 'number', c.claim_number);
  number.title = t('queue.claim_number');
  li.append(status, name, age, product, number);
  if (is.uploading) {
    const bar = document.createElement('progress');
    bar.className = 'upload';
    bar.max = 1;
    bar.value = progressOf(c.id);
    li.append(bar);
  }
  if (is.delivered && c.case_reference) li.append(reference(c.case_reference));
  if (is.refused && c.problem) {
    li.append(el('p', 'problem', t('sync.attention', { message: errorText(c.problem) })));
  } else if (c.problem && is.pending) {
    li.title = errorText(c.problem);
  }
  if (is.withdrawn) {
    const when = c.withdrawn_at ? formatDateTime(c.withdrawn_at) : '';
    li.append(el('p', 'problem', t('queue.withdrawn_by', { who: c.withdrawn_by || '', when })));
  }
  if (c.review) li.append(review(c.review));
  if (c.answer && c.answer !== 'draft') {
    const state = el('p', `answer-state answer-${c.answer}`, t(`answer.state.${c.answer}`));
    li.append(state);
  }
  if (c.supersedes) li.append(el('p', 'link', t('replace.replaces', { number: c.supersedes.claim_number })));
  if (c.superseded_by) li.append(el('p', 'link', t('replace.replaced_by', { number: c.superseded_by.claim_number })));
  const actions = el('div', 'row-actions', '');
  // A claim another one replaces is left as it is (its replacement is the one to change).
  const replaced = !!c.superseded_by;
  if (c.editable && c.id !== current && !replaced) {
    const label = is.refused ? t('sync.fix') : t('queue.open');
    const open = el('button', 'open', label);
    open.type = 'button';
    open.addEventListener('click', () => onOpen(c.id, c));
    actions.append(open);
  }
  if (is.pending && !is.uploading) {
    const edit = el('button', 'edit', t('queue.edit'));
    edit.type = 'button';
    edit.addEventListener('click', () => onEdit(c.id));
    actions.append(edit);
  }
  if (is.withdrawable) {
    const withdraw = el('button', 'withdraw', t('queue.withdraw'));
    withdraw.type = 'button';
    withdraw.addEventListener('click', () => onWithdraw(c.id, c));
    actions.append(withdraw);
  }
  if (c.replaceable) {
    const replace = el('button', 'replace', t(is.delivered ? 'replace.correct' : 'replace.send_as_new'));
    replace.type = 'button';
    replace.addEventListener('click', () => onReplace(c.id));
    actions.append(replace);
  }
  // The office asks for more, and no answer is on its way yet.
  if (c.review && c.review.takes_additions && (!c.answer || c.answer === 'draft' || c.answer === 'needs_attention')) {
    const answer = el('button', 'answer', t('answer.open'));
    answer.type = 'button';
    answer.addEventListener('click', () => onAnswer(c));
    actions.append(answer);
  }
  if (is.has_receipt) {
    const slip = el('button', 'receipt', t('receipt.open'));
    slip.type = 'button';
    slip.addEventListener('click', () => onReceipt(c.id));
    actions.append(slip);
  }
  if (actions.childElementCount) li.append(actions);
  return li;
}

/** What the office decided: its status, its note to the counter, a tracking number. */
function review(r) {
  const box = el('div', `review review-${r.status}`, '');
  box.dataset.review = r.status;
  box.append(el('strong', 'review-status', t(`review.status.${r.status}`)));
  if (r.note) box.append(el('span', 'review-note', r.note));
  if (r.tracking) box.append(el('span', 'review-tracking', t('review.tracking', { tracking: r.tracking })));
  box.title = formatDateTime(r.at);
  return box;
}

/** What is left of a purged claim whose reference the clerk searched for. */
function tombstone(stone) {
  const li = document.createElement('li');
  li.className = 'claim tombstone';
  li.dataset.id = stone.id;
  li.append(
    el('span', 'chip', t(`status.${stone.status}`)),
    el('span', 'product', stone.product_name || t('queue.no_product')),
    el('p', 'problem', t('queue.purged', {
      sent: formatDateTime(stone.sent_at || stone.created_at),
      purged: formatDateTime(stone.purged_at),
    })),
  );
  if (stone.case_reference) li.append(reference(stone.case_reference));
  return li;
}

/** The case reference, large enough to read out to a customer, with a Copy button. */
function reference(ref) {
  const box = el('div', 'reference', '');
  const label = el('span', 'ref-label', t('sync.reference'));
  const value = el('output', 'ref-value', ref);
  const copy = el('button', 'copy', t('sync.copy'));
  copy.type = 'button';
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(ref);
    } catch {
      // No clipboard access: select the text so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(value);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    copy.textContent = t('sync.copied');
  });
  box.append(label, value, copy);
  return box;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = text;
  return e;
}
