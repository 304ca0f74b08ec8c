/**
 * Trigger URLs (SPEC §7.4, seeds/placeos-rhombus-door-webhooks.md): per-tenant URLs a security
 * system (Rhombus) calls without a token; the secret in the URL is the credential. Two forms:
 *
 *   <api>/v1/triggers/{id}/notify?secret=<secret>[&exec=true&mod=Rhombus&method=request ...]
 *   <api>/v1/triggers/{id}/notify/<secret>[/{mod}/{index}/{request} ...]
 *
 * Extra query parameters and path segments after the secret are accepted and ignored. Pure rules
 * here: the request bodies, reading and comparing the secret in constant time, the wrong-secret
 * throttle, the subscription hook a `POST` creates, the door list a `GET` answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { HookInput } from './hookInput.ts';

/** Trigger ids: `trg_` + 20 hex characters. */
export const triggerIdPattern = /^trg_[0-9a-f]{20}$/;
/** Bytes of CSPRNG output in a trigger secret (sent base64url: 43 URL-safe characters). */
export const TRIGGER_SECRET_BYTES = 32;

/** What DynamoDB holds for a trigger: never the secret, only its Secrets Manager name. */
export interface Trigger {
  id: string;
  tenant: string;
  name: string;
  /** Secrets Manager name of its TriggerCredentials. */
  secretRef: string;
  /** When the current secret was issued (the secret cache is keyed by it, so a rotation is seen at once). */
  secretIssuedAt: string;
  createdAt: string;
}

/** One Rhombus subscription of a trigger: delivered through an ordinary hook (`hookId`). */
export interface Subscription {
  triggerId: string;
  webhook: string;
  hookId: string;
  signed: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The tag that makes a service a door of the security system (listed by `GET`, unlocked by `PUT`). */
export const DOOR_TAG = 'door';

export const triggerInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
});

const webhookUrl = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

/** `POST` on a trigger URL. Other keys Rhombus might add are ignored (its contract names only these). */
export const subscribeSchema = z.object({
  webhook: webhookUrl,
  /** Random data if signed requests are desirable (the seed): any non-empty string. */
  secret: z
    .string()
    .min(1, 'must not be empty; leave secret out for unsigned events')
    .max(512)
    .nullish()
    .transform((v) => v ?? undefined),
});
/** A subscription request: the schema's output, or a test's literal without `secret`. */
export type SubscribeInput = { webhook: string; secret?: string | undefined };

/** `DELETE` on a trigger URL. */
export const unsubscribeSchema = z.object({ webhook: webhookUrl });

/** `PUT` on a trigger URL. */
export const unlockSchema = z.object({
  door_id: z.union([z.string().min(1).max(200), z.number().int()]).transform(String),
});

/**
 * The secret a request presents: the first path segment after `/notify/` in the path form (the
 * API's greedy `{proxy+}` parameter), else the `secret` query parameter.
 */
export function presentedSecret(proxy: string | undefined, query: Readonly<Record<string, string>>) {
  if (proxy !== undefined) return proxy.split('/')[0] || undefined;
  return query.secret || undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
/** Compared against when there is no trigger, so a wrong id costs what a wrong secret costs. */
const NO_SECRET = digest('latchkey:no-trigger');

/**
 * Constant-time comparison: both sides are hashed to 32 bytes first, so neither the content nor
 * the length of the stored secret shows in the time taken. No trigger (expected undefined) is
 * compared too, and always fails.
 */
export function secretMatches(presented: string | undefined, expected: string | undefined): boolean {
  const given = digest(presented ?? '');
  const same = timingSafeEqual(given, expected === undefined ? NO_SECRET : digest(expected));
  return same && Boolean(presented) && expected !== undefined;
}

/** A trigger's URL without the secret. */
export function notifyBaseUrl(apiBase: string, triggerId: string): string {
  return `${apiBase.replace(/\/+$/, '')}/v1/triggers/${triggerId}/notify`;
}

/** Both URL forms of a trigger, as shown once on create and rotate. */
export function notifyUrls(apiBase: string, triggerId: string, secret: string) {
  const base = notifyBaseUrl(apiBase, triggerId);
  return {
    notify_url: `${base}?secret=${encodeURIComponent(secret)}`,
    notify_path_url: `${base}/${encodeURIComponent(secret)}`,
  };
}

/**
 * Wrong secrets from one source: at most WRONG_SECRET_LIMIT per fixed window of
 * THROTTLE_WINDOW_SECONDS; past that, the source gets 429 (even with a right secret) until the
 * window ends. The counter lives in DynamoDB (one item per source and window, removed by TTL), so
 * every Lambda instance sees the same count.
 */
export const WRONG_SECRET_LIMIT = 10;
export const THROTTLE_WINDOW_SECONDS = 300;

export interface ThrottleWindow {
  /** Window start, epoch seconds: part of the counter's key. */
  start: number;
  /** Seconds until the window ends (the `Retry-After` of a 429). */
  retryAfter: number;
  /** When the counter item may be removed (epoch seconds, the table's TTL attribute). */
  expiresAt: number;
}

export function throttleWindow(now: Date): ThrottleWindow {
  const seconds = Math.floor(now.getTime() / 1000);
  const start = seconds - (seconds % THROTTLE_WINDOW_SECONDS);
  const end = start + THROTTLE_WINDOW_SECONDS;
  return { start, retryAfter: Math.max(1, end - seconds), expiresAt: end + THROTTLE_WINDOW_SECONDS };
}

export function throttled(wrongSecrets: number): boolean {
  return wrongSecrets >= WRONG_SECRET_LIMIT;
}

/** A stable key for one subscription URL of one trigger (DynamoDB key part and hook id). */
export function subscriptionKey(triggerId: string, webhook: string): string {
  return createHash('sha256').update(`${triggerId}\n${webhook}`, 'utf8').digest('hex').slice(0, 20);
}

/** The hook that delivers door events to one subscription: every `door.*` event of the tenant, PlaceOS body. */
export function subscriptionHook(trigger: Pick<Trigger, 'id' | 'name'>, input: SubscribeInput): HookInput {
  return {
    name: `Rhombus subscription of trigger "${trigger.name}" (${trigger.id})`.slice(0, 200),
    events: ['door.*'],
    url: input.webhook,
    method: 'POST',
    signing: {
      profile: 'placeos',
      ...(input.secret !== undefined ? { secret: input.secret, overlap_seconds: 0 } : {}),
    },
  };
}

export interface Door {
  door_id: string;
  description?: string;
}

/** The tenant's doors as the seed's `GET` answers them: services tagged `door`, by id. */
export function doorList(
  services: readonly { id: string; name?: string; tags: readonly string[] }[],
): Door[] {
  return services
    .filter((s) => s.tags.includes(DOOR_TAG))
    .map((s) => ({ door_id: s.id, ...(s.name ? { description: s.name } : {}) }));
}
