import type { Hook } from '#shared/domain/hook.ts';
import {
  isProjectTemplateId,
  type OvationEndpointInput,
  ovationEndpointSchema,
  ovationToHookInput,
  ovationView,
} from '#shared/domain/ovationHook.ts';
import { type ApiRequest, type ApiResult, apiHandler, type RouteHandler } from '#shared/http/apiHandler.ts';
import { type FieldError, NotFound, ValidationError } from '#shared/http/errors.ts';
import { fieldErrors } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { services } from '#shared/services/services.ts';

/**
 * Ovation's webhook endpoint API (seeds/ovation-webhook-api.txt) over Latchkey hooks: exact routes,
 * `webhookEndpoint` requests, `webhook_endpoint(s)` responses, 201 for create/update/delete and
 * 422 `{"errors": [...]}` with messages such as "Event not found" and "Project Template not found".
 */
const base = '/api/v3/project_templates/{projectTemplateId}/webhook_endpoints';

/** Our field names → Ovation's, so a 422 speaks the caller's vocabulary. */
const ovationField: Record<string, string> = {
  url: 'target_url',
  events: 'event',
  headers: 'requestHeaders',
  'auth.headers': 'authenticationHeaders',
  'auth.password': 'password',
  'auth.username': 'username',
};

function ovationMessages(errors: FieldError[]): string[] {
  return errors.map(({ field, message }) => {
    if (message.startsWith('Event not found')) return 'Event not found';
    if (field === 'projectTemplateId') return message;
    const path = field.replace(/^webhookEndpoint\./, '');
    const name = ovationField[path] ?? ovationField[path.split('.')[0] ?? ''] ?? path;
    return message.startsWith(`${name} `) ? message : `${name} ${message}`;
  });
}

/** Answers validation failures in Ovation's shape: 422 `{"errors": ["..."]}`. */
function ovation(route: RouteHandler): RouteHandler {
  return async (req) => {
    try {
      return await route(req);
    } catch (err) {
      if (err instanceof ValidationError)
        return { statusCode: 422, body: { errors: ovationMessages(err.errors) } };
      throw err;
    }
  };
}

function templateId(req: ApiRequest): string {
  const id = req.path.projectTemplateId ?? '';
  if (!isProjectTemplateId(id))
    throw new ValidationError([{ field: 'projectTemplateId', message: 'Project Template not found' }]);
  return id;
}

function parseEndpoint(req: ApiRequest): OvationEndpointInput {
  const parsed = ovationEndpointSchema.safeParse(req.body ?? {});
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error).map((e) =>
      e.field === 'webhookEndpoint' || e.field === '(body)'
        ? { field: 'webhookEndpoint', message: 'webhookEndpoint is required' }
        : e,
    );
    throw new ValidationError(errors);
  }
  return parsed.data.webhookEndpoint;
}

/** The endpoint `webhookId` of this template, as the principal may see it; 404 otherwise. */
async function endpoint(req: ApiRequest, template: string): Promise<Hook> {
  const number = Number(req.path.webhookId);
  const hook =
    Number.isSafeInteger(number) && number > 0
      ? await services().hooks.getByNumber(req.principal.tenant, number)
      : undefined;
  if (!hook || hook.scope !== template) throw new NotFound('Webhook endpoint');
  return services().hookService.visibleHook(req.principal, hook.id);
}

async function list(req: ApiRequest): Promise<ApiResult> {
  const template = templateId(req);
  const { hookService, hooks } = services();
  const access = hookService.requireHookAccess(req.principal);
  const inScope =
    access === 'all'
      ? await hooks.listAllInScope(req.principal.tenant, template)
      : (await hookService.list(req.principal, { limit: 100, scope: template })).hooks;
  return { statusCode: 200, body: { webhook_endpoints: inScope.map(ovationView) } };
}

async function getOne(req: ApiRequest): Promise<ApiResult> {
  const hook = await endpoint(req, templateId(req));
  return { statusCode: 200, body: { webhook_endpoint: ovationView(hook) } };
}

async function create(req: ApiRequest): Promise<ApiResult> {
  const template = templateId(req);
  const input = ovationToHookInput(template, parseEndpoint(req));
  const { hook } = await services().hookService.create(req.principal, input);
  logger.info('Ovation webhook endpoint created', { hookId: hook.id, number: hook.number });
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

async function update(req: ApiRequest): Promise<ApiResult> {
  const template = templateId(req);
  const input = ovationToHookInput(template, parseEndpoint(req));
  const existing = await endpoint(req, template);
  // Patch: the Ovation fields are all given (requestHeaders absent clears them); Latchkey-only
  // settings of the hook (signing, data, enabled) are kept.
  const { hook } = await services().hookService.update(
    req.principal,
    existing.id,
    { ...input, name: existing.name },
    'patch',
  );
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

async function remove(req: ApiRequest): Promise<ApiResult> {
  const hook = await endpoint(req, templateId(req));
  await services().hookService.remove(req.principal, hook.id);
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

export const handler = apiHandler({
  [`GET ${base}`]: ovation(list),
  [`POST ${base}`]: ovation(create),
  [`GET ${base}/{webhookId}`]: ovation(getOne),
  [`PUT ${base}/{webhookId}`]: ovation(update),
  [`DELETE ${base}/{webhookId}`]: ovation(remove),
});
