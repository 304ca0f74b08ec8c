/**
 * The delivery payload (resource-system rules, SPEC section 4). The seed: "By default the payload
 * for requests will include ... Order ID (order_id), Line Item or Event ID (line_id / event_id)",
 * "Any additional data elements as configured by the webhook settings will be attached", and
 * "Data keyed with the same key as any of the above will be OVERWRITTEN by the system provided
 * value". So:
 *  - the event's data is the payload, its `order_id`, `line_id`, `event_id` included;
 *  - the hook's `data` is merged in, but a hook can never supply a system key: where the event has
 *    one the event's value wins, and where it has none the hook's value is dropped, never sent;
 *  - `order.*` events must carry `order_id`, `event.*` events `event_id` (checked at ingest).
 * The body is the flat payload (the seed's shape), or, when the hook asks for `"envelope"`, the
 * Standard Webhooks shape `{"type", "timestamp", "data": <flat payload>}`.
 */

/** Keys the resource system always provides from the event; a hook's `data` can never supply them. */
export const SYSTEM_KEYS = ['order_id', 'line_id', 'event_id'] as const;
export type SystemKey = (typeof SYSTEM_KEYS)[number];

/** The size of a value as JSON in UTF-8 bytes (the limits on event and hook data). */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

export const payloadFormats = ['flat', 'envelope'] as const;
export type PayloadFormat = (typeof payloadFormats)[number];

export interface PayloadInput {
  /** The event type (`order.created`, ...). In the body only in the envelope format. */
  type: string;
  /** The event's data as posted to `POST /v1/events`. */
  data: Record<string, unknown>;
  /** The hook's extra JSON (`hook.data`). */
  hookData: Record<string, unknown>;
}

/** The system key an event type must carry: `order.*` → `order_id`, `event.*` → `event_id`. */
export function requiredSystemKey(type: string): SystemKey | undefined {
  if (type.startsWith('order.')) return 'order_id';
  if (type.startsWith('event.')) return 'event_id';
  return undefined;
}

/** Is this an id value the system can provide: a non-empty string or a finite number. */
export function isSystemKeyValue(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.trim() !== '') ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** The system keys present in `data` (hook data: the ones it may not supply). */
export function systemKeysIn(data: Record<string, unknown>): SystemKey[] {
  return SYSTEM_KEYS.filter((key) => Object.hasOwn(data, key));
}

/** `data` without the system keys: what a hook may add to a payload. */
export function withoutSystemKeys(data: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...data };
  for (const key of SYSTEM_KEYS) delete rest[key];
  return rest;
}

/**
 * The flat payload for one (event, hook): the hook's data without system keys, then the event's
 * data (system-provided, so every collision goes to the event).
 */
export function buildPayload(input: PayloadInput): Record<string, unknown> {
  return { ...withoutSystemKeys(input.hookData), ...input.data };
}

/**
 * The body of a delivery in the hook's format: the flat payload, or the envelope
 * `{"type", "timestamp", "data"}` with the time the event was accepted (the same on every attempt).
 */
export function deliveryBody(
  format: PayloadFormat,
  input: PayloadInput & { occurredAt: string },
): Record<string, unknown> {
  const flat = buildPayload(input);
  return format === 'envelope' ? { type: input.type, timestamp: input.occurredAt, data: flat } : flat;
}
