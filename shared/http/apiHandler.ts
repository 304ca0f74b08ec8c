import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { functions } from '../../functions/manifest.ts';
import { optionalEnv } from '../config.ts';
import { fullScope, type Scope } from '../domain/scopes.ts';
import { logger } from '../observability/powertools.ts';
import { publishMetrics } from '../observability/publishMetrics.ts';
import { handlerTracer } from '../observability/tracing.ts';
import { clientSettingNames } from '../resources.ts';
import {
  BindingCache,
  DEFAULT_BINDING_CACHE_SECONDS,
  isMachineToken,
  machinePrincipal,
} from '../services/clientBindings.ts';
import {
  BadRequest,
  Forbidden,
  HttpError,
  NotFound,
  PayloadTooLarge,
  Unauthorized,
  ValidationError,
} from './errors.ts';
import { readJsonBody } from './jsonBody.ts';
import { exactClaims, type Principal, principalFromClaims } from './principal.ts';
import { toResponse } from './response.ts';

export { toResponse };

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResponse = APIGatewayProxyStructuredResultV2;

/** What a route handler sees: the verified principal, the parsed JSON body, path and query. */
export interface ApiRequest {
  readonly principal: Principal;
  readonly body: unknown;
  readonly path: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly event: ApiEvent;
  /** Milliseconds this invocation has left (Lambda's context.getRemainingTimeInMillis). */
  remainingMs(): number;
}

export interface ApiResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResult>;

export interface ApiHandlerOptions {
  /** Every route is served without a token (they authenticate otherwise, or not at all). */
  public?: boolean;
  /** These route keys are served without a token (the manifest marks them public too). */
  publicRoutes?: readonly string[];
  /** Largest accepted body in bytes (413 above). */
  maxBodyBytes?: number;
  /**
   * Responses carry secrets (a trigger's URLs are shown once): keep them out of X-Ray, and never
   * log the incoming event, whatever POWERTOOLS_LOGGER_LOG_EVENT says (its path and query may
   * hold a trigger secret).
   */
  secretBearing?: boolean;
  /** Answers some errors in the routes' own shape (the Ovation routes' 422), wherever they arise. */
  mapError?: (err: unknown) => ApiResult | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 200 * 1024;

/** The scope each route asks of machine tokens, from the manifest. */
const routeScopes = new Map<string, Scope>(
  functions.flatMap((fn) => (fn.routes ?? []).flatMap((r) => (r.scope ? [[r.route, r.scope] as const] : []))),
);

let bindingCache: BindingCache | undefined;

/**
 * The machine-client bindings of this function instance, built on the first machine token (the
 * table adapter is imported then, so functions that never see one do not load it).
 */
export function clientBindings(): BindingCache {
  if (!bindingCache) {
    const seconds = Number(
      optionalEnv(clientSettingNames.bindingCacheSeconds, String(DEFAULT_BINDING_CACHE_SECONDS)),
    );
    bindingCache = new BindingCache(async (clientId) => {
      const [{ dynamoDb }, { ClientStore }, { config }] = await Promise.all([
        import('../adapters/awsClients.ts'),
        import('../adapters/clientStore.ts'),
        import('../config.ts'),
      ]);
      return new ClientStore(dynamoDb, config.tableName).get(clientId);
    }, Math.max(0, seconds) * 1000);
  }
  return bindingCache;
}

/**
 * The caller: a person from the token's tenant and roles (roles read from the bearer token's own
 * JSON when it is the one the authorizer verified), or a machine client from its binding, whose
 * token must carry the route's scope.
 */
async function principalOf(event: ApiEvent): Promise<Principal | undefined> {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  const person = principalFromClaims(claims, exactClaims(event.headers?.authorization, claims));
  if (person || !isMachineToken(claims)) return person;
  const machine = await machinePrincipal(claims, clientBindings());
  const required = routeScopes.get(event.routeKey);
  if (!required || !machine.machine?.scopes.has(required)) {
    const held = [...(machine.machine?.scopes ?? [])].map((s) => fullScope(s as Scope));
    throw new Forbidden(
      required
        ? `This route needs the scope ${fullScope(required)}; the token carries ${held.length ? held.join(' ') : 'no Latchkey scope'}`
        : `${event.routeKey} is not open to machine clients`,
    );
  }
  return machine;
}

function parseBody(event: ApiEvent, limit: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > limit) throw new PayloadTooLarge(limit);
  const body = readJsonBody(raw);
  if (body.ok) return body.value;
  if ('malformed' in body) throw new BadRequest(`Malformed JSON body: ${body.malformed}`);
  throw new ValidationError(body.errors);
}

