import { STATUS_CODES } from '../nodeHttp.ts';
import type { HookDevice } from './hook.ts';
import { withoutSystemKeys } from './payload.ts';

/**
 * Maps an interlock action onto the request a target understands, and reads a target's status
 * answer (SPEC §6). Three kinds of target:
 *  - webhook: the seed's semantics — the hook's URL and method, a JSON body (every verb) of the
 *    hook's data plus the call's fields and, for a user's call, the authorising booking's ids;
 *    status answers `application/json` with `"status": "locked" | "unlocked"`;
 *  - shelly: a Shelly Gen2+ relay's RPC over HTTP (`/rpc/Switch.Set`, `/rpc/Switch.GetStatus`),
 *    protected by SHA-256 Digest auth with the fixed user `admin`;
 *  - tasmota: a Tasmota relay's `/cm?cmnd=Power...` with optional `user`/`password` query parameters.
 * For relays, `device.onMeans` says what an energised output means for the instrument.
 */
export type InterlockAction = 'lock' | 'unlock' | 'status';

export interface DeviceRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Answer a Digest challenge with these (see digestAuth.ts); only set for Shelly with a password. */
  digest?: { username: string; password: string };
}

export interface InterlockTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
  device: HookDevice;
  data: Record<string, unknown>;
}

export interface DeviceCredentials {
  username?: string;
  password?: string;
}

export interface InterlockContext {
  serviceId: string;
  userId: string;
  requestedAt: string;
  /** The booking that authorised a user's call (the resource system's event id), and its order. */
  eventId?: string;
  orderId?: string;
}

export type StatusReading = { ok: true; status: 'locked' | 'unlocked' } | { ok: false; problem: string };

export interface DeviceResponse {
  status: number;
  statusText: string;
  contentType?: string;
  body: string;
}

/** Shelly and Tasmota both have a fixed administrative user name. */
const relayUser = 'admin';

/** `HTTP 503 Service Unavailable`; the standard reason phrase when the target sent none. */
export function describeHttpFailure(status: number, statusText: string): string {
  const text = statusText.trim() || STATUS_CODES[status] || '';
  return text ? `HTTP ${status} ${text}` : `HTTP ${status}`;
}

/** Should the relay output be on for this action? */
function outputOn(action: 'lock' | 'unlock', onMeans: HookDevice['onMeans']): boolean {
  return action === 'lock' ? onMeans === 'locked' : onMeans === 'unlocked';
}

/** A relay's base URL: origin and path without a trailing slash (query, fragment and userinfo dropped). */
function relayBase(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name));
}

function tasmotaPower(channel: number): string {
  return channel === 0 ? 'Power' : `Power${channel}`;
}

/** The request that performs `action` on `target`. */
export function deviceRequest(
  action: InterlockAction,
  target: InterlockTarget,
  credentials: DeviceCredentials,
  context: InterlockContext,
): DeviceRequest {
  const { device } = target;
  switch (device.kind) {
    case 'webhook': {
      // The seed: every request body is application/json, whatever the verb. The hook's data is
      // merged in, never with a system key (order_id, line_id, event_id): those come from the booking.
      const method = target.method.toUpperCase();
      const headers = withoutHeader(target.headers, 'content-type');
      const body = JSON.stringify({
        ...withoutSystemKeys(target.data),
        service_id: context.serviceId,
        action,
        user_id: context.userId,
        requested_at: context.requestedAt,
        ...(context.eventId !== undefined ? { event_id: context.eventId } : {}),
        ...(context.orderId !== undefined ? { order_id: context.orderId } : {}),
      });
      return { url: target.url, method, headers: { ...headers, 'content-type': 'application/json' }, body };
    }
    case 'shelly': {
      const base = relayBase(target.url);
      const url =
        action === 'status'
          ? `${base}/rpc/Switch.GetStatus?id=${device.channel}`
          : `${base}/rpc/Switch.Set?id=${device.channel}&on=${outputOn(action, device.onMeans)}`;
      const headers = withoutHeader(target.headers, 'content-type');
      if (credentials.password === undefined || credentials.password === '') {
        return { url, method: 'GET', headers };
      }
      return {
        url,
        method: 'GET',
        headers,
        digest: { username: credentials.username || relayUser, password: credentials.password },
      };
    }
    case 'tasmota': {
      const power = tasmotaPower(device.channel);
      const command =
        action === 'status' ? power : `${power} ${outputOn(action, device.onMeans) ? 'On' : 'Off'}`;
      let url = `${relayBase(target.url)}/cm?cmnd=${encodeURIComponent(command)}`;
      if (credentials.password !== undefined && credentials.password !== '') {
        url += `&user=${encodeURIComponent(credentials.username || relayUser)}`;
        url += `&password=${encodeURIComponent(credentials.password)}`;
      }
      return { url, method: 'GET', headers: withoutHeader(target.headers, 'content-type') };
    }
  }
}

