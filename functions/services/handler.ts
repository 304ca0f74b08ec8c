import { z } from 'zod';
import { hasInterlock, type Service } from '#shared/adapters/serviceStore.ts';
import { InvalidCursor } from '#shared/adapters/tableKeys.ts';
import { type ApiRequest, type ApiResult, apiHandler } from '#shared/http/apiHandler.ts';
import { Forbidden, NotFound, ValidationError } from '#shared/http/errors.ts';
import { hasRole } from '#shared/http/principal.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { services } from '#shared/services/services.ts';

/** Services (instruments) of a tenant, with their tags: `has_interlock` turns interlock controls on (SPEC §6). */
const serviceIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : -');

const serviceInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  tags: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : -'),
    )
    .max(50)
    .default([]),
});

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2048).optional(),
});

function serviceView(service: Service) {
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
  const input = parseWith(serviceInput, req.body);
  const service: Service = {
    id,
    name: input.name,
    tags: [...new Set(input.tags)],
    updatedAt: new Date().toISOString(),
  };
  const { created } = await services().serviceStore.put(req.principal.tenant, service);
  logger.info(created ? 'Service created' : 'Service updated', { serviceId: id, tags: service.tags });
  return { statusCode: 200, body: serviceView(service) };
}

async function getService(req: ApiRequest): Promise<ApiResult> {
  const id = req.path.serviceId ?? '';
  const service = await services().serviceStore.get(req.principal.tenant, id);
  if (!service) throw new NotFound(`Service ${id}`);
  return { statusCode: 200, body: serviceView(service) };
}

async function listServices(req: ApiRequest): Promise<ApiResult> {
  const query = parseWith(listQuery, req.query);
  try {
    const page = await services().serviceStore.list(req.principal.tenant, query);
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
