// The clerk's answer to "more information needed": the office's question, a note saved as
// it is typed, photos added through the file dialog, and Send. The Rust side keeps the draft,
// so closing the dialog or the window loses nothing.

import * as api from './api.js';
import { t, errorText } from './i18n.js';

const $ = (id) => document.getElementById(id);
let claim = null; // the claim being answered
let timer = null;
let onDone = () => {};

/** Wires the dialog; `done(text, kind, id)` reports what happened. */
export function setup(done) {
  onDone = done;
  $('answer-note').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(saveNote, 300);
  });
  $('answer-add').addEventListener('click', addPhoto);
  $('answer-send').addEventListener('click', send);
  $('answer-close').addEventListener('click', close);
  $('answer-dialog').addEventListener('cancel', () => saveNote());
}

/** Opens the answer to claim `row` (a queue row's summary). */
export async function open(row) {
  claim = row.id;
  $('answer-asked').textContent = row.review && row.review.note
    ? t('answer.asked', { note: row.review.note })
    : t('review.status.more_info_needed');
  $('answer-error').hidden = true;
  try {
    show(await api.answer(claim));
  } catch (e) {
    return onDone(errorText(api.asError(e)), 'error');
  }
  $('answer-dialog').showModal();
  $('answer-note').focus();
}

function show(view) {
  $('answer-note').value = view.note;
  $('answer-photos').replaceChildren(...view.photos.map(photo));
}

function photo(p) {
  const li = document.createElement('li');
  if (p.thumbnail_url) {
    const img = document.createElement('img');
    img.src = p.thumbnail_url;
    img.alt = p.original_name || t('answer.photo');
    li.append(img);
  }
  const name = document.createElement('span');
  name.textContent = p.original_name || t('answer.photo');
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = t('answer.remove');
  remove.addEventListener('click', async () => {
    try {
      show(await api.answerRemove(claim, p.id));
    } catch (e) {
      problem(e);
    }
  });
  li.append(name, remove);
  return li;
}

function problem(e) {
  const box = $('answer-error');
  box.textContent = errorText(api.asError(e));
  box.hidden = false;
}

async function saveNote() {
  clearTimeout(timer);
  if (claim === null) return;
  try {
    await api.answerNote(claim, $('answer-note').value);
  } catch (e) {
    problem(e);
  }
}

async function addPhoto() {
  await saveNote();
  try {
    show(await api.answerAttach(claim));
  } catch (e) {
    problem(e);
  }
}

async function send() {
  await saveNote();
  try {
    await api.answerSend(claim);
    const id = claim;
    claim = null; // sent: nothing more to save
    $('answer-dialog').close();
    onDone(t('answer.queued'), 'ok', id);
  } catch (e) {
    problem(e);
  }
}

async function close() {
  await saveNote();
  $('answer-dialog').close();
  claim = null;
}
