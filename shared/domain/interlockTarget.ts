import type { FieldError } from '../http/errors.ts';
import type { InterlockAction } from './interlockDevice.ts';

/**
 * Interlock targets are reached only through the interlock routes (SPEC §3, §6; the resource-system
 * seed: the interlock actions are lock / unlock / status requests made from the interlock controls,
 * which check the caller's role and booking window and audit the call). So:
 *  - an `interlock.*` type names a target's action and can never be published as an event;
 *  - a hook listening to an `interlock.*` pattern is an interlock target: it listens to nothing else,
 *    never receives a queued delivery and never a test delivery.
 * Without these rules, anyone allowed to publish events could unlock an instrument with no booking
 * check and no audit record.
 */
export const INTERLOCK_TYPE_PREFIX = 'interlock.';

const routeOf: Record<InterlockAction, string> = {
  lock: 'POST /v1/interlocks/{serviceId}/lock',
  unlock: 'POST /v1/interlocks/{serviceId}/unlock',
  status: 'GET /v1/interlocks/{serviceId}/status',
};

/** `interlock.lock`, `interlock.unlock`, `interlock.status`, or any other `interlock.` type. */
export function isInterlockType(type: string): boolean {
  return type.startsWith(INTERLOCK_TYPE_PREFIX);
}

/** The action an interlock type names, when it is one of the three. */
export function interlockActionOf(type: string): InterlockAction | undefined {
  const action = type.slice(INTERLOCK_TYPE_PREFIX.length);
  return isInterlockType(type) && Object.hasOwn(routeOf, action) ? (action as InterlockAction) : undefined;
}

/** A hook whose events include an `interlock.*` pattern is an interlock target. */
export function isInterlockTarget(hook: { events: readonly string[] }): boolean {
  return hook.events.some(isInterlockType);
}

/** The route that performs an interlock action, with the service filled in when known. */
export function interlockRoute(action: InterlockAction | undefined, serviceId?: string): string {
  const route = action
    ? routeOf[action]
    : 'POST /v1/interlocks/{serviceId}/lock, POST /v1/interlocks/{serviceId}/unlock or GET /v1/interlocks/{serviceId}/status';
  return serviceId ? route.replaceAll('{serviceId}', serviceId) : route;
}

/** Why `POST /v1/events` refuses an interlock type: names the type and the route to use instead. */
export function interlockEventRefusal(type: string, scope?: string): string {
  return (
    `${type} cannot be published as an event: interlock actions are performed only through the ` +
    `interlock routes, which check the caller's booking and audit the call; use ` +
    `${interlockRoute(interlockActionOf(type), scope)}`
  );
}

/** Why a test delivery to an interlock target is refused. */
export function interlockTestRefusal(hook: { events: readonly string[]; scope?: string }): string {
  const action = hook.events.map(interlockActionOf).find((a) => a !== undefined);
  return (
    'This hook is an interlock target: it is called only by the interlock routes, never by a test ' +
    `delivery; use ${interlockRoute(action, hook.scope)}`
  );
}

/** A hook's events may not mix interlock patterns with other events (the target would get deliveries). */
export function interlockPatternErrors(events: readonly string[]): FieldError[] {
  if (!events.some(isInterlockType)) return [];
  return events.flatMap((pattern, i) =>
    isInterlockType(pattern)
      ? []
      : [
          {
            field: `events.${i}`,
            message:
              `${pattern} cannot be combined with interlock.* events: an interlock target is called only ` +
              'by the interlock routes; create a separate hook for other events',
          },
        ],
  );
}
