import { bookingFromEvent } from '#shared/adapters/bookingStore.ts';
import { EnqueueError } from '#shared/adapters/deliveryQueue.ts';
import { EventStore, type StoredEvent } from '#shared/adapters/eventStore.ts';
import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import {
  deadLetterListQuery,
  deadLetterRedriveSchema,
  deadLetterView,
  recoverInputSchema,
} from '#shared/domain/deadLetter.ts';
import { deliveriesFor } from '#shared/domain/delivery.ts';
import { newEventIds } from '#shared/domain/eventId.ts';
import { type EventInput, eventInputSchema, idempotencyKey } from '#shared/domain/eventInput.ts';
import {
  attemptView,
  type DeliveryView,
  deliveriesView,
  type EventAccepted,
} from '#shared/domain/eventView.ts';
import { isInterlockTarget } from '#shared/domain/interlockTarget.ts';
import {
  API_GATEWAY_LIMIT_MS,
  deadlineFrom,
  deliveryWindow,
  MIN_DELIVERY_MS,
} from '#shared/domain/timeBudget.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Conflict, Forbidden, HttpError, NotFound, ValidationError } from '#shared/http/errors.ts';
import { hasRole } from '#shared/http/principal.ts';
import { pageQuery } from '#shared/http/queries.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { outbound } from '#shared/services/outbound.ts';
import { queueing } from '#shared/services/queueing.ts';
import { services } from '#shared/services/services.ts';

/** Event ingest and fan-out (SPEC §4), the delivery log, test deliveries, dead letters and recovery. */
function mayPublish(req: ApiRequest): void {
  if (!hasRole(req.principal, 'staff', 'webhook_admin')) {
    throw new Forbidden('Publishing events needs admin, staff or webhook_admin');
  }
}

async function publish(req: ApiRequest): Promise<ApiResult> {
  mayPublish(req);
  const input = parseWith(eventInputSchema, req.body);
  const tenant = req.principal.tenant;
  const { events, interlockGuard } = services();
  await interlockGuard.checkEvent(req.principal, input.type, input.scope);
  const keyHeader = req.headers['idempotency-key'];
  let key: string | undefined;
  if (keyHeader !== undefined) {
    const parsed = idempotencyKey.safeParse(keyHeader);
    if (!parsed.success)
      throw new ValidationError([{ field: 'Idempotency-Key', message: parsed.error.issues[0]!.message }]);
    key = parsed.data;
    const claim = await events.claim(tenant, key, EventStore.fingerprint(input));
    if (claim.state === 'completed') {
      return { ...claim.response, headers: { 'idempotent-replayed': 'true' } };
    }
    if (claim.state === 'in-progress')
      throw new Conflict('A request with this Idempotency-Key is still being processed');
    if (claim.state === 'mismatch') {
      throw new HttpError(422, 'This Idempotency-Key was already used with a different request body', {
        errors: [{ field: 'Idempotency-Key', message: 'reused with a different request body' }],
      });
    }
  }
  try {
    const result = await fanOut(tenant, input);
    if (key) await events.complete(tenant, key, result);
    return result;
  } catch (err) {
    if (key) await events.release(tenant, key).catch(() => undefined);
    throw err;
  }
}

