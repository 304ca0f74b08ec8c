import type { Hook } from '#shared/domain/hook.ts';
import { type HookInput, hookInputSchema } from '#shared/domain/hookInput.ts';
import {
  endpointNumber,
  isProjectTemplateId,
  ovationEndpointSchema,
  ovationHookBody,
  ovationView,
} from '#shared/domain/ovationHook.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { type FieldError, NotFound, ValidationError } from '#shared/http/errors.ts';
import { fieldErrors } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { hookService } from '#shared/services/services.ts';
import { hookStore } from '#shared/services/stores.ts';

/**
 * Ovation's webhook endpoint API (seeds/ovation-webhook-api.txt) over Latchkey hooks: exact routes,
 * `webhookEndpoint` requests, `webhook_endpoint(s)` responses, 201 for create/update/delete and
 * 422 `{"errors": [...]}` with messages such as "Event not found" and "Project Template not found".
 */
const base = '/api/v3/project_templates/{projectTemplateId}/webhook_endpoints';

/** Our field names → Ovation's, so a 422 speaks the caller's vocabulary (longest prefix first). */
const ovationField: [string, string][] = [
  ['auth.headers', 'authenticationHeaders'],
  ['auth.username', 'username'],
  ['auth.password', 'password'],
  ['headers', 'requestHeaders'],
  ['url', 'target_url'],
  ['events', 'event'],
];

function ovationName(field: string): string {
  const path = field.replace(/^webhookEndpoint\./, '');
  for (const [ours, theirs] of ovationField) {
    if (path === ours) return theirs;
    // A header's name is kept (`requestHeaders.some key`); `events.0` is the one `event`.
    if (path.startsWith(`${ours}.`))
      return theirs === 'event' ? theirs : `${theirs}${path.slice(ours.length)}`;
  }
  return path;
}

function ovationMessages(errors: FieldError[]): string[] {
  return errors.map(({ field, message }) => {
    if (message.startsWith('Event not found')) return 'Event not found';
    if (field === 'projectTemplateId') return message;
    const name = ovationName(field);
    return message.startsWith(`${name} `) ? message : `${name} ${message}`;
  });
}

/** Answers validation failures in Ovation's shape, `{"errors": ["..."]}`, body-level ones included. */
function ovationError(err: unknown): ApiResult | undefined {
  if (err instanceof ValidationError)
    return { statusCode: 422, body: { errors: ovationMessages(err.errors) } };
  return undefined;
}

function templateId(req: ApiRequest): string {
  const id = req.path.projectTemplateId ?? '';
  if (!isProjectTemplateId(id))
    throw new ValidationError([{ field: 'projectTemplateId', message: 'Project Template not found' }]);
  return id;
}

/**
 * The endpoint in the body as a hook, validated by the same schema as `POST /v1/hooks` (URL,
 * header names and values), so nothing Ovation-shaped gets past what the hooks API refuses.
 */
function parseEndpoint(req: ApiRequest, template: string): HookInput {
  const parsed = ovationEndpointSchema.safeParse(req.body === undefined ? {} : req.body);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error, req.body ?? {}).map((e) =>
      e.field === 'webhookEndpoint' || e.field === '(body)'
        ? { field: 'webhookEndpoint', message: 'webhookEndpoint is required' }
        : e,
    );
    throw new ValidationError(errors);
  }
  const body = ovationHookBody(template, parsed.data.webhookEndpoint);
  const hook = hookInputSchema.safeParse(body);
  if (!hook.success) throw new ValidationError(fieldErrors(hook.error, body));
  return hook.data;
}

/** The endpoint `webhookId` of this template, as the principal may see it; 404 otherwise. */
async function endpoint(req: ApiRequest, template: string): Promise<Hook> {
  const number = endpointNumber(req.path.webhookId);
  const hook = number !== undefined ? await hookStore().getByNumber(req.principal.tenant, number) : undefined;
  if (!hook || hook.scope !== template) throw new NotFound('Webhook endpoint');
  return hookService().visibleHook(req.principal, hook.id);
}

/** Authorisation comes before validation: a role without webhook access is a 403 whatever the body. */
function authorise(req: ApiRequest, needsAll?: string): void {
  if (needsAll) hookService().requireAll(req.principal, needsAll);
  else hookService().requireHookAccess(req.principal);
}

async function list(req: ApiRequest): Promise<ApiResult> {
  authorise(req);
  const template = templateId(req);
  const access = hookService().requireHookAccess(req.principal);
  const inScope =
    access === 'all'
      ? await hookStore().listAllInScope(req.principal.tenant, template)
      : (await hookService().list(req.principal, { limit: 100, scope: template })).hooks;
  return { statusCode: 200, body: { webhook_endpoints: inScope.map(ovationView) } };
}

async function getOne(req: ApiRequest): Promise<ApiResult> {
  authorise(req);
  const hook = await endpoint(req, templateId(req));
  return { statusCode: 200, body: { webhook_endpoint: ovationView(hook) } };
}

async function create(req: ApiRequest): Promise<ApiResult> {
  authorise(req, 'creating webhook endpoints');
  const template = templateId(req);
  const input = parseEndpoint(req, template);
  const { hook } = await hookService().create(req.principal, input);
  logger.info('Ovation webhook endpoint created', { hookId: hook.id, number: hook.number });
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

async function update(req: ApiRequest): Promise<ApiResult> {
  authorise(req);
  const template = templateId(req);
  const input = parseEndpoint(req, template);
  const existing = await endpoint(req, template);
  // Patch: the Ovation fields are all given (requestHeaders absent clears them); Latchkey-only
  // settings of the hook (signing, data, enabled) are kept.
  const { hook } = await hookService().update(
    req.principal,
    existing.id,
    { ...input, name: existing.name },
    'patch',
  );
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

async function remove(req: ApiRequest): Promise<ApiResult> {
  authorise(req, 'deleting webhook endpoints');
  const hook = await endpoint(req, templateId(req));
  await hookService().remove(req.principal, hook.id);
  return { statusCode: 201, body: { webhook_endpoint: ovationView(hook) } };
}

export const handler = apiHandler(
  {
    [`GET ${base}`]: list,
    [`POST ${base}`]: create,
    [`GET ${base}/{webhookId}`]: getOne,
    [`PUT ${base}/{webhookId}`]: update,
    [`DELETE ${base}/{webhookId}`]: remove,
  },
  { mapError: ovationError },
);
