import * as z from 'zod';
import type { Hook } from './hook.ts';
import type { hookInputSchema } from './hookInput.ts';
import type { OvationEndpointView } from './ovationHookSchemas.ts';

/**
 * Ovation's webhook endpoint API (seeds/ovation-webhook-api.txt), mapped onto hooks: one hook per
 * endpoint, scoped to the project template, listening to one event, addressed by its per-tenant
 * number.
 */
const headerMap = z.record(z.string().min(1).max(200), z.string().max(4096));

/**
 * `username` and `password` are required, except with `authenticationHeaders`: the seed says those
 * "will be used instead of basic auth (username/password)", so an endpoint may have only them.
 * Names and values are checked again, exactly as `POST /v1/hooks` checks them (ovationHookBody, parsed by the ovation handler with hookInputSchema).
 */
export const ovationEndpointSchema = z.object({
  webhookEndpoint: z
    .object({
      target_url: z.string({ error: 'target_url must be a string' }).min(1, 'target_url is required'),
      event: z.string({ error: 'event must be a string' }).min(1, 'event is required'),
      username: z.string({ error: 'username must be a string' }).min(1, 'username is required').optional(),
      password: z.string({ error: 'password must be a string' }).min(1, 'password is required').optional(),
      requestHeaders: headerMap.optional(),
      authenticationHeaders: headerMap.optional(),
    })
    .check(
      z.superRefine(
        (endpoint, ctx) => {
          const hasAuthHeaders = Object.keys(endpoint.authenticationHeaders ?? {}).length > 0;
          if (hasAuthHeaders) return;
          for (const key of ['username', 'password'] as const) {
            if (endpoint[key] === undefined) {
              ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required` });
            }
          }
        },
        // Listed with the other field errors, not only once they are fixed.
        { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
      ),
    )
    .describe(
      'username and password are required unless authenticationHeaders are given (they are used instead of basic auth)',
    ),
});
export type OvationEndpointInput = z.output<typeof ovationEndpointSchema>['webhookEndpoint'];

/** `webhookId` is the endpoint's number written in decimal, literally: `4`, never `04`, `4.0`, `0x4` or ` 4`. */
export function endpointNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : undefined;
}

/** Project template ids are positive integers (the 789 in Ovation's requisition-settings URL). */
export const projectTemplateIdSchema = z.string().regex(/^[1-9][0-9]{0,17}$/, 'Project Template not found');

export function isProjectTemplateId(value: string): boolean {
  return projectTemplateIdSchema.safeParse(value).success;
}

/**
 * The hook an Ovation endpoint is, as a `POST /v1/hooks` body: the caller's raw values, so the
 * same schema (hookInputSchema) validates URL, header names and values on both routes.
 */
export function ovationHookBody(
  templateId: string,
  endpoint: OvationEndpointInput,
): z.input<typeof hookInputSchema> {
  const { username, password, authenticationHeaders } = endpoint;
  const auth =
    authenticationHeaders && Object.keys(authenticationHeaders).length > 0
      ? {
          // Used instead of basic auth; a username/password given alongside is retained.
          type: 'headers' as const,
          headers: authenticationHeaders,
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined ? { password } : {}),
        }
      : username !== undefined && password !== undefined
        ? { type: 'basic' as const, username, password }
        : { type: 'none' as const };
  return {
    name: `Ovation webhook endpoint (${endpoint.event.slice(0, 100)})`,
    events: [endpoint.event],
    scope: templateId,
    url: endpoint.target_url,
    method: 'POST',
    headers: endpoint.requestHeaders ?? {},
    auth,
  };
}

function numericOrString(value: string): number | string {
  return isProjectTemplateId(value) ? Number(value) : value;
}

/** The seed's response shape; the password is retained and passed but never returned. */
export function ovationView(hook: Hook): OvationEndpointView {
  return {
    id: hook.number,
    target_url: hook.url,
    event: hook.events[0] ?? null,
    username: hook.auth.type === 'none' ? null : (hook.auth.username ?? null),
    project_requisition_template_association_id: hook.scope ? numericOrString(hook.scope) : null,
    // As the caller sent the names; the dash-cased form is what goes on the wire.
    requestHeaders: hook.headersAsSent ?? hook.headers,
  };
}
