import * as z from 'zod';

/** CoreOne for Labs' webhook types (seeds/coreone-webhooks.md, "Available Webhooks"), in its order. */
export const coreOneEventTypes: readonly string[] = [
  'accession/status_change',
  'accession/client_change',
  'accession/receive',
  'accession_lab_section/create',
  'accession_lab_section/destroy',
  'accession_lab_section/release',
  'accession_lab_section/unrelease',
  'attachment/fail',
  'attachment/process',
  'client/create',
  'client/destroy',
  'client/update',
  'clinical_histories/create',
  'clinical_histories/destroy',
  'clinical_histories/update',
  'comment/create',
  'comment/destroy',
  'comment/update',
  'credit_note/create',
  'hl7message/fail',
  'hl7message/process',
  'instrument/fail',
  'instrument/generate_instrument_file',
  'instrument/process',
  'instrument/request_instrument_file',
  'invoice/client_change',
  'invoice/close',
  'invoice/create',
  'leaf/fail',
  'leaf/match',
  'nahln_transmission/fail',
  'nahln_transmission/process',
  'payment/create',
];

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
  // CoreOne for Labs' 33 webhook types, exactly as its documentation names them.
  ...coreOneEventTypes,
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

/** `POST /v1/event-types`: an admin adds a type to the tenant's catalog. */
export const eventTypeInputSchema = z.strictObject({
  name: eventTypeName,
  description: z.string().max(500).optional(),
});

/** One catalog entry as the API answers it. */
export const eventTypeViewSchema = z.object({
  name: z.string(),
  built_in: z.boolean(),
  description: z.string().optional(),
  created_at: z.string().optional(),
});
export type EventTypeView = z.infer<typeof eventTypeViewSchema>;

export const eventTypeListSchema = z.object({ event_types: z.array(eventTypeViewSchema) });
