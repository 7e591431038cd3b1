// The message catalogue: every UI string comes from i18n/<lang>.json (English first).

let messages = {};
export let lang = 'en';

/** Loads the catalogue for `language` (the Rust side's choice; else the webview's), falling back to English key by key. */
export async function loadMessages(language) {
  const wanted = (language || navigator.language || 'en').toLowerCase().split('-')[0];
  const en = await fetchJson('en');
  const local = wanted === 'en' ? null : await fetchJson(wanted).catch(() => null);
  messages = { ...en, ...(local || {}) };
  lang = local ? wanted : 'en';
  document.documentElement.lang = lang;
}

async function fetchJson(code) {
  const res = await fetch(`i18n/${code}.json`);
  if (!res.ok) throw new Error(`no catalogue for ${code}`);
  return res.json();
}

/** The message for `key` with `{name}` placeholders filled, or `fallback`, or the key. */
export function t(key, params = {}, fallback) {
  const text = messages[key] ?? fallback ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** A message that depends on a number: `key.one`, `key.other`, … by the locale's plural rules. */
export function tn(key, count, params = {}) {
  const form = new Intl.PluralRules(lang).select(count);
  const full = { count: new Intl.NumberFormat(lang).format(count), ...params };
  return has(`${key}.${form}`) ? t(`${key}.${form}`, full) : t(`${key}.other`, full);
}

/** Whether the catalogue has `key`. */
export function has(key) {
  return key in messages;
}

/** Fills every `data-i18n*` element below `root`. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.title = t('app.title');
}

/**
 * Any error — a field's, a command's, the claims service's — in the clerk's language: the
 * catalogue by code (and field, where the catalogue words it per field), with its params;
 * Rust's English message only for a code this catalogue does not know (a newer service's).
 */
export function errorText(err) {
  const params = Object.fromEntries(err.params || []);
  const keys = err.field ? [`error.${err.code}.${err.field}`, `error.${err.code}`] : [`error.${err.code}`];
  for (const key of keys) {
    if (!has(key)) continue;
    const text = t(key, params);
    // A problem stored by an earlier version (or sent by an older service) may lack the
    // values the catalogue's words need: its own message then says it better.
    return /\{\w+\}/.test(text) && err.message ? err.message : text;
  }
  return err.message;
}

/** A size in bytes as the locale writes "1.2 MB" or "300 KB" (digits, separator and unit). */
export function formatBytes(bytes) {
  const mb = bytes / (1024 * 1024);
  const unit = (u, digits) => new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'short', minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (mb >= 1) return unit('megabyte', 1).format(mb);
  return unit('kilobyte', 0).format(Math.max(1, Math.round(bytes / 1024)));
}

/** A duration in seconds as the locale writes "2 min" or "40 s". */
export function formatDuration(secs) {
  const unit = (u) => new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'short' });
  return secs >= 60 ? unit('minute').format(Math.ceil(secs / 60)) : unit('second').format(secs);
}

/** A time as the locale writes it. */
export function formatTime(iso) {
  return new Intl.DateTimeFormat(lang, { timeStyle: 'medium' }).format(new Date(iso));
}

/** A date and time as the locale writes it. */
export function formatDateTime(iso) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** "5 minutes ago", in the locale. */
export function formatAge(iso, now = Date.now()) {
  const secs = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(secs);
  if (abs < 60) return rtf.format(secs, 'second');
  if (abs < 3600) return rtf.format(Math.round(secs / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(secs / 3600), 'hour');
  return rtf.format(Math.round(secs / 86400), 'day');
}
