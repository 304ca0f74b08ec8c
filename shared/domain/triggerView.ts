import { notifyBaseUrl, type Subscription, type Trigger } from './trigger.ts';
import type { TriggerIssuedView, TriggerView } from './triggerViewSchemas.ts';

/**
 * What the trigger routes answer, typed by the OpenAPI document's response schemas
 * (triggerViewSchemas.ts, doc-only: imported here as types, never built at cold start).
 */
export function triggerIssuedView(
  trigger: Trigger,
  urls: { notify_url: string; notify_path_url: string },
): TriggerIssuedView {
  return {
    id: trigger.id,
    name: trigger.name,
    ...urls,
    created_at: trigger.createdAt,
    secret_issued_at: trigger.secretIssuedAt,
  };
}

export function triggerView(trigger: Trigger, apiBase: string, subscriptions?: Subscription[]): TriggerView {
  return {
    id: trigger.id,
    name: trigger.name,
    notify_base_url: notifyBaseUrl(apiBase, trigger.id),
    created_at: trigger.createdAt,
    secret_issued_at: trigger.secretIssuedAt,
    ...(subscriptions
      ? {
          subscriptions: subscriptions.map((s) => ({
            webhook: s.webhook,
            signed: s.signed,
            hook_id: s.hookId,
            created_at: s.createdAt,
            updated_at: s.updatedAt,
          })),
        }
      : {}),
  };
}
