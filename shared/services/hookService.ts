import type { CatalogStore } from '../adapters/catalogStore.ts';
import type { Grant, GrantStore } from '../adapters/grantStore.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import type { SecretStore } from '../adapters/secretStore.ts';
import type { TargetPolicy } from '../domain/addressRange.ts';
import { builtInEventTypes } from '../domain/eventTypes.ts';
import { eventMatches, type Hook, type HookCredentials, hasCredentials, newHookId } from '../domain/hook.ts';
import { hookAccess, mayManageGrants } from '../domain/hookAccess.ts';
import type { applyHookInput, HookChange, HookInput } from '../domain/hookInput.ts';
import { interlockPatternErrors } from '../domain/interlockTarget.ts';
import { type FieldError, Forbidden, NotFound, ValidationError } from '../http/errors.ts';
import type { Principal } from '../http/principal.ts';

export interface HookServiceDeps {
  hooks: HookStore;
  secrets: SecretStore;
  catalog: CatalogStore;
  grants: GrantStore;
  now?: () => Date;
  newId?: () => string;
  /** The deployment's outbound policy, checked against literal addresses in hook URLs. */
  targets?: TargetPolicy;
}

export interface SavedHook {
  hook: Hook;
  warnings: string[];
}

/** Which of a hook's event patterns name nothing in the tenant's catalog ("Event not found"). */
export function unknownEvents(events: string[], catalog: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  events.forEach((pattern, i) => {
    if (pattern === '*') return;
    if (!catalog.some((type) => eventMatches(pattern, type))) {
      errors.push({ field: `events.${i}`, message: `Event not found: ${pattern}` });
    }
  });
  return errors;
}

/**
 * Hook management: access rules, the event-type catalog check, credentials to Secrets Manager and
 * the hook (with only the secret's name) to DynamoDB. Handlers call this; it knows nothing of HTTP
 * beyond throwing the API's error types.
 */
