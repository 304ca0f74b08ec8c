import * as z from 'zod';
import {
  serviceIdSchema,
  serviceInputSchema,
  servicePageSchema,
  serviceViewSchema,
} from '#shared/domain/serviceView.ts';
import type { Contract } from '#shared/http/operation.ts';
import { pageQuery } from '#shared/http/queries.ts';

/** The contract of the Services function's routes (see shared/http/operation.ts). */
export const servicesContract: Contract = {
  'GET /v1/services': {
    summary: "The tenant's services (instruments) and their tags (paginated)",
    query: pageQuery,
    ok: { status: 200, body: servicePageSchema },
  },
  'GET /v1/services/{serviceId}': {
    summary: 'Read a service',
    ok: { status: 200, body: serviceViewSchema },
  },
  'PUT /v1/services/{serviceId}': {
    summary: 'Create or replace a service; the has_interlock tag turns interlock controls on (admin, staff)',
    path: z.object({ serviceId: serviceIdSchema }),
    body: serviceInputSchema,
    ok: { status: 200, body: serviceViewSchema },
    errors: [403],
  },
};
