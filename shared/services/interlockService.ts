import type { AuditAction, AuditEntry, AuditStore, AuditTarget } from '../adapters/auditStore.ts';
import type { BookingStore } from '../adapters/bookingStore.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import type { InterlockClient, TargetCall } from '../adapters/interlockClient.ts';
import { hasInterlock, INTERLOCK_TAG, type Service, type ServiceStore } from '../adapters/serviceStore.ts';
import type { Hook } from '../domain/hook.ts';
import { describeHttpFailure, type InterlockContext, readStatus } from '../domain/interlockDevice.ts';
import type { ActResult, ControlsView, StatusResult, TargetReport } from '../domain/interlockView.ts';
import { type ControlDecision, controlsVisible } from '../domain/interlockWindow.ts';
import { DOOR_TAG } from '../domain/trigger.ts';
import { Conflict, Forbidden, HttpError, NotFound, TargetError, TargetTimeout } from '../http/errors.ts';
import type { Principal } from '../http/principal.ts';
import { ShortCache } from './shortCache.ts';

export type PushAction = 'lock' | 'unlock';

/** Who acts on an interlock: a token's principal, or a trigger URL (`trigger:<id>`, no roles). */
export interface Actor {
  tenant: string;
  sub: string;
  roles: ReadonlySet<string>;
}

/** What a door unlock through a trigger URL came to (the seed's 200, 403 and 501). */
export type DoorUnlock =
  | { outcome: 'unlocked'; result: ActResult }
  | { outcome: 'failed'; message: string }
  | { outcome: 'unsupported'; message: string };

/**
 * How long a warm instance keeps a service (with its interlock or door tag) and the targets of an
 * action (interlock calls and door unlocks through a trigger URL):
 * a lock, unlock or status then reads only what the authorisation needs (the caller's bookings,
 * never cached) and writes its audit record. Untagging a service or changing a target takes effect
 * within this time; lookups that find nothing are not kept, so a newly tagged service or a new
 * target works at once.
 */
export const INTERLOCK_CACHE_TTL_MS = 15_000;

/** What a call contributes to its audit record; who, when and how long are filled in. */
type AuditFields = Pick<AuditEntry, 'result' | 'httpStatus' | 'targets'> &
  Partial<Pick<AuditEntry, 'message' | 'reported'>>;

export interface InterlockServiceDeps {
  services: ServiceStore;
  bookings: BookingStore;
  hooks: HookStore;
  audit: AuditStore;
  client: InterlockClient;
  /** The clock the booking window is judged by (tests pin it). */
  now?: () => Date;
  /** How long services and targets are kept (default INTERLOCK_CACHE_TTL_MS; 0 turns it off). */
  cacheTtlMs?: number;
  /** The clock of that cache (tests move it). */
  cacheClock?: () => number;
  /** Told when an audit record could not be written (the call itself has already happened). */
  onAuditFailure?: (error: unknown, entry: AuditEntry) => void;
}

/** A hook is a target of `interlock.<action>` for a service when it names the action and is scoped to it. */
function isTargetOf(hook: Hook, action: AuditAction, serviceId: string): boolean {
  return (
    hook.scope === serviceId &&
    hook.events.some((pattern) => pattern === `interlock.${action}` || pattern === 'interlock.*')
  );
}

/**
 * What a target is told about the call: the service, the action's caller and time and, when a
 * booking authorised a user's call, that booking's `event_id` and its `order_id` when known.
 */
function callContext(
  principal: Principal,
  serviceId: string,
  at: Date,
  decision: ControlDecision,
): InterlockContext {
  const booking = decision.visible ? decision.booking : undefined;
  return {
    serviceId,
    userId: principal.sub,
    requestedAt: at.toISOString(),
    ...(booking ? { eventId: booking.id } : {}),
    ...(booking?.orderId !== undefined ? { orderId: booking.orderId } : {}),
  };
}

function targetLabel(hook: Hook): string {
  return `"${hook.name}" (${hook.id})`;
}

