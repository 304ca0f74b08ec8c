/**
 * Signs an outgoing delivery according to the hook's signing profile (SPEC section 5). Pure:
 * the caller passes the secrets (current first, then the previous one while a rotation overlap
 * lasts) and the timestamp, and gets back the exact body bytes and the headers to send.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { SigningProfile } from './hook.ts';

export interface SignInput {
  profile: SigningProfile;
  eventType: string;
  /** The delivery id: the same for every attempt of one (event, hook), so receivers can deduplicate. */
  webhookId: string;
  timestamp: Date;
  body: Record<string, unknown>;
  /** Current secret first, then the previous one during a rotation overlap. Empty: unsigned. */
  secrets: string[];
}

export interface SignedRequest {
  /** The body as text. */
  body: string;
  /**
   * What to send and sign: the body itself, or, for a long body, its UTF-8 bytes encoded once
   * (signed and written as they are: no second encoding, no copy next to the request head). The
   * same bytes on the wire either way.
   */
  bytes: string | Buffer;
  headers: Record<string, string>;
}

const STANDARD_SECRET_PREFIX = 'whsec_';

/** Unix seconds, as Standard Webhooks' `webhook-timestamp` carries them. */
export function unixSeconds(timestamp: Date): number {
  return Math.floor(timestamp.getTime() / 1000);
}

/** ISO 8601 without milliseconds (`2022-04-03T23:59:25Z`), as PlaceOS sends it. */
export function isoSeconds(timestamp: Date): string {
  return timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The HMAC key of a Standard Webhooks secret: the base64 after `whsec_` (the prefix is optional). */
export function standardSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_SECRET_PREFIX)
    ? secret.slice(STANDARD_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, 'base64');
}

/**
 * HMAC keys made once per secret (a secret is signed with on every attempt until it rotates), not
 * decoded and imported on every attempt. Only key objects are kept, in this process's memory, as
 * the secret cache keeps the secrets themselves; past KEY_ENTRIES, the map starts afresh.
 */
const KEY_ENTRIES = 256;
const standardKeys = new Map<string, KeyObject>();
const utf8Keys = new Map<string, KeyObject>();

function keyFor(keys: Map<string, KeyObject>, secret: string, make: (secret: string) => Buffer): KeyObject {
  let key = keys.get(secret);
  if (key === undefined) {
    if (keys.size >= KEY_ENTRIES) keys.clear();
    key = createSecretKey(make(secret));
    keys.set(secret, key);
  }
  return key;
}

/** Standard Webhooks v1 signature value for one secret: `v1,<base64 HMAC-SHA256(id.timestamp.body)>`. */
export function standardSignature(
  secret: string,
  webhookId: string,
  unixTs: number,
  body: string | Buffer,
): string {
  // The signed content `id.timestamp.body` given in two parts: the body is not copied into a new string.
  const mac = createHmac('sha256', keyFor(standardKeys, secret, standardSecretKey));
  return `v1,${mac.update(`${webhookId}.${unixTs}.`).update(body).digest('base64')}`;
}

/** Hex HMAC-SHA256 with a UTF-8 key (CoreOne over the body, PlaceOS over the timestamp). */
export function hexHmac(secret: string, message: string | Buffer): string {
  const key = keyFor(utf8Keys, secret, (text) => Buffer.from(text, 'utf8'));
  return createHmac('sha256', key).update(message).digest('hex');
}

/**
 * Produces the body and headers for one delivery attempt.
 * - Every profile: `content-type: application/json`, `webhook-id` and `webhook-timestamp`.
 * - `standard`: `webhook-signature` with one `v1,...` entry per secret (space-separated).
 * - `coreone`: `X-Coreone-Webhook-Type` always (receivers dispatch on it); with a secret,
 *   `X-Coreone-Webhook-Hash` (hex HMAC of the exact body) and `X-Coreone-Webhook-Hash-Previous` (one per previous secret, space-separated).
 * - `placeos`: the body always carries `timestamp` (as in the PlaceOS seed); with a secret also
 *   `signature` (hex HMAC of the timestamp) and, during an overlap, `signature_previous`.
 * - `none`, or no secrets: no signature.
 */
