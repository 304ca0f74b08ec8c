import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import { config } from '#shared/config.ts';
import type { Trigger } from '#shared/domain/trigger.ts';
import {
  presentedSecret,
  subscribeSchema,
  triggerInputSchema,
  unlockSchema,
  unsubscribeSchema,
} from '#shared/domain/trigger.ts';
import { triggerIssuedView, triggerView } from '#shared/domain/triggerView.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { ValidationError } from '#shared/http/errors.ts';
import { pageQuery } from '#shared/http/queries.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { triggerService } from '#shared/services/triggers.ts';

/**
 * Trigger URLs (SPEC §7.4): `/v1/triggers` for admins, and the public `.../notify` URLs a
 * PlaceOS-style caller (Rhombus) uses with the secret: POST subscribes, DELETE unsubscribes, GET
 * lists doors, PUT unlocks one. Nothing here logs a path, a query string or a body: the secret
 * travels in them.
 */
/** Identical for an unknown trigger and a wrong secret, byte for byte (no request id). */
const UNAUTHORIZED = { message: 'Unknown trigger or wrong secret' };

/** The base the trigger URLs are built on: the configured public URL, else this request's host. */
function apiBase(req: ApiRequest): string {
  const proto = req.headers['x-forwarded-proto'] ?? 'https';
  return config.publicApiUrl ?? `${proto}://${req.event.requestContext.domainName}`;
}

const triggerId = (req: ApiRequest): string => req.path.triggerId ?? '';

async function createTrigger(req: ApiRequest): Promise<ApiResult> {
  triggerService().requireAdmin(req.principal);
  const { name } = parseWith(triggerInputSchema, req.body);
  const { trigger, urls } = await triggerService().create(req.principal, name, apiBase(req));
  logger.info('Trigger created', { triggerId: trigger.id });
  return {
    statusCode: 201,
    body: triggerIssuedView(trigger, urls),
    headers: { location: `/v1/triggers/${trigger.id}`, 'cache-control': 'no-store' },
  };
}

async function listTriggers(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(pageQuery, req.query);
  try {
    const page = await triggerService().list(req.principal, query);
    return {
      statusCode: 200,
      body: {
        triggers: page.triggers.map((t) => triggerView(t, apiBase(req))),
        next_cursor: page.nextCursor ?? null,
      },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

async function getTrigger(req: ApiRequest): Promise<ApiResult> {
  const { trigger, subscriptions } = await triggerService().get(req.principal, triggerId(req));
  return { statusCode: 200, body: triggerView(trigger, apiBase(req), subscriptions) };
}

async function rotateTrigger(req: ApiRequest): Promise<ApiResult> {
  const { trigger, urls } = await triggerService().rotate(req.principal, triggerId(req), apiBase(req));
  logger.info('Trigger secret rotated', { triggerId: trigger.id });
  return {
    statusCode: 200,
    body: triggerIssuedView(trigger, urls),
    headers: { 'cache-control': 'no-store' },
  };
}

async function deleteTrigger(req: ApiRequest): Promise<ApiResult> {
  await triggerService().remove(req.principal, triggerId(req));
  logger.info('Trigger deleted', { triggerId: triggerId(req) });
  return { statusCode: 204 };
}

type TriggerMethod = (trigger: Trigger, req: ApiRequest) => Promise<ApiResult>;

/**
 * A call on a trigger URL: the secret check (429 for a throttled source, 401 for anything else
 * wrong), then the method. Logs name the trigger only once the secret matched.
 */
function notify(method: TriggerMethod) {
  return async (req: ApiRequest): Promise<ApiResult> => {
    const source = req.event.requestContext.http.sourceIp;
    const auth = await triggerService().authenticate(
      triggerId(req),
      presentedSecret(req.path.proxy, req.query),
      source,
    );
    if (auth.kind === 'throttled') {
      logger.warn('Trigger call throttled: too many wrong secrets', { source });
      return {
        statusCode: 429,
        body: { message: `Too many wrong secrets from this address; try again in ${auth.retryAfter} s` },
        headers: { 'retry-after': String(auth.retryAfter) },
      };
    }
    if (auth.kind === 'unauthorized') {
      logger.warn('Trigger call refused: unknown trigger or wrong secret', { source });
      return { statusCode: 401, body: UNAUTHORIZED };
    }
    logger.appendKeys({ tenant: auth.trigger.tenant, triggerId: auth.trigger.id });
    return method(auth.trigger, req);
  };
}

const subscribe: TriggerMethod = async (trigger, req) => {
  const input = parseWith(subscribeSchema, req.body);
  const { subscription, created } = await triggerService().subscribe(trigger, input);
  logger.info(created ? 'Subscription created' : 'Subscription replaced', {
    hookId: subscription.hookId,
    signed: subscription.signed,
  });
  return { statusCode: 201, body: { webhook: subscription.webhook, signed: subscription.signed } };
};

const unsubscribe: TriggerMethod = async (trigger, req) => {
  const { webhook } = parseWith(unsubscribeSchema, req.body);
  if (!(await triggerService().unsubscribe(trigger, webhook))) {
    return { statusCode: 404, body: { message: 'No subscription with this webhook URL' } };
  }
  logger.info('Subscription removed');
  return { statusCode: 202, body: { webhook, removed: true } };
};

const listDoors: TriggerMethod = async (trigger) => ({
  statusCode: 200,
  body: await triggerService().doors(trigger),
});

const unlockDoor: TriggerMethod = async (trigger, req) => {
  const { door_id } = parseWith(unlockSchema, req.body);
  const outcome = await triggerService().unlock(trigger, door_id);
  const context = { doorId: door_id, outcome: outcome.outcome };
  if (outcome.outcome === 'unlocked') {
    metrics.addMetric('InterlockSucceeded', MetricUnit.Count, 1);
    logger.info('Door unlocked through a trigger URL', context);
    return { statusCode: 200, body: { door_id, unlocked: true } };
  }
  metrics.addMetric('InterlockFailed', MetricUnit.Count, 1);
  logger.warn('Door unlock through a trigger URL failed', { ...context, reason: outcome.message });
  return { statusCode: outcome.outcome === 'unsupported' ? 501 : 403, body: { message: outcome.message } };
};

const notifyRoutes = (path: string) => ({
  [`POST ${path}`]: notify(subscribe),
  [`DELETE ${path}`]: notify(unsubscribe),
  [`GET ${path}`]: notify(listDoors),
  [`PUT ${path}`]: notify(unlockDoor),
});

const NOTIFY_PATH = '/v1/triggers/{triggerId}/notify';
const NOTIFY_SECRET_PATH = '/v1/triggers/{triggerId}/notify/{proxy+}';

export const handler = apiHandler(
  {
    'POST /v1/triggers': createTrigger,
    'GET /v1/triggers': listTriggers,
    'GET /v1/triggers/{triggerId}': getTrigger,
    'DELETE /v1/triggers/{triggerId}': deleteTrigger,
    'POST /v1/triggers/{triggerId}/rotate': rotateTrigger,
    ...notifyRoutes(NOTIFY_PATH),
    ...notifyRoutes(NOTIFY_SECRET_PATH),
  },
  {
    publicRoutes: ['POST', 'DELETE', 'GET', 'PUT'].flatMap((m) => [
      `${m} ${NOTIFY_PATH}`,
      `${m} ${NOTIFY_SECRET_PATH}`,
    ]),
    secretBearing: true,
  },
);
