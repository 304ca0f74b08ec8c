import * as z from 'zod';
import type { Contract } from '#shared/http/operation.ts';

/** The contract of the health route (see shared/http/operation.ts). */
export const healthContract: Contract = {
  'GET /health': {
    summary: 'Liveness probe, no token needed',
    ok: { status: 200, body: z.object({ status: z.literal('ok'), service: z.literal('latchkey') }) },
  },
};
