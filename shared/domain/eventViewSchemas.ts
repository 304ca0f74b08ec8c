import * as z from 'zod';

/**
 * Doc-only: the response schemas of the event and delivery routes. The OpenAPI document is
 * generated from them (functions/events/contract.ts) and the view functions (eventView.ts) are
 * typed by them, so the document cannot drift from the answers. Runtime code imports this module
 * only as types, so no function builds these schemas at cold start.
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
