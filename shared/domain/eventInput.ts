import * as z from 'zod';
import { doorEventErrors } from './doorEvent.ts';
import { MAX_EVENTS_PER_BATCH } from './eventId.ts';
import { eventTypeName } from './eventTypes.ts';
import { isSystemKeyValue, jsonBytes, requiredSystemKey } from './payload.ts';

/** An event's `data` as JSON is at most this big. */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;

/**
 * `POST /v1/events`: an event of the tenant, optionally scoped (service, project template, ...).
 * `order.*` events carry `data.order_id` and `event.*` events `data.event_id` (the resource
 * system always provides them; see payload.ts); `door.*` events name their door (doorEvent.ts).
 */
export const eventInputSchema = z
  .strictObject({
    type: eventTypeName,
    scope: z.string().min(1).max(200).optional(),
    /** Any JSON object; at most MAX_EVENT_DATA_BYTES as JSON (it travels in every delivery message). */
    data: z
      .record(z.string(), z.unknown())
      .refine(
        (d) => jsonBytes(d) <= MAX_EVENT_DATA_BYTES,
        `is larger than ${MAX_EVENT_DATA_BYTES} bytes as JSON (the limit)`,
      )
      .default({}),
  })
  .superRefine((event, ctx) => {
    for (const error of doorEventErrors(event.type, event.scope, event.data)) {
      ctx.addIssue({ code: 'custom', path: error.field.split('.'), message: error.message });
    }
    const key = requiredSystemKey(event.type);
    if (key === undefined) return;
    const value = event.data[key];
    if (value === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', key],
        message: `is required for ${event.type.split('.')[0]}.* events`,
      });
    } else if (!isSystemKeyValue(value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', key],
        message: 'must be a non-empty string or a number',
      });
    }
  });
export type EventInput = z.output<typeof eventInputSchema>;

/** The `Idempotency-Key` header of `POST /v1/events`: the same key within 24 h answers the first result. */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** `POST /v1/events/batch`: 1 to MAX_EVENTS_PER_BATCH events, each exactly as `POST /v1/events` takes one. */
export const eventBatchInputSchema = z.strictObject({
  events: z
    .array(eventInputSchema)
    .min(1, 'must hold at least one event')
    .max(MAX_EVENTS_PER_BATCH, `holds at most ${MAX_EVENTS_PER_BATCH} events (the limit)`),
});
export type EventBatchInput = z.output<typeof eventBatchInputSchema>;
