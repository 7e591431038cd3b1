// The closed lists and rules the UI works with, as the Rust side sent them at startup
// (statuses with their traits, kinds, channels, fields, limits). Nothing here is a copy:
// the UI asks these questions instead of comparing names.

let vocab = null;
let traits = new Map();

/** Keeps the vocabulary from the startup answer. */
export function set(v) {
  vocab = v;
  traits = new Map(v.statuses.map((s) => [s.name, s]));
}

/** What the UI may ask of a status: editable, pending, uploading, delivered, refused. */
export function status(name) {
  return traits.get(name) || {};
}

/** Every status name, in lifecycle order. */
export const statuses = () => vocab.statuses.map((s) => s.name);

/** Attachment kinds; the first is the default. */
export const kinds = () => vocab.kinds;

/** Purchase channels in form order, each with `needs_marketplace`. */
export const channels = () => vocab.channels;

/** Claim field names (export order). */
export const fields = () => vocab.fields;

/** Fields kept for the next customer. */
export const remembered = () => vocab.remembered;

/** A queued claim older than this many days raises the alert. */
export const staleAfterDays = () => vocab.stale_after_days;

/** Whether an error code means "claimed before" (the window then asks for a reason). */
export const isDuplicate = (code) => vocab.duplicate_codes.includes(code);
