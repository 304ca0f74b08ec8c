import { randomBytes } from 'node:crypto';
import type { HookStore } from '../adapters/hookStore.ts';
import type { SecretStore, TriggerCredentials } from '../adapters/secretStore.ts';
import type { ServiceStore } from '../adapters/serviceStore.ts';
import type { ThrottleStore } from '../adapters/throttleStore.ts';
import type { TriggerPage, TriggerStore } from '../adapters/triggerStore.ts';
import { newHookId } from '../domain/hook.ts';
import {
  type Door,
  doorList,
  notifyUrls,
  type SubscribeInput,
  type Subscription,
  secretMatches,
  subscriptionHook,
  subscriptionKey,
  TRIGGER_SECRET_BYTES,
  type Trigger,
  throttled,
  throttleWindow,
  triggerIdPattern,
} from '../domain/trigger.ts';
import { Forbidden, NotFound } from '../http/errors.ts';
import type { Principal } from '../http/principal.ts';
import type { HookService } from './hookService.ts';
import type { DoorUnlock, InterlockService } from './interlockService.ts';

export interface TriggerServiceDeps {
  triggers: TriggerStore;
  throttle: ThrottleStore;
  secrets: SecretStore;
  hooks: HookStore;
  /** Built on first use: only subscriptions need it (see outbound.ts triggerService()). */
  hookService: () => Promise<Pick<HookService, 'putManaged' | 'removeManaged'>>;
  serviceStore: ServiceStore;
  /** Built on first unlock (it brings the outbound HTTP client). */
  interlocks: () => InterlockService;
  now?: () => Date;
}

/** A trigger with its secret, as shown exactly once (create, rotate). */
export interface IssuedTrigger {
  trigger: Trigger;
  urls: ReturnType<typeof notifyUrls>;
}

/** How a call on a trigger URL authenticated. */
export type TriggerAuth =
  | { kind: 'ok'; trigger: Trigger }
  | { kind: 'unauthorized' }
  | { kind: 'throttled'; retryAfter: number };

const newTriggerId = () => `trg_${randomBytes(10).toString('hex')}`;
const newSecret = () => randomBytes(TRIGGER_SECRET_BYTES).toString('base64url');

/**
 * Trigger URLs (SPEC §7.4): admins create, list, rotate and delete them; a security system
 * calls them with the secret to subscribe to door events (each subscription is an ordinary hook
 * with the `placeos` profile, so door events go through the one delivery queue, retries and
 * DLQ), list doors and unlock one through the interlock path.
 */
export class TriggerService {
  private readonly now: () => Date;

