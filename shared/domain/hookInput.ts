import { isIP } from 'node:net';
import * as z from 'zod';
import type { FieldError } from '../http/errors.ts';
import { refusalReason, type TargetPolicy } from './addressRange.ts';
import { eventPattern } from './eventTypes.ts';
import {
  deviceKinds,
  type Hook,
  type HookAuth,
  type HookCredentials,
  hookMethods,
  normaliseHeaderName,
  type SigningProfile,
  signingProfiles,
} from './hook.ts';
import { type OrderingMode, orderingModes } from './ordering.ts';
import { jsonBytes, payloadFormats, systemKeysIn } from './payload.ts';
import { MAX_RATE_LIMIT_PER_SECOND } from './rateLimit.ts';
import { previousSecretsInForce, rotateSigningSecret } from './signature.ts';

/** A hook's `data` as JSON is at most this big: it is copied into every delivery. */
export const MAX_HOOK_DATA_BYTES = 16 * 1024;
/** A hook as stored (everything but its credentials) is at most this big. */
export const MAX_HOOK_BYTES = 64 * 1024;

/** Header names as given (any case convention); normalised to dash-case when stored. */
const headerName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'header names are letters, digits, "-" and "_"');
/**
 * RFC 9110 field values: visible ASCII (and Latin-1 obs-text), spaces and tabs inside, no
 * CR/LF or other control characters, no leading or trailing whitespace (it would not be sent).
 */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
const fieldValueMessage =
  'must be visible ASCII text (RFC 9110 field value): no control characters such as CR or LF, no characters beyond Latin-1, no leading or trailing space';
const headerValue = z.string().max(4096).regex(FIELD_VALUE, fieldValueMessage);
/** Set by the HTTP transport for each request; a hook cannot configure them. */
export const FORBIDDEN_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'te',
  'upgrade',
  'keep-alive',
  'expect',
] as const;
/** Refuses (with the others a schema finds) the names the transport sets itself. */
function refuseTransportHeaders(headers: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const name of Object.keys(headers)) {
    const normalised = normaliseHeaderName(name);
    if ((FORBIDDEN_HEADERS as readonly string[]).includes(normalised)) {
      ctx.addIssue({ code: 'custom', path: [name], message: transportHeaderMessage(normalised) });
    }
  }
}
const transportHeaderMessage = (name: string) =>
  `${name} is set by the HTTP transport for each request and cannot be configured`;
const headerMap = z.record(headerName, headerValue).superRefine(refuseTransportHeaders);

/**
 * Header problems a request could never be sent with: names that are not RFC 9110 tokens or that
 * the transport sets itself, values that are not field values. Checked for every way a hook is
 * written (the Ovation routes too), so a stored hook's request can always be sent.
 */
export function headerErrors(headers: Record<string, string>, field: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const normalised = normaliseHeaderName(name);
    if (!headerName.safeParse(name).success || normalised === '') {
      errors.push({
        field: `${field}.${name}`,
        message: 'is not a header name: letters, digits, "-" and "_"',
      });
    } else if ((FORBIDDEN_HEADERS as readonly string[]).includes(normalised)) {
      errors.push({ field: `${field}.${name}`, message: transportHeaderMessage(normalised) });
    }
    if (!FIELD_VALUE.test(value)) errors.push({ field: `${field}.${name}`, message: fieldValueMessage });
  }
  return errors;
}

const urlCredentialsMessage =
  'must not contain credentials (user:password@host): set them in auth, {"type": "basic", "username": ..., "password": ...}, which keeps them secret';
const hasCredentials = (url: URL) => url.username !== '' || url.password !== '';

/**
 * URL problems found at creation: credentials in the URL (they belong in `auth`, which keeps them
 * in Secrets Manager and out of every answer), and a literal address the deployment refuses.
 */
export function urlErrors(url: string, targets: TargetPolicy | undefined): FieldError[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ field: 'url', message: 'must be an http(s) URL' }];
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return [{ field: 'url', message: 'must be an http(s) URL' }];
  }
  const errors: FieldError[] = [];
  if (hasCredentials(parsed)) errors.push({ field: 'url', message: urlCredentialsMessage });
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (targets && isIP(host) !== 0) {
    const reason = refusalReason(host, host, targets);
    if (reason !== undefined) errors.push({ field: 'url', message: reason });
  }
  return errors;
}

