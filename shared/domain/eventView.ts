import * as z from 'zod';
import type { Attempt } from './delivery.ts';

/**
 * What the event and delivery routes answer. The schemas are the OpenAPI document's response
 * schemas and the view functions' return types, so the document cannot drift from the answers.
 */
export const attemptViewSchema = z.object({
  delivery_id: z.string(),
  event_id: z.string(),
  hook_id: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  result: z.enum(['succeeded', 'retrying', 'failed', 'dead-lettered']),
  status: z.number().int().nullable(),
  latency_ms: z.number(),
  error: z.string().nullable(),
  response: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  test: z.boolean(),
  at: z.string(),
});
export type AttemptView = z.infer<typeof attemptViewSchema>;

export function attemptView(a: Attempt): AttemptView {
  return {
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    hook_id: a.hookId,
    type: a.type,
    attempt: a.attempt,
    result: a.result,
    status: a.status ?? null,
    latency_ms: a.latencyMs,
    error: a.error ?? null,
    response: a.response ?? null,
    next_attempt_at: a.nextAttemptAt ?? null,
    test: a.test ?? false,
    at: a.at,
  };
}

export const attemptPageSchema = z.object({
  attempts: z.array(attemptViewSchema),
  next_cursor: z.string().nullable(),
});

/** `POST /v1/events` 202. */
export const eventAcceptedSchema = z.object({
  event_id: z.string(),
  type: z.string(),
  scope: z.string().nullable(),
  deliveries: z.number().int(),
  hook_ids: z.array(z.string()),
  booking: z.string().optional(),
});
export type EventAccepted = z.infer<typeof eventAcceptedSchema>;

/** `POST /v1/events/batch` 202: each event as `POST /v1/events` answers it, in request order. */
export const eventsAcceptedSchema = z.object({ events: z.array(eventAcceptedSchema) });
export type EventsAccepted = z.infer<typeof eventsAcceptedSchema>;

export const deliveryViewSchema = z.object({
  delivery_id: z.string(),
  hook_id: z.string().optional(),
  state: z.enum(['pending', 'succeeded', 'retrying', 'failed', 'dead-lettered']),
  attempts: z.array(attemptViewSchema),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

/** `GET /v1/events/{eventId}`. */
export const eventViewSchema = z.object({
  event_id: z.string(),
  type: z.string(),
  scope: z.string().nullable(),
  received_at: z.string(),
  hook_ids: z.array(z.string()),
  deliveries: z.array(deliveryViewSchema),
  /** Set when some deliveries could not be enqueued (the publisher was answered 503). */
  incomplete: z.string().optional(),
});

/** Attempts grouped by delivery, with each delivery's latest state. */
export function deliveriesView(attempts: Attempt[]): DeliveryView[] {
  const byDelivery = new Map<string, Attempt[]>();
  for (const a of [...attempts].sort((x, y) => x.at.localeCompare(y.at))) {
    const list = byDelivery.get(a.deliveryId) ?? [];
    list.push(a);
    byDelivery.set(a.deliveryId, list);
  }
  return [...byDelivery.entries()].map(([deliveryId, list]) => {
    const last = list[list.length - 1]!;
    return {
      delivery_id: deliveryId,
      hook_id: last.hookId,
      state: last.result,
      attempts: list.map(attemptView),
    };
  });
}
