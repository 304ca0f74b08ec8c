import type { Attempt } from './delivery.ts';
import type { AttemptView, DeliveryView } from './eventViewSchemas.ts';

export type { AttemptView, DeliveryView, EventAccepted, EventsAccepted } from './eventViewSchemas.ts';

/**
 * What the event and delivery routes answer, typed by the response schemas of the OpenAPI
 * document (eventViewSchemas.ts, doc-only: imported here as types, never built at cold start).
 */
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
