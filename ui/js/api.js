// The Rust side, one function per command. Errors arrive as {code, message, field?, errors?}.

const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args);

export const startup = () => invoke('startup');
export const newClaimId = () => invoke('new_claim_id');
export const saveDraft = (id, fields) => invoke('save_draft', { id, fields });
export const submitClaim = (id, fields) => invoke('submit_claim', { id, fields });
export const checkClaim = (fields) => invoke('check_claim', { fields });
export const discardDraft = (id) => invoke('discard_draft', { id });
export const listClaims = () => invoke('list_claims');
export const openClaim = (id) => invoke('open_claim', { id });

/** Any rejection as the one error shape, whatever threw it. */
export function asError(e) {
  if (e && typeof e === 'object' && 'code' in e) return e;
  return { code: 'internal', message: String(e) };
}
