import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { freePort } from '../../scripts/local/emulator.ts';
import { type NpmProcess, startNpm, waitFor } from '../support/localProcess.ts';
import { call, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * The README's interlock walk-through with `npm run device`: each kind of fake relay, started as
 * a user starts it, driven through the interlock routes; the device prints every call it gets.
 */
describe('npm run device drives the interlock routes', () => {
  let app: LocalApp;
  const devices: NpmProcess[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    for (const d of devices) d.signal('SIGKILL');
    await app?.stop();
  });

  async function startDevice(kind: string, extra: string[] = []) {
    const port = await freePort();
    const proc = startNpm(['device', '--', '--kind', kind, '--port', String(port), ...extra], {});
    devices.push(proc);
    await waitFor(
      async () => (proc.output().includes('device listening on') ? true : undefined),
      `the ${kind} device to listen\n${proc.output()}`,
      30_000,
    );
    return { proc, url: `http://127.0.0.1:${port}` };
  }

  async function instrument(hooks: Record<string, unknown>[]) {
    const tenant = newTenant('dev');
    const staff = await tokenFor(tenant, ['staff'], 'sam-staff');
    const serviceId = 'relay-1';
    expect(
      (
        await call(app, 'PUT', `/v1/services/${serviceId}`, {
          token: staff,
          body: { name: 'Relay', tags: ['has_interlock'] },
        })
      ).status,
    ).toBe(200);
    for (const hook of hooks) {
      const created = await call(app, 'POST', '/v1/hooks', {
        token: staff,
        body: { ...hook, scope: serviceId },
      });
      expect(created.status, created.text).toBe(201);
    }
    const act = (action: 'lock' | 'unlock') =>
      call(app, 'POST', `/v1/interlocks/${serviceId}/${action}`, { token: staff });
    const status = () => call(app, 'GET', `/v1/interlocks/${serviceId}/status`, { token: staff });
    return { act, status };
  }

  const allActions = ['interlock.lock', 'interlock.unlock', 'interlock.status'];

  it('shelly: digest-protected Switch.Set and Switch.GetStatus', async () => {
    const { proc, url } = await startDevice('shelly', ['--password', 'relay-pw']);
    const { act, status } = await instrument([
      {
        name: 'Shelly',
        events: allActions,
        url,
        auth: { type: 'basic', username: 'admin', password: 'relay-pw' },
        device: { kind: 'shelly', channel: 0, on_means: 'unlocked' },
      },
    ]);
    expect((await act('unlock')).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'unlocked' });
    expect((await act('lock')).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'locked' });
    await waitFor(
      async () => (proc.output().includes('GetStatus?id=0 -> 200  outputs: off') ? true : undefined),
      'the printed calls',
    );
    expect(proc.output()).toContain('[shelly] GET /rpc/Switch.Set?id=0&on=true -> 401');
    expect(proc.output()).toContain('[shelly] GET /rpc/Switch.Set?id=0&on=true -> 200  outputs: on');
    expect(proc.output()).not.toContain('relay-pw');
  });

  it('tasmota: Power On / Off / Power with the credentials in the query', async () => {
    const { proc, url } = await startDevice('tasmota', ['--password', 'tas-pw']);
    const { act, status } = await instrument([
      {
        name: 'Tasmota',
        events: allActions,
        url,
        auth: { type: 'basic', username: 'admin', password: 'tas-pw' },
        device: { kind: 'tasmota', on_means: 'unlocked' },
      },
    ]);
    expect((await act('unlock')).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'unlocked' });
    expect((await act('lock')).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'locked' });
    await waitFor(
      async () => (/cmnd=Power&.* -> 200 {2}outputs: off/.test(proc.output()) ? true : undefined),
      'the printed calls',
    );
    expect(proc.output()).toMatch(
      /\[tasmota\] GET \/cm\?cmnd=Power%20On&user=admin&password=\S+ -> 200 {2}outputs: on/,
    );
  });

  it('webhook: the plain lock / unlock / status interlock', async () => {
    const { proc, url } = await startDevice('webhook');
    const { act, status } = await instrument([
      { name: 'Lock', events: ['interlock.lock'], url: `${url}/lock` },
      { name: 'Unlock', events: ['interlock.unlock'], url: `${url}/unlock` },
      { name: 'Status', events: ['interlock.status'], url: `${url}/status`, method: 'GET' },
    ]);
    expect((await status()).body).toMatchObject({ status: 'locked' });
    expect((await act('unlock')).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'unlocked' });
    await waitFor(
      async () => (proc.output().includes('POST /unlock -> 200  state: unlocked') ? true : undefined),
      'the printed calls',
    );
  });

  it('answers a bad flag with one line of usage', async () => {
    const proc = startNpm(['device', '--', '--kind', 'toaster'], {});
    devices.push(proc);
    await proc.closed;
    expect(proc.child.exitCode).toBe(2);
    expect(proc.output().trim().split('\n')).toEqual([
      '--kind must be one of shelly, tasmota, webhook',
      'usage: npm run device -- --kind shelly|tasmota|webhook [--port 4100] [--password P] [--channels 1]',
    ]);
  });
});