function lowerCaseHeaders(headers: ApiEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Path parameters arrive percent-encoded (API Gateway cannot split a decoded path); query values
 * arrive decoded (decoding them again would turn `%25` into a bad escape, or `%2541` into `A`).
 * Malformed percent-encoding is the caller's error: 400 naming the parameter, never a 500.
 */
function pathParameters(record: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record ?? {})) {
    if (v === undefined) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new BadRequest(`Malformed percent-encoding in the path parameter ${k}: ${v.slice(0, 100)}`);
    }
  }
  return out;
}

function queryParameters(record: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

export function errorResponse(err: unknown, requestId: string): ApiResponse {
  if (err instanceof HttpError) {
    return toResponse(
      { statusCode: err.statusCode, body: { message: err.message, ...err.details, requestId } },
      requestId,
    );
  }
  // Logged once, here, with the correlation id the caller sees; the body never carries internals.
  logger.error('Unhandled error', { error: err as Error, requestId });
  return toResponse(
    {
      statusCode: 500,
      body: { message: 'Internal error; quote the requestId when reporting it', requestId },
    },
    requestId,
  );
}

/**
 * Builds a Lambda handler for API Gateway HTTP API (payload v2) routes. The middy chain is
 * tracer → logger (with the request id as correlation id) → metrics, then: body size and JSON
 * parsing, the principal from the JWT authorizer's claims, routing on `routeKey`, and error
 * mapping (HttpError → its status, anything else → 500 with a correlation id).
 */
export function apiHandler(routes: Record<string, RouteHandler>, options: ApiHandlerOptions = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const dispatch = async (event: ApiEvent, context: Context): Promise<ApiResponse> => {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    try {
      const route = routes[event.routeKey];
      if (!route) throw new NotFound(`Route ${event.routeKey}`);
      const isPublic = options.public || options.publicRoutes?.includes(event.routeKey);
      const principal = isPublic ? undefined : await principalOf(event);
      if (!principal && !isPublic) throw new Unauthorized();
      if (principal) logger.appendKeys({ tenant: principal.tenant });
      // Parsed on first read, so a route that authenticates otherwise (a trigger secret) can
      // answer 401 before looking at the body.
      let body: { value: unknown } | undefined;
      const request: ApiRequest = {
        get principal(): Principal {
          if (!principal) throw new Unauthorized();
          return principal;
        },
        get body(): unknown {
          body ??= { value: parseBody(event, limit) };
          return body.value;
        },
        path: pathParameters(event.pathParameters),
        query: queryParameters(event.queryStringParameters),
        headers: lowerCaseHeaders(event.headers),
        requestId,
        event,
        remainingMs: () => context.getRemainingTimeInMillis(),
      };
      return toResponse(await route(request), requestId);
    } catch (err) {
      const mapped = options.mapError?.(err);
      return mapped ? toResponse(mapped, requestId) : errorResponse(err, requestId);
    }
  };
  const secretBearing = options.secretBearing ?? false;
  return middy<ApiEvent, ApiResponse>()
    .use(handlerTracer())
    .use(
      injectLambdaContext(logger, {
        correlationIdPath: 'requestContext.requestId',
        resetKeys: true,
        ...(secretBearing ? { logEvent: false } : {}),
      }),
    )
    .use(publishMetrics())
    .handler(dispatch);
}
