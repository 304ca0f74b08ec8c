/**
 * OAuth scopes of Latchkey's resource server (SPEC §2): one per area and verb. A machine client is
 * granted some of them when it is created; its client-credentials access token carries the ones
 * it asked for (all granted ones by default), and every route checks its scope for machine
 * tokens. People's ID tokens carry no scope and are governed by their roles alone.
 *
 * Scopes are checked in the handlers, not as API Gateway route scopes: route-level scopes would
 * also refuse people's ID tokens, which have no `scope` claim.
 */
export const RESOURCE_SERVER = 'latchkey';

export const scopeDescriptions = {
  'events.write': 'Send events (POST /v1/events, POST /v1/events/batch) and re-drive the dead-letter queue',
  'events.read': 'Read events and their deliveries',
  'hooks.read': 'Read hooks, their grants and deliveries, the event-type catalog, Ovation endpoints',
  'hooks.write':
    'Create, change and delete hooks, grants, event types, Ovation endpoints; send test deliveries',
  'services.read': 'Read services (instruments)',
  'services.write': 'Create and change services and their tags',
  'interlocks.read': 'See interlock controls and the audit trail',
  'interlocks.control': 'Lock, unlock and read the status of interlocks',
  'clients.admin': 'Manage machine clients (POST/GET/DELETE /v1/clients)',
} as const;

export type Scope = keyof typeof scopeDescriptions;
export const scopeNames = Object.keys(scopeDescriptions) as Scope[];

/** `latchkey/events.write`: the name Cognito puts in the token's `scope` claim. */
export function fullScope(scope: Scope): string {
  return `${RESOURCE_SERVER}/${scope}`;
}

/**
 * The Latchkey scopes of a token's space-separated `scope` claim; names of other resource
 * servers and unknown names are ignored.
 */
export function scopesOf(claim: unknown): Set<Scope> {
  const out = new Set<Scope>();
  if (typeof claim !== 'string') return out;
  for (const name of claim.split(' ')) {
    const short = name.startsWith(`${RESOURCE_SERVER}/`) ? name.slice(RESOURCE_SERVER.length + 1) : '';
    if (short in scopeDescriptions) out.add(short as Scope);
  }
  return out;
}
