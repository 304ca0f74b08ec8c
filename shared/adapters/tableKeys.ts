/**
 * The single-table key layout. Every item of a tenant lives under keys that start with
 * `T#<tenant>`, so no query can reach another tenant's items.
 */
export const keys = {
  tenant: (tenant: string) => `T#${tenant}`,
  hook: (id: string) => `HOOK#${id}`,
  hookNumber: (n: number) => `HOOKNUM#${String(n).padStart(12, '0')}`,
  hookCounter: 'COUNTER#hook',
  /** Match index: one item per (event pattern, hook), so matching an event is a few keyed queries. */
  subscription: (tenant: string, pattern: string) => `T#${tenant}#SUB#${pattern}`,
  scope: (tenant: string, scope: string | undefined) => `T#${tenant}#SCOPE#${scope ?? '-'}`,
  eventType: (name: string) => `ETYPE#${name}`,
  grant: (hookId: string, principalId: string) => `GRANT#${hookId}#${principalId}`,
  grantsOfHook: (hookId: string) => `GRANT#${hookId}#`,
  principal: (tenant: string, principalId: string) => `T#${tenant}#PRINCIPAL#${principalId}`,
  trigger: (id: string) => `TRIGGER#${id}`,
  subscriptionOfTrigger: (triggerId: string, key: string) => `TRIGSUB#${triggerId}#${key}`,
  /**
   * The exceptions to the tenant prefix, because the caller has no tenant yet: a trigger URL names
   * only its trigger, and the wrong-secret throttle counts per source address.
   */
  triggerLookup: (id: string) => ({ pk: `TRIGGER#${id}`, sk: 'TRIGGER' }),
  throttle: (source: string, windowStart: number) => ({ pk: `THROTTLE#${source}`, sk: `W#${windowStart}` }),
  /**
   * A machine client's binding is keyed by its client id alone: its token names no tenant, so the
   * tenant is what this item says. Every read by tenant checks it; the tenant's list is on gsi1.
   */
  client: (clientId: string) => `CLIENT#${clientId}`,
  clientBinding: 'BINDING',
  clientsOfTenant: (tenant: string) => `T#${tenant}#CLIENTS`,
  /** A lease serialising a read-modify-write outside the table (shared/adapters/tableLock.ts). */
  lock: (name: string) => ({ pk: `LOCK#${name}`, sk: 'LOCK' }),
} as const;

/** Opaque pagination cursors: the DynamoDB LastEvaluatedKey, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidCursor();
}

export class InvalidCursor extends Error {
  constructor() {
    super('cursor is not one this API returned');
  }
}
