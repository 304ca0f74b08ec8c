import { type Dispatcher, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeviceServer,
  startPlainInterlock,
  startShellyLike,
  startTasmotaLike,
} from '../../scripts/local/deviceServers.ts';
import { digestAuthorization, parseDigestChallenge } from '../../shared/domain/digestAuth.ts';
import type { HookDevice } from '../../shared/domain/hook.ts';
import {
  type DeviceRequest,
  deviceRequest,
  type InterlockAction,
  readStatus,
  type StatusReading,
} from '../../shared/domain/interlockDevice.ts';

const context = { serviceId: 'svc-1', userId: 'u-1', requestedAt: '2026-01-01T10:00:00Z' };
const started: DeviceServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
async function track<T extends DeviceServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  started.push(s);
  return s;
}

interface Answer {
  status: number;
  statusText: string;
  contentType?: string;
  body: string;
}

/**
 * What the interlock adapter does: send (with undici, which like the adapter sends a body with
 * GET; fetch refuses to), and answer one Digest challenge when it has credentials.
 */
async function send(req: DeviceRequest, signal?: AbortSignal): Promise<Answer> {
  const once = async (authorization?: string) => {
    const headers = { ...req.headers, ...(authorization && { authorization }) };
    const res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers,
      body: req.body ?? null,
      ...(signal ? { signal } : {}),
    });
    const contentType = res.headers['content-type'];
    return {
      status: res.statusCode,
      statusText: res.statusText,
      contentType: typeof contentType === 'string' ? contentType : undefined,
      challenge: res.headers['www-authenticate'],
      body: await res.body.text(),
    };
  };
  let res = await once();
  if (res.status === 401 && req.digest && typeof res.challenge === 'string') {
    const challenge = parseDigestChallenge(res.challenge);
    if (challenge) {
      const u = new URL(req.url);
      res = await once(
        digestAuthorization({
          challenge,
          method: req.method,
          uri: `${u.pathname}${u.search}`,
          ...req.digest,
        }),
      );
    }
  }
  return { status: res.status, statusText: res.statusText, contentType: res.contentType, body: res.body };
}

async function act(
  action: InterlockAction,
  url: string,
  device: HookDevice,
  credentials: { username?: string; password?: string } = {},
  method = 'POST',
): Promise<{ answer: Answer; reading: StatusReading }> {
  const req = deviceRequest(
    action,
    { url, method, headers: {}, device, data: { room: 'B12' } },
    credentials,
    context,
  );
  const answer = await send(req);
  return { answer, reading: readStatus(device, answer) };
}

describe('plain interlock device', () => {
  const device: HookDevice = { kind: 'webhook', channel: 0, onMeans: 'unlocked' };

  it('locks, unlocks and reports its state, recording the seed payload', async () => {
    const d = await track(startPlainInterlock());
    expect((await act('unlock', `${d.url}/unlock`, device)).answer.status).toBe(200);
    expect(d.state.locked).toBe(false);
    expect((await act('status', `${d.url}/status`, device, {}, 'GET')).reading).toEqual({
      ok: true,
      status: 'unlocked',
    });
    await act('lock', `${d.url}/lock`, device);
    expect((await act('status', `${d.url}/status`, device, {}, 'GET')).reading).toEqual({
      ok: true,
      status: 'locked',
    });

    expect(d.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /unlock',
      'GET /status',
      'POST /lock',
      'GET /status',
    ]);
    expect(d.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(d.requests[0]!.body)).toEqual({
      room: 'B12',
      service_id: 'svc-1',
      action: 'unlock',
      user_id: 'u-1',
      requested_at: '2026-01-01T10:00:00Z',
    });
    expect(JSON.parse(d.requests[1]!.body)).toMatchObject({ action: 'status', service_id: 'svc-1' });
  });

  it('answers with a configured status code, body and content type, and keeps its state on errors', async () => {
    const d = await track(startPlainInterlock({ statusBody: '<html>up</html>', contentType: 'text/html' }));
    expect((await act('status', `${d.url}/status`, device, {}, 'GET')).reading).toEqual({
      ok: false,
      problem: 'expected content-type application/json, got text/html',
    });
    d.set({ statusCode: 503 });
    const { answer } = await act('unlock', `${d.url}/unlock`, device);
    expect([answer.status, answer.statusText]).toEqual([503, 'Service Unavailable']);
    expect(d.state.locked).toBe(true);
    d.set({ statusCode: 200, statusBody: '{"status":"open"}', contentType: 'application/json' });
    expect((await act('status', `${d.url}/status`, device, {}, 'GET')).reading).toEqual({
      ok: false,
      problem: '"status" must be "locked" or "unlocked", got "open"',
    });
  });

  it('answers late when asked to, so a client timeout can be tested, and still closes promptly', async () => {
    const d = await track(startPlainInterlock({ delayMs: 5_000 }));
    const req = deviceRequest(
      'lock',
      { url: `${d.url}/lock`, method: 'POST', headers: {}, device, data: {} },
      {},
      context,
    );
    await expect(send(req, AbortSignal.timeout(100))).rejects.toThrow(/timeout|aborted/i);
  });
});

