import { describe, expect, it } from 'vitest';
import type { HookDevice } from '../../shared/domain/hook.ts';
import {
  type DeviceResponse,
  describeHttpFailure,
  deviceRequest,
  type InterlockTarget,
  readStatus,
} from '../../shared/domain/interlockDevice.ts';

const context = { serviceId: 'svc-7', userId: 'u-42', requestedAt: '2026-01-01T10:00:00Z' };
const webhook: HookDevice = { kind: 'webhook', channel: 0, onMeans: 'unlocked' };
const target = (over: Partial<InterlockTarget> = {}): InterlockTarget => ({
  url: 'https://lab.example/interlock/lock',
  method: 'POST',
  headers: { 'x-api-key': 'k' },
  device: webhook,
  data: {},
  ...over,
});
const json = (body: unknown, over: Partial<DeviceResponse> = {}): DeviceResponse => ({
  status: 200,
  statusText: 'OK',
  contentType: 'application/json',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...over,
});

describe('webhook interlock target (seed semantics)', () => {
  it('sends the hook data plus system keys as JSON, system keys winning', () => {
    const req = deviceRequest(
      'unlock',
      target({ data: { room: 'B12', action: 'hijack', service_id: 'other', user_id: 'x' } }),
      {},
      context,
    );
    expect(req).toEqual({
      url: 'https://lab.example/interlock/lock',
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: expect.any(String),
    });
    expect(JSON.parse(req.body!)).toEqual({
      room: 'B12',
      service_id: 'svc-7',
      action: 'unlock',
      user_id: 'u-42',
      requested_at: '2026-01-01T10:00:00Z',
    });
    expect(req.digest).toBeUndefined();
  });

  it('sends the JSON body with GET too (every request body is application/json)', () => {
    const req = deviceRequest(
      'status',
      target({ method: 'GET', headers: { 'Content-Type': 'text/plain', accept: 'application/json' } }),
      {},
      context,
    );
    expect(req).toMatchObject({
      url: 'https://lab.example/interlock/lock',
      method: 'GET',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
    });
    expect(JSON.parse(req.body!)).toMatchObject({ action: 'status', service_id: 'svc-7' });
  });

  it('carries the authorising booking’s event_id and order_id; hook data never supplies them', () => {
    const req = deviceRequest(
      'unlock',
      target({ data: { room: 'B12', event_id: 'forged', order_id: 'forged', line_id: 'forged' } }),
      {},
      { ...context, eventId: 'bk-1', orderId: 'o-9' },
    );
    expect(JSON.parse(req.body!)).toEqual({
      room: 'B12',
      service_id: 'svc-7',
      action: 'unlock',
      user_id: 'u-42',
      requested_at: '2026-01-01T10:00:00Z',
      event_id: 'bk-1',
      order_id: 'o-9',
    });
    const staff = deviceRequest('unlock', target({ data: { event_id: 'forged' } }), {}, context);
    expect(JSON.parse(staff.body!)).not.toHaveProperty('event_id');
  });

  it('reads "locked" and "unlocked", with or without a charset', () => {
    expect(readStatus(webhook, json({ status: 'locked' }))).toEqual({ ok: true, status: 'locked' });
    expect(
      readStatus(
        webhook,
        json({ status: 'unlocked', since: 'x' }, { contentType: 'application/json; charset=utf-8' }),
      ),
    ).toEqual({ ok: true, status: 'unlocked' });
  });

  it.each<[string, DeviceResponse, string]>([
    [
      'an HTTP error',
      json('oops', { status: 500, statusText: 'Internal Server Error' }),
      'HTTP 500 Internal Server Error',
    ],
    [
      'an HTTP error without reason phrase',
      json('', { status: 503, statusText: '' }),
      'HTTP 503 Service Unavailable',
    ],
    ['a redirect', json('', { status: 302, statusText: 'Found' }), 'HTTP 302 Found'],
    [
      'HTML',
      json('<html></html>', { contentType: 'text/html; charset=utf-8' }),
      'expected content-type application/json, got text/html',
    ],
    [
      'no content type',
      json({ status: 'locked' }, { contentType: undefined }),
      'expected content-type application/json, got none',
    ],
    [
      'invalid JSON',
      json(`{"status": locked${'x'.repeat(200)}`),
      `response is not valid JSON: {"status": locked${'x'.repeat(83)}…`,
    ],
    ['an empty body', json(''), 'response body is empty'],
    ['a JSON array', json(['locked']), 'expected a JSON object, got an array: ["locked"]'],
    ['a JSON string', json('"locked"'), 'expected a JSON object, got a string: "locked"'],
    ['no status key', json({ state: 'locked' }), 'response has no "status" key: {"state":"locked"}'],
    ['another word', json({ status: 'open' }), '"status" must be "locked" or "unlocked", got "open"'],
    ['another case', json({ status: 'Locked' }), '"status" must be "locked" or "unlocked", got "Locked"'],
    ['a boolean', json({ status: true }), '"status" must be "locked" or "unlocked", got true'],
    ['null', json({ status: null }), '"status" must be "locked" or "unlocked", got null'],
  ])('refuses %s with a problem saying what came back', (_what, response, problem) => {
    expect(readStatus(webhook, response)).toEqual({ ok: false, problem });
  });
});