export function signRequest(input: SignInput): SignedRequest {
  const [current, ...previousSecrets] = input.secrets;
  // Several rotations inside their overlaps: one value per previous secret, space-separated.
  const previous = (message: string | Buffer) =>
    previousSecrets.length > 0 ? previousSecrets.map((p) => hexHmac(p, message)).join(' ') : undefined;
  const unixTs = unixSeconds(input.timestamp);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(unixTs),
  };

  switch (input.profile) {
    case 'standard': {
      const body = JSON.stringify(input.body);
      const bytes = encoded(body);
      if (input.secrets.length > 0) {
        headers['webhook-signature'] = input.secrets
          .map((secret) => standardSignature(secret, input.webhookId, unixTs, bytes))
          .join(' ');
      }
      return { body, bytes, headers };
    }
    case 'coreone': {
      const body = JSON.stringify(input.body);
      const bytes = encoded(body);
      headers['X-Coreone-Webhook-Type'] = input.eventType;
      if (current !== undefined) headers['X-Coreone-Webhook-Hash'] = hexHmac(current, bytes);
      const hashPrevious = previous(bytes);
      if (hashPrevious !== undefined) headers['X-Coreone-Webhook-Hash-Previous'] = hashPrevious;
      return { body, bytes, headers };
    }
    case 'placeos': {
      const timestamp = isoSeconds(input.timestamp);
      const signed: Record<string, unknown> = { ...input.body, timestamp };
      if (current !== undefined) signed.signature = hexHmac(current, timestamp);
      else delete signed.signature;
      const signaturePrevious = previous(timestamp);
      if (signaturePrevious !== undefined) signed.signature_previous = signaturePrevious;
      else delete signed.signature_previous;
      return text(JSON.stringify(signed), headers);
    }
    case 'none':
      return text(JSON.stringify(input.body), headers);
  }
}

/**
 * From this many characters a body is encoded to UTF-8 once. Shorter ones stay text: Node encodes
 * a short string with the request head in one write, cheaper than a buffer of its own (measured
 * with `npm run bench -- delivery`: 64 KB attempts −20 µs of CPU, 1 KB ones +2 µs as buffers).
 */
const ENCODE_ONCE_CHARS = 16 * 1024;

function encoded(body: string): string | Buffer {
  return body.length >= ENCODE_ONCE_CHARS ? Buffer.from(body) : body;
}

function text(body: string, headers: Record<string, string>): SignedRequest {
  return { body, bytes: encoded(body), headers };
}

/** A signing secret replaced by a rotation, still signed with until its own overlap ends. */
export interface PreviousSecret {
  secret: string;
  until: string;
}

/**
 * The replaced secrets still in their overlap at `now`, newest first. Reads the list kept since
 * overlaps stack, and the single previous secret of hooks saved before (with its expiry from the
 * hook item).
 */
export function previousSecretsInForce(
  credentials: { previousSigningSecrets?: PreviousSecret[]; previousSigningSecret?: string },
  legacyUntil: string | undefined,
  now: Date,
): PreviousSecret[] {
  const all = [...(credentials.previousSigningSecrets ?? [])];
  if (credentials.previousSigningSecret && legacyUntil)
    all.push({ secret: credentials.previousSigningSecret, until: legacyUntil });
  const seen = new Set<string>();
  return all
    .filter((p) => Date.parse(p.until) > now.getTime())
    .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))
    .filter((p) => !seen.has(p.secret) && seen.add(p.secret) !== undefined);
}

/**
 * The previous secrets after rotating from `replaced` to `next`: the replaced one joins for
 * `overlapSeconds`, and every earlier one stays until its own overlap ends — a second rotation
 * inside the first's overlap no longer drops the first secret. `next` itself is never a
 * "previous" one.
 */
export function rotateSigningSecret(
  inForce: PreviousSecret[],
  replaced: string,
  next: string,
  overlapSeconds: number,
  now: Date,
): PreviousSecret[] {
  const joined =
    overlapSeconds > 0
      ? [
          { secret: replaced, until: new Date(now.getTime() + overlapSeconds * 1000).toISOString() },
          ...inForce,
        ]
      : inForce;
  return previousSecretsInForce(
    { previousSigningSecrets: joined.filter((p) => p.secret !== next) },
    undefined,
    now,
  );
}
