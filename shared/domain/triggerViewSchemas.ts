import * as z from 'zod';

/**
 * Doc-only: what the trigger routes answer, as zod schemas. The OpenAPI document is generated from
 * them (functions/triggers/contract.ts) and the views (triggerView.ts) are typed by them, so the
 * document is the contract the code keeps; runtime code imports this module only as types, so no
 * function builds them at cold start.
 */
export const triggerIssuedSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `<api>/v1/triggers/{id}/notify?secret=<secret>`: shown on create and rotate only. */
  notify_url: z.string(),
  /** `<api>/v1/triggers/{id}/notify/<secret>`: the same secret in the path form. */
  notify_path_url: z.string(),
  created_at: z.string(),
  secret_issued_at: z.string(),
});
export type TriggerIssuedView = z.infer<typeof triggerIssuedSchema>;

export const subscriptionViewSchema = z.object({
  webhook: z.string(),
  signed: z.boolean(),
  /** The hook that delivers to it: its deliveries are at `GET /v1/hooks/{hook_id}/deliveries`. */
  hook_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const triggerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The URLs without the secret (it is never shown again). */
  notify_base_url: z.string(),
  created_at: z.string(),
  secret_issued_at: z.string(),
  subscriptions: z.array(subscriptionViewSchema).optional(),
});
export type TriggerView = z.infer<typeof triggerViewSchema>;

export const triggerListSchema = z.object({
  triggers: z.array(triggerViewSchema),
  next_cursor: z.string().nullable(),
});

export const doorListSchema = z.array(z.object({ door_id: z.string(), description: z.string().optional() }));
export const subscribedSchema = z.object({ webhook: z.string(), signed: z.boolean() });
export const unsubscribedSchema = z.object({ webhook: z.string(), removed: z.literal(true) });
export const unlockedSchema = z.object({ door_id: z.string(), unlocked: z.literal(true) });
/** 401, 403, 404, 429, 501 of a trigger URL: a sentence, no internals. */
export const messageSchema = z.object({ message: z.string() });