describe('Shelly Gen2+ target', () => {
  const shelly = (channel: number, onMeans: HookDevice['onMeans']): InterlockTarget =>
    target({
      url: 'http://10.0.0.5/some/path/?x=1#f',
      device: { kind: 'shelly', channel, onMeans },
      headers: {},
    });

  it('switches the output off to lock when on means unlocked, on to unlock', () => {
    expect(deviceRequest('lock', shelly(0, 'unlocked'), {}, context)).toEqual({
      url: 'http://10.0.0.5/some/path/rpc/Switch.Set?id=0&on=false',
      method: 'GET',
      headers: {},
    });
    expect(deviceRequest('unlock', shelly(0, 'unlocked'), {}, context).url).toBe(
      'http://10.0.0.5/some/path/rpc/Switch.Set?id=0&on=true',
    );
  });

  it('switches the output on to lock when on means locked', () => {
    expect(deviceRequest('lock', shelly(2, 'locked'), {}, context).url).toMatch(/Switch\.Set\?id=2&on=true$/);
    expect(deviceRequest('unlock', shelly(2, 'locked'), {}, context).url).toMatch(
      /Switch\.Set\?id=2&on=false$/,
    );
  });

  it('asks Switch.GetStatus for status and answers digest challenges as admin when a password is set', () => {
    const req = deviceRequest('status', shelly(1, 'unlocked'), { password: 's3cret' }, context);
    expect(req).toEqual({
      url: 'http://10.0.0.5/some/path/rpc/Switch.GetStatus?id=1',
      method: 'GET',
      headers: {},
      digest: { username: 'admin', password: 's3cret' },
    });
    expect(
      deviceRequest('lock', shelly(1, 'unlocked'), { username: 'ops', password: 'p' }, context).digest,
    ).toEqual({
      username: 'ops',
      password: 'p',
    });
    expect(deviceRequest('lock', shelly(1, 'unlocked'), { username: 'ops' }, context).digest).toBeUndefined();
  });

  it('reads output true as what on means', () => {
    const device: HookDevice = { kind: 'shelly', channel: 0, onMeans: 'unlocked' };
    const status = (output: boolean) => ({ id: 0, source: 'http', output, apower: 0 });
    expect(readStatus(device, json(status(true)))).toEqual({ ok: true, status: 'unlocked' });
    expect(readStatus(device, json(status(false)))).toEqual({ ok: true, status: 'locked' });
    const inverted: HookDevice = { ...device, onMeans: 'locked' };
    expect(readStatus(inverted, json(status(true)))).toEqual({ ok: true, status: 'locked' });
    expect(readStatus(inverted, json(status(false)))).toEqual({ ok: true, status: 'unlocked' });
  });

  it.each<[string, DeviceResponse, string]>([
    [
      'an unknown channel',
      json(
        { code: -105, message: "Argument 'id', value 5 not found!" },
        { status: 404, statusText: 'Not Found' },
      ),
      "HTTP 404 Not Found: Argument 'id', value 5 not found!",
    ],
    ['a refused login', json('', { status: 401, statusText: 'Unauthorized' }), 'HTTP 401 Unauthorized'],
    [
      'no output',
      json({ id: 0, apower: 0 }),
      'expected Switch.GetStatus to report a boolean "output", got none',
    ],
    [
      'a string output',
      json({ id: 0, output: 'on' }),
      'expected Switch.GetStatus to report a boolean "output", got "on"',
    ],
    ['invalid JSON', json('<html>'), 'response is not valid JSON: <html>'],
  ])('refuses %s', (_what, response, problem) => {
    expect(readStatus({ kind: 'shelly', channel: 0, onMeans: 'unlocked' }, response)).toEqual({
      ok: false,
      problem,
    });
  });
});

