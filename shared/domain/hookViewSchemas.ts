import * as z from 'zod';
import { deviceKinds, hookMethods, signingProfiles } from './hook.ts';
import { orderingModes } from './ordering.ts';
import { payloadFormats } from './payload.ts';

/**
 * Doc-only: the response schemas of the hook routes. The OpenAPI document is generated from them
 * (functions/hooks/contract.ts) and hookView (hookView.ts) is typed by them; runtime code imports
 * this module only as types, so no function builds them at cold start.
 */

/**
 * A hook as the API answers it: snake_case, and no secret value — only whether one is set.
 */
export const hookViewSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  name: z.string(),
  events: z.array(z.string()),
  scope: z.string().nullable(),
  url: z.string(),
  method: z.enum(hookMethods),
  headers: z.record(z.string(), z.string()),
  auth: z.discriminatedUnion('type', [
    z.object({ type: z.literal('none') }),
    z.object({ type: z.literal('basic'), username: z.string(), password_set: z.literal(true) }),
    z.object({
      type: z.literal('headers'),
      authentication_header_names: z.array(z.string()),
      username: z.string().optional(),
    }),
  ]),
  data: z.record(z.string(), z.unknown()),
  payload_format: z.enum(payloadFormats),
  insecure_tls: z.boolean(),
  signing: z.object({
    profile: z.enum(signingProfiles),
    secret_set: z.boolean(),
    previous_secret_valid_until: z.string().optional(),
  }),
  device: z.object({
    kind: z.enum(deviceKinds),
    channel: z.number().int(),
    on_means: z.enum(['unlocked', 'locked']),
  }),
  timeout_ms: z.number().int().nullable(),
  ordering: z.enum(orderingModes),
  ordering_key: z.string().nullable(),
  rate_limit_per_second: z.number().int().nullable(),
  enabled: z.boolean(),
  /** Set on the hooks a trigger manages (its Rhombus subscriptions). */
  trigger_id: z.string().optional(),
  disabled_reason: z.string().nullable().describe('why the circuit breaker disabled the hook'),
  disabled_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  warnings: z.array(z.string()).optional(),
});
export type HookView = z.infer<typeof hookViewSchema>;

export const hookPageSchema = z.object({
  hooks: z.array(hookViewSchema),
  next_cursor: z.string().nullable(),
});

/** A webhook user's grant on a hook, as the API answers it. */
export const grantViewSchema = z.object({
  hook_id: z.string(),
  principal_id: z.string(),
  granted_by: z.string(),
  granted_at: z.string(),
});
export type GrantView = z.infer<typeof grantViewSchema>;

export const grantListSchema = z.object({ grants: z.array(grantViewSchema.omit({ hook_id: true })) });
