import * as z from 'zod';
import { eventTypeInputSchema, eventTypeListSchema, eventTypeViewSchema } from '#shared/domain/eventTypes.ts';
import { hookInputSchema, hookPatchSchema } from '#shared/domain/hookInput.ts';
import {
  grantListSchema,
  grantViewSchema,
  hookPageSchema,
  hookViewSchema,
} from '#shared/domain/hookViewSchemas.ts';
import type { Contract } from '#shared/http/operation.ts';
import { hookListQuery } from '#shared/http/queries.ts';

/** The contract of the Hooks function's routes (see shared/http/operation.ts). */
const hookLinks = {
  GetHook: { route: 'GET /v1/hooks/{hookId}', parameters: { hookId: '$response.body#/id' } },
  PatchHook: { route: 'PATCH /v1/hooks/{hookId}', parameters: { hookId: '$response.body#/id' } },
  DeleteHook: { route: 'DELETE /v1/hooks/{hookId}', parameters: { hookId: '$response.body#/id' } },
  HookDeliveries: {
    route: 'GET /v1/hooks/{hookId}/deliveries',
    parameters: { hookId: '$response.body#/id' },
  },
  HookGrants: { route: 'GET /v1/hooks/{hookId}/grants', parameters: { hookId: '$response.body#/id' } },
} as const;

export const hooksContract: Contract = {
  'GET /v1/hooks': {
    summary: 'List the hooks you may see (paginated: pass next_cursor back as cursor)',
    query: hookListQuery,
    ok: { status: 200, body: hookPageSchema },
    errors: [403],
  },
  'POST /v1/hooks': {
    summary: 'Create a hook; credentials go to Secrets Manager and are never returned',
    body: hookInputSchema,
    ok: {
      status: 201,
      body: hookViewSchema,
      headers: { location: 'The new hook: /v1/hooks/{hookId}' },
      links: hookLinks,
    },
    errors: [403],
  },
  'GET /v1/hooks/{hookId}': {
    summary: 'Read a hook',
    ok: { status: 200, body: hookViewSchema },
    errors: [403],
  },
  'PUT /v1/hooks/{hookId}': {
    summary: 'Replace a hook (omitted credentials are kept)',
    body: hookInputSchema,
    ok: { status: 200, body: hookViewSchema },
    errors: [403],
  },
  'PATCH /v1/hooks/{hookId}': {
    summary: 'Change some fields of a hook',
    body: hookPatchSchema,
    ok: { status: 200, body: hookViewSchema },
    errors: [403],
  },
  'DELETE /v1/hooks/{hookId}': {
    summary: 'Delete a hook (its secret is scheduled for deletion)',
    ok: { status: 204 },
    errors: [403],
  },
  'GET /v1/hooks/{hookId}/grants': {
    summary: 'Which webhook users (JWT sub) may see the hook',
    ok: { status: 200, body: grantListSchema },
    errors: [403],
  },
  'PUT /v1/hooks/{hookId}/grants/{principalId}': {
    summary: 'Grant the hook to a webhook user',
    ok: { status: 200, body: grantViewSchema },
    errors: [403],
  },
  'DELETE /v1/hooks/{hookId}/grants/{principalId}': {
    summary: 'Revoke a grant',
    ok: { status: 204 },
    errors: [403],
  },
  'GET /v1/event-types': {
    summary: "The tenant's event-type catalog: built-ins and its own",
    ok: { status: 200, body: eventTypeListSchema },
  },
  'POST /v1/event-types': {
    summary: 'Add an event type to the catalog (admin)',
    body: eventTypeInputSchema,
    ok: { status: 201, body: eventTypeViewSchema },
    errors: [403, 409],
  },
  'DELETE /v1/event-types/{type+}': {
    summary: 'Remove one of your event types (admin); built-ins stay',
    ok: { status: 204 },
    errors: [403, 409],
  },
  'GET /v1/openapi.json': {
    summary: 'This document (no token needed)',
    ok: {
      status: 200,
      body: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
    },
  },
};