describe('Tasmota target', () => {
  const tasmota = (channel: number, onMeans: HookDevice['onMeans']): InterlockTarget =>
    target({ url: 'http://10.0.0.9/', device: { kind: 'tasmota', channel, onMeans }, headers: {} });

  it('sends Power On/Off (bare Power for channel 0) and bare Power for status', () => {
    expect(deviceRequest('lock', tasmota(0, 'unlocked'), {}, context)).toEqual({
      url: 'http://10.0.0.9/cm?cmnd=Power%20Off',
      method: 'GET',
      headers: {},
    });
    expect(deviceRequest('unlock', tasmota(0, 'unlocked'), {}, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power%20On',
    );
    expect(deviceRequest('lock', tasmota(2, 'locked'), {}, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power2%20On',
    );
    expect(deviceRequest('unlock', tasmota(2, 'locked'), {}, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power2%20Off',
    );
    expect(deviceRequest('status', tasmota(0, 'locked'), {}, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power',
    );
    expect(deviceRequest('status', tasmota(3, 'locked'), {}, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power3',
    );
  });

  it('passes credentials as user/password query parameters, encoded, only when a password is set', () => {
    const req = deviceRequest('status', tasmota(1, 'unlocked'), { password: 'p&w=1 x' }, context);
    expect(req.url).toBe('http://10.0.0.9/cm?cmnd=Power1&user=admin&password=p%26w%3D1%20x');
    expect(req.digest).toBeUndefined();
    expect(
      deviceRequest('status', tasmota(1, 'unlocked'), { username: 'ops', password: 'p' }, context).url,
    ).toBe('http://10.0.0.9/cm?cmnd=Power1&user=ops&password=p');
    expect(deviceRequest('status', tasmota(1, 'unlocked'), { username: 'ops' }, context).url).toBe(
      'http://10.0.0.9/cm?cmnd=Power1',
    );
  });

  it('reads ON as what on means, from POWER or POWER<n>', () => {
    const ch0: HookDevice = { kind: 'tasmota', channel: 0, onMeans: 'unlocked' };
    expect(readStatus(ch0, json({ POWER: 'ON' }))).toEqual({ ok: true, status: 'unlocked' });
    expect(readStatus(ch0, json({ POWER: 'OFF' }))).toEqual({ ok: true, status: 'locked' });
    expect(readStatus(ch0, json({ POWER1: 'ON' }))).toEqual({ ok: true, status: 'unlocked' });
    const ch1: HookDevice = { kind: 'tasmota', channel: 1, onMeans: 'locked' };
    expect(readStatus(ch1, json({ POWER1: 'OFF' }))).toEqual({ ok: true, status: 'unlocked' });
    expect(readStatus(ch1, json({ POWER: 'ON' }))).toEqual({ ok: true, status: 'locked' });
    const ch2: HookDevice = { kind: 'tasmota', channel: 2, onMeans: 'locked' };
    expect(readStatus(ch2, json({ POWER2: 'ON' }))).toEqual({ ok: true, status: 'locked' });
  });

  it.each<[string, HookDevice['channel'], DeviceResponse, string]>([
    [
      'an unknown command',
      0,
      json({ Command: 'Unknown' }),
      'expected "POWER" in the response, got {"Command":"Unknown"}',
    ],
    ['another channel', 2, json({ POWER: 'ON' }), 'expected "POWER2" in the response, got {"POWER":"ON"}'],
    ['a strange value', 0, json({ POWER: 'MAYBE' }), '"POWER" must be "ON" or "OFF", got "MAYBE"'],
    ['a numeric value', 1, json({ POWER1: 1 }), '"POWER1" must be "ON" or "OFF", got 1'],
    [
      'a refused login',
      0,
      json(
        { WARNING: 'Need user=<username>&password=<password>' },
        { status: 401, statusText: 'Unauthorized' },
      ),
      'HTTP 401 Unauthorized: Need user=<username>&password=<password>',
    ],
    ['invalid JSON', 0, json('ON'), 'response is not valid JSON: ON'],
  ])('refuses %s', (_what, channel, response, problem) => {
    expect(readStatus({ kind: 'tasmota', channel, onMeans: 'unlocked' }, response)).toEqual({
      ok: false,
      problem,
    });
  });
});

describe('HTTP failure description', () => {
  it('names the status and its reason, falling back to the standard phrase', () => {
    expect(describeHttpFailure(503, 'Service Unavailable')).toBe('HTTP 503 Service Unavailable');
    expect(describeHttpFailure(404, '')).toBe('HTTP 404 Not Found');
    expect(describeHttpFailure(599, '')).toBe('HTTP 599');
    expect(describeHttpFailure(500, 'Boom')).toBe('HTTP 500 Boom');
  });
});
