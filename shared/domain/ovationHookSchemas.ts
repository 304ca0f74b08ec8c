import * as z from 'zod';

/**
 * Doc-only: the response schemas of Ovation's webhook endpoint API (seeds/ovation-webhook-api.txt).
 * The OpenAPI document is generated from them (functions/ovation/contract.ts) and ovationView
 * (ovationHook.ts) is typed by them; runtime code imports this module only as types, so no
 * function builds them at cold start.
 */

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
