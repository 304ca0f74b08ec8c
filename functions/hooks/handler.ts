import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import {
  builtInEventTypes,
  type EventTypeView,
  eventPattern,
  eventTypeInputSchema,
  isBuiltInEventType,
} from '#shared/domain/eventTypes.ts';
import { mayEditEventTypes, mayReadEventTypes } from '#shared/domain/hookAccess.ts';
import { type HookInput, hookInputSchema, hookPatchSchema } from '#shared/domain/hookInput.ts';
import { type GrantView, hookView } from '#shared/domain/hookView.ts';
import { INTERLOCK_TYPE_PREFIX, isInterlockType } from '#shared/domain/interlockTarget.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Conflict, Forbidden, NotFound, ValidationError } from '#shared/http/errors.ts';
import { hookListQuery } from '#shared/http/queries.ts';
import { fieldErrors, parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { hookService } from '#shared/services/services.ts';
import { catalogStore } from '#shared/services/stores.ts';

/** Hook management (SPEC §3): hooks, grants for webhook users, the event-type catalog, the OpenAPI document. */
const hookId = (req: ApiRequest): string => req.path.hookId ?? '';

async function listHooks(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(hookListQuery, req.query);
  try {
    const page = await hookService().list(req.principal, query);
    return {
      statusCode: 200,
      body: { hooks: page.hooks.map((h) => hookView(h)), next_cursor: page.nextCursor ?? null },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

/**
 * Parses a hook body. When the shape is wrong, the events are still checked against the catalog,
 * so one 422 lists every bad field, "Event not found" included.
 */
async function parseHook(
  schema: typeof hookInputSchema | typeof hookPatchSchema,
  req: ApiRequest,
): Promise<HookInput> {
  const result = schema.safeParse(req.body === undefined ? {} : req.body);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error, req.body ?? {});
  const events = (req.body as { events?: unknown } | undefined)?.events;
  if (Array.isArray(events)) {
    const checked = events.map((e) => (typeof e === 'string' && eventPattern.safeParse(e).success ? e : '*'));
    errors.push(...(await hookService().catalogErrors(req.principal.tenant, checked)));
  }
  throw new ValidationError(errors);
}

async function createHook(req: ApiRequest): Promise<ApiResult> {
  const input = await parseHook(hookInputSchema, req);
  const { hook, warnings } = await hookService().create(req.principal, input);
  logger.info('Hook created', { hookId: hook.id, events: hook.events });
  return { statusCode: 201, body: hookView(hook, warnings), headers: { location: `/v1/hooks/${hook.id}` } };
}

async function getHook(req: ApiRequest): Promise<ApiResult> {
  const hook = await hookService().visibleHook(req.principal, hookId(req));
  return { statusCode: 200, body: hookView(hook) };
}

function updateHook(mode: 'replace' | 'patch') {
  return async (req: ApiRequest): Promise<ApiResult> => {
    const input = await parseHook(mode === 'replace' ? hookInputSchema : hookPatchSchema, req);
    const { hook, warnings } = await hookService().update(req.principal, hookId(req), input, mode);
    logger.info('Hook updated', { hookId: hook.id, mode });
    return { statusCode: 200, body: hookView(hook, warnings) };
  };
}

async function deleteHook(req: ApiRequest): Promise<ApiResult> {
  const hook = await hookService().remove(req.principal, hookId(req));
  logger.info('Hook deleted', { hookId: hook.id });
  return { statusCode: 204 };
}

async function listGrants(req: ApiRequest): Promise<ApiResult> {
  const grants = await hookService().grantsOf(req.principal, hookId(req));
  return {
    statusCode: 200,
    body: {
      grants: grants.map((g) => ({
        principal_id: g.principalId,
        granted_by: g.grantedBy,
        granted_at: g.grantedAt,
      })),
    },
  };
}

async function putGrant(req: ApiRequest): Promise<ApiResult> {
  const principalId = req.path.principalId ?? '';
  const g = await hookService().grant(req.principal, hookId(req), principalId);
  const body: GrantView = {
    hook_id: g.hookId,
    principal_id: g.principalId,
    granted_by: g.grantedBy,
    granted_at: g.grantedAt,
  };
  return { statusCode: 200, body };
}

async function deleteGrant(req: ApiRequest): Promise<ApiResult> {
  await hookService().revoke(req.principal, hookId(req), req.path.principalId ?? '');
  return { statusCode: 204 };
}

async function listEventTypes(req: ApiRequest): Promise<ApiResult> {
  if (!mayReadEventTypes(req.principal))
    throw new Forbidden('Reading the event-type catalog needs a role that may see hooks');
  const custom = await catalogStore().list(req.principal.tenant);
  return {
    statusCode: 200,
    body: {
      event_types: [
        ...builtInEventTypes.map((name) => ({ name, built_in: true })),
        ...custom.map(
          (t): EventTypeView => ({
            name: t.name,
            built_in: false,
            ...(t.description ? { description: t.description } : {}),
            created_at: t.createdAt,
          }),
        ),
      ],
    },
  };
}

function requireCatalogEditor(req: ApiRequest): void {
  if (!mayEditEventTypes(req.principal)) throw new Forbidden('Editing the event-type catalog needs admin');
}

async function addEventType(req: ApiRequest): Promise<ApiResult> {
  requireCatalogEditor(req);
  const input = parseWith(eventTypeInputSchema, req.body);
  if (isBuiltInEventType(input.name)) throw new Conflict(`Event type ${input.name} is built in`);
  if (isInterlockType(input.name)) {
    throw new ValidationError([
      {
        field: 'name',
        message: `${INTERLOCK_TYPE_PREFIX}* types are reserved for interlock targets (interlock.lock, interlock.unlock, interlock.status)`,
      },
    ]);
  }
  const type = {
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    createdAt: new Date().toISOString(),
  };
  if (!(await catalogStore().add(req.principal.tenant, type))) {
    throw new Conflict(`Event type ${input.name} already exists`);
  }
  return {
    statusCode: 201,
    body: { ...input, built_in: false, created_at: type.createdAt },
  };
}

async function deleteEventType(req: ApiRequest): Promise<ApiResult> {
  requireCatalogEditor(req);
  const name = req.path.type ?? '';
  if (isBuiltInEventType(name)) throw new Conflict(`Event type ${name} is built in and cannot be deleted`);
  if (!(await catalogStore().remove(req.principal.tenant, name))) throw new NotFound(`Event type ${name}`);
  return { statusCode: 204 };
}

export const handler = apiHandler(
  {
    'GET /v1/hooks': listHooks,
    'POST /v1/hooks': createHook,
    'GET /v1/hooks/{hookId}': getHook,
    'PUT /v1/hooks/{hookId}': updateHook('replace'),
    'PATCH /v1/hooks/{hookId}': updateHook('patch'),
    'DELETE /v1/hooks/{hookId}': deleteHook,
    'GET /v1/hooks/{hookId}/grants': listGrants,
    'PUT /v1/hooks/{hookId}/grants/{principalId}': putGrant,
    'DELETE /v1/hooks/{hookId}/grants/{principalId}': deleteGrant,
    'GET /v1/event-types': listEventTypes,
    'POST /v1/event-types': addEventType,
    'DELETE /v1/event-types/{type+}': deleteEventType,
    'GET /v1/openapi.json': async () => {
      // The document is generated from every function's contract, so importing it builds all of
      // their zod schemas: done on the first request for it, not at every cold start of this API.
      const { openApiDocument } = await import('#shared/http/openApi.ts');
      return { statusCode: 200, body: openApiDocument() };
    },
  },
  { publicRoutes: ['GET /v1/openapi.json'] },
);
