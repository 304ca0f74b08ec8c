import * as z from 'zod';
import { clientIdSchema, clientInputSchema, clientResponseSchemas } from '#shared/domain/machineClient.ts';
import type { Contract, OperationLink } from '#shared/http/operation.ts';

/** The path of one client; the handler parses it with this schema too (422 naming clientId). */
export const clientPath = z.strictObject({ clientId: clientIdSchema });

const clientLinks: Record<string, OperationLink> = {
  GetClient: { route: 'GET /v1/clients/{clientId}', parameters: { clientId: '$response.body#/client_id' } },
  DeleteClient: {
    route: 'DELETE /v1/clients/{clientId}',
    parameters: { clientId: '$response.body#/client_id' },
  },
};

/** The contract of the Clients function's routes (see shared/http/operation.ts); all are admin-only. */
export const clientsContract: Contract = {
  'POST /v1/clients': {
    summary:
      'Create a machine client (a Cognito app client with the client-credentials grant) bound to your tenant, roles and scopes; or register an existing client_id (admin)',
    body: clientInputSchema,
    ok: {
      status: 201,
      body: clientResponseSchemas.created,
      description: 'Created; client_secret is in this answer only',
      headers: { location: 'The new client: /v1/clients/{client_id}' },
      links: clientLinks,
    },
    errors: [403, 409],
  },
  'GET /v1/clients': {
    summary: "The tenant's machine clients, without secrets (admin)",
    ok: { status: 200, body: clientResponseSchemas.list },
    errors: [403],
  },
  'GET /v1/clients/{clientId}': {
    summary: 'Read a machine client (admin); another tenant’s is 404',
    path: clientPath,
    ok: { status: 200, body: clientResponseSchemas.client },
    errors: [403],
  },
  'DELETE /v1/clients/{clientId}': {
    summary:
      'Delete a machine client (admin): its tokens are refused from now on, and no new ones are issued',
    path: clientPath,
    ok: { status: 204, description: 'Deleted' },
    errors: [403],
  },
};
