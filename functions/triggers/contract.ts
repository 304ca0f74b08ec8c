import {
  subscribeSchema,
  triggerInputSchema,
  unlockSchema,
  unsubscribeSchema,
} from '#shared/domain/trigger.ts';
import {
  doorListSchema,
  subscribedSchema,
  triggerIssuedSchema,
  triggerListSchema,
  triggerViewSchema,
  unlockedSchema,
  unsubscribedSchema,
} from '#shared/domain/triggerViewSchemas.ts';
import type { Contract, Operation, RouteKey } from '#shared/http/operation.ts';
import { pageQuery } from '#shared/http/queries.ts';

/**
 * The contract of the Triggers function's routes (see shared/http/operation.ts). The admin routes
 * need `admin` (403 otherwise). The notify routes are public — the secret in the URL is the
 * credential — in two forms each (query `?secret=`, or the path after `/notify/`); every one may
 * answer 401 (unknown trigger or wrong/missing secret, the same body) and 429 (too many wrong
 * secrets from this source).
 */
const triggerLinks = {
  GetTrigger: { route: 'GET /v1/triggers/{triggerId}', parameters: { triggerId: '$response.body#/id' } },
  RotateTrigger: {
    route: 'POST /v1/triggers/{triggerId}/rotate',
    parameters: { triggerId: '$response.body#/id' },
  },
  DeleteTrigger: {
    route: 'DELETE /v1/triggers/{triggerId}',
    parameters: { triggerId: '$response.body#/id' },
  },
} as const;

const notifyForms = ['/v1/triggers/{triggerId}/notify', '/v1/triggers/{triggerId}/notify/{proxy+}'] as const;

const notify = (method: 'POST' | 'DELETE' | 'GET' | 'PUT', op: Operation): Contract =>
  Object.fromEntries(
    notifyForms.map((path) => [
      `${method} ${path}` as RouteKey,
      {
        ...op,
        description:
          `${op.description ?? ''} No token: the trigger secret is given as \`?secret=\` or as the path segment after \`/notify/\` (further segments and query parameters are ignored).`.trim(),
        errors: [...(op.errors ?? []), 401, 429],
      },
    ]),
  );

export const triggersContract: Contract = {
  'POST /v1/triggers': {
    summary: 'Create a trigger URL (admin); its secret is shown in this answer only',
    body: triggerInputSchema,
    ok: {
      status: 201,
      body: triggerIssuedSchema,
      headers: { location: 'The new trigger: /v1/triggers/{triggerId}' },
      links: triggerLinks,
    },
    errors: [403],
  },
  'GET /v1/triggers': {
    summary: 'List the tenant’s trigger URLs, without secrets (admin, paginated)',
    query: pageQuery,
    ok: { status: 200, body: triggerListSchema },
    errors: [403],
  },
  'GET /v1/triggers/{triggerId}': {
    summary: 'Read a trigger and its subscriptions, without the secret (admin)',
    ok: { status: 200, body: triggerViewSchema },
    errors: [403],
  },
  'DELETE /v1/triggers/{triggerId}': {
    summary: 'Delete a trigger and its subscriptions (admin)',
    ok: { status: 204 },
    errors: [403],
  },
  'POST /v1/triggers/{triggerId}/rotate': {
    summary: 'Issue a new secret; the old one is refused from now on (admin)',
    ok: { status: 200, body: triggerIssuedSchema },
    errors: [403],
  },
  ...notify('POST', {
    summary: 'Subscribe a webhook to the tenant’s door events (the same webhook again replaces its secret)',
    body: subscribeSchema,
    ok: { status: 201, body: subscribedSchema },
  }),
  ...notify('DELETE', {
    summary: 'Unsubscribe a webhook (404 when no subscription has it)',
    body: unsubscribeSchema,
    ok: { status: 202, body: unsubscribedSchema },
  }),
  ...notify('GET', {
    summary: 'The doors of the security system: services tagged door',
    ok: { status: 200, body: doorListSchema },
  }),
  ...notify('PUT', {
    summary: 'Unlock a door through its interlock.unlock targets',
    description:
      '403: the unlock failed (unknown door, target error or timeout). 501: the door has no unlock target.',
    body: unlockSchema,
    ok: { status: 200, body: unlockedSchema },
    errors: [403, 501],
  }),
};
