/**
 * Door events and the PlaceOS → Rhombus body (seeds/placeos-rhombus-door-webhooks.md, SPEC §5
 * and §7.4). A `door.*` event delivered to a hook with the `placeos` profile is sent as the seed's
 * body, nothing more:
 *
 *   {"door_id", "timestamp", "signature"?, "action", "card_id"?, "user_name"?, "user_email"?}
 *
 * - `action` is the type after `door.`: `door.granted` → `granted`; likewise `denied`, `tamper`,
 *   `request_to_exit`, and the PlaceOS driver's `duress`, `forced_door`, `security_breach`.
 * - `door_id` is the event's `data.door_id`, or its scope (the door's service id) when the data
 *   has none.
 * - `card_id`, `user_name`, `user_email` are copied when the event has them, left out otherwise.
 * - `timestamp` and `signature` (hex HMAC-SHA256 of the timestamp, only when the subscriber gave
 *   a secret) are added when the delivery is signed (signature.ts, profile `placeos`).
 */
import * as z from 'zod';
import type { FieldError } from '../http/errors.ts';
import type { DeliveryMessage } from './delivery.ts';
import type { Hook } from './hook.ts';

export const DOOR_EVENT_PREFIX = 'door.';

/** The actions the seed names plus the PlaceOS driver's full list (SPEC §3). */
export const doorActions = [
  'granted',
  'denied',
  'tamper',
  'request_to_exit',
  'duress',
  'forced_door',
  'security_breach',
] as const;

export function isDoorEvent(type: string): boolean {
  return type.startsWith(DOOR_EVENT_PREFIX) && type.length > DOOR_EVENT_PREFIX.length;
}

/** `door.granted` → `granted`. */
export function doorAction(type: string): string {
  return type.slice(DOOR_EVENT_PREFIX.length);
}

/** Ids may be sent as JSON numbers (`"card_id": 123456`); Rhombus receives them as strings. */
const idField = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);

/** The fields of a door event's `data` that the PlaceOS body carries; other keys are kept, not sent. */
export const doorEventData = z.looseObject({
  door_id: idField.optional(),
  card_id: idField.optional(),
  user_name: z.string().max(200).optional(),
  user_email: z.string().max(320).optional(),
});

export interface DoorPayload {
  door_id: string;
  action: string;
  card_id?: string;
  user_name?: string;
  user_email?: string;
}

/**
 * What is wrong with a door event at ingest (`POST /v1/events`), so a bad one is refused with 422
 * instead of reaching subscribers without a door: every field error, with `data.` paths.
 */
export function doorEventErrors(type: string, scope: string | undefined, data: Record<string, unknown>) {
  if (!isDoorEvent(type)) return [];
  const errors: FieldError[] = [];
  const parsed = doorEventData.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push({ field: ['data', ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return errors;
  }
  if (parsed.data.door_id === undefined && scope === undefined) {
    errors.push({
      field: 'data.door_id',
      message: 'a door event needs data.door_id, or a scope naming the door (its service id)',
    });
  }
  return errors;
}

/**
 * The seed's body for one door event (without `timestamp` and `signature`, which signing adds).
 * Assumes the event passed doorEventErrors at ingest; a field that does not parse is left out.
 */
export function doorPayload(
  type: string,
  scope: string | undefined,
  data: Record<string, unknown>,
): DoorPayload {
  const parsed = doorEventData.safeParse(data);
  const fields = parsed.success ? parsed.data : {};
  return {
    door_id: fields.door_id ?? scope ?? '',
    action: doorAction(type),
    ...(fields.card_id !== undefined ? { card_id: fields.card_id } : {}),
    ...(fields.user_name !== undefined ? { user_name: fields.user_name } : {}),
    ...(fields.user_email !== undefined ? { user_email: fields.user_email } : {}),
  };
}

/**
 * The body of a delivery when the PlaceOS door rule applies (a `door.*` event to a hook with the
 * `placeos` profile: Rhombus subscriptions and any hand-made PlaceOS hook), else undefined and the
 * resource-system payload applies. The hook's `data` is not merged: the seed's body is exact.
 */
export function placeosDoorBody(
  hook: Pick<Hook, 'signing'>,
  message: Pick<DeliveryMessage, 'type' | 'scope' | 'data'>,
): Record<string, unknown> | undefined {
  if (hook.signing.profile !== 'placeos' || !isDoorEvent(message.type)) return undefined;
  return { ...doorPayload(message.type, message.scope, message.data) };
}
