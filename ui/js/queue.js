// The queue view: every claim on this computer, newest first.

import { t, tn, formatAge, formatDateTime, errorText } from './i18n.js';
import * as vocab from './vocab.js';
import { progressOf } from './sync.js';

/** Renders `claims`; drafts and refused claims get a button that calls `onOpen(id, claim)`. */
export function render(claims, currentId, onOpen) {
  const list = document.getElementById('queue-list');
  document.getElementById('queue-count').textContent = claims.length ? tn('queue.count', claims.length) : '';
  if (!claims.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = t('queue.empty');
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...claims.map((c) => row(c, currentId, onOpen)));
}

function row(c, currentId, onOpen) {
  const li = document.createElement('li');
  const is = vocab.status(c.status);
  li.className = 'claim';
  // Styled by what the status means, not by its name.
  for (const trait of ['pending', 'uploading', 'delivered', 'refused']) li.classList.toggle(`is-${trait}`, !!is[trait]);
  li.dataset.id = c.id;
  li.dataset.status = c.status;
  if (c.id === currentId) li.classList.add('current');
  const status = el('span', 'chip', t(`status.${c.status}`));
  const name = el('span', 'name', c.contact_name || t('queue.no_name'));
  const product = el('span', 'product', c.product_name || t('queue.no_product'));
  const age = el('time', 'age', formatAge(c.updated_at));
  age.dateTime = c.updated_at;
  age.title = formatDateTime(c.updated_at);
  li.append(status, name, age, product);
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
  if (c.editable && c.id !== currentId) {
    const label = is.refused ? t('sync.fix') : t('queue.open');
    const open = el('button', 'open', label);
    open.type = 'button';
    open.addEventListener('click', () => onOpen(c.id, c));
    li.append(open);
  }
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
