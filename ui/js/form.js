// The claim form: reading and writing fields, per-country labels, errors beside fields.

import { t, lang, errorText } from './i18n.js';
import * as vocab from './vocab.js';

const input = (name) => document.getElementById(`f-${name}`);
let countries = [];
let FIELDS = []; // the claim's fields (names from Rust) in the form's tab order
let marketplaceChannels = new Set();

/** The claim's fields in the form's tab order. */
export const fields = () => FIELDS;

/** Fills the select lists once, from the data the Rust side sent. */
export function setup(data) {
  countries = data.countries;
  // Tab order is the page's; which fields exist is Rust's. A field either side lacks is a bug
  // worth seeing at once rather than a value silently never saved.
  const names = vocab.fields();
  readOrder();
  const missing = names.filter((n) => !FIELDS.includes(n));
  if (missing.length) throw new Error(`the form has no input for ${missing.join(', ')}`);
  const channels = vocab.channels();
  marketplaceChannels = new Set(channels.filter((c) => c.needs_marketplace).map((c) => c.name));
  fillSelect(input('channel'), channels.map((c) => [c.name, t(`channel.${c.name}`)]));
  fillSelect(input('marketplace'), data.marketplaces.map((m) => [m, m]));
  // Country names in the clerk's language (the seed page's own name where Intl has none).
  const regionNames = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
  fillSelect(input('country'), countries.map((c) => [c.code, regionNames.of(c.code) || c.name]));
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

/** The fields in the form's current order (the address part follows the country). */
function readOrder() {
  const names = vocab.fields();
  FIELDS = [...document.querySelectorAll('#claim-form [id^="f-"]')]
    .map((el) => el.id.slice(2))
    .filter((n) => names.includes(n));
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
  return FIELDS.every((n) => vocab.remembered().includes(n) || !fields[n].trim());
}

function showChannel() {
  const amazon = marketplaceChannels.has(input('channel').value);
  const box = input('marketplace').closest('.f');
  box.hidden = !amazon;
  input('order_id').placeholder = amazon ? t('field.order_id.placeholder.amazon') : '';
}

/** The address as the chosen country writes it: its fields in its order (Japan: postcode,
 * prefecture, city, address), a region only where it has one, and its own labels. */
function showCountry() {
  const c = countries.find((x) => x.code === input('country').value);
  const order = c ? c.fields : ['address', 'city', 'region', 'postal_code'];
  const box = (name) => input(name).closest('.f');
  const grid = box('country').parentElement;
  grid.append(...order.flatMap((f) => (f === 'address' ? [box('address_line1'), box('address_line2')] : [box(f)])));
  box('region').hidden = !order.includes('region');
  readOrder();
  document.getElementById('l-city').textContent = c ? t(`field.city.${c.locality_label}`, {}, t('field.city')) : t('field.city');
  const regionLabel = c ? c.region_label : 'region';
  document.getElementById('l-region').textContent = c ? t(`field.region.${regionLabel}`, {}, t('field.region')) : t('field.region');
  document.getElementById('regions').replaceChildren(...(c ? c.regions : []).map((r) => new Option(r.name, r.key)));
  const pc = c ? c.postal_code_label : 'postal';
  document.getElementById('l-postal_code').textContent = t(`field.postal_code.${pc}`, {}, t('field.postal_code'));
  input('postal_code').placeholder = c && c.postal_code_example ? t('field.postal_code.example', { example: c.postal_code_example }) : '';
}

/** `e` with the country it names (Rust sends the seed page's name) as the select shows it. */
function localCountry(e) {
  const params = (e.params || []).map(([k, v]) => {
    const c = k === 'country' && countries.find((x) => x.name === v);
    return c ? [k, input('country').querySelector(`option[value="${c.code}"]`)?.textContent || v] : [k, v];
  });
  return { ...e, params };
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
    box.textContent = e ? errorText(localCountry(e)) : '';
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