describe('Shelly-like relay', () => {
  const device: HookDevice = { kind: 'shelly', channel: 1, onMeans: 'unlocked' };

  it('switches and reports a channel without auth', async () => {
    const s = await track(startShellyLike({ channels: 2 }));
    const unlock = await act('unlock', s.url, device);
    expect(JSON.parse(unlock.answer.body)).toEqual({ was_on: false });
    expect(s.outputs).toEqual([false, true]);
    expect((await act('status', s.url, device)).reading).toEqual({ ok: true, status: 'unlocked' });
    await act('lock', s.url, device);
    expect(s.outputs).toEqual([false, false]);
    expect((await act('status', s.url, device)).reading).toEqual({ ok: true, status: 'locked' });
    expect(s.requests.map((r) => r.path)).toEqual([
      '/rpc/Switch.Set?id=1&on=true',
      '/rpc/Switch.GetStatus?id=1',
      '/rpc/Switch.Set?id=1&on=false',
      '/rpc/Switch.GetStatus?id=1',
    ]);
  });

  it('demands SHA-256 Digest auth and accepts our answer to its challenge', async () => {
    const s = await track(startShellyLike({ password: 'relay-pw', realm: 'shelly1pm-abc', channels: 2 }));
    const { answer, reading } = await act('unlock', s.url, device, { password: 'relay-pw' });
    expect(answer.status).toBe(200);
    expect(reading.ok).toBe(false); // a Switch.Set answer is not a status; lock/unlock discard it
    expect(s.outputs[1]).toBe(true);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    expect(String(s.requests[1]!.headers.authorization)).toMatch(
      /^Digest username="admin", realm="shelly1pm-abc"/,
    );
    expect((await act('status', s.url, device, { password: 'relay-pw' })).reading).toEqual({
      ok: true,
      status: 'unlocked',
    });
  });

  it('challenges with a fresh nonce each time and refuses a wrong password or a forged nonce', async () => {
    const s = await track(startShellyLike({ password: 'relay-pw' }));
    const dev: HookDevice = { kind: 'shelly', channel: 0, onMeans: 'unlocked' };
    const first = await fetch(`${s.url}/rpc/Switch.GetStatus?id=0`);
    const second = await fetch(`${s.url}/rpc/Switch.GetStatus?id=0`);
    const c1 = parseDigestChallenge(first.headers.get('www-authenticate')!)!;
    const c2 = parseDigestChallenge(second.headers.get('www-authenticate')!)!;
    expect(first.status).toBe(401);
    expect(c1).toMatchObject({ qop: 'auth', algorithm: 'SHA-256' });
    expect(c1.nonce).not.toBe(c2.nonce);

    const wrong = await act('unlock', s.url, dev, { password: 'guess' });
    expect(wrong.reading).toEqual({ ok: false, problem: 'HTTP 401 Unauthorized: Unauthorized' });
    expect(s.outputs[0]).toBe(false);

    const uri = '/rpc/Switch.Set?id=0&on=true';
    const forged = digestAuthorization({
      challenge: { ...c1, nonce: 'made-up' },
      method: 'GET',
      uri,
      username: 'admin',
      password: 'relay-pw',
    });
    expect((await fetch(`${s.url}${uri}`, { headers: { authorization: forged } })).status).toBe(401);
    const otherUri = digestAuthorization({
      challenge: c1,
      method: 'GET',
      uri: '/rpc/Switch.GetStatus?id=0',
      username: 'admin',
      password: 'relay-pw',
    });
    expect((await fetch(`${s.url}${uri}`, { headers: { authorization: otherUri } })).status).toBe(401);
    expect(s.outputs[0]).toBe(false);
  });

  it('answers an unknown channel as Shelly does', async () => {
    const s = await track(startShellyLike({}));
    const { answer, reading } = await act('status', s.url, {
      kind: 'shelly',
      channel: 5,
      onMeans: 'unlocked',
    });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ code: -105, message: "Argument 'id', value 5 not found!" });
    expect(reading).toEqual({ ok: false, problem: "HTTP 404 Not Found: Argument 'id', value 5 not found!" });
  });
});