async function fanOut(
  tenant: string,
  input: EventInput,
): Promise<{ statusCode: number; body: EventAccepted }> {
  const { hookService, hooks, events, bookings } = services();
  const { queue } = queueing();
  const catalogErrors = await hookService.catalogErrors(tenant, [input.type]);
  if (catalogErrors.length > 0) throw new ValidationError([{ field: 'type', message: 'Event not found' }]);

  const received = Date.now();
  // Sorts by ingest time: a hook's attempt log, keyed by event id, lists newest event first.
  const [eventId] = newEventIds(1, received) as [string];
  const receivedAt = new Date(received).toISOString();
  // Interlock targets never get queued deliveries, even one stored before the rule existed.
  const matching = (await hooks.findMatching(tenant, input.type, input.scope)).filter(
    (hook) => !isInterlockTarget(hook),
  );
  // One per hook; ordered hooks' carry their ordering group (the FIFO message group).
  const messages = deliveriesFor(
    {
      id: eventId,
      tenant,
      type: input.type,
      ...(input.scope ? { scope: input.scope } : {}),
      data: input.data,
      receivedAt,
    },
    matching,
  );
  // Booking events are kept as bookings for interlock authorisation (SPEC §4, §6).
  let booking: string | undefined;
  if (input.type.startsWith('event.')) {
    const change = bookingFromEvent(input.type, input.data, input.scope);
    if (change) await bookings.apply(tenant, change);
    booking = change
      ? change.op === 'put'
        ? 'stored'
        : 'deleted'
      : 'not stored: a booking needs data.event_id, data.service_id (or scope), data.user_id, data.start and data.end (ISO 8601)';
  }
  // Recorded before enqueueing, so a delivery never runs for an event GET /v1/events cannot show;
  // corrected (or removed) when enqueueing fails, so no event is left claiming deliveries that
  // will never happen.
  const event: StoredEvent = {
    id: eventId,
    type: input.type,
    ...(input.scope ? { scope: input.scope } : {}),
    receivedAt,
    hookIds: matching.map((h) => h.id),
    deliveryIds: messages.map((m) => m.deliveryId),
  };
  await events.save(tenant, event);
  try {
    await queue.enqueue(messages);
  } catch (err) {
    const failed = new Set(
      err instanceof EnqueueError ? err.failed.map((f) => f.id) : messages.map((m) => m.deliveryId),
    );
    const sent = messages.filter((m) => !failed.has(m.deliveryId));
    logger.error('Enqueueing failed', { eventId, failed: failed.size, sent: sent.length });
    if (sent.length === 0) {
      await events.remove(tenant, eventId);
    } else {
      await events.save(tenant, {
        ...event,
        hookIds: sent.map((m) => m.hookId),
        deliveryIds: sent.map((m) => m.deliveryId),
        incomplete: `${failed.size} of ${messages.length} deliveries could not be enqueued; the publisher was answered 503`,
      });
    }
    throw new HttpError(
      503,
      `Only ${sent.length} of ${messages.length} deliveries could be enqueued; send the event again`,
      sent.length > 0 ? { eventId } : {},
    );
  }
  // DEBUG: the event record and GET /v1/events/{id} hold what was accepted; INFO stays quiet.
  logger.debug('Event accepted', { eventId, type: input.type, deliveries: messages.length });
  return {
    statusCode: 202,
    body: {
      event_id: eventId,
      type: input.type,
      scope: input.scope ?? null,
      deliveries: messages.length,
      hook_ids: matching.map((h) => h.id),
      ...(booking ? { booking } : {}),
    },
  };
}

async function getEvent(req: ApiRequest): Promise<ApiResult> {
  services().hookService.requireHookAccess(req.principal);
  const { events, deliveryLog } = services();
  const event = await events.get(req.principal.tenant, req.path.eventId ?? '');
  if (!event) throw new NotFound('Event');
  const attempts = await deliveryLog.ofEvent(req.principal.tenant, event.id, event.hookIds);
  const seen = new Set(attempts.map((a) => a.deliveryId));
  const pending: DeliveryView[] = event.deliveryIds
    .map((id, i) => ({ delivery_id: id, hook_id: event.hookIds[i], state: 'pending' as const, attempts: [] }))
    .filter((d) => !seen.has(d.delivery_id));
  return {
    statusCode: 200,
    body: {
      event_id: event.id,
      type: event.type,
      scope: event.scope ?? null,
      received_at: event.receivedAt,
      hook_ids: event.hookIds,
      deliveries: [...deliveriesView(attempts), ...pending],
      ...(event.incomplete ? { incomplete: event.incomplete } : {}),
    },
  };
}

