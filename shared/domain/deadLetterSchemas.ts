import * as z from 'zod';

/**
 * Doc-only: the response schemas of the dead-letter and recover routes. The OpenAPI document is
 * generated from them (functions/events/contract.ts) and deadLetterView (deadLetter.ts) is typed
 * by them; runtime code imports this module only as types, so no function builds them at cold start.
 */

/** A dead letter as the API answers it. */
export const deadLetterViewSchema = z.object({
  id: z.string(),
  hook_id: z.string(),
  delivery_id: z.string().describe('the webhook-id the receiver saw; a redrive keeps it'),
  event_id: z.string(),
  type: z.string(),
  reason: z.string(),
  attempts: z.number().int(),
  failed_at: z.string(),
  ordering_group: z.string().nullable(),
  followed_by: z.array(z.string()).describe('ordered deliveries of the same group delivered after it'),
  data: z.record(z.string(), z.unknown()).describe('the event data the delivery carried'),
});
export type DeadLetterView = z.infer<typeof deadLetterViewSchema>;

export const deadLetterPageSchema = z.object({
  dead_letters: z.array(deadLetterViewSchema),
  next_cursor: z.string().nullable(),
});

export const redriveResultSchema = z.object({
  redriven: z.number().int().describe('deliveries re-enqueued'),
  not_found: z.array(z.string()).describe('ids asked for that are not (or no longer) dead letters of yours'),
  more: z.boolean().describe('more dead letters are left than one redrive takes (1000): call again'),
});

export const recoverResultSchema = z.object({
  hook_id: z.string(),
  since: z.string(),
  until: z.string(),
  recovered: z.number().int().describe('failed deliveries re-enqueued, each with its webhook-id'),
});