/** A URL with a scheme, or a bare host/path that gets https:// (https by default; http allowed). */
const hookUrl = z
  .string()
  .min(1)
  .max(2048)
  .transform((value) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`))
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
  // Reported with the other shape errors; urlErrors() repeats the check for every other writer.
  .superRefine((url, ctx) => {
    if (URL.canParse(url) && hasCredentials(new URL(url)))
      ctx.addIssue({ code: 'custom', message: urlCredentialsMessage });
  });

const authInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1).max(200),
    /** Omit on update to keep the stored one. */
    password: z.string().min(1).max(1024).optional(),
  }),
  z.strictObject({
    type: z.literal('headers'),
    /** Omit on update to keep the stored ones. */
    headers: z.record(headerName, headerValue.min(1)).superRefine(refuseTransportHeaders).optional(),
    username: z.string().min(1).max(200).optional(),
    password: z.string().min(1).max(1024).optional(),
  }),
]);

const signingInput = z.strictObject({
  profile: z.enum(signingProfiles).optional(),
  /**
   * Write-only. Changing it keeps the old one valid for `overlap_seconds` (default 24 h). Any
   * non-empty secret for `placeos` (the seed's own example is "123456"); at least
   * MIN_SECRET_LENGTH characters for `coreone`; `whsec_<base64>` for `standard`.
   */
  secret: z.string().min(1).max(512).optional(),
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .optional(),
});

const deviceInput = z.strictObject({
  kind: z.enum(deviceKinds).default('webhook'),
  channel: z.number().int().min(0).max(15).default(0),
  on_means: z.enum(['unlocked', 'locked']).default('unlocked'),
});

/** The fields of a hook as the API takes them (snake_case). Used whole for POST/PUT, partial for PATCH. */
export const hookFields = {
  name: z.string().trim().min(1).max(200),
  events: z.array(eventPattern).min(1).max(32),
  scope: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : -')
    .nullable()
    .optional(),
  url: hookUrl,
  method: z.enum(hookMethods).optional(),
  headers: headerMap.optional(),
  auth: authInput.optional(),
  /** Any JSON object (stored as text, returned exactly); at most MAX_HOOK_DATA_BYTES as JSON. */
  data: z
    .record(z.string(), z.unknown())
    .refine(
      (d) => jsonBytes(d) <= MAX_HOOK_DATA_BYTES,
      `is larger than ${MAX_HOOK_DATA_BYTES} bytes as JSON (the limit)`,
    )
    .optional(),
  /** `flat` (default): the seed's payload; `envelope`: `{"type", "timestamp", "data": <payload>}`. */
  payload_format: z.enum(payloadFormats).optional(),
  insecure_tls: z.boolean().optional(),
  signing: signingInput.optional(),
  device: deviceInput.optional(),
  timeout_ms: z.number().int().min(100).max(30_000).nullable().optional(),
  /** `none` (default), `hook` (one at a time, in order) or `key` (in order per `ordering_key` value). */
  ordering: z.enum(orderingModes).optional(),
  /** The top-level payload field whose value orders deliveries; only with `"ordering": "key"`. */
  ordering_key: z.string().min(1).max(100).nullable().optional(),
  /** Deliveries per second, across every dispatcher; `null` removes the limit. */
  rate_limit_per_second: z.number().int().min(1).max(MAX_RATE_LIMIT_PER_SECOND).nullable().optional(),
  enabled: z.boolean().optional(),
};

export const hookInputSchema = z.strictObject(hookFields);
export const hookPatchSchema = z.strictObject(hookFields).partial();
export type HookInput = z.output<typeof hookPatchSchema>;

export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;
/** The shortest signing secret accepted for `coreone` (PlaceOS subscribers choose their own). */
export const MIN_SECRET_LENGTH = 8;

export interface StoredHook {
  hook: Hook;
  credentials: HookCredentials;
}

export interface HookChange extends StoredHook {
  warnings: string[];
}

export interface ChangeContext {
  id: string;
  number: number;
  tenant: string;
  now: Date;
  /** The deployment's outbound policy: a URL with a literal address it refuses is a 422. */
  targets?: TargetPolicy;
}

function normaliseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[normaliseHeaderName(name)] = value;
  return out;
}

function isStandardSecret(secret: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  return match !== null && Buffer.from(match[1]!, 'base64').length >= 16;
}

/**
 * Applies an API input to a hook: `create` and `replace` (PUT) start from defaults, `patch` from
 * the existing hook. Credentials omitted on update are kept; given ones replace. Returns the new
 * hook and credentials, or every semantic field error (the schema has already checked shapes).
 */
export function applyHookInput(
  input: HookInput,
  mode: 'create' | 'replace' | 'patch',
  existing: StoredHook | undefined,
  ctx: ChangeContext,
): HookChange | FieldError[] {
  const errors: FieldError[] = [];
  const prev = existing?.hook;
  const prevCreds = existing?.credentials ?? {};
  const keep = mode === 'patch' && prev !== undefined;
  const pick = <T>(given: T | undefined, fromExisting: T, fallback: T): T =>
    given !== undefined ? given : keep ? fromExisting : fallback;

  const name = pick(input.name, prev?.name ?? '', '');
  const events = pick(input.events, prev?.events ?? [], []);
  const url = pick(input.url, prev?.url ?? '', '');
  if (!name) errors.push({ field: 'name', message: 'is required' });
  if (events.length === 0) errors.push({ field: 'events', message: 'is required' });
  if (!url) errors.push({ field: 'url', message: 'is required' });

  const scopeGiven = input.scope === null ? undefined : input.scope;
  const scope = input.scope !== undefined ? scopeGiven : keep ? prev?.scope : undefined;
  const credentials: HookCredentials = {};

  // Authentication: basic, or headers (which replace basic auth), or none.
  const authIn = input.auth ?? (keep ? undefined : { type: 'none' as const });
  let auth: HookAuth = prev && keep ? prev.auth : { type: 'none' };
  if (authIn) {
    const prevHadPassword = prevCreds.password !== undefined;
    if (authIn.type === 'none') {
      auth = { type: 'none' };
    } else if (authIn.type === 'basic') {
      auth = { type: 'basic', username: authIn.username };
      const password = authIn.password ?? (prevHadPassword ? prevCreds.password : undefined);
      if (password === undefined)
        errors.push({ field: 'auth.password', message: 'is required for basic auth' });
      else credentials.password = password;
    } else {
      const given = authIn.headers ? normaliseHeaders(authIn.headers) : undefined;
      const headers = given ?? (prev?.auth.type === 'headers' ? prevCreds.authHeaders : undefined);
      if (!headers || Object.keys(headers).length === 0) {
        errors.push({ field: 'auth.headers', message: 'at least one authentication header is required' });
      } else {
        credentials.authHeaders = headers;
      }
      const username = authIn.username ?? (prev?.auth.type !== 'none' ? prev?.auth.username : undefined);
      auth = {
        type: 'headers',
        headerNames: Object.keys(headers ?? {}).sort(),
        ...(username ? { username } : {}),
      };
      const password = authIn.password ?? prevCreds.password;
      if (password !== undefined && username !== undefined) credentials.password = password;
    }
  } else {
    if (prevCreds.password !== undefined) credentials.password = prevCreds.password;
    if (prevCreds.authHeaders !== undefined) credentials.authHeaders = prevCreds.authHeaders;
  }

  // Signing: standard is the default once a secret is set; rotation keeps the old secret a while.
  const signingIn = input.signing;
  const prevProfile =
    mode !== 'create' && prev && prev.signing.profile !== 'none' ? prev.signing.profile : undefined;
  const profile: SigningProfile =
    signingIn?.profile ?? prevProfile ?? (signingIn?.secret ? 'standard' : 'none');
  let previousSecretExpiresAt: string | undefined;
  if (profile !== 'none') {
    const current = signingIn?.secret ?? prevCreds.signingSecret;
    if (current === undefined) {
      // PlaceOS subscribers sign only when they gave a secret: the body then has no `signature`.
      if (profile !== 'placeos')
        errors.push({
          field: 'signing.secret',
          message: `the ${profile} signing profile signs with a secret: give one, or choose the profile "none"`,
        });
    } else if (profile === 'coreone' && current.length < MIN_SECRET_LENGTH) {
      errors.push({
        field: 'signing.secret',
        message: `must be at least ${MIN_SECRET_LENGTH} characters for the coreone signing profile`,
      });
    } else if (profile === 'standard' && !isStandardSecret(current)) {
      errors.push({
        field: 'signing.secret',
        message:
          'a standard (Standard Webhooks) secret looks like whsec_<base64 of at least 16 random bytes>',
      });
    } else {
      credentials.signingSecret = current;
      const rotated =
        signingIn?.secret !== undefined &&
        prevCreds.signingSecret !== undefined &&
        signingIn.secret !== prevCreds.signingSecret;
      const inForce = previousSecretsInForce(prevCreds, prev?.signing.previousSecretExpiresAt, ctx.now);
      const previous = rotated
        ? rotateSigningSecret(
            inForce,
            prevCreds.signingSecret!,
            current,
            signingIn?.overlap_seconds ?? DEFAULT_SECRET_OVERLAP_SECONDS,
            ctx.now,
          )
        : inForce;
      if (previous.length > 0) {
        credentials.previousSigningSecrets = previous;
        previousSecretExpiresAt = previous[0]!.until;
      }
    }
  }

  const deviceIn = input.device;
  const device = deviceIn
    ? { kind: deviceIn.kind, channel: deviceIn.channel, onMeans: deviceIn.on_means }
    : keep && prev
      ? prev.device
      : { kind: 'webhook' as const, channel: 0, onMeans: 'unlocked' as const };

  const payloadFormat = pick(input.payload_format, prev?.payloadFormat ?? 'flat', 'flat');
  if (payloadFormat === 'envelope' && profile === 'placeos') {
    errors.push({
      field: 'payload_format',
      message: 'the placeos signing profile sends the PlaceOS body (flat); "envelope" cannot be used with it',
    });
  }

  const timeoutIn = input.timeout_ms === null ? undefined : input.timeout_ms;
  const timeoutMs = input.timeout_ms !== undefined ? timeoutIn : keep ? prev?.timeoutMs : undefined;

  // Ordering: `key` needs the payload field to order by; the field means nothing otherwise.
  const orderingMode: OrderingMode = pick(input.ordering, prev?.ordering?.mode ?? 'none', 'none');
  const keyGiven = input.ordering_key === null ? undefined : input.ordering_key;
  const orderingKey =
    input.ordering_key !== undefined
      ? keyGiven
      : keep && orderingMode === 'key'
        ? prev?.ordering?.key
        : undefined;
  if (orderingMode === 'key' && orderingKey === undefined) {
    errors.push({
      field: 'ordering_key',
      message: 'is required when ordering is "key": the top-level payload field to order by, e.g. "order_id"',
    });
  }
  if (orderingMode !== 'key' && keyGiven !== undefined) {
    errors.push({ field: 'ordering_key', message: 'is only used with "ordering": "key"' });
  }
  const rateIn = input.rate_limit_per_second === null ? undefined : input.rate_limit_per_second;
  const rateLimitPerSecond =
    input.rate_limit_per_second !== undefined ? rateIn : keep ? prev?.rateLimitPerSecond : undefined;
  if (errors.length > 0) return errors;

  const now = ctx.now.toISOString();
  const enabled = pick(input.enabled, prev?.enabled ?? true, true);
  const hook: Hook = {
    id: ctx.id,
    number: ctx.number,
    tenant: ctx.tenant,
    name,
    events: [...new Set(events)],
    ...(scope !== undefined ? { scope } : {}),
    url,
    method: pick(input.method, prev?.method ?? 'POST', 'POST'),
    headers: input.headers ? normaliseHeaders(input.headers) : keep && prev ? prev.headers : {},
    ...(input.headers
      ? { headersAsSent: input.headers }
      : keep && prev?.headersAsSent
        ? { headersAsSent: prev.headersAsSent }
        : {}),
    auth,
    data: pick(input.data, prev?.data ?? {}, {}),
    payloadFormat,
    insecureTls: pick(input.insecure_tls, prev?.insecureTls ?? false, false),
    signing: {
      profile,
      secretSet: credentials.signingSecret !== undefined,
      ...(previousSecretExpiresAt ? { previousSecretExpiresAt } : {}),
    },
    device,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ordering: { mode: orderingMode, ...(orderingMode === 'key' && orderingKey ? { key: orderingKey } : {}) },
    ...(rateLimitPerSecond !== undefined ? { rateLimitPerSecond } : {}),
    enabled,
    // The breaker's reason stays while the hook stays disabled; enabling it again clears it.
    ...(!enabled && prev?.disabled && input.enabled === undefined ? { disabled: prev.disabled } : {}),
    ...(prev?.secretRef ? { secretRef: prev.secretRef } : {}),
    ...(prev?.triggerId ? { triggerId: prev.triggerId } : {}),
    createdAt: prev?.createdAt ?? now,
    updatedAt: now,
  };
  const requestErrors = [
    ...(input.url !== undefined ? urlErrors(url, ctx.targets) : []),
    ...(input.headers ? headerErrors(input.headers, 'headers') : []),
    ...(credentials.authHeaders && authIn?.type === 'headers' && authIn.headers
      ? headerErrors(authIn.headers, 'auth.headers')
      : []),
  ];
  if (requestErrors.length > 0) return requestErrors;
  const size = jsonBytes(hook);
  if (size > MAX_HOOK_BYTES) {
    const field = jsonBytes(hook.headers) > jsonBytes(hook.data) ? 'headers' : 'data';
    return [
      { field, message: `makes the hook ${size} bytes as JSON; a hook is at most ${MAX_HOOK_BYTES} bytes` },
    ];
  }
  return { hook, credentials, warnings: hookWarnings(hook) };
}

export function hookWarnings(hook: Hook): string[] {
  const warnings: string[] = [];
  if (hook.insecureTls) {
    warnings.push(
      'insecure_tls is on: TLS certificate errors are ignored for this hook. Use it only for devices you control; prefer a valid certificate.',
    );
  }
  if (hook.url.startsWith('http://')) {
    warnings.push('the URL is plain http: payloads and credentials travel unencrypted.');
  }
  const systemKeys = systemKeysIn(hook.data);
  if (systemKeys.length > 0) {
    warnings.push(
      `data.${systemKeys.join(', data.')}: ${systemKeys.length === 1 ? 'is a system key' : 'are system keys'} ` +
        '(order_id, line_id, event_id): the event always provides these; ' +
        "the event's value replaces the hook's, and where the event has none the hook's value is not sent.",
    );
  }
  return warnings;
}
