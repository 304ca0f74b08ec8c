import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import {
  deadLetterListQuery,
  deadLetterRedriveSchema,
  deadLetterView,
  recoverInputSchema,
} from '#shared/domain/deadLetter.ts';
import { attemptView, type DeliveryView, deliveriesView } from '#shared/domain/eventView.ts';
import {
  API_GATEWAY_LIMIT_MS,
  deadlineFrom,
  deliveryWindow,
  MIN_DELIVERY_MS,
} from '#shared/domain/timeBudget.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Conflict, Forbidden, NotFound, ValidationError } from '#shared/http/errors.ts';
import { hasRole } from '#shared/http/principal.ts';
import { pageQuery } from '#shared/http/queries.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import type { IngestRequest } from '#shared/services/eventIngest.ts';
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
  return queueing().ingest.one(ingestRequest(req));
}

async function publishBatch(req: ApiRequest): Promise<ApiResult> {
  mayPublish(req);
  return queueing().ingest.batch(ingestRequest(req));
}

function ingestRequest(req: ApiRequest): IngestRequest {
  return { principal: req.principal, body: req.body, idempotencyKey: req.headers['idempotency-key'] };
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
  'POST /v1/events/batch': publishBatch,
  'GET /v1/events/{eventId}': getEvent,
  'GET /v1/hooks/{hookId}/deliveries': hookDeliveries,
  'POST /v1/hooks/{hookId}/test': testHook,
  'POST /v1/hooks/{hookId}/recover': recoverHook,
  'GET /v1/dead-letters': listDeadLetters,
  'POST /v1/dead-letters/redrive': redriveDeadLetters,
});
