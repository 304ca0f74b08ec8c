/**
 * The default delivery payload (resource-system rules, SPEC section 4): the event's own fields,
 * including the system keys `order_id` and `line_id` / `event_id`, with the hook's extra `data`
 * merged in. A hook key that collides with a key the event provides is overwritten by the event's
 * value, so a hook can add fields but never forge the ones the system supplies.
 */

/** Keys the resource system always provides from the event; a hook's `data` can never override them. */
export const SYSTEM_KEYS = ['order_id', 'line_id', 'event_id'] as const;
export type SystemKey = (typeof SYSTEM_KEYS)[number];

export interface PayloadInput {
  /** The event type (`order.created`, ...). Not part of the body: headers or signing carry it. */
  type: string;
  /** The event's data as posted to `POST /v1/events`. */
  data: Record<string, unknown>;
  /** The hook's extra JSON (`hook.data`). */
  hookData: Record<string, unknown>;
}

/** The system keys the event provides (only those present in its data). */
export function systemKeysOf(data: Record<string, unknown>): Partial<Record<SystemKey, unknown>> {
  const keys: Partial<Record<SystemKey, unknown>> = {};
  for (const key of SYSTEM_KEYS) {
    if (Object.hasOwn(data, key) && data[key] !== undefined) keys[key] = data[key];
  }
  return keys;
}

/**
 * Builds the JSON body for one (event, hook): hook data first, then every field of the event data
 * (system-provided, so collisions go to the event), then the system keys for emphasis.
 */
export function buildPayload(input: PayloadInput): Record<string, unknown> {
  return { ...input.hookData, ...input.data, ...systemKeysOf(input.data) };
}
