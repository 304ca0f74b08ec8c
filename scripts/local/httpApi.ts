/**
 * A local API Gateway HTTP API: matches routes from functions/manifest.ts, applies the JWT
 * authorizer's checks, turns each request into a payload v2 event for the real handler module,
 * and maps the handler's result back the way API Gateway does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FunctionSpec } from '../../functions/manifest.ts';
import { awsCallScope, recordInvocation } from '../../shared/adapters/awsCallRecorder.ts';
import { flattenClaim } from '../../shared/http/principal.ts';
import type { ConsoleSite } from './consoleSite.ts';
import { verifyToken } from './jwt.ts';
import { lambdaContext } from './lambdaContext.ts';

/** API Gateway HTTP API's own payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  params: string[];
  isPublic: boolean;
  functionId: string;
  handler: LambdaHandler;
}

export async function loadHandler(root: string, spec: FunctionSpec): Promise<LambdaHandler> {
  const mod = (await import(pathToFileURL(join(root, spec.entry)).href)) as { handler?: LambdaHandler };
  const handler = mod.handler;
  if (typeof handler !== 'function') throw new Error(`${spec.entry} does not export a handler`);
  // Each call runs in its function's scope, so the AWS calls it makes are attributed to it (IAM tier).
  return (event, context) => {
    recordInvocation(spec.id);
    return awsCallScope.run(spec.id, () => handler(event, context));
  };
}

function compile(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        params.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        params.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** Loads a function's handler; by default its source module in this process (loadHandler). */
export type HandlerLoader = (spec: FunctionSpec) => Promise<LambdaHandler>;

export async function compileRoutes(
  root: string,
  specs: readonly FunctionSpec[],
  load: HandlerLoader = (spec) => loadHandler(root, spec),
): Promise<CompiledRoute[]> {
  const compiled: CompiledRoute[] = [];
  for (const spec of specs) {
    if (!spec.routes?.length) continue;
    const handler = await load(spec);
    for (const { route, public: isPublic } of spec.routes) {
      const [method, path] = route.split(' ') as [string, string];
      compiled.push({
        routeKey: route,
        method,
        ...compile(path),
        isPublic: isPublic ?? false,
        functionId: spec.id,
        handler,
      });
    }
  }
  // API Gateway prefers the most specific route: literal segments before parameters.
  return compiled.sort(
    (a, b) =>
      b.pattern.source.replace(/\([^)]*\)/g, '').length - a.pattern.source.replace(/\([^)]*\)/g, '').length,
  );
}

/**
 * What a log line shows of a request: the matched route key (as the stack's access log does), or
 * for an unmatched request its path cut after `/notify` — never a query string, since trigger
 * URLs carry their secret in the query or in the path after `/notify`.
 */
export function loggedPath(pathname: string, route?: { routeKey: string }): string {
  if (route) return route.routeKey.slice(route.routeKey.indexOf(' ') + 1);
  return pathname.replace(/(\/notify)\/.*$/, '$1/…');
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The first `name=value` part of a query string whose percent-encoding does not decode to UTF-8. */
export function malformedQuery(search: string): string | undefined {
  for (const part of search.replace(/^\?/, '').split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  }
  return undefined;
}

async function readFullBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readBody(req);
  return body === 'too-large' ? Buffer.alloc(0) : body;
}

function toClaimStrings(payload: Record<string, unknown>): Record<string, string> {
  // API Gateway passes claims as strings; arrays as "[a b]".
  const claims: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) claims[k] = flattenClaim(v);
  return claims;
}

export interface HttpApiOptions {
  routes: CompiledRoute[];
  port: number;
  host?: string;
  log?: (line: string) => void;
  /** Serves `POST /oauth2/token` (the user pool's token endpoint, which the emulator lacks). */
  tokenEndpoint?: (
    body: string,
    authorization: string | undefined,
  ) => Promise<{ status: number; body: unknown }>;
  /** The staff console's static site at /console/ (what CloudFront serves in AWS). */
  site?: ConsoleSite;
}

export async function startHttpApi({
  routes,
  port,
  host = '127.0.0.1',
  log,
  tokenEndpoint,
  site,
}: HttpApiOptions): Promise<Server> {
  const server = createServer(async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const route = routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    try {
      if (tokenEndpoint && method === 'POST' && url.pathname === '/oauth2/token') {
        const body = await readBody(req);
        if (body === 'too-large') {
          send(res, 413, JSON.stringify({ error: 'invalid_request' }));
          return;
        }
        const out = await tokenEndpoint(body.toString('utf8'), req.headers.authorization);
        send(res, out.status, JSON.stringify(out.body), { 'cache-control': 'no-store' });
        return;
      }
      if (site && (await site(req, res, url, async () => readFullBody(req)))) return;
      if (!route) {
        send(res, 404, JSON.stringify({ message: 'Not Found' }));
        return;
      }
      const body = await readBody(req);
      if (body === 'too-large') {
        send(res, 413, JSON.stringify({ message: 'Request Entity Too Large' }));
        return;
      }
      let claims: Record<string, string> | undefined;
      if (!route.isPublic) {
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        const payload = token ? await verifyToken(token) : undefined;
        if (!payload) {
          send(res, 401, JSON.stringify({ message: 'Unauthorized' }), { 'www-authenticate': 'Bearer' });
          return;
        }
        claims = toClaimStrings(payload as Record<string, unknown>);
      }
      const match = route.pattern.exec(url.pathname)!;
      const pathParameters: Record<string, string> = {};
      route.params.forEach((name, i) => {
        pathParameters[name] = match[i + 1]!;
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      }
      // API Gateway adds these; handlers build the URLs they hand out from them.
      const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-port'] = String(req.socket.localPort ?? port);
      headers['x-forwarded-for'] = headers['x-forwarded-for']
        ? `${headers['x-forwarded-for']}, ${sourceIp}`
        : sourceIp;
      // API Gateway hands the function decoded query values; a query it cannot decode is a 400.
      const malformed = malformedQuery(url.search);
      if (malformed !== undefined) {
        send(
          res,
          400,
          JSON.stringify({
            message: `Malformed percent-encoding in the query string: ${malformed.slice(0, 100)}`,
          }),
        );
        return;
      }
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
      const requestId = randomUUID();
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? host,
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp,
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: route.routeKey,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          authorizer: claims
            ? { jwt: { claims, scopes: [] }, principalId: '', integrationLatency: 0 }
            : undefined,
        },
        body: body.length ? body.toString('utf8') : undefined,
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
      const result = (await route.handler(event, lambdaContext(route.functionId, 29_000))) as
        | APIGatewayProxyStructuredResultV2
        | string
        | undefined;
      if (typeof result === 'object' && result !== null && 'statusCode' in result) {
        const out =
          result.body === undefined
            ? Buffer.alloc(0)
            : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
        const outHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
        res.writeHead(result.statusCode ?? 200, outHeaders);
        res.end(out);
      } else {
        send(res, 200, typeof result === 'string' ? result : JSON.stringify(result ?? null));
      }
    } catch (err) {
      log?.(
        `[api] ${method} ${loggedPath(url.pathname, route)} integration failure: ${(err as Error).message}`,
      );
      send(res, 500, JSON.stringify({ message: 'Internal Server Error' }));
    } finally {
      log?.(`[api] ${method} ${loggedPath(url.pathname, route)} ${res.statusCode} ${Date.now() - started}ms`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