  constructor(private readonly deps: TriggerServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  requireAdmin(principal: Principal): void {
    if (!principal.roles.has('admin')) throw new Forbidden('Managing trigger URLs needs admin');
  }

  async create(principal: Principal, name: string, apiBase: string): Promise<IssuedTrigger> {
    this.requireAdmin(principal);
    const id = newTriggerId();
    const secret = newSecret();
    const credentials: TriggerCredentials = { triggerSecret: secret };
    const secretRef = await this.deps.secrets.save(principal.tenant, id, credentials, undefined, 'trigger');
    const now = this.now().toISOString();
    const trigger: Trigger = {
      id,
      tenant: principal.tenant,
      name,
      secretRef,
      secretIssuedAt: now,
      createdAt: now,
    };
    try {
      await this.deps.triggers.put(trigger, 'create');
    } catch (err) {
      await this.deps.secrets.scheduleDeletion(secretRef).catch(() => undefined);
      throw err;
    }
    return { trigger, urls: notifyUrls(apiBase, id, secret) };
  }

  async list(principal: Principal, page: { limit: number; cursor?: string }): Promise<TriggerPage> {
    this.requireAdmin(principal);
    return this.deps.triggers.list(principal.tenant, page);
  }

  /** A trigger of the caller's tenant with its subscriptions, or 404. */
  async get(principal: Principal, id: string): Promise<{ trigger: Trigger; subscriptions: Subscription[] }> {
    const trigger = await this.owned(principal, id);
    return { trigger, subscriptions: await this.deps.triggers.subscriptions(trigger.tenant, trigger.id) };
  }

  /** Issues a new secret; the old one stops working at once, on every instance. */
  async rotate(principal: Principal, id: string, apiBase: string): Promise<IssuedTrigger> {
    const trigger = await this.owned(principal, id);
    const secret = newSecret();
    const credentials: TriggerCredentials = { triggerSecret: secret };
    await this.deps.secrets.save(trigger.tenant, trigger.id, credentials, trigger.secretRef, 'trigger');
    const rotated: Trigger = { ...trigger, secretIssuedAt: this.now().toISOString() };
    await this.deps.triggers.put(rotated, 'replace');
    return { trigger: rotated, urls: notifyUrls(apiBase, id, secret) };
  }

  /** Deletes a trigger, its subscriptions (their hooks too) and, after the recovery window, its secret. */
  async remove(principal: Principal, id: string): Promise<void> {
    const trigger = await this.owned(principal, id);
    await this.deps.triggers.delete(trigger);
    for (const subscription of await this.deps.triggers.subscriptions(trigger.tenant, trigger.id)) {
      await (await this.deps.hookService()).removeManaged(trigger.tenant, subscription.hookId);
      await this.deps.triggers.deleteSubscription(
        trigger.tenant,
        trigger.id,
        subscriptionKey(trigger.id, subscription.webhook),
      );
    }
    await this.deps.secrets.scheduleDeletion(trigger.secretRef);
  }

  private async owned(principal: Principal, id: string): Promise<Trigger> {
    this.requireAdmin(principal);
    const trigger = triggerIdPattern.test(id)
      ? await this.deps.triggers.get(principal.tenant, id)
      : undefined;
    if (!trigger) throw new NotFound('Trigger');
    return trigger;
  }

  /**
   * The secret check of a trigger URL call. A source over the wrong-secret limit is refused first
   * (429, whatever it presents); a wrong secret and an unknown trigger are the same 401, and both
   * cost a constant-time comparison and a counter increment.
   */
  async authenticate(triggerId: string, presented: string | undefined, source: string): Promise<TriggerAuth> {
    const window = throttleWindow(this.now());
    const [wrongSoFar, trigger] = await Promise.all([
      this.deps.throttle.count(source, window),
      triggerIdPattern.test(triggerId) ? this.deps.triggers.lookup(triggerId) : undefined,
    ]);
    if (throttled(wrongSoFar)) return { kind: 'throttled', retryAfter: window.retryAfter };
    const expected = trigger
      ? (await this.deps.secrets.load<TriggerCredentials>(trigger.secretRef, trigger.secretIssuedAt))
          .triggerSecret
      : undefined;
    if (trigger && secretMatches(presented, expected)) return { kind: 'ok', trigger };
    await this.deps.throttle.recordFailure(source, window);
    return { kind: 'unauthorized' };
  }

  /**
   * `POST {webhook, secret?}`: subscribes a URL to the tenant's door events. The same URL again
   * replaces its secret (or removes it) and stays one subscription.
   */
  async subscribe(
    trigger: Trigger,
    input: SubscribeInput,
    retried = false,
  ): Promise<{ subscription: Subscription; created: boolean }> {
    const key = subscriptionKey(trigger.id, input.webhook);
    const existing = await this.deps.triggers.getSubscription(trigger.tenant, trigger.id, key);
    // A subscription whose hook an admin deleted gets a new hook (the old id's secret name is
    // still scheduled for deletion in Secrets Manager and cannot be reused).
    const hookAlive = existing
      ? (await this.deps.hooks.get(trigger.tenant, existing.hookId)) !== undefined
      : false;
    const hookId = existing && hookAlive ? existing.hookId : newHookId();
    await (await this.deps.hookService()).putManaged(
      trigger.tenant,
      hookId,
      subscriptionHook(trigger, input),
      trigger.id,
    );
    const now = this.now().toISOString();
    const subscription: Subscription = {
      triggerId: trigger.id,
      webhook: input.webhook,
      hookId,
      signed: input.secret !== undefined,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const mode = existing ? 'replace' : 'create';
    if (!(await this.deps.triggers.putSubscription(trigger.tenant, key, subscription, mode))) {
      // A concurrent subscribe of the same URL won: drop this hook and replace theirs, so the URL
      // stays one subscription and gets one delivery per door event.
      await (await this.deps.hookService()).removeManaged(trigger.tenant, hookId);
      if (retried) throw new Error(`Subscription ${key} keeps changing under concurrent subscribes`);
      return this.subscribe(trigger, input, true);
    }
    return { subscription, created: existing === undefined };
  }

  /** `DELETE {webhook}`: removes the subscription with that URL; false when there is none. */
  async unsubscribe(trigger: Trigger, webhook: string): Promise<boolean> {
    const key = subscriptionKey(trigger.id, webhook);
    const existing = await this.deps.triggers.getSubscription(trigger.tenant, trigger.id, key);
    if (!existing) return false;
    // The hook first: once it is gone no door event is enqueued for this URL.
    await (await this.deps.hookService()).removeManaged(trigger.tenant, existing.hookId);
    await this.deps.triggers.deleteSubscription(trigger.tenant, trigger.id, key);
    return true;
  }

  /** `GET`: the tenant's doors (services tagged `door`), every page. */
  async doors(trigger: Trigger): Promise<Door[]> {
    const doors: Door[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.serviceStore.list(trigger.tenant, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      doors.push(...doorList(page.services));
      cursor = page.nextCursor;
    } while (cursor);
    return doors;
  }

  /** `PUT {door_id}`: unlock through the interlock path, the trigger as the audited actor. */
  async unlock(trigger: Trigger, doorId: string): Promise<DoorUnlock> {
    return this.deps
      .interlocks()
      .unlockDoor({ tenant: trigger.tenant, sub: `trigger:${trigger.id}`, roles: new Set() }, doorId);
  }
}
