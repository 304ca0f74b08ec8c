import * as z from 'zod';
import {
  deadLetterListQuery,
  deadLetterRedriveSchema,
  recoverInputSchema,
} from '#shared/domain/deadLetter.ts';
import {
  deadLetterPageSchema,
  recoverResultSchema,
  redriveResultSchema,
} from '#shared/domain/deadLetterSchemas.ts';
import { eventBatchInputSchema, eventInputSchema, idempotencyKey } from '#shared/domain/eventInput.ts';
import {
  attemptPageSchema,
  attemptViewSchema,
  eventAcceptedSchema,
  eventsAcceptedSchema,
  eventViewSchema,
} from '#shared/domain/eventViewSchemas.ts';
import type { Contract } from '#shared/http/operation.ts';
import { pageQuery } from '#shared/http/queries.ts';

/** The contract of the Events function's routes (see shared/http/operation.ts). */
export const eventsContract: Contract = {
  'POST /v1/events': {
    summary: 'Publish an event: one delivery is enqueued per matching hook',
    description:
      'The same Idempotency-Key within 24 h answers the first result (header idempotent-replayed: true) and enqueues nothing.',
    body: eventInputSchema,
    headers: z.object({ 'Idempotency-Key': idempotencyKey.optional() }),
    ok: {
      status: 202,
      body: eventAcceptedSchema,
      links: {
        GetEvent: { route: 'GET /v1/events/{eventId}', parameters: { eventId: '$response.body#/event_id' } },
      },
    },
    errors: [403, 409, 503],
  },
  'POST /v1/events/batch': {
    summary: 'Publish 1 to 100 events in one request: one delivery is enqueued per (event, matching hook)',
    description:
      'Each event is validated exactly as POST /v1/events validates one; one bad event refuses the whole batch (422 naming each bad field by its index, e.g. events.3.type) and nothing is stored or enqueued. The answer lists the events in request order. The same Idempotency-Key within 24 h answers the first result (header idempotent-replayed: true) and enqueues nothing. A 503 means some deliveries are not on the queue: send the events again.',
    body: eventBatchInputSchema,
    headers: z.object({ 'Idempotency-Key': idempotencyKey.optional() }),
    ok: { status: 202, body: eventsAcceptedSchema },
    errors: [403, 409, 503],
  },
  'GET /v1/events/{eventId}': {
    summary: 'An event and the state of each of its deliveries',
    ok: { status: 200, body: eventViewSchema },
    errors: [403],
  },
  'GET /v1/hooks/{hookId}/deliveries': {
    summary: "A hook's delivery attempts, newest event first, each delivery's attempts together (paginated)",
    query: pageQuery,
    ok: { status: 200, body: attemptPageSchema },
    errors: [403],
  },
  'POST /v1/hooks/{hookId}/test': {
    summary: 'Send a test.ping to the hook now and answer the attempt',
    description: 'Interlock targets are refused (422): they are called only through the interlock routes.',
    ok: { status: 200, body: attemptViewSchema },
    errors: [403, 422],
  },
  'POST /v1/hooks/{hookId}/recover': {
    summary: 'Re-send every delivery of the hook that ended failed in [since, until] (default until: now)',
    description:
      'Each re-sent delivery keeps its webhook-id and its attempt count. A disabled hook is refused (409): enable it first.',
    body: recoverInputSchema,
    ok: { status: 202, body: recoverResultSchema },
    errors: [403, 409],
  },
  'GET /v1/dead-letters': {
    summary: "The tenant's dead letters (or one hook's), newest first (paginated)",
    description:
      'Without hook_id it needs admin, staff or webhook_admin; a webhook user passes a granted hook_id.',
    query: deadLetterListQuery,
    ok: { status: 200, body: deadLetterPageSchema },
    errors: [403, 404],
  },
  'POST /v1/dead-letters/redrive': {
    summary: "Re-enqueue the tenant's dead letters: these ids, one hook's, or all (1000 per call)",
    description: 'Each keeps its webhook-id; ids that are not dead letters of yours come back in not_found.',
    body: deadLetterRedriveSchema,
    ok: { status: 202, body: redriveResultSchema },
    errors: [403, 404],
  },
};
