import * as z from 'zod';
import type { Hook } from './hook.ts';
import { orderingGroupOf } from './ordering.ts';
import { buildPayload } from './payload.ts';

/**
 * One SQS message = one delivery of one event to one hook. The `deliveryId` is the `webhook-id`
 * every attempt carries, so receivers can deduplicate (delivery is at least once).
 */
export const deliveryMessageSchema = z.object({
  v: z.literal(1),
  deliveryId: z.string().min(1),
  tenant: z.string().min(1),
  eventId: z.string().min(1),
  hookId: z.string().min(1),
  type: z.string().min(1),
  scope: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  /** Attempts made before this message was (re)enqueued, e.g. before a DLQ redrive. */
  priorAttempts: z.number().int().min(0).default(0),
  /**
   * Ordered hooks only: the SQS FIFO message group (the hook, or the hook and the value of its
   * ordering key). Deliveries of one group go out one at a time, in order.
   */
  orderingGroup: z.string().min(1).max(128).optional(),
});
export type DeliveryMessage = z.output<typeof deliveryMessageSchema>;

/** What the dispatcher puts on the DLQ: the original message and why it ended there. */
export const deadLetterSchema = z.object({
  deadLetter: z.literal(1),
  reason: z.string(),
  failedAt: z.string(),
  attempts: z.number().int().min(0),
  hookId: z.string().optional(),
  /** The message as it was received (a string, so an unparseable one survives intact). */
  original: z.string(),
});
export type DeadLetter = z.output<typeof deadLetterSchema>;

export function deliveryIdFor(eventId: string, hookId: string): string {
  return `msg_${eventId.replace(/^evt_/, '')}_${hookId.replace(/^hk_/, '')}`;
}

/** `dead-lettered`: put on the DLQ without an attempt (the hook was deleted or disabled, or may not take it). */
export type AttemptResult = 'succeeded' | 'retrying' | 'failed' | 'dead-lettered';

/** One recorded attempt (kept with a TTL). */
export interface Attempt {
  deliveryId: string;
  eventId: string;
  hookId: string;
  type: string;
  attempt: number;
  result: AttemptResult;
  /** The HTTP status, when the receiver answered. */
  status?: number;
  latencyMs: number;
  error?: string;
  /** First 1 KB of the response body. */
  response?: string;
  /** When the next attempt is due (result `retrying`). */
  nextAttemptAt?: string;
  /** Sent by `POST /v1/hooks/{id}/test`, not by an event. */
  test?: boolean;
  at: string;
}

/** An accepted event, as fan-out sees it. */
export interface AcceptedEvent {
  id: string;
  tenant: string;
  type: string;
  scope?: string;
  data: Record<string, unknown>;
  receivedAt: string;
}

/**
 * One delivery message per matching hook: the same `webhook-id` for every attempt of one
 * (event, hook), and the ordering group of ordered hooks (from the payload the hook will get).
 */
export function deliveriesFor(
  event: AcceptedEvent,
  hooks: readonly Pick<Hook, 'id' | 'ordering' | 'data'>[],
): DeliveryMessage[] {
  return hooks.map((hook) => {
    const group = orderingGroupOf(
      hook,
      buildPayload({ type: event.type, data: event.data, hookData: hook.data }),
    );
    return {
      v: 1,
      deliveryId: deliveryIdFor(event.id, hook.id),
      tenant: event.tenant,
      eventId: event.id,
      hookId: hook.id,
      type: event.type,
      ...(event.scope ? { scope: event.scope } : {}),
      data: event.data,
      occurredAt: event.receivedAt,
      priorAttempts: 0,
      ...(group ? { orderingGroup: group } : {}),
    };
  });
}
