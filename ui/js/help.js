// Help for support: the diagnostics text (copied with one key) and the log folder.

import * as api from './api.js';
import { errorText } from './i18n.js';

const $ = (id) => document.getElementById(id);

/** Wires the Help button and dialog. */
export function setup() {
  $('open-help').addEventListener('click', open);
  $('help-close').addEventListener('click', () => $('help-dialog').close());
  $('help-copy').addEventListener('click', copy);
  $('help-open-logs').addEventListener('click', () => api.openLogFolder().catch((e) => show(errorText(api.asError(e)))));
}

function show(text) {
  $('help-text').value = text;
}

async function open() {
  $('help-copied').hidden = true;
  show('');
  $('help-dialog').showModal();
  $('help-copy').focus();
  try {
    show((await api.diagnostics()).text);
  } catch (e) {
    show(errorText(api.asError(e)));
  }
}

async function copy() {
  const area = $('help-text');
  try {
    await navigator.clipboard.writeText(area.value);
  } catch {
    // No clipboard access: select the text so Ctrl+C copies it.
    area.focus();
    area.select();
    document.execCommand('copy');
  }
  $('help-copied').hidden = false;
}
