import { digestAuthorization, parseDigestChallenge } from '../domain/digestAuth.ts';
import { basicToken, mergeHeaders } from '../domain/headers.ts';
import type { Hook, HookCredentials } from '../domain/hook.ts';
import {
  type DeviceCredentials,
  type DeviceRequest,
  type DeviceResponse,
  deviceRequest,
  type InterlockAction,
  type InterlockContext,
} from '../domain/interlockDevice.ts';
import { credentialForms, redact } from '../domain/redaction.ts';
import { OutboundError, type OutboundHttp, type OutboundResponse } from './outboundHttp.ts';
import type { SecretStore } from './secretStore.ts';

/** A person is waiting at the instrument: per-target timeout unless the hook sets `timeout_ms`. */
export const INTERLOCK_DEFAULT_TIMEOUT_MS = 5000;
/** No target may hold a call longer than this (the interlock Lambda stops at 29 s). */
export const INTERLOCK_MAX_TIMEOUT_MS = 25_000;

/** What calling one target gave: its answer, or why there was none. Never a credential. */
export type TargetCall =
  | { kind: 'response'; response: DeviceResponse; latencyMs: number }
  | { kind: 'timeout' | 'network' | 'blocked'; message: string; latencyMs: number };

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The hook's authentication beyond what the device mapping does itself: authentication headers
 * (any kind; they replace basic auth), or basic auth for a plain webhook target. Shelly answers a
 * digest challenge and Tasmota takes query parameters instead (see interlockDevice.ts).
 */
function authHeaders(hook: Hook, credentials: HookCredentials): Record<string, string> {
  if (hook.auth.type === 'headers') return credentials.authHeaders ?? {};
  if (hook.device.kind === 'webhook' && hook.auth.type === 'basic' && credentials.password !== undefined) {
    return { authorization: `Basic ${basicToken(hook.auth.username, credentials.password)}` };
  }
  return {};
}

function deviceCredentials(hook: Hook, credentials: HookCredentials): DeviceCredentials {
  if (hook.device.kind === 'webhook') return {};
  const username = hook.auth.type === 'none' ? undefined : hook.auth.username;
  return {
    ...(username !== undefined ? { username } : {}),
    ...(credentials.password !== undefined ? { password: credentials.password } : {}),
  };
}

function toDeviceResponse(res: OutboundResponse): DeviceResponse {
  const contentType = headerValue(res.headers, 'content-type');
  return {
    status: res.status,
    statusText: res.statusText,
    ...(contentType !== undefined ? { contentType } : {}),
    body: res.body,
  };
}

/**
 * Calls one interlock target synchronously: maps the action onto the device's request, adds the
 * hook's credentials (from Secrets Manager), answers one Digest challenge when the device asks
 * (Shelly), and bounds the whole call, retry included, by the target's timeout.
 */
export class InterlockClient {
  constructor(
    private readonly http: OutboundHttp,
    private readonly secrets: SecretStore,
    private readonly defaultTimeoutMs = INTERLOCK_DEFAULT_TIMEOUT_MS,
  ) {}

  timeoutFor(hook: Hook): number {
    return Math.min(hook.timeoutMs ?? this.defaultTimeoutMs, INTERLOCK_MAX_TIMEOUT_MS);
  }

  async call(hook: Hook, action: InterlockAction, context: InterlockContext): Promise<TargetCall> {
    const credentials = hook.secretRef ? await this.secrets.load(hook.secretRef, hook.updatedAt) : {};
    const request = deviceRequest(
      action,
      { url: hook.url, method: hook.method, headers: hook.headers, device: hook.device, data: hook.data },
      deviceCredentials(hook, credentials),
      context,
    );
    const headers = mergeHeaders(request.headers, authHeaders(hook, credentials));
    const timeoutMs = this.timeoutFor(hook);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // What the device answers ends up in errors, the audit trail and API answers: never with the
    // hook's own credentials in it (a relay that echoes its request).
    const forms = credentialForms(hook, credentials);
    const clean = (r: OutboundResponse): OutboundResponse => ({
      ...r,
      body: redact(r.body, forms),
      statusText: redact(r.statusText, forms),
    });

    try {
      let res = await this.send(request, headers, timeoutMs, hook.insecureTls);
      const challengeHeader = headerValue(res.headers, 'www-authenticate');
      if (res.status === 401 && request.digest && challengeHeader) {
        const challenge = parseDigestChallenge(challengeHeader);
        if (challenge) {
          const url = new URL(request.url);
          const authorization = digestAuthorization({
            challenge,
            method: request.method,
            uri: `${url.pathname}${url.search}`,
            ...request.digest,
          });
          const remaining = timeoutMs - elapsed();
          if (remaining <= 0) throw new OutboundError('timeout', 'deadline passed');
          res = await this.send(request, { ...headers, authorization }, remaining, hook.insecureTls);
        }
      }
      return { kind: 'response', response: toDeviceResponse(clean(res)), latencyMs: elapsed() };
    } catch (err) {
      if (!(err instanceof OutboundError)) {
        // digestAuthorization refuses challenges it cannot answer (unknown algorithm or qop).
        if (err instanceof Error && /^unsupported digest/.test(err.message)) {
          return { kind: 'network', message: `the device asks for ${err.message}`, latencyMs: elapsed() };
        }
        throw err;
      }
      // The client's own message names the origin and the remaining time of a retry; say the target's budget.
      const message = err.kind === 'timeout' ? `no response within ${timeoutMs} ms` : err.message;
      return { kind: err.kind, message: redact(message, forms), latencyMs: elapsed() };
    }
  }

  private send(
    request: DeviceRequest,
    headers: Record<string, string>,
    timeoutMs: number,
    insecureTls: boolean,
  ): Promise<OutboundResponse> {
    return this.http.send({
      url: request.url,
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      timeoutMs,
      insecureTls,
    });
  }
}