export class HookService {
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly deps: HookServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.newId = deps.newId ?? newHookId;
  }

  /** Whether every pattern names the catalog: built-ins are answered without reading the table. */
  async catalogErrors(tenant: string, patterns: string[]): Promise<FieldError[]> {
    const builtInOnly = unknownEvents(patterns, builtInEventTypes);
    if (builtInOnly.length === 0) return [];
    return unknownEvents(patterns, await this.eventCatalog(tenant));
  }

  async eventCatalog(tenant: string): Promise<string[]> {
    const custom = await this.deps.catalog.list(tenant);
    return [...builtInEventTypes, ...custom.map((t) => t.name)];
  }

  requireHookAccess(principal: Principal): 'all' | 'granted' {
    const access = hookAccess(principal);
    if (access === 'none') {
      throw new Forbidden(
        'Your roles do not include webhook management: it needs admin, staff, webhook_admin or webhook_user',
      );
    }
    return access;
  }

  /** Hook access to every hook of the tenant (not only granted ones), or 403 naming `what`. */
  requireAll(principal: Principal, what: string): void {
    if (this.requireHookAccess(principal) !== 'all') {
      throw new Forbidden(
        `webhook_user may only read and update hooks granted to it; ${what} needs webhook_admin`,
      );
    }
  }

  /** A hook the principal may see, or 404 (another tenant's or an ungranted hook does not exist for it). */
  async visibleHook(principal: Principal, id: string): Promise<Hook> {
    const access = this.requireHookAccess(principal);
    const hook = await this.deps.hooks.get(principal.tenant, id);
    if (!hook) throw new NotFound('Hook');
    if (access === 'granted' && !(await this.deps.grants.has(principal.tenant, id, principal.sub))) {
      throw new NotFound('Hook');
    }
    return hook;
  }

  async list(
    principal: Principal,
    options: { limit: number; cursor?: string; scope?: string },
  ): Promise<{ hooks: Hook[]; nextCursor?: string }> {
    const access = this.requireHookAccess(principal);
    if (access === 'all') return this.deps.hooks.list(principal.tenant, options);
    // A webhook user sees its granted hooks only: few, so one page.
    const grants = await this.deps.grants.ofPrincipal(principal.tenant, principal.sub);
    const hooks = await this.deps.hooks.getMany(
      principal.tenant,
      grants.map((g) => g.hookId),
    );
    return { hooks: options.scope === undefined ? hooks : hooks.filter((h) => h.scope === options.scope) };
  }

  async create(principal: Principal, input: HookInput): Promise<SavedHook> {
    this.requireAll(principal, 'creating hooks');
    const id = this.newId();
    const number = await this.deps.hooks.nextNumber(principal.tenant);
    const change = await this.check(input, 'create', undefined, { id, number, tenant: principal.tenant });
    return this.save(change, undefined);
  }

  async update(
    principal: Principal,
    id: string,
    input: HookInput,
    mode: 'replace' | 'patch',
  ): Promise<SavedHook> {
    const existing = await this.visibleHook(principal, id);
    const credentials = await this.credentialsOf(existing);
    const change = await this.check(
      input,
      mode,
      { hook: existing, credentials },
      { id, number: existing.number, tenant: principal.tenant },
    );
    return this.save(change, existing);
  }

  async remove(principal: Principal, id: string): Promise<Hook> {
    this.requireAll(principal, 'deleting hooks');
    const hook = await this.visibleHook(principal, id);
    await this.deps.hooks.delete(hook);
    await this.deps.grants.removeAllOfHook(principal.tenant, id);
    if (hook.secretRef) await this.deps.secrets.scheduleDeletion(hook.secretRef);
    return hook;
  }

  /**
   * Creates or replaces a hook that a trigger manages (one Rhombus subscription). No role check:
   * the caller authenticated with the trigger's secret. The input states the credentials whole:
   * a replacement without a signing secret is unsigned from then on, and no overlap is kept.
   */
  async putManaged(tenant: string, id: string, input: HookInput, triggerId: string): Promise<SavedHook> {
    const existing = await this.deps.hooks.get(tenant, id);
    const number = existing?.number ?? (await this.deps.hooks.nextNumber(tenant));
    const change = await this.check(
      input,
      existing ? 'replace' : 'create',
      existing ? { hook: existing, credentials: {} } : undefined,
      { id, number, tenant },
    );
    return this.save({ ...change, hook: { ...change.hook, triggerId } }, existing);
  }

  /** Deletes a hook a trigger manages, with its secret; answers whether it existed. */
  async removeManaged(tenant: string, id: string): Promise<boolean> {
    const hook = await this.deps.hooks.get(tenant, id);
    if (!hook) return false;
    await this.deps.hooks.delete(hook);
    if (hook.secretRef) await this.deps.secrets.scheduleDeletion(hook.secretRef);
    return true;
  }

  /** The credentials of a hook (cached); empty when it has none. */
  async credentialsOf(hook: Hook): Promise<HookCredentials> {
    return hook.secretRef ? this.deps.secrets.load(hook.secretRef, hook.updatedAt) : {};
  }

  async grantsOf(principal: Principal, hookId: string): Promise<Grant[]> {
    this.requireGrantManager(principal);
    await this.visibleHook(principal, hookId);
    return this.deps.grants.ofHook(principal.tenant, hookId);
  }

  async grant(principal: Principal, hookId: string, principalId: string): Promise<Grant> {
    this.requireGrantManager(principal);
    await this.visibleHook(principal, hookId);
    const grant = { hookId, principalId, grantedBy: principal.sub, grantedAt: this.now().toISOString() };
    await this.deps.grants.put(principal.tenant, grant);
    return grant;
  }

  async revoke(principal: Principal, hookId: string, principalId: string): Promise<void> {
    this.requireGrantManager(principal);
    await this.visibleHook(principal, hookId);
    if (!(await this.deps.grants.remove(principal.tenant, hookId, principalId))) throw new NotFound('Grant');
  }

  private requireGrantManager(principal: Principal): void {
    this.requireHookAccess(principal);
    if (!mayManageGrants(principal))
      throw new Forbidden('Granting hooks to webhook users needs admin or webhook_admin');
  }

  private async check(
    input: HookInput,
    mode: 'create' | 'replace' | 'patch',
    existing: Parameters<typeof applyHookInput>[2],
    ids: { id: string; number: number; tenant: string },
  ): Promise<HookChange> {
    // Loaded on the first hook write: Events reads hooks only, so it never builds hook validation.
    const { applyHookInput } = await import('../domain/hookInput.ts');
    const result = applyHookInput(input, mode, existing, {
      ...ids,
      now: this.now(),
      ...(this.deps.targets ? { targets: this.deps.targets } : {}),
    });
    const errors = Array.isArray(result) ? [...result] : [];
    if (input.events) {
      errors.push(...interlockPatternErrors(input.events));
      errors.push(...(await this.catalogErrors(ids.tenant, input.events)));
    }
    if (errors.length > 0 || Array.isArray(result)) throw new ValidationError(errors);
    return result;
  }

  private async save(change: HookChange, previous: Hook | undefined): Promise<SavedHook> {
    let hook = change.hook;
    const hadSecret = previous?.secretRef !== undefined;
    if (hasCredentials(change.credentials) || hadSecret) {
      const ref = await this.deps.secrets.save(hook.tenant, hook.id, change.credentials, previous?.secretRef);
      hook = { ...hook, secretRef: ref };
    }
    try {
      await this.deps.hooks.put(hook, previous);
    } catch (err) {
      if (!previous && hook.secretRef)
        await this.deps.secrets.scheduleDeletion(hook.secretRef).catch(() => {});
      throw err;
    }
    return { hook, warnings: change.warnings };
  }
}
