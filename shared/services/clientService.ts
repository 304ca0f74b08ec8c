import type { AppClientRegistry } from '../adapters/appClientRegistry.ts';
import type { ClientStore } from '../adapters/clientStore.ts';
import { AudienceFull } from '../adapters/jwtAudience.ts';
import { LockBusy } from '../adapters/tableLock.ts';
import { type ClientBinding, type ClientInput, grantedScopes } from '../domain/machineClient.ts';
import { fullScope } from '../domain/scopes.ts';
import { Conflict, Forbidden, NotFound, ValidationError } from '../http/errors.ts';
import { hasRole, type Principal } from '../http/principal.ts';

export interface ClientServiceDeps {
  store: ClientStore;
  /** The stack's user pool; undefined with an external OIDC issuer (clients are registered, not created). */
  registry: AppClientRegistry | undefined;
  /** The JWT authorizer's audience, where created clients' ids go (API Gateway checks client_id there). */
  audience?: { add(clientId: string): Promise<void>; remove(clientId: string): Promise<void> };
  /** Called after a delete so this instance's binding cache refuses the client at once. */
  forget: (clientId: string) => void;
  onOrphan?: (clientId: string, error: unknown) => void;
  now?: () => Date;
}

export interface CreatedClient {
  binding: ClientBinding;
  /** Only when Latchkey created the client: shown once, never stored by Latchkey. */
  clientSecret?: string;
}

/**
 * Machine clients of a tenant, managed by its admin: created as Cognito app clients (client
 * credentials, the granted scopes) and bound to the tenant and roles in the table — or an existing
 * client id registered (required with an external issuer; deleting it removes only the binding). Another tenant's client is a 404.
 */
export class ClientService {
  private readonly now: () => Date;

  constructor(private readonly deps: ClientServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private requireAdmin(principal: Principal): void {
    if (!hasRole(principal, 'admin')) throw new Forbidden('Managing machine clients needs admin');
  }

  async create(principal: Principal, input: ClientInput): Promise<CreatedClient> {
    this.requireAdmin(principal);
    const { registry } = this.deps;
    if (!registry && input.client_id === undefined) {
      throw new ValidationError([
        {
          field: 'client_id',
          message:
            'is required: with an external OIDC issuer, register the client id your issuer gave the service',
        },
      ]);
    }
    const scopes = grantedScopes(input);
    const base = {
      tenant: principal.tenant,
      name: input.name,
      roles: [...new Set(input.roles)],
      scopes,
      createdBy: principal.sub,
      createdAt: this.now().toISOString(),
    };
    if (input.client_id !== undefined || !registry) {
      // An existing client (the external issuer's, or an app client made outside Latchkey): bound, not created.
      const binding: ClientBinding = { ...base, clientId: input.client_id!, origin: 'external' };
      if (!(await this.deps.store.add(binding)))
        throw new Conflict(`Client ${binding.clientId} is already registered`);
      return { binding };
    }
    const created = await registry.create(input.name, scopes.map(fullScope));
    const binding: ClientBinding = { ...base, clientId: created.clientId, origin: 'cognito' };
    try {
      await this.deps.audience?.add(created.clientId);
      if (!(await this.deps.store.add(binding)))
        throw new Conflict(`Client ${binding.clientId} is already registered`);
    } catch (err) {
      // No binding, no client: the app client would be usable by nobody, so remove it.
      await this.deps.audience
        ?.remove(created.clientId)
        .catch((e: unknown) => this.deps.onOrphan?.(created.clientId, e));
      await registry
        .remove(created.clientId)
        .catch((e: unknown) => this.deps.onOrphan?.(created.clientId, e));
      throw audienceConflict(err);
    }
    return { binding, clientSecret: created.clientSecret };
  }

  async list(principal: Principal): Promise<ClientBinding[]> {
    this.requireAdmin(principal);
    return this.deps.store.list(principal.tenant);
  }

  async get(principal: Principal, clientId: string): Promise<ClientBinding> {
    this.requireAdmin(principal);
    const binding = await this.deps.store.getInTenant(principal.tenant, clientId);
    if (!binding) throw new NotFound(`Client ${clientId}`);
    return binding;
  }

  /**
   * Removes the binding first (its tokens are refused from the next uncached lookup on), then the
   * Cognito app client, so no new token can be issued either.
   */
  async remove(principal: Principal, clientId: string): Promise<ClientBinding> {
    this.requireAdmin(principal);
    const binding = await this.deps.store.remove(principal.tenant, clientId);
    if (!binding) throw new NotFound(`Client ${clientId}`);
    this.deps.forget(clientId);
    if (binding.origin === 'cognito' && this.deps.registry) {
      await this.deps.audience?.remove(clientId).catch((e: unknown) => this.deps.onOrphan?.(clientId, e));
      await this.deps.registry.remove(clientId).catch((e: unknown) => this.deps.onOrphan?.(clientId, e));
    }
    return binding;
  }
}

/** The audience's limits as a 409 the admin can act on; anything else unchanged. */
function audienceConflict(err: unknown): unknown {
  if (err instanceof AudienceFull)
    return new Conflict(
      `API Gateway allows at most ${err.limit} audiences per JWT authorizer (a quota that cannot be raised), and its list is full: delete a machine client you no longer need, then create this one`,
    );
  if (err instanceof LockBusy)
    return new Conflict(
      'Another machine client is being created or deleted right now: retry in a few seconds',
    );
  return err;
}
