import type { Hook } from './hook.ts';

/** A hook as the API answers it: snake_case, and no secret value — only whether one is set. */
export function hookView(hook: Hook, warnings: string[] = []): Record<string, unknown> {
  const auth =
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
    enabled: hook.enabled,
    created_at: hook.createdAt,
    updated_at: hook.updatedAt,
    ...(warnings.length ? { warnings } : {}),
  };
}
