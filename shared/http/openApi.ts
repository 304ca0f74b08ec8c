import * as z from 'zod';
import { functions } from '../../functions/manifest.ts';
import { apiContract } from './apiContract.ts';
import { type ErrorStatus, errorBodySchema, type Operation, type RouteKey } from './operation.ts';

/**
 * The OpenAPI 3.1 document, generated from the manifest's routes and each route's declared
 * contract (apiContract.ts): success status and body, every error status with its body, path,
 * query and header parameters, request bodies, links between operations. Every schema in it is
 * the zod schema that parses the request or types the answer, so the document cannot drift.
 */
const errorDescriptions: Record<ErrorStatus, string> = {
  400: 'Malformed request: bad percent-encoding in the path or query, or malformed JSON',
  401: 'Missing or invalid bearer token',
  403: 'Your roles may not do this (or a machine token lacks the route’s scope)',
  404: 'Not found (or another tenant’s)',
  409: 'Conflicts with the current state; the message says which',
  413: 'Body over the size limit',
  422: 'Validation failed: `errors` lists every bad field',
  429: 'Too many requests from this source; retry after the `Retry-After` seconds',
  501: 'Not implemented for this target',
  502: 'A target answered with an error or could not be reached; the body says which and why',
  503: 'Temporarily unavailable; send the request again',
  504: 'A target did not answer in time',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

function parametersOf(op: Operation, path: string) {
  const pathNames = [...path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]!);
  const pathShape = (op.path?.shape ?? {}) as Record<string, z.ZodType>;
  const fields = (where: 'query' | 'header', shape: Record<string, z.ZodType>) =>
    Object.entries(shape).map(([name, schema]) => ({
      name,
      in: where,
      required: !isOptional(schema),
      schema: jsonSchema(schema, 'input'),
    }));
  return [
    ...pathNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: pathShape[name] ? jsonSchema(pathShape[name], 'input') : { type: 'string', minLength: 1 },
    })),
    ...fields('query', (op.query?.shape ?? {}) as Record<string, z.ZodType>),
    ...fields('header', (op.headers?.shape ?? {}) as Record<string, z.ZodType>),
  ];
}

/** The error statuses of an operation: its own plus those every route of its kind shares. */
export function errorStatuses(op: Operation, path: string, isPublic: boolean): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>([400, ...(op.errors ?? [])]);
  if (!isPublic) {
    statuses.add(401);
    // A machine client's token without the route's scope (shared/domain/scopes.ts).
    statuses.add(403);
  }
  if (/\{\w+\+?\}/.test(path)) statuses.add(404);
  if (op.body) {
    statuses.add(413);
    statuses.add(422);
  }
  if (op.query || op.headers || op.path) statuses.add(422);
  return [...statuses].sort((a, b) => a - b);
}

function operationId(route: RouteKey): string {
  return route;
}

function operationObject(route: RouteKey, op: Operation, path: string, isPublic: boolean) {
  const json = (schema: z.ZodType, io: 'input' | 'output') => ({
    'application/json': { schema: jsonSchema(schema, io) },
  });
  const responses: Record<string, unknown> = {
    [op.ok.status]: {
      description: op.ok.description ?? 'Success',
      ...(op.ok.body ? { content: json(op.ok.body, 'output') } : {}),
      ...(op.ok.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(op.ok.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(op.ok.links
        ? {
            links: Object.fromEntries(
              Object.entries(op.ok.links).map(([name, link]) => [
                name,
                { operationId: operationId(link.route), parameters: link.parameters },
              ]),
            ),
          }
        : {}),
    },
  };
  for (const status of errorStatuses(op, path, isPublic)) {
    const body = op.errorBodies?.[status];
    responses[status] = {
      description: errorDescriptions[status],
      content: body
        ? json(body, 'output')
        : { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const parameters = parametersOf(op, path);
  return {
    operationId: operationId(route),
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(isPublic ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    // A missing body is read as `{}`: it is optional exactly when `{}` is a valid body.
    ...(op.body
      ? { requestBody: { required: !op.body.safeParse({}).success, content: json(op.body, 'input') } }
      : {}),
    responses,
  };
}

/** Manifest routes with no declared contract (a test keeps this empty). */
export function undocumentedRoutes(): RouteKey[] {
  return functions
    .flatMap((fn) => (fn.routes ?? []).map((r) => r.route))
    .filter((route) => !apiContract[route]);
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const fn of functions) {
    for (const { route, public: isPublic } of fn.routes ?? []) {
      const op = apiContract[route];
      if (!op)
        throw new Error(`${route} has no contract: declare it in ${fn.entry.replace('handler', 'contract')}`);
      const [method, path] = route.split(' ') as [string, string];
      const openApiPath = path.replace(/\{(\w+)\+\}/g, '{$1}');
      paths[openApiPath] ??= {};
      paths[openApiPath][method.toLowerCase()] = operationObject(route, op, path, isPublic ?? false);
    }
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey',
      version: '1.0.0',
      description: 'Webhooks and instrument interlocks for lab and facility systems.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}