async function hookDeliveries(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(pageQuery, req.query);
  const hook = await services().hookService.visibleHook(req.principal, req.path.hookId ?? '');
  try {
    const page = await services().deliveryLog.ofHook(
      req.principal.tenant,
      hook.id,
      query.limit,
      query.cursor,
    );
    return {
      statusCode: 200,
      body: { attempts: page.attempts.map(attemptView), next_cursor: page.nextCursor ?? null },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

async function testHook(req: ApiRequest): Promise<ApiResult> {
  const hook = await services().hookService.visibleHook(req.principal, req.path.hookId ?? '');
  await services().interlockGuard.checkTest(req.principal, hook);
  // A synchronous delivery answers before API Gateway gives up and before this function times out.
  const now = Date.now();
  const deadline = deadlineFrom(req.remainingMs(), now, API_GATEWAY_LIMIT_MS);
  const window = deliveryWindow(outbound().delivery.timeoutFor(hook), deadline, now);
  const maxTimeoutMs = window.kind === 'attempt' ? window.timeoutMs : MIN_DELIVERY_MS;
  const attempt = await outbound().delivery.test(hook, req.principal.sub, maxTimeoutMs);
  logger.info('Test delivery', { hookId: hook.id, result: attempt.result, status: attempt.status });
  return { statusCode: 200, body: attemptView(attempt) };
}

/** Dead letters need the tenant's hooks (admin, staff, webhook_admin), or one visible hook. */
async function deadLetterScope(req: ApiRequest, hookId: string | undefined): Promise<void> {
  const { hookService } = services();
  if (hookId !== undefined) await hookService.visibleHook(req.principal, hookId);
  else if (hookService.requireHookAccess(req.principal) !== 'all') {
    throw new Forbidden('A webhook user sees the dead letters of its granted hooks only: pass hook_id');
  }
}

async function listDeadLetters(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(deadLetterListQuery, req.query);
  await deadLetterScope(req, query.hook_id);
  try {
    const page = await queueing().deadLetters.list(req.principal.tenant, {
      limit: query.limit,
      ...(query.hook_id ? { hookId: query.hook_id } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return {
      statusCode: 200,
      body: { dead_letters: page.letters.map(deadLetterView), next_cursor: page.nextCursor ?? null },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

/** Re-enqueues this tenant's dead letters: these ids, one hook's, or all; each keeps its webhook-id. */
async function redriveDeadLetters(req: ApiRequest): Promise<ApiResult> {
  const input = parseWith(deadLetterRedriveSchema, req.body);
  await deadLetterScope(req, input.hook_id);
  const result = await queueing().deadLetters.redrive(req.principal.tenant, {
    ...(input.hook_id ? { hookId: input.hook_id } : {}),
    ...(input.ids ? { ids: input.ids } : {}),
  });
  logger.info('Dead letters re-driven', { redriven: result.redriven, notFound: result.notFound.length });
  return {
    statusCode: 202,
    body: { redriven: result.redriven, not_found: result.notFound, more: result.more },
  };
}

/** Re-sends every delivery of the hook that ended failed in [since, until], each with its webhook-id. */
async function recoverHook(req: ApiRequest): Promise<ApiResult> {
  const input = parseWith(recoverInputSchema, req.body);
  const hook = await services().hookService.visibleHook(req.principal, req.path.hookId ?? '');
  if (!hook.enabled) {
    throw new Conflict(
      `Hook ${hook.id} is disabled${hook.disabled ? ` (${hook.disabled.reason})` : ''}; enable it first (PATCH /v1/hooks/${hook.id} {"enabled": true}), then recover`,
    );
  }
  const since = new Date(input.since);
  const until = input.until ? new Date(input.until) : new Date();
  const recovered = await queueing().deadLetters.recover(req.principal.tenant, hook.id, since, until);
  logger.info('Hook recovered', { hookId: hook.id, recovered });
  return {
    statusCode: 202,
    body: { hook_id: hook.id, since: since.toISOString(), until: until.toISOString(), recovered },
  };
}

export const handler = apiHandler({
  'POST /v1/events': publish,
  'GET /v1/events/{eventId}': getEvent,
  'GET /v1/hooks/{hookId}/deliveries': hookDeliveries,
  'POST /v1/hooks/{hookId}/test': testHook,
  'POST /v1/hooks/{hookId}/recover': recoverHook,
  'GET /v1/dead-letters': listDeadLetters,
  'POST /v1/dead-letters/redrive': redriveDeadLetters,
});
