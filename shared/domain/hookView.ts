import * as z from 'zod';
import { deviceKinds, type Hook, hookMethods, signingProfiles } from './hook.ts';
import { orderingModes } from './ordering.ts';
import { payloadFormats } from './payload.ts';

/**
 * A hook as the API answers it: snake_case, and no secret value — only whether one is set. The
 * schema is the OpenAPI document's response schema and the view function's return type.
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

export function hookView(hook: Hook, warnings: string[] = []): HookView {
  const auth: HookView['auth'] =
    hook.auth.type === 'basic'
      ? { type: 'basic', username: hook.auth.username, password_set: true }
      : hook.auth.type === 'headers'
        ? {
            type: 'headers',
            authentication_header_names: hook.auth.headerNames,
            ...(hook.auth.username ? { username: hook.auth.username } : {}),
          }
        : { type: 'none' };
  return {
    id: hook.id,
    number: hook.number,
    name: hook.name,
    events: hook.events,
    scope: hook.scope ?? null,
    url: hook.url,
    method: hook.method,
    headers: hook.headers,
    auth,
    data: hook.data,
    payload_format: hook.payloadFormat ?? 'flat',
    insecure_tls: hook.insecureTls,
    signing: {
      profile: hook.signing.profile,
      secret_set: hook.signing.secretSet,
      ...(hook.signing.previousSecretExpiresAt
        ? { previous_secret_valid_until: hook.signing.previousSecretExpiresAt }
        : {}),
    },
    device: { kind: hook.device.kind, channel: hook.device.channel, on_means: hook.device.onMeans },
    timeout_ms: hook.timeoutMs ?? null,
    ordering: hook.ordering?.mode ?? 'none',
    ordering_key: hook.ordering?.key ?? null,
    rate_limit_per_second: hook.rateLimitPerSecond ?? null,
    enabled: hook.enabled,
    ...(hook.triggerId ? { trigger_id: hook.triggerId } : {}),
    disabled_reason: hook.disabled?.reason ?? null,
    disabled_at: hook.disabled?.at ?? null,
    created_at: hook.createdAt,
    updated_at: hook.updatedAt,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** A webhook user's grant on a hook, as the API answers it. */
export const grantViewSchema = z.object({
  hook_id: z.string(),
  principal_id: z.string(),
  granted_by: z.string(),
  granted_at: z.string(),
});
export type GrantView = z.infer<typeof grantViewSchema>;

export const grantListSchema = z.object({ grants: z.array(grantViewSchema.omit({ hook_id: true })) });
