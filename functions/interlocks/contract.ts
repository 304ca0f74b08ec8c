import {
  actResultSchema,
  auditPageSchema,
  controlsViewSchema,
  statusResultSchema,
} from '#shared/domain/interlockView.ts';
import type { Contract } from '#shared/http/operation.ts';
import { pageQuery } from '#shared/http/queries.ts';

/**
 * The contract of the Interlock function's routes (see shared/http/operation.ts). 409: the service
 * has no target for the action; 502: a target failed (the body names it and why); 504: no target
 * answered in time.
 */
export const interlocksContract: Contract = {
  'GET /v1/interlocks/{serviceId}': {
    summary: 'May you see and use this service’s interlock controls now, and why',
    ok: { status: 200, body: controlsViewSchema },
  },
  'POST /v1/interlocks/{serviceId}/lock': {
    summary: 'Lock the instrument through every lock target',
    ok: { status: 200, body: actResultSchema },
    errors: [403, 409, 502, 504],
  },
  'POST /v1/interlocks/{serviceId}/unlock': {
    summary: 'Unlock the instrument through every unlock target',
    ok: { status: 200, body: actResultSchema },
    errors: [403, 409, 502, 504],
  },
  'GET /v1/interlocks/{serviceId}/status': {
    summary: 'Read the lock status from the status target',
    ok: { status: 200, body: statusResultSchema },
    errors: [403, 409, 502, 504],
  },
  'GET /v1/interlocks/{serviceId}/audit': {
    summary: 'The interlock audit trail of a service (admin, paginated)',
    query: pageQuery,
    ok: { status: 200, body: auditPageSchema },
    errors: [403],
  },
};
