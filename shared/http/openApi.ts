import { z } from 'zod';
import { functions } from '../../functions/manifest.ts';
import { eventInputSchema, redriveSchema } from '../domain/eventInput.ts';
import { hookInputSchema, hookPatchSchema } from '../domain/hookInput.ts';
import { ovationEndpointSchema } from '../domain/ovationHook.ts';

/**
 * Request bodies documented in the OpenAPI document: the same zod schemas that validate the
 * requests and type the code, so the document cannot drift from what the API accepts.
 */
const requestBodies = new Map<string, z.ZodType>([
  ['POST /v1/hooks', hookInputSchema],
  ['PUT /v1/hooks/{hookId}', hookInputSchema],
  ['PATCH /v1/hooks/{hookId}', hookPatchSchema],
  ['POST /v1/events', eventInputSchema],
  ['POST /v1/dlq/redrive', redriveSchema],
  ['POST /api/v3/project_templates/{projectTemplateId}/webhook_endpoints', ovationEndpointSchema],
  ['PUT /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}', ovationEndpointSchema],
]);

const errorResponses = {
  '400': { description: 'Malformed JSON' },
  '401': { description: 'Missing or invalid bearer token' },
  '403': { description: 'Your roles may not do this' },
  '404': { description: 'Not found (or another tenant’s)' },
  '413': { description: 'Body over the size limit' },
  '422': { description: 'Validation failed: `errors` lists every bad field' },
};

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const fn of functions) {
    for (const { route, public: isPublic } of fn.routes ?? []) {
      const [method, path] = route.split(' ') as [string, string];
      const openApiPath = path.replace(/\{(\w+)\+\}/g, '{$1}');
      const params = [...openApiPath.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const schema = requestBodies.get(route);
      paths[openApiPath] ??= {};
      paths[openApiPath][method.toLowerCase()] = {
        operationId: `${fn.id}:${route}`,
        summary: fn.description,
        ...(isPublic ? { security: [] } : {}),
        ...(params.length ? { parameters: params } : {}),
        ...(schema
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
                  },
                },
              },
            }
          : {}),
        responses: { '200': { description: 'OK' }, ...(isPublic ? {} : errorResponses) },
      };
    }
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey',
      version: '1.0.0',
      description: 'Webhooks and instrument interlocks for lab and facility systems.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}
