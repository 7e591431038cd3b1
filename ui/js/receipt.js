// The customer's receipt: shown as the Rust side wrote it, printed through the system's print
// dialog (the print stylesheet shows only the receipt), or saved as the PDF the Rust side makes.

import * as api from './api.js';
import { t, errorText } from './i18n.js';

const $ = (id) => document.getElementById(id);
let claim = null; // the claim whose receipt is open
let onDone = () => {};

/** Wires the dialog; `done(text, kind)` reports what happened. */
export function setup(done) {
  onDone = done;
  $('receipt-close').addEventListener('click', () => $('receipt-dialog').close());
  $('receipt-print').addEventListener('click', print);
  $('receipt-save').addEventListener('click', save);
  $('receipt-paper').addEventListener('change', () => {
    $('receipt-preview').dataset.paper = $('receipt-paper').value;
  });
}

/** Opens the receipt of claim `id`. */
export async function open(id) {
  try {
    const r = await api.receipt(id);
    claim = id;
    $('receipt-preview').replaceChildren(...sheet(r));
    $('receipt-preview').dataset.paper = $('receipt-paper').value;
    $('receipt-dialog').showModal();
    $('receipt-print').focus();
  } catch (e) {
    onDone(errorText(api.asError(e)), 'error');
  }
}

async function print() {
  const area = $('print-area');
  area.replaceChildren(...[...$('receipt-preview').childNodes].map((n) => n.cloneNode(true)));
  area.dataset.paper = $('receipt-paper').value;
  $('receipt-dialog').close();
  try {
    await api.printReceipt(claim);
  } catch (e) {
    onDone(errorText(api.asError(e)), 'error');
  }
}

async function save() {
  try {
    const path = await api.saveReceipt(claim, $('receipt-paper').value);
    if (!path) return;
    $('receipt-dialog').close();
    onDone(t('receipt.saved', { path }));
  } catch (e) {
    onDone(errorText(api.asError(e)), 'error');
  }
}

/** The receipt's parts, in the PDF's order. */
function sheet(r) {
  const parts = [el('h1', 'r-title', r.title), el('p', 'r-label', r.claim_number_label), el('p', 'r-number', r.claim_number)];
  if (r.case_reference) parts.push(el('p', 'r-label', r.case_reference[0]), el('p', 'r-reference', r.case_reference[1]));
  const rows = document.createElement('dl');
  for (const [label, value] of r.rows) rows.append(el('dt', '', label), el('dd', '', value));
  parts.push(rows, el('p', 'r-status', r.status), el('p', 'r-next', r.next));
  const qr = document.createElement('img');
  qr.className = 'r-qr';
  qr.src = r.qr;
  qr.alt = r.qr_caption;
  parts.push(qr, el('p', 'r-small', r.qr_caption), el('p', 'r-small', r.claim_id));
  return parts;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.textContent = text;
  return e;
}
