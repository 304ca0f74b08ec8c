import type { AuditEntry, AuditStore } from '../adapters/auditStore.ts';
import type { Hook } from '../domain/hook.ts';
import {
  interlockActionOf,
  interlockEventRefusal,
  interlockTestRefusal,
  isInterlockTarget,
  isInterlockType,
} from '../domain/interlockTarget.ts';
import { type FieldError, type HttpError, ValidationError } from '../http/errors.ts';
import type { Principal } from '../http/principal.ts';

export interface InterlockGuardDeps {
  audit: AuditStore;
  /** Told about every refusal (the audit trail has it too when the service is known). */
  onRefusal?: (entry: AuditEntry) => void;
  now?: () => Date;
}

/**
 * Closes the routes around the interlock routes (see domain/interlockTarget.ts): an `interlock.*`
 * event is refused at ingest (422), a test delivery to an interlock target is refused (422), and
 * each refusal goes to the service's audit trail as `denied`, with the route that was tried.
 */
export class InterlockGuard {
  private readonly now: () => Date;

  constructor(private readonly deps: InterlockGuardDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** `POST /v1/events`: refuses an `interlock.*` type. */
  async checkEvent(principal: Principal, type: string, scope: string | undefined): Promise<void> {
    if (!isInterlockType(type)) return;
    const message = interlockEventRefusal(type, scope);
    const error = new ValidationError([{ field: 'type', message }], message);
    await this.refuse(principal, scope, error, { route: 'POST /v1/events', eventType: type }, type);
  }

  /**
   * `POST /v1/events/batch`: a field error (`events.<i>.type`) for each `interlock.*` event (by
   * position; undefined for an event refused otherwise), each refusal audited like the single
   * route's; the caller refuses the whole batch.
   */
  async eventRefusals(
    principal: Principal,
    events: readonly ({ type: string; scope?: string | undefined } | undefined)[],
  ): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [i, event] of events.entries()) {
      if (!event || !isInterlockType(event.type)) continue;
      const { type, scope } = event;
      const message = interlockEventRefusal(type, scope);
      await this.audit(
        principal,
        scope,
        new ValidationError([], message),
        {
          route: 'POST /v1/events/batch',
          eventType: type,
        },
        type,
      );
      errors.push({ field: `events.${i}.type`, message });
    }
    return errors;
  }

  /** `POST /v1/hooks/{hookId}/test`: refuses a test delivery to an interlock target (422). */
  async checkTest(principal: Principal, hook: Hook): Promise<void> {
    if (!isInterlockTarget(hook)) return;
    const message = interlockTestRefusal(hook);
    const error = new ValidationError([{ field: 'hookId', message }], message);
    const type = hook.events.find(isInterlockType) ?? 'interlock.*';
    await this.refuse(
      principal,
      hook.scope,
      error,
      { route: 'POST /v1/hooks/{hookId}/test', hookId: hook.id },
      type,
    );
  }

  private async refuse(
    principal: Principal,
    serviceId: string | undefined,
    error: HttpError,
    refused: NonNullable<AuditEntry['refused']>,
    type: string,
  ): Promise<never> {
    await this.audit(principal, serviceId, error, refused, type);
    throw error;
  }

  private async audit(
    principal: Principal,
    serviceId: string | undefined,
    error: HttpError,
    refused: NonNullable<AuditEntry['refused']>,
    type: string,
  ): Promise<void> {
    const entry: AuditEntry = {
      at: this.now().toISOString(),
      serviceId: serviceId ?? '',
      who: principal.sub,
      roles: [...principal.roles].sort(),
      action: interlockActionOf(type) ?? 'other',
      result: 'denied',
      httpStatus: error.statusCode,
      message: error.message,
      refused,
      targets: [],
      latencyMs: 0,
    };
    this.deps.onRefusal?.(entry);
    // Without a scope there is no service (and no target could have been reached): the log has it.
    if (serviceId !== undefined) await this.deps.audit.record(principal.tenant, entry);
  }
}
