import { z } from 'zod';
import type { Hook } from './hook.ts';
import type { HookInput } from './hookInput.ts';

/**
 * Ovation's webhook endpoint API (seeds/ovation-webhook-api.txt), mapped onto hooks: one hook per
 * endpoint, scoped to the project template, listening to one event, addressed by its per-tenant
 * number.
 */
const headerMap = z.record(z.string().min(1).max(200), z.string().max(4096));

export const ovationEndpointSchema = z.object({
  webhookEndpoint: z.object({
    target_url: z.string({ error: 'target_url is required' }).min(1, 'target_url is required'),
    event: z.string({ error: 'event is required' }).min(1, 'event is required'),
    username: z.string({ error: 'username is required' }).min(1, 'username is required'),
    password: z.string({ error: 'password is required' }).min(1, 'password is required'),
    requestHeaders: headerMap.optional(),
    authenticationHeaders: headerMap.optional(),
  }),
});
export type OvationEndpointInput = z.output<typeof ovationEndpointSchema>['webhookEndpoint'];

/** Project template ids are positive integers (the 789 in Ovation's requisition-settings URL). */
export function isProjectTemplateId(value: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(value);
}

export function ovationToHookInput(templateId: string, endpoint: OvationEndpointInput): HookInput {
  const auth = endpoint.authenticationHeaders
    ? {
        // Authentication headers are used instead of basic auth; the username/password are retained.
        type: 'headers' as const,
        headers: endpoint.authenticationHeaders,
        username: endpoint.username,
        password: endpoint.password,
      }
    : { type: 'basic' as const, username: endpoint.username, password: endpoint.password };
  return {
    name: `Ovation webhook endpoint (${endpoint.event})`,
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
    requestHeaders: hook.headers,
  };
}

/** One endpoint as Ovation answers it (`ovationView`). */
export const ovationEndpointViewSchema = z.object({
  id: z.number().int(),
  target_url: z.string(),
  event: z.string().nullable(),
  username: z.string().nullable(),
  project_requisition_template_association_id: z.union([z.number().int(), z.string()]).nullable(),
  requestHeaders: z.record(z.string(), z.string()),
});
export type OvationEndpointView = z.infer<typeof ovationEndpointViewSchema>;

export const ovationEndpointAnswerSchema = z.object({ webhook_endpoint: ovationEndpointViewSchema });
export const ovationEndpointListSchema = z.object({ webhook_endpoints: z.array(ovationEndpointViewSchema) });
/** Ovation's 422: `{"errors": ["Event not found", ...]}`. */
export const ovationErrorsSchema = z.object({ errors: z.array(z.string()) });
