// The queue view: every claim on this computer, newest first.

import { t, tn, formatAge, formatDateTime } from './i18n.js';

/** Renders `claims`; drafts get an "open" button that calls `onOpen(id)`. */
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
  li.className = `claim status-${c.status}`;
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
  if (c.status === 'draft' && c.id !== currentId) {
    const open = el('button', 'open', t('queue.open'));
    open.type = 'button';
    open.addEventListener('click', () => onOpen(c.id));
    li.append(open);
  }
  return li;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = text;
  return e;
}
