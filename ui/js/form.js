// The claim form: reading and writing fields, per-country labels, errors beside fields.

import { t, errorText } from './i18n.js';

/** The fields in tab order (the order of the form). */
export const FIELDS = [
  'channel', 'marketplace', 'order_id', 'purchase_date', 'email', 'contact_name', 'phone',
  'product_name', 'sku', 'serial_number', 'address_line1', 'address_line2', 'country',
  'region', 'city', 'postal_code', 'issue', 'staff_note',
];

/** Fields kept for the next customer. */
export const REMEMBERED = ['channel', 'marketplace', 'country'];

const input = (name) => document.getElementById(`f-${name}`);
let countries = [];

/** Fills the select lists once, from the data the Rust side sent. */
export function setup(data) {
  countries = data.countries;
  fillSelect(input('channel'), data.channels.map((c) => [c, t(`channel.${c}`)]));
  fillSelect(input('marketplace'), data.marketplaces.map((m) => [m, m]));
  fillSelect(input('country'), countries.map((c) => [c.code, c.name]));
  input('channel').addEventListener('change', showChannel);
  input('country').addEventListener('change', showCountry);
  for (const name of FIELDS) {
    const el = input(name);
    const err = document.createElement('p');
    err.className = 'err';
    err.id = `err-${name}`;
    err.hidden = true;
    el.after(err);
    el.setAttribute('aria-describedby', err.id);
  }
}

function fillSelect(select, options) {
  select.replaceChildren(new Option(t('choose'), ''), ...options.map(([v, label]) => new Option(label, v)));
}

/** The form's values, as typed. */
export function read() {
  return Object.fromEntries(FIELDS.map((name) => [name, input(name).value]));
}

/** Puts `fields` into the form (missing ones empty). */
export function write(fields) {
  for (const name of FIELDS) input(name).value = fields[name] ?? '';
  showChannel();
  showCountry();
}

/** Whether anything beyond the remembered choices has been typed. */
export function isBlank(fields) {
  return FIELDS.every((n) => REMEMBERED.includes(n) || !fields[n].trim());
}

function showChannel() {
  const amazon = input('channel').value === 'amazon';
  const box = input('marketplace').closest('.f');
  box.hidden = !amazon;
  input('order_id').placeholder = amazon ? t('field.order_id.placeholder.amazon') : '';
}

function showCountry() {
  const c = countries.find((x) => x.code === input('country').value);
  const regionLabel = c ? c.region_label : 'region';
  document.getElementById('l-region').textContent = c ? t(`field.region.${regionLabel}`, {}, t('field.region')) : t('field.region');
  document.getElementById('regions').replaceChildren(...(c ? c.regions : []).map((r) => new Option(r.name, r.key)));
  const pc = c ? c.postal_code_label : 'postal';
  document.getElementById('l-postal_code').textContent = t(`field.postal_code.${pc}`, {}, t('field.postal_code'));
  input('postal_code').placeholder = c && c.postal_code_example ? t('field.postal_code.example', { example: c.postal_code_example }) : '';
}

/** Shows `errors` beside their fields; fields not named (or not in `only`) are cleared. */
export function showErrors(errors, only = null) {
  const byField = new Map(errors.map((e) => [e.field, e]));
  for (const name of FIELDS) {
    if (only && !only.has(name)) continue;
    const e = byField.get(name);
    const el = input(name);
    const box = document.getElementById(`err-${name}`);
    box.hidden = !e;
    box.textContent = e ? errorText(e) : '';
    el.toggleAttribute('aria-invalid', !!e);
    el.closest('.f').classList.toggle('invalid', !!e);
  }
}

/** Focuses the first field with an error, in form order. */
export function focusFirstError(errors) {
  const names = new Set(errors.map((e) => e.field));
  const first = FIELDS.find((n) => names.has(n));
  if (first) input(first).focus();
}

/** The focusable fields, in tab order (hidden ones skipped). */
export function focusable() {
  return FIELDS.map(input).filter((el) => !el.closest('.f').hidden);
}

export { input };