describe('Tasmota-like relay', () => {
  it('switches a single relay with Power On/Off and reports POWER', async () => {
    const t = await track(startTasmotaLike({}));
    const device: HookDevice = { kind: 'tasmota', channel: 0, onMeans: 'locked' };
    const lock = await act('lock', t.url, device);
    expect(JSON.parse(lock.answer.body)).toEqual({ POWER: 'ON' });
    expect(t.outputs).toEqual([true]);
    expect((await act('status', t.url, device)).reading).toEqual({ ok: true, status: 'locked' });
    await act('unlock', t.url, device);
    expect((await act('status', t.url, device)).reading).toEqual({ ok: true, status: 'unlocked' });
    expect(t.requests.map((r) => r.path)).toEqual([
      '/cm?cmnd=Power%20On',
      '/cm?cmnd=Power',
      '/cm?cmnd=Power%20Off',
      '/cm?cmnd=Power',
    ]);
  });

  it('addresses relay n of a multi-relay device and answers POWER<n>, commands in any case', async () => {
    const t = await track(startTasmotaLike({ channels: 3 }));
    const device: HookDevice = { kind: 'tasmota', channel: 2, onMeans: 'unlocked' };
    await act('unlock', t.url, device);
    expect(t.outputs).toEqual([false, true, false]);
    expect((await act('status', t.url, device)).reading).toEqual({ ok: true, status: 'unlocked' });
    expect(await (await fetch(`${t.url}/cm?cmnd=power3%20ON`)).json()).toEqual({ POWER3: 'ON' });
    expect(await (await fetch(`${t.url}/cm?cmnd=POWER`)).json()).toEqual({ POWER1: 'OFF' });
    expect(await (await fetch(`${t.url}/cm?cmnd=Power9%20On`)).json()).toEqual({ Command: 'Unknown' });
  });

  it('requires user and password when configured', async () => {
    const t = await track(startTasmotaLike({ password: 'tas pw&1' }));
    const device: HookDevice = { kind: 'tasmota', channel: 0, onMeans: 'unlocked' };
    const refused = await act('status', t.url, device);
    expect(refused.answer.status).toBe(401);
    expect(refused.reading).toEqual({
      ok: false,
      problem: 'HTTP 401 Unauthorized: Need user=<username>&password=<password>',
    });
    expect((await act('status', t.url, device, { password: 'wrong' })).answer.status).toBe(401);
    expect((await act('unlock', t.url, device, { password: 'tas pw&1' })).answer.status).toBe(200);
    expect(t.outputs).toEqual([true]);
    expect((await act('status', t.url, device, { password: 'tas pw&1' })).reading).toEqual({
      ok: true,
      status: 'unlocked',
    });
  });
});