function excerpt(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function mediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The response body as a JSON object, or the problem with it. */
function jsonObject(
  body: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return {
      ok: false,
      problem: body.trim() === '' ? 'response body is empty' : `response is not valid JSON: ${excerpt(body)}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: `expected a JSON object, got ${describeJsonType(value)}: ${excerpt(body)}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function fromOutput(on: boolean, onMeans: HookDevice['onMeans']): 'locked' | 'unlocked' {
  if (on) return onMeans;
  return onMeans === 'locked' ? 'unlocked' : 'locked';
}

/** A device's error body, when it says something (Shelly: `{"code":-105,"message":"..."}`), for the problem text. */
function failureDetail(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return '';
  const parsed = jsonObject(trimmed);
  if (parsed.ok && typeof parsed.value.message === 'string') return `: ${excerpt(parsed.value.message)}`;
  if (parsed.ok && typeof parsed.value.WARNING === 'string') return `: ${excerpt(parsed.value.WARNING)}`;
  return '';
}

/**
 * What a status answer says: locked, unlocked, or exactly what was wrong with it. Never a guess:
 * a missing, misspelt or differently-cased value is a problem, not a default.
 */
export function readStatus(device: HookDevice, response: DeviceResponse): StatusReading {
  if (response.status < 200 || response.status > 299) {
    const failure = describeHttpFailure(response.status, response.statusText);
    return {
      ok: false,
      problem: device.kind === 'webhook' ? failure : `${failure}${failureDetail(response.body)}`,
    };
  }
  switch (device.kind) {
    case 'webhook': {
      const type = mediaType(response.contentType);
      if (type !== 'application/json') {
        return { ok: false, problem: `expected content-type application/json, got ${type ?? 'none'}` };
      }
      const parsed = jsonObject(response.body);
      if (!parsed.ok) return parsed;
      if (!('status' in parsed.value)) {
        return { ok: false, problem: `response has no "status" key: ${excerpt(response.body)}` };
      }
      const status = parsed.value.status;
      if (status === 'locked' || status === 'unlocked') return { ok: true, status };
      return {
        ok: false,
        problem: `"status" must be "locked" or "unlocked", got ${excerpt(JSON.stringify(status))}`,
      };
    }
    case 'shelly': {
      const parsed = jsonObject(response.body);
      if (!parsed.ok) return parsed;
      const output = parsed.value.output;
      if (typeof output !== 'boolean') {
        return {
          ok: false,
          problem: `expected Switch.GetStatus to report a boolean "output", got ${output === undefined ? 'none' : excerpt(JSON.stringify(output))}`,
        };
      }
      return { ok: true, status: fromOutput(output, device.onMeans) };
    }
    case 'tasmota': {
      const parsed = jsonObject(response.body);
      if (!parsed.ok) return parsed;
      // A single-relay Tasmota answers `POWER` even to `Power1`; a multi-relay one answers `POWER1` to `Power`.
      const keys =
        device.channel === 0
          ? ['POWER', 'POWER1']
          : device.channel === 1
            ? ['POWER1', 'POWER']
            : [`POWER${device.channel}`];
      const key = keys.find((k) => k in parsed.value);
      if (key === undefined) {
        return { ok: false, problem: `expected "${keys[0]}" in the response, got ${excerpt(response.body)}` };
      }
      const value = parsed.value[key];
      const text = typeof value === 'string' ? value.toUpperCase() : undefined;
      if (text === 'ON' || text === 'OFF')
        return { ok: true, status: fromOutput(text === 'ON', device.onMeans) };
      return {
        ok: false,
        problem: `"${key}" must be "ON" or "OFF", got ${excerpt(JSON.stringify(value) ?? 'undefined')}`,
      };
    }
  }
}
