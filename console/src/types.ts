/** The API's answers as the console reads them (snake_case, as documented in /v1/openapi.json). */
export interface HookView {
  id: string;
  number: number;
  name: string;
  events: string[];
  scope: string | null;
  url: string;
  method: string;
  headers: Record<string, string>;
  auth:
    | { type: 'none' }
    | { type: 'basic'; username: string; password_set: boolean }
    | { type: 'headers'; authentication_header_names: string[]; username?: string };
  data: Record<string, unknown>;
  insecure_tls: boolean;
  signing: { profile: string; secret_set: boolean; previous_secret_valid_until?: string };
  device: { kind: string; channel: number; on_means: string };
  timeout_ms: number | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  warnings?: string[];
}

export interface AttemptView {
  delivery_id: string;
  event_id: string;
  hook_id: string;
  type: string;
  attempt: number;
  result: 'succeeded' | 'retrying' | 'failed';
  status: number | null;
  latency_ms: number;
  error: string | null;
  response: string | null;
  next_attempt_at: string | null;
  test: boolean;
  at: string;
}

export interface ServiceView {
  id: string;
  name: string;
  tags: string[];
  has_interlock: boolean;
  updated_at: string;
}

export interface ControlsView {
  service_id: string;
  visible: boolean;
  reason: string;
  window?: { from: string; to: string };
  targets?: { lock: number; unlock: number; status: number };
}

export interface TargetResult {
  hook_id: string;
  name?: string;
  ok?: boolean;
  status?: number;
  error?: string;
  latency_ms: number;
}