function report(hook: Hook, call: TargetCall): TargetReport {
  const base = { hook_id: hook.id, name: hook.name, latency_ms: call.latencyMs };
  if (call.kind !== 'response') return { ...base, ok: false, error: call.message };
  const { response } = call;
  if (response.status >= 200 && response.status <= 299) return { ...base, ok: true, status: response.status };
  // readStatus describes a non-2xx answer the same way for every action: `HTTP 503 Service
  // Unavailable`, with a relay's own error message (Shelly `message`, Tasmota `WARNING`) when it gave one.
  const reading = readStatus(hook.device, response);
  const error = reading.ok ? describeHttpFailure(response.status, response.statusText) : reading.problem;
  return { ...base, ok: false, status: response.status, error };
}

function auditTarget(r: TargetReport): AuditTarget {
  return {
    hookId: r.hook_id,
    hookName: r.name,
    ok: r.ok,
    ...(r.status !== undefined ? { httpStatus: r.status } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    latencyMs: r.latency_ms,
  };
}

/**
 * Interlock controls (SPEC §6): who may see and use a service's controls now, lock / unlock by
 * calling every target in parallel, status from the first status target, and an audit record
 * for every call that reached a service with interlock controls (allowed or denied).
 */
export class InterlockService {
  private readonly now: () => Date;
  private readonly serviceCache: ShortCache<Service | undefined>;
  private readonly targetCache: ShortCache<Hook[]>;

  constructor(private readonly deps: InterlockServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    const ttl = deps.cacheTtlMs ?? INTERLOCK_CACHE_TTL_MS;
    const clock = deps.cacheClock ?? Date.now;
    this.serviceCache = new ShortCache(ttl, clock);
    this.targetCache = new ShortCache(ttl, clock);
  }

  /** The tenant's service with interlock controls, or 404 (unknown, another tenant's, or untagged). */
  async interlockService(principal: Principal, serviceId: string): Promise<Service> {
    const service = await this.service(principal.tenant, serviceId, hasInterlock);
    if (!service || !hasInterlock(service)) {
      throw new NotFound(`Service ${serviceId} with interlock controls (the ${INTERLOCK_TAG} tag)`);
    }
    return service;
  }

  /** A service through the cache; kept only when `keep` holds for it (never a miss). */
  private service(tenant: string, serviceId: string, keep: (found: Service) => boolean) {
    return this.serviceCache.get(
      `${tenant}\n${serviceId}`,
      () => this.deps.services.get(tenant, serviceId),
      (found) => found !== undefined && keep(found),
    );
  }

  private async decide(principal: Principal, serviceId: string): Promise<ControlDecision> {
    const needsBookings =
      principal.roles.has('user') && !principal.roles.has('admin') && !principal.roles.has('staff');
    const bookings = needsBookings
      ? await this.deps.bookings.forUser(principal.tenant, serviceId, principal.sub)
      : [];
    return controlsVisible(principal, bookings, this.now());
  }

  private async targets(tenant: string, serviceId: string, action: AuditAction): Promise<Hook[]> {
    return this.targetCache.get(
      `${tenant}\n${serviceId}\n${action}`,
      async () => {
        const hooks = await this.deps.hooks.findMatching(tenant, `interlock.${action}`, serviceId);
        return hooks.filter((hook) => isTargetOf(hook, action, serviceId));
      },
      (targets) => targets.length > 0,
    );
  }

  /** `GET /v1/interlocks/{serviceId}`: may the caller see the controls now, and why. */
  async controls(principal: Principal, serviceId: string): Promise<ControlsView> {
    await this.interlockService(principal, serviceId);
    const decision = await this.decide(principal, serviceId);
    const view: ControlsView = {
      service_id: serviceId,
      visible: decision.visible,
      reason: decision.reason,
      ...(decision.window ? { window: decision.window } : {}),
    };
    if (decision.visible) {
      const [lock, unlock, status] = await Promise.all(
        (['lock', 'unlock', 'status'] as const).map((a) => this.targets(principal.tenant, serviceId, a)),
      );
      view.targets = { lock: lock!.length, unlock: unlock!.length, status: status!.length };
    }
    return view;
  }

  /** `POST /v1/interlocks/{serviceId}/lock|unlock`: every target, in parallel; 200 only when all succeeded. */
  async act(principal: Principal, serviceId: string, action: PushAction): Promise<ActResult> {
    const at = this.now();
    const started = performance.now();
    const audit = (fields: AuditFields) => this.record(principal, serviceId, action, at, started, fields);

    const { hooks, decision } = await this.authorisedTargets(principal, serviceId, action, audit);
    const context = callContext(principal, serviceId, at, decision);
    return this.push(serviceId, action, hooks, context, audit);
  }

  /**
   * `PUT` on a trigger URL (SPEC §7.4): unlock a door (a service tagged `door`) through its
   * `interlock.unlock` targets, audited with the trigger as the actor. The trigger's secret is the
   * authorisation, so no booking window applies. Unknown door or any target failure → failed
   * (the seed's 403); no unlock target → unsupported (501).
   */
  async unlockDoor(actor: Actor, doorId: string): Promise<DoorUnlock> {
    const at = this.now();
    const started = performance.now();
    const audit = (fields: AuditFields) => this.record(actor, doorId, 'unlock', at, started, fields);
    const service = await this.service(actor.tenant, doorId, (found) => found.tags.includes(DOOR_TAG));
    if (!service?.tags.includes(DOOR_TAG)) {
      return { outcome: 'failed', message: `Door ${doorId} not found (a service tagged "${DOOR_TAG}")` };
    }
    const hooks = await this.targets(actor.tenant, doorId, 'unlock');
    if (hooks.length === 0) {
      const message = `Door ${doorId} has no interlock.unlock target: remote unlock is not supported for it`;
      await audit({ result: 'error', httpStatus: 501, message, targets: [] });
      return { outcome: 'unsupported', message };
    }
    const context = { serviceId: doorId, userId: actor.sub, requestedAt: at.toISOString() };
    try {
      const result = await this.push(doorId, 'unlock', hooks as [Hook, ...Hook[]], context, audit, 403);
      return { outcome: 'unlocked', result };
    } catch (err) {
      if (err instanceof HttpError) return { outcome: 'failed', message: err.message };
      throw err;
    }
  }

  /**
   * Calls every target in parallel and audits the outcome; throws 502 (504 when every failure
   * was a timeout) naming each failed target. `failureStatus` overrides the audited status when
   * the caller answers failures otherwise (a trigger URL's 403).
   */
  private async push(
    serviceId: string,
    action: PushAction,
    hooks: [Hook, ...Hook[]],
    context: InterlockContext,
    audit: (fields: AuditFields) => Promise<void>,
    failureStatus?: number,
  ): Promise<ActResult> {
    const results = await Promise.all(
      hooks.map(async (hook) => {
        const call = await this.deps.client.call(hook, action, context);
        return { hook, call, report: report(hook, call) };
      }),
    );
    const reports = results.map((r) => r.report);
    const failed = results.filter((r) => !r.report.ok);

    if (failed.length === 0) {
      await audit({ result: 'ok', httpStatus: 200, targets: reports.map(auditTarget) });
      return {
        service_id: serviceId,
        action,
        targets: reports.map((r) => ({ hook_id: r.hook_id, status: r.status!, latency_ms: r.latency_ms })),
      };
    }

    const allTimeouts = failed.every((r) => r.call.kind === 'timeout');
    const reasons = failed.map((r) => `${targetLabel(r.hook)}: ${r.report.error}`).join('; ');
    const message =
      `${action} of service ${serviceId} failed at ${failed.length} of ${reports.length} ` +
      `target${reports.length === 1 ? '' : 's'}: ${reasons}`;
    const details = { service_id: serviceId, action, targets: reports };
    const error: HttpError = allTimeouts
      ? new TargetTimeout(message, details)
      : new TargetError(message, details);
    await audit({
      result: 'error',
      httpStatus: failureStatus ?? error.statusCode,
      message,
      targets: reports.map(auditTarget),
    });
    throw error;
  }

  /** `GET /v1/interlocks/{serviceId}/status`: the first status target's answer, read strictly. */
  async status(principal: Principal, serviceId: string): Promise<StatusResult> {
    const at = this.now();
    const started = performance.now();
    const audit = (fields: AuditFields) => this.record(principal, serviceId, 'status', at, started, fields);

    const { hooks, decision } = await this.authorisedTargets(principal, serviceId, 'status', audit);
    const [hook] = hooks;
    const context = callContext(principal, serviceId, at, decision);
    const call = await this.deps.client.call(hook, 'status', context);
    const reading = call.kind === 'response' ? readStatus(hook.device, call.response) : undefined;
    const httpStatus = call.kind === 'response' ? call.response.status : undefined;
    const problem = call.kind !== 'response' ? call.message : reading?.ok ? undefined : reading?.problem;
    const checked: AuditTarget = {
      hookId: hook.id,
      hookName: hook.name,
      ok: problem === undefined,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      ...(problem !== undefined ? { error: problem } : {}),
      latencyMs: call.latencyMs,
    };

    if (problem !== undefined || !reading?.ok) {
      const message =
        call.kind === 'response'
          ? `status of service ${serviceId} unreadable: ${targetLabel(hook)} answered ${problem}`
          : `status of service ${serviceId} unknown: ${targetLabel(hook)}: ${problem}`;
      const details = {
        service_id: serviceId,
        target: {
          hook_id: hook.id,
          name: hook.name,
          ok: false,
          ...(httpStatus !== undefined ? { status: httpStatus } : {}),
          error: problem,
          latency_ms: call.latencyMs,
        },
      };
      const error: HttpError =
        call.kind === 'timeout' ? new TargetTimeout(message, details) : new TargetError(message, details);
      await audit({ result: 'error', httpStatus: error.statusCode, message, targets: [checked] });
      throw error;
    }
    await audit({ result: 'ok', httpStatus: 200, reported: reading.status, targets: [checked] });
    return {
      service_id: serviceId,
      status: reading.status,
      target: { hook_id: hook.id, name: hook.name, latency_ms: call.latencyMs },
    };
  }

  /** The audit trail is for administrators; the service must exist (its tag may since have been removed). */
  async auditTrail(principal: Principal, serviceId: string, options: { limit: number; cursor?: string }) {
    if (!principal.roles.has('admin')) throw new Forbidden('The interlock audit trail is for admin only');
    const service = await this.deps.services.get(principal.tenant, serviceId);
    if (!service) throw new NotFound(`Service ${serviceId}`);
    return this.deps.audit.list(principal.tenant, serviceId, options);
  }

  /**
   * The service check (404), the caller check (403, audited) and the targets of the action
   * (409 when there are none, audited).
   */
  private async authorisedTargets(
    principal: Principal,
    serviceId: string,
    action: AuditAction,
    audit: (fields: AuditFields) => Promise<void>,
  ): Promise<{ hooks: [Hook, ...Hook[]]; decision: ControlDecision }> {
    await this.interlockService(principal, serviceId);
    const decision = await this.decide(principal, serviceId);
    if (!decision.visible) {
      const message = `You may not ${action === 'status' ? 'query the status of' : action} the interlock of service ${serviceId} now: ${decision.reason}`;
      await audit({ result: 'denied', httpStatus: 403, message, targets: [] });
      throw new Forbidden(message);
    }
    const hooks = await this.targets(principal.tenant, serviceId, action);
    if (hooks.length === 0) {
      const message =
        `Service ${serviceId} has no interlock.${action} target; create a hook with ` +
        `"events": ["interlock.${action}"] and "scope": "${serviceId}" (POST /v1/hooks)`;
      await audit({ result: 'error', httpStatus: 409, message, targets: [] });
      throw new Conflict(message);
    }
    return { hooks: hooks as [Hook, ...Hook[]], decision };
  }

  private async record(
    principal: Actor,
    serviceId: string,
    action: AuditAction,
    at: Date,
    started: number,
    fields: AuditFields,
  ): Promise<void> {
    const entry: AuditEntry = {
      at: at.toISOString(),
      serviceId,
      who: principal.sub,
      roles: [...principal.roles].sort(),
      action,
      ...fields,
      latencyMs: Math.round(performance.now() - started),
    };
    try {
      await this.deps.audit.record(principal.tenant, entry);
    } catch (err) {
      // The device has already acted: answer the caller truthfully, and make the lost record loud.
      this.deps.onAuditFailure?.(err, entry);
      if (!this.deps.onAuditFailure) throw err;
    }
  }
}
