/**
 * Dead letters by tenant: every delivery the dispatcher gives up on (exhausted retries, a
 * permanent failure, a deleted or disabled hook, a refused address) is kept in the table under its
 * tenant and hook, with the reason, the attempts made, the time and the original message, so an
 * operator lists and re-drives exactly their own — never by scanning a queue shared by tenants.
 * Only what cannot be attributed (an unreadable message) goes to the SQS DLQ, the safety net.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { DeadLetterView } from './deadLetterSchemas.ts';
import type { DeliveryMessage } from './delivery.ts';

export interface DeadLetterRecord {
  /** `dl_<time>_<random>`: sorts by time, so listings are newest first. */
  id: string;
  tenant: string;
  hookId: string;
  deliveryId: string;
  eventId: string;
  type: string;
  reason: string;
  /** Attempts made in all (0: the hook was gone or disabled before any). */
  attempts: number;
  failedAt: string;
  /** The ordering group of an ordered delivery (SQS FIFO message group). */
  orderingGroup?: string;
  /** Ordered deliveries of the same group delivered after this one was given up. */
  followedBy?: string[];
  /** The message as the dispatcher received it, re-enqueued as is by a redrive. */
  message: DeliveryMessage;
}

/** At most this many followers are listed on an ordered dead letter. */
export const MAX_FOLLOWERS_LISTED = 100;

/** A time-sortable id: a redrive by id needs no other key. */
export function newDeadLetterId(
  at: Date,
  random: () => string = () => randomBytes(5).toString('hex'),
): string {
  return `dl_${at.getTime().toString(36).padStart(9, '0')}_${random()}`;
}

export function deadLetterRecord(
  message: DeliveryMessage,
  reason: string,
  attempts: number,
  at: Date,
): DeadLetterRecord {
  return {
    id: newDeadLetterId(at),
    tenant: message.tenant,
    hookId: message.hookId,
    deliveryId: message.deliveryId,
    eventId: message.eventId,
    type: message.type,
    reason,
    attempts,
    failedAt: at.toISOString(),
    ...(message.orderingGroup ? { orderingGroup: message.orderingGroup } : {}),
    message,
  };
}

/**
 * The message a redrive or recovery enqueues: the same delivery (so the same `webhook-id`), with
 * the attempts already made carried over so the attempt count keeps climbing while the retry
 * schedule starts again.
 */
export function redriveMessage(letter: DeadLetterRecord): DeliveryMessage {
  return { ...letter.message, priorAttempts: Math.max(letter.attempts, letter.message.priorAttempts) };
}

const isoTime = z.iso.datetime({ offset: true, error: 'an ISO 8601 time such as 2026-03-01T00:00:00Z' });

/** `POST /v1/hooks/{hookId}/recover`: re-send what failed from `since` (until `until`, default now). */
export const recoverInputSchema = z
  .strictObject({ since: isoTime, until: isoTime.optional() })
  .refine((v) => v.until === undefined || Date.parse(v.until) > Date.parse(v.since), {
    path: ['until'],
    message: 'must be after since',
  });

/** `POST /v1/dead-letters/redrive`: one hook's dead letters, these ids, or all of the tenant's. */
export const deadLetterRedriveSchema = z.strictObject({
  hook_id: z.string().min(1).max(100).optional(),
  ids: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
});

export const deadLetterListQuery = z.strictObject({
  hook_id: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2048).optional(),
});

export function deadLetterView(letter: DeadLetterRecord): DeadLetterView {
  return {
    id: letter.id,
    hook_id: letter.hookId,
    delivery_id: letter.deliveryId,
    event_id: letter.eventId,
    type: letter.type,
    reason: letter.reason,
    attempts: letter.attempts,
    failed_at: letter.failedAt,
    ordering_group: letter.orderingGroup ?? null,
    followed_by: letter.followedBy ?? [],
    data: letter.message.data,
  };
}
