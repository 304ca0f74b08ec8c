import { basicToken } from './headers.ts';
import type { Hook, HookCredentials } from './hook.ts';

/**
 * A receiver or device that echoes what it was sent would put the hook's own credentials into
 * the attempt log and API answers. Before anything it answered is kept or shown, every form of
 * those credentials is replaced with REDACTED: the basic-auth password and token, the
 * authentication-header values, the signing secrets (with and without `whsec_`), as sent, JSON-
 * escaped and percent-encoded, and a credential cut off at the end of a truncated body.
 */
export const REDACTED = '[redacted]';

/** Shorter values are not redacted: they would blank out ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** Every text form in which the hook's credentials could come back. */
export function credentialForms(hook: Pick<Hook, 'auth'>, credentials: HookCredentials): string[] {
  const values: string[] = [];
  if (credentials.password !== undefined) {
    values.push(credentials.password);
    const username = hook.auth.type === 'none' ? undefined : hook.auth.username;
    if (username !== undefined) values.push(basicToken(username, credentials.password));
  }
  for (const value of Object.values(credentials.authHeaders ?? {})) values.push(value);
  const signingSecrets = [
    credentials.signingSecret,
    ...(credentials.previousSigningSecrets ?? []).map((p) => p.secret),
    credentials.previousSigningSecret,
  ];
  for (const secret of signingSecrets) {
    if (secret === undefined) continue;
    values.push(secret);
    if (secret.startsWith('whsec_')) values.push(secret.slice('whsec_'.length));
  }
  const forms = new Set<string>();
  for (const value of values) {
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) {
      if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
    }
  }
  // Longest first, so a value is replaced whole before any part of it.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The text with every credential form replaced, including one cut off at the very end. */
export function redact(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  for (const form of forms) {
    // The longest start of the form (at least MIN_SECRET_LENGTH long, shorter than the form) that
    // ends the text: its candidates are where the form's first characters occur near the end.
    const head = form.slice(0, MIN_SECRET_LENGTH);
    const from = Math.max(0, out.length - form.length + 1);
    for (let at = out.indexOf(head, from); at !== -1; at = out.indexOf(head, at + 1)) {
      if (form.startsWith(out.slice(at))) {
        out = `${out.slice(0, at)}${REDACTED}`;
        break;
      }
    }
  }
  return out;
}
