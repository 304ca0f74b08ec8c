import { z } from 'zod';

/** SPEC §3: the built-in catalog every tenant starts with. Admins may add more per tenant. */
export const builtInEventTypes: readonly string[] = [
  'order.created',
  'order.updated',
  'order.deleted',
  'event.created',
  'event.updated',
  'event.deleted',
  'interlock.lock',
  'interlock.unlock',
  'interlock.status',
  'door.granted',
  'door.denied',
  'door.tamper',
  'door.request_to_exit',
  'door.duress',
  'door.forced_door',
  'door.security_breach',
  'hook.disabled',
  'test.ping',
  // Ovation's documented options.
  'report_signed',
  'report_corrected',
  'sample_rejected',
  'requisition_canceled',
  'requisition_signed_accession',
  'report_ready_for_generation',
  'report_correction_ready_for_generation',
];

const builtIns = new Set(builtInEventTypes);

export function isBuiltInEventType(type: string): boolean {
  return builtIns.has(type);
}

/** Event type names: lower-case words joined by `.` or `/` (`order.created`, `accession/status_change`). */
export const eventTypeName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9_-]+([./][a-z0-9_-]+)*$/, 'must be lower-case words joined by "." or "/"');

/** Hook event patterns: a type, `*`, or a type prefix ending in `.*` or `/*`. */
export const eventPattern = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^(\*|[a-z0-9_-]+([./][a-z0-9_-]+)*([./]\*)?)$/,
    'must be an event type, "*", or a prefix ending in ".*" or "/*"',
  );
