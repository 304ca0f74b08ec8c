import { randomBytes } from 'node:crypto';
import type { HookOrdering } from './ordering.ts';
import type { PayloadFormat } from './payload.ts';

/**
 * A hook: one webhook endpoint of a tenant. What DynamoDB holds; never a secret value (those are
 * in Secrets Manager under `secretRef`, as a HookCredentials bundle).
 */
export const signingProfiles = ['standard', 'coreone', 'placeos', 'none'] as const;
export type SigningProfile = (typeof signingProfiles)[number];

export const hookMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HookMethod = (typeof hookMethods)[number];

/** Interlock target adapters: a plain webhook (seed semantics) or a relay's own API. */
export const deviceKinds = ['webhook', 'shelly', 'tasmota'] as const;
export type DeviceKind = (typeof deviceKinds)[number];

export type HookAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string }
  /** Authentication headers replace basic auth; a username given alongside is kept for display. */
  | { type: 'headers'; headerNames: string[]; username?: string };

export interface HookDevice {
  kind: DeviceKind;
  channel: number;
  /** What a relay output that is on means for the instrument. */
  onMeans: 'unlocked' | 'locked';
}

export interface Hook {
  id: string;
  /** Per-tenant number (the Ovation routes address hooks by it). */
  number: number;
  tenant: string;
  name: string;
  /** Exact event types or wildcards: `order.*`, `accession/*`, `*`. */
  events: string[];
  /** Service id / project template id; unset = every event of the tenant. */
  scope?: string;
  url: string;
  method: HookMethod;
  /** Non-secret request headers, names normalised to dash-case (as sent on the wire). */
  headers: Record<string, string>;
  /** The same headers with their names as the caller wrote them (Ovation answers them so). */
  headersAsSent?: Record<string, string>;
  auth: HookAuth;
  /** Extra JSON merged into the payload (never a system key: see payload.ts). */
  data: Record<string, unknown>;
  /** The delivery body: the flat payload (default; absent on hooks stored before it existed) or the envelope. */
  payloadFormat?: PayloadFormat;
  insecureTls: boolean;
  signing: { profile: SigningProfile; secretSet: boolean; previousSecretExpiresAt?: string };
  device: HookDevice;
  /** Per-target request timeout override in ms. */
  timeoutMs?: number;
  /** Ordered delivery (absent on hooks stored before it existed: unordered). */
  ordering?: HookOrdering;
  /** Deliveries per second across all dispatchers; unset = unlimited. */
  rateLimitPerSecond?: number;
  enabled: boolean;
  /** Why the circuit breaker disabled the hook, and when; cleared when it is enabled again. */
  disabled?: { reason: string; at: string };
  /** Secrets Manager name of this hook's HookCredentials; absent when it has none. */
  secretRef?: string;
  /** Set on the hooks a trigger manages: its PlaceOS/Rhombus subscriptions (SPEC §7.4). */
  triggerId?: string;
  createdAt: string;
  updatedAt: string;
}

/** The JSON kept in Secrets Manager under `hook.secretRef`. */
export interface HookCredentials {
  /** Basic-auth password (or a relay's password: Shelly digest, Tasmota query). */
  password?: string;
  /** Authentication headers: sent instead of basic auth. */
  authHeaders?: Record<string, string>;
  /** Current signing secret (`whsec_<base64>` for the standard profile). */
  signingSecret?: string;
  /**
   * Secrets replaced by rotations, each used until its own overlap ends (newest first). A second
   * rotation inside the first's overlap keeps both earlier secrets verifying.
   */
  previousSigningSecrets?: { secret: string; until: string }[];
  /** Before several overlaps were kept: the one previous secret, until `hook.signing.previousSecretExpiresAt`. */
  previousSigningSecret?: string;
}

export function hasCredentials(credentials: HookCredentials): boolean {
  return (
    credentials.password !== undefined ||
    (credentials.authHeaders !== undefined && Object.keys(credentials.authHeaders).length > 0) ||
    credentials.signingSecret !== undefined ||
    (credentials.previousSigningSecrets?.length ?? 0) > 0 ||
    credentials.previousSigningSecret !== undefined
  );
}

/**
 * `KeyName`, `keyName`, `key_name` → `key-name` (the Ovation rule, applied to every header name).
 * Acronyms stay together: `X-API-Key` → `x-api-key`, `APIKey` → `api-key`.
 */
export function normaliseHeaderName(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

const wildcardSeparators = ['.', '/'];

/** Does a hook's event pattern match an event type? Exact, `*`, or `prefix.*` / `prefix/*`. */
export function eventMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  for (const sep of wildcardSeparators) {
    if (pattern.endsWith(`${sep}*`)) {
      const prefix = pattern.slice(0, -1);
      if (type.startsWith(prefix) && type.length > prefix.length) return true;
    }
  }
  return false;
}

/**
 * Every pattern that can match `type`: the type itself, `*`, and a wildcard at each separator
 * (`a.b.c` → `a.*`, `a.b.*`). The store keeps one index entry per (pattern, hook), so matching
 * is a handful of keyed queries, never a scan.
 */
export function candidatePatterns(type: string): string[] {
  const patterns = new Set<string>([type, '*']);
  for (let i = 0; i < type.length; i++) {
    const ch = type[i]!;
    if (wildcardSeparators.includes(ch)) patterns.add(`${type.slice(0, i + 1)}*`);
  }
  return [...patterns];
}

/** A hook fires for an event when enabled, an event pattern matches, and its scope (if any) is the event's. */
export function hookFiresFor(hook: Hook, type: string, scope: string | undefined): boolean {
  return (
    hook.enabled &&
    hook.events.some((p) => eventMatches(p, type)) &&
    (hook.scope === undefined || hook.scope === scope)
  );
}

let lastIdMs = 0;

/**
 * `hk_` + 12 hex digits of the creation time in ms + 8 random hex digits. Hooks are keyed by id,
 * so lists come out in creation order (oldest first) and their cursors stay stable as hooks are
 * added. Within one instance the time part never repeats or goes back.
 */
export function newHookId(now = Date.now()): string {
  lastIdMs = Math.max(now, lastIdMs + 1);
  return `hk_${lastIdMs.toString(16).padStart(12, '0')}${randomBytes(4).toString('hex')}`;
}
