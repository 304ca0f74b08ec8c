import * as z from 'zod';
import type { RouteSpec } from '../../functions/manifest.ts';

/**
 * The contract of one API operation, declared next to its handler and keyed by its manifest route
 * key. The OpenAPI document (openApi.ts) is generated from these declarations and the same zod
 * schemas that parse the requests and type the answers, so the document is the whole contract:
 * a fuzzer checks every answer against it.
 *
 * Statuses every route shares are added by the generator, so a declaration lists only its own:
 *  - 400 on every route (malformed percent-encoding; malformed JSON when there is a body),
 *  - 401 and 403 on every route that is not public (403: a machine token without the route's scope),
 *  - 404 on every route with a path parameter,
 *  - 413 and 422 on every route with a body; 422 on every route with query or header parameters.
 */
export type RouteKey = RouteSpec['route'];

export type SuccessStatus = 200 | 201 | 202 | 204;
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 501 | 502 | 503 | 504;

export interface OperationLink {
  /** The route the link leads to. */
  route: RouteKey;
  /** Its parameters, as OpenAPI runtime expressions (`$response.body#/id`). */
  parameters: Record<string, string>;
}

export interface Operation {
  summary: string;
  description?: string;
  /** The success answer: its status, body schema (none: no body), response headers and links. */
  ok: {
    status: SuccessStatus;
    body?: z.ZodType;
    description?: string;
    headers?: Record<string, string>;
    links?: Record<string, OperationLink>;
  };
  /** Path parameter schemas; a parameter not listed is a non-empty string. */
  path?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the operation reads, e.g. `Idempotency-Key`. */
  headers?: z.ZodObject;
  /** The JSON request body. */
  body?: z.ZodType;
  /** Error statuses of this operation beyond the shared ones (see above). */
  errors?: readonly ErrorStatus[];
  /** Error bodies that differ from `errorBodySchema` (the Ovation routes' 422). */
  errorBodies?: Partial<Record<ErrorStatus, z.ZodType>>;
}

export type Contract = Partial<Record<RouteKey, Operation>>;

/**
 * Every error answer: a message a person can act on, the request id to quote, and for 422 every
 * bad field. Some errors carry more (the event id of a 503, the targets of a 502).
 */
export const errorBodySchema = z.looseObject({
  message: z.string(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
