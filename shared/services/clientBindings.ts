import type { ClientBinding } from '../domain/machineClient.ts';
import { scopesOf } from '../domain/scopes.ts';
import { Unauthorized } from '../http/errors.ts';
import type { ClaimValue, Principal } from '../http/principal.ts';

/** Default bound on how long a binding (or its absence) is cached per function instance. */
export const DEFAULT_BINDING_CACHE_SECONDS = 30;
const MAX_ENTRIES = 1000;

type Lookup = (clientId: string) => Promise<ClientBinding | undefined>;

/**
 * Machine-client bindings as the API reads them on every request of a machine token: cached per
 * function instance for at most `boundMs`, so a deleted client's tokens are refused everywhere
 * within that bound (and at once by the instance that deleted it, which forgets its entry).
 */
export class BindingCache {
  private readonly entries = new Map<string, { binding: ClientBinding | undefined; at: number }>();

  constructor(
    private readonly lookup: Lookup,
    private readonly boundMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(clientId: string): Promise<ClientBinding | undefined> {
    const hit = this.entries.get(clientId);
    if (hit && this.now() - hit.at < this.boundMs) return hit.binding;
    const binding = await this.lookup(clientId);
    if (this.boundMs > 0) {
      this.entries.delete(clientId);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(clientId, { binding, at: this.now() });
    }
    return binding;
  }

  forget(clientId: string): void {
    this.entries.delete(clientId);
  }
}

/** A client-credentials access token: `token_use: access` with a `client_id`, naming no tenant. */
export function isMachineToken(claims: Record<string, ClaimValue>): boolean {
  return claims.token_use === 'access' && typeof claims.client_id === 'string' && claims.client_id !== '';
}

/**
 * The principal of a machine token: tenant and roles from the client's binding, scopes from the
 * token (only those the binding grants). No binding (never registered, or deleted) is a 401.
 */
export async function machinePrincipal(
  claims: Record<string, ClaimValue>,
  bindings: Pick<BindingCache, 'get'>,
): Promise<Principal> {
  const clientId = String(claims.client_id);
  const binding = await bindings.get(clientId);
  if (!binding) {
    throw new Unauthorized(
      `Machine client ${clientId} is not registered with Latchkey (or was deleted): an admin creates it with POST /v1/clients`,
    );
  }
  const granted = new Set<string>(binding.scopes);
  const scopes = new Set([...scopesOf(claims.scope)].filter((s) => granted.has(s)));
  return {
    sub: clientId,
    tenant: binding.tenant,
    roles: new Set(binding.roles),
    machine: { clientId, scopes },
  };
}
