import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type DeviceServer,
  startPlainInterlock,
  startShellyLike,
  startTasmotaLike,
} from '../../scripts/local/deviceServers.ts';
import { INTERLOCK_DEFAULT_TIMEOUT_MS, InterlockClient } from '../../shared/adapters/interlockClient.ts';
import { createOutboundHttp } from '../../shared/adapters/outboundHttp.ts';
import type { SecretStore } from '../../shared/adapters/secretStore.ts';
import type { Hook, HookCredentials } from '../../shared/domain/hook.ts';

const http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
const context = { serviceId: 'svc-1', userId: 'alice', requestedAt: '2026-03-02T10:00:00.000Z' };

/** A secret store holding one bundle per secret name, as Secrets Manager would. */
function secrets(bundles: Record<string, HookCredentials>): SecretStore {
  return { load: async (ref: string) => bundles[ref] ?? {} } as unknown as SecretStore;
}

function hook(fields: Partial<Hook>): Hook {
  return {
    id: 'hk_1',
    number: 1,
    tenant: 't',
    name: 'door',
    events: ['interlock.lock'],
    scope: 'svc-1',
    url: 'http://127.0.0.1:1/lock',
    method: 'POST',
    headers: {},
    auth: { type: 'none' },
    data: {},
    insecureTls: false,
    signing: { profile: 'none', secretSet: false },
    device: { kind: 'webhook', channel: 0, onMeans: 'unlocked' },
    enabled: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

const started: DeviceServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await http.close();
});
async function track<T extends DeviceServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  started.push(s);
  return s;
}

describe('InterlockClient', () => {
  it('sends basic auth to a plain webhook target and authentication headers instead when set', async () => {
    const d = await track(startPlainInterlock());
    const client = new InterlockClient(
      http,
      secrets({ basic: { password: 'pw-1' }, headers: { authHeaders: { 'x-api-key': 'k-1' } } }),
    );
    const basic = hook({
      url: `${d.url}/lock`,
      auth: { type: 'basic', username: 'lab' },
      secretRef: 'basic',
    });
    const viaHeaders = hook({
      url: `${d.url}/unlock`,
      auth: { type: 'headers', headerNames: ['x-api-key'] },
      secretRef: 'headers',
    });
    expect(await client.call(basic, 'lock', context)).toMatchObject({
      kind: 'response',
      response: { status: 200 },
    });
    await client.call(viaHeaders, 'unlock', context);
    expect(d.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('lab:pw-1').toString('base64')}`);
    expect(d.requests[1]!.headers.authorization).toBeUndefined();
    expect(d.requests[1]!.headers['x-api-key']).toBe('k-1');
  });

  it('answers a Shelly digest challenge once, with the password from the secret', async () => {
    const s = await track(startShellyLike({ password: 'shelly pw' }));
    const client = new InterlockClient(http, secrets({ sh: { password: 'shelly pw' } }));
    const relay = hook({
      url: s.url,
      auth: { type: 'basic', username: 'admin' },
      secretRef: 'sh',
      device: { kind: 'shelly', channel: 0, onMeans: 'unlocked' },
    });
    const result = await client.call(relay, 'unlock', context);
    expect(result).toMatchObject({ kind: 'response', response: { status: 200, body: '{"was_on":false}' } });
    expect(s.outputs).toEqual([true]);
    expect(s.requests.map((r) => r.headers.authorization === undefined)).toEqual([true, false]);

    const wrong = new InterlockClient(http, secrets({ sh: { password: 'nope' } }));
    expect(await wrong.call(relay, 'lock', context)).toMatchObject({
      kind: 'response',
      response: { status: 401 },
    });
    expect(s.requests).toHaveLength(4);
  });

  it('puts Tasmota credentials in the query string', async () => {
    const t = await track(startTasmotaLike({ password: 'tas&pw' }));
    const client = new InterlockClient(http, secrets({ ta: { password: 'tas&pw' } }));
    const relay = hook({
      url: t.url,
      auth: { type: 'basic', username: 'admin' },
      secretRef: 'ta',
      device: { kind: 'tasmota', channel: 0, onMeans: 'locked' },
    });
    expect(await client.call(relay, 'lock', context)).toMatchObject({
      response: { status: 200, body: '{"POWER":"ON"}' },
    });
    expect(t.requests[0]!.path).toBe('/cm?cmnd=Power%20On&user=admin&password=tas%26pw');
  });

  it('gives up after the target timeout (default 5000 ms, hook timeout_ms overrides), naming it', async () => {
    const d = await track(startPlainInterlock({ delayMs: 2000 }));
    const client = new InterlockClient(http, secrets({}));
    expect(client.timeoutFor(hook({}))).toBe(INTERLOCK_DEFAULT_TIMEOUT_MS);
    expect(INTERLOCK_DEFAULT_TIMEOUT_MS).toBe(5000);
    expect(client.timeoutFor(hook({ timeoutMs: 60_000 })), 'capped below the Lambda timeout').toBe(25_000);
    const result = await client.call(hook({ url: `${d.url}/lock`, timeoutMs: 200 }), 'lock', context);
    expect(result).toMatchObject({ kind: 'timeout', message: 'no response within 200 ms' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(190);
    expect(result.latencyMs).toBeLessThan(1500);
  });

  it('reports a refused connection without the device credentials', async () => {
    const t = await track(startTasmotaLike({}));
    const url = t.url;
    await t.close();
    started.splice(0);
    const client = new InterlockClient(http, secrets({ ta: { password: 'secret-pw' } }));
    const result = await client.call(
      hook({
        url,
        auth: { type: 'basic', username: 'admin' },
        secretRef: 'ta',
        device: { kind: 'tasmota', channel: 0, onMeans: 'unlocked' },
      }),
      'status',
      context,
    );
    expect(result.kind).toBe('network');
    expect(result.kind !== 'response' && result.message).toMatch(/Connection refused by 127\.0\.0\.1:\d+/);
    expect(JSON.stringify(result)).not.toContain('secret-pw');
  });
});
