import * as z from 'zod';
import { ovationEndpointSchema, projectTemplateIdSchema } from '#shared/domain/ovationHook.ts';
import {
  ovationEndpointAnswerSchema,
  ovationEndpointListSchema,
  ovationErrorsSchema,
} from '#shared/domain/ovationHookSchemas.ts';
import type { Contract, Operation } from '#shared/http/operation.ts';

/**
 * The contract of the Ovation-compatible routes, in Ovation's shapes (seeds/ovation-webhook-api.txt):
 * `webhookEndpoint` requests, `webhook_endpoint(s)` answers, 201 for create, update and delete, and
 * 422 `{"errors": ["..."]}` (an unknown project template is a 422, "Project Template not found").
 */
const base = '/api/v3/project_templates/{projectTemplateId}/webhook_endpoints';
const ovation = {
  path: z.object({ projectTemplateId: projectTemplateIdSchema }),
  errors: [403, 422],
  errorBodies: { 422: ovationErrorsSchema },
} satisfies Partial<Operation>;

export const ovationContract: Contract = {
  [`GET ${base}`]: {
    summary: "List the project template's webhook endpoints",
    ok: { status: 200, body: ovationEndpointListSchema },
    ...ovation,
  },
  [`POST ${base}`]: {
    summary: 'Create a webhook endpoint',
    body: ovationEndpointSchema,
    ok: {
      status: 201,
      body: ovationEndpointAnswerSchema,
      links: {
        GetEndpoint: {
          route: `GET ${base}/{webhookId}`,
          parameters: {
            projectTemplateId: '$request.path.projectTemplateId',
            webhookId: '$response.body#/webhook_endpoint/id',
          },
        },
      },
    },
    ...ovation,
  },
  [`GET ${base}/{webhookId}`]: {
    summary: 'Read a webhook endpoint',
    ok: { status: 200, body: ovationEndpointAnswerSchema },
    ...ovation,
  },
  [`PUT ${base}/{webhookId}`]: {
    summary: 'Update a webhook endpoint (Ovation answers 201)',
    body: ovationEndpointSchema,
    ok: { status: 201, body: ovationEndpointAnswerSchema },
    ...ovation,
  },
  [`DELETE ${base}/{webhookId}`]: {
    summary: 'Delete a webhook endpoint (Ovation answers 201 with the deleted endpoint)',
    ok: { status: 201, body: ovationEndpointAnswerSchema },
    ...ovation,
  },
};
