import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { apiContract } from '../../shared/http/apiContract.ts';
import { openApiDocument, undocumentedRoutes } from '../../shared/http/openApi.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks the generated JSON document
type Doc = Record<string, any>;
const doc = openApiDocument() as Doc;
const op = (method: string, path: string): Doc => doc.paths[path][method];
const manifestRoutes = functions.flatMap((fn) => (fn.routes ?? []).map((r) => r.route));

describe('OpenAPI document: the whole contract', () => {
  it('documents every manifest route, and declares no route the manifest lacks', () => {
    expect(undocumentedRoutes()).toEqual([]);
    expect(Object.keys(apiContract).filter((route) => !manifestRoutes.includes(route as never))).toEqual([]);
  });

  it('gives every operation its real success status with a body schema, and its errors with the error schema', () => {
    for (const route of manifestRoutes) {
      const [method, rawPath] = route.split(' ') as [string, string];
      const o = op(method.toLowerCase(), rawPath.replace('+}', '}'));
      const statuses = Object.keys(o.responses).map(Number);
      const success = statuses.filter((s) => s < 300);
      expect(success, route).toHaveLength(1);
      const ok = o.responses[success[0]!];
      if (success[0] === 204) expect(ok.content, route).toBeUndefined();
      else expect(ok.content['application/json'].schema, route).toBeTypeOf('object');
      for (const status of statuses.filter((s) => s >= 400)) {
        expect(o.responses[status].content['application/json'].schema, `${route} ${status}`).toBeTypeOf(
          'object',
        );
      }
      expect(statuses, route).toContain(400);
    }
  });

  it('has the statuses, parameters, headers and bodies the issue found missing', () => {
    expect(Object.keys(op('post', '/v1/hooks').responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '413', '422']),
    );
    expect(op('post', '/v1/hooks').responses['201'].headers).toHaveProperty('location');
    expect(Object.keys(op('post', '/v1/events').responses)).toEqual(
      expect.arrayContaining(['202', '409', '503']),
    );
    expect(op('delete', '/v1/hooks/{hookId}').responses).toHaveProperty('204');
    expect(op('delete', '/v1/hooks/{hookId}').responses).not.toHaveProperty('200');
    expect(Object.keys(op('post', '/v1/interlocks/{serviceId}/unlock').responses)).toEqual(
      expect.arrayContaining(['200', '403', '404', '409', '502', '504']),
    );
    const listParams = op('get', '/v1/hooks').parameters.map((p: Doc) => `${p.in}:${p.name}`);
    expect(listParams).toEqual(['query:limit', 'query:cursor', 'query:scope']);
    expect(op('get', '/v1/hooks').parameters[0].schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 100,
    });
    expect(op('post', '/v1/events').parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    expect(op('post', '/v1/event-types').requestBody.content['application/json'].schema.required).toEqual([
      'name',
    ]);
    expect(
      op('put', '/v1/services/{serviceId}').requestBody.content['application/json'].schema.required,
    ).toEqual(['name']);
    // A response schema that says what the answer holds, closed so an undocumented field is caught.
    const hook = op('get', '/v1/hooks/{hookId}').responses['200'].content['application/json'].schema;
    expect(hook.additionalProperties).toBe(false);
    expect(hook.required).toEqual(expect.arrayContaining(['id', 'url', 'auth', 'signing']));
    expect(JSON.stringify(hook)).not.toMatch(/password"/);
  });

  it('answers the Ovation routes in Ovation’s shapes', () => {
    const base = '/api/v3/project_templates/{projectTemplateId}/webhook_endpoints';
    const create = op('post', base);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['webhookEndpoint']);
    expect(create.responses['201'].content['application/json'].schema.required).toEqual(['webhook_endpoint']);
    expect(create.responses['422'].content['application/json'].schema).toMatchObject({
      properties: { errors: { type: 'array', items: { type: 'string' } } },
    });
    expect(op('get', base).responses['200'].content['application/json'].schema.required).toEqual([
      'webhook_endpoints',
    ]);
    expect(op('delete', `${base}/{webhookId}`).responses).toHaveProperty('201');
  });

  it('links created resources to the operations that use them (for stateful fuzzing)', () => {
    expect(op('post', '/v1/hooks').responses['201'].links.GetHook).toEqual({
      operationId: 'GET /v1/hooks/{hookId}',
      parameters: { hookId: '$response.body#/id' },
    });
    const ids = new Set(
      Object.values(doc.paths).flatMap((methods) =>
        Object.values(methods as Doc).map((o: Doc) => o.operationId),
      ),
    );
    for (const methods of Object.values(doc.paths)) {
      for (const o of Object.values(methods as Doc)) {
        for (const response of Object.values(o.responses as Doc)) {
          for (const link of Object.values((response.links ?? {}) as Doc))
            expect(ids).toContain(link.operationId);
        }
      }
    }
  });

  it('leaves the public routes without a token requirement', () => {
    expect(op('get', '/health').security).toEqual([]);
    expect(op('get', '/health').responses).not.toHaveProperty('401');
    expect(op('get', '/v1/openapi.json').security).toEqual([]);
    expect(op('get', '/v1/hooks').responses).toHaveProperty('401');
  });
});
