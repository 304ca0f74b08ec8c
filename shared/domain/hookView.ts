import type { Hook } from './hook.ts';
import type { HookView } from './hookViewSchemas.ts';

export type { GrantView, HookView } from './hookViewSchemas.ts';

/**
 * A hook as the API answers it: snake_case, and no secret value — only whether one is set. Typed by
 * the OpenAPI document's response schema (hookViewSchemas.ts, doc-only: never built at cold start).
 */
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
