import * as z from 'zod';
import { hasInterlock, type Service } from '#shared/adapters/serviceStore.ts';
import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import { type ServiceView, serviceIdSchema, serviceInputSchema } from '#shared/domain/serviceView.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Forbidden, NotFound, ValidationError } from '#shared/http/errors.ts';
import { hasRole } from '#shared/http/principal.ts';
import { pageQuery } from '#shared/http/queries.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { serviceStore } from '#shared/services/stores.ts';

/** Services (instruments) of a tenant, with their tags: `has_interlock` turns interlock controls on (SPEC §6). */
function serviceView(service: Service): ServiceView {
  return {
    id: service.id,
    name: service.name,
    tags: service.tags,
    has_interlock: hasInterlock(service),
    updated_at: service.updatedAt,
  };
}

async function putService(req: ApiRequest): Promise<ApiResult> {
  if (!hasRole(req.principal, 'staff')) throw new Forbidden('Managing services needs admin or staff');
  const id = parseWith(z.strictObject({ serviceId: serviceIdSchema }), req.path).serviceId;
  const input = parseWith(serviceInputSchema, req.body);
  const service: Service = {
    id,
    name: input.name,
    tags: [...new Set(input.tags)],
    updatedAt: new Date().toISOString(),
  };
  const { created } = await serviceStore().put(req.principal.tenant, service);
  logger.info(created ? 'Service created' : 'Service updated', { serviceId: id, tags: service.tags });
  return { statusCode: 200, body: serviceView(service) };
}

async function getService(req: ApiRequest): Promise<ApiResult> {
  const id = req.path.serviceId ?? '';
  const service = await serviceStore().get(req.principal.tenant, id);
  if (!service) throw new NotFound(`Service ${id}`);
  return { statusCode: 200, body: serviceView(service) };
}

async function listServices(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(pageQuery, req.query);
  try {
    const page = await serviceStore().list(req.principal.tenant, query);
    return {
      statusCode: 200,
      body: { services: page.services.map(serviceView), next_cursor: page.nextCursor ?? null },
    };
  } catch (err) {
    if (err instanceof InvalidCursor) throw new ValidationError([{ field: 'cursor', message: err.message }]);
    throw err;
  }
}

export const handler = apiHandler({
  'GET /v1/services': listServices,
  'GET /v1/services/{serviceId}': getService,
  'PUT /v1/services/{serviceId}': putService,
});
