import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuditEntry } from '#shared/adapters/auditStore.ts';
import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import type { AuditView } from '#shared/domain/interlockView.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Forbidden, HttpError, ValidationError } from '#shared/http/errors.ts';
import { pageQuery } from '#shared/http/queries.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { interlockService } from '#shared/services/outbound.ts';

/** Interlock controls (SPEC §6): visibility, lock / unlock / status through the targets, the audit trail. */
const serviceId = (req: ApiRequest): string => req.path.serviceId ?? '';

/** Counts the outcome (InterlockSucceeded / InterlockFailed / InterlockDenied) and logs it, without secrets. */
async function measured<T>(req: ApiRequest, action: string, call: () => Promise<T>): Promise<T> {
  const context = { serviceId: serviceId(req), action, who: req.principal.sub };
  try {
    const result = await call();
    metrics.addMetric('InterlockSucceeded', MetricUnit.Count, 1);
    logger.info('Interlock call succeeded', context);
    return result;
  } catch (err) {
    if (err instanceof Forbidden) {
      metrics.addMetric('InterlockDenied', MetricUnit.Count, 1);
      logger.info('Interlock call denied', { ...context, reason: err.message });
    } else if (!(err instanceof HttpError) || err.statusCode !== 404) {
      metrics.addMetric('InterlockFailed', MetricUnit.Count, 1);
      if (err instanceof HttpError) {
        logger.warn('Interlock call failed', { ...context, status: err.statusCode, reason: err.message });
      }
    }
    throw err;
  }
}

async function getControls(req: ApiRequest): Promise<ApiResult> {
  const view = await interlockService().controls(req.principal, serviceId(req));
  return { statusCode: 200, body: view };
}

function push(action: 'lock' | 'unlock') {
  return async (req: ApiRequest): Promise<ApiResult> => {
    const result = await measured(req, action, () =>
      interlockService().act(req.principal, serviceId(req), action),
    );
    return { statusCode: 200, body: result };
  };
}

async function getStatus(req: ApiRequest): Promise<ApiResult> {
  const result = await measured(req, 'status', () =>
    interlockService().status(req.principal, serviceId(req)),
  );
  return { statusCode: 200, body: result };
}

function auditView(entry: AuditEntry): AuditView {
  return {
    at: entry.at,
    who: entry.who,
    roles: entry.roles,
    action: entry.action,
    result: entry.result,
    http_status: entry.httpStatus,
    ...(entry.message !== undefined ? { message: entry.message } : {}),
    ...(entry.reported !== undefined ? { reported: entry.reported } : {}),
    ...(entry.refused
      ? {
          refused: {
            route: entry.refused.route,
            ...(entry.refused.eventType ? { event_type: entry.refused.eventType } : {}),
            ...(entry.refused.hookId ? { hook_id: entry.refused.hookId } : {}),
          },
        }
      : {}),
    latency_ms: entry.latencyMs,
    targets: entry.targets.map((t) => ({
      hook_id: t.hookId,
      name: t.hookName,
      ok: t.ok,
      ...(t.httpStatus !== undefined ? { status: t.httpStatus } : {}),
      ...(t.error !== undefined ? { error: t.error } : {}),
      latency_ms: t.latencyMs,
    })),
  };
}

async function getAudit(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(pageQuery, req.query);
  try {
    const page = await interlockService().auditTrail(req.principal, serviceId(req), query);
    return {
      statusCode: 200,
      body: {
        service_id: serviceId(req),
        entries: page.entries.map(auditView),
        next_cursor: page.nextCursor ?? null,
      },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

export const handler = apiHandler({
  'GET /v1/interlocks/{serviceId}': getControls,
  'POST /v1/interlocks/{serviceId}/lock': push('lock'),
  'POST /v1/interlocks/{serviceId}/unlock': push('unlock'),
  'GET /v1/interlocks/{serviceId}/status': getStatus,
  'GET /v1/interlocks/{serviceId}/audit': getAudit,
});
