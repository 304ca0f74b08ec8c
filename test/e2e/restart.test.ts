import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/emulator.ts';
import { mintToken } from '../../scripts/local/jwt.ts';
import { type NpmProcess, startLatchkey, waitFor } from '../support/localProcess.ts';
import { startReceiver } from '../support/receiver.ts';

/**
 * Local mode keeps its state: a user creates a hook and a service, queues a delivery to a receiver
 * that is down, stops with Ctrl-C, starts again, and finds everything there; the delivery arrives
 * once the receiver is up. A SIGKILL of `npm start` leaves no emulator behind; `--fresh` starts
 * empty.
 */
describe('npm start keeps its state across restarts', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'latchkey-state-'));
  const env = {
    LATCHKEY_STATE_DIR: stateDir,
    LATCHKEY_QUIET: '1',
    // Early retries after 2 s, so the restored delivery is due again soon after the restart; later
    // ones spaced out so that a slow machine cannot use up every attempt before the receiver is up.
    DELIVERY_RETRY_SCHEDULE_SECONDS: '2,2,5,10,15,20,30,30,30',
  };
  const running: NpmProcess[] = [];
  afterAll(() => {
    for (const p of running) p.signal('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  const json = (token: string, body?: unknown) => ({
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('restores hooks, services and a retrying delivery after Ctrl-C; --fresh starts empty', {
    timeout: 360_000,
  }, async () => {
    const token = await mintToken({ tenant: 'restart-t', roles: ['admin'] });
    const receiverPort = await freePort();
    const port = await freePort();

    // 1. First run: a hook to a receiver that is not up yet, a service, one event.
    const first = await startLatchkey(port, env);
    running.push(first);
    const created = await fetch(`${first.url}/v1/hooks`, {
      method: 'POST',
      ...json(token, { name: 'orders', events: ['order.*'], url: `http://127.0.0.1:${receiverPort}/in` }),
    });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string };
    const service = await fetch(`${first.url}/v1/services/nmr-600`, {
      method: 'PUT',
      ...json(token, { name: 'NMR 600', tags: ['has_interlock'] }),
    });
    expect(service.status).toBe(200);
    const event = await fetch(`${first.url}/v1/events`, {
      method: 'POST',
      ...json(token, { type: 'order.created', data: { order_id: 'o-restart' } }),
    });
    expect(event.status).toBe(202);
    const { event_id: eventId } = (await event.json()) as { event_id: string };
    // The first attempt fails (connection refused) and the delivery is scheduled for a retry.
    await waitFor(async () => {
      const res = await fetch(`${first.url}/v1/events/${eventId}`, json(token));
      const body = JSON.stringify(await res.json());
      return body.includes('ECONNREFUSED') ? true : undefined;
    }, 'the first attempt to fail');

    first.signal('SIGINT');
    await first.closed;
    expect(first.output()).toMatch(/SIGINT: stopping Latchkey: .*saving state to .*at most 5 s/);
    expect(first.output()).toMatch(/^stopped$/m);

    // 2. Second run: everything is still there, and the delivery arrives once the receiver is up.
    const second = await startLatchkey(port, env);
    running.push(second);
    expect(second.output()).toContain('restored from the last run');
    const hooks = await fetch(`${second.url}/v1/hooks/${hook.id}`, json(token));
    expect(hooks.status).toBe(200);
    const services = await fetch(`${second.url}/v1/services/nmr-600`, json(token));
    expect(services.status).toBe(200);
    expect(await services.json()).toMatchObject({ name: 'NMR 600' });

    const receiver = await startReceiver({ port: receiverPort });
    try {
      const got = await waitFor(
        async () => (receiver.received.length > 0 ? receiver.received : undefined),
        'the restored delivery',
        120_000,
      );
      expect(got[0]?.json).toMatchObject({ order_id: 'o-restart' });
    } finally {
      await receiver.close();
    }
    second.signal('SIGINT');
    await second.closed;

    // 3. --fresh: an empty start.
    const third = await startLatchkey(port, env, ['--fresh']);
    running.push(third);
    expect(third.output()).toContain('--fresh: removed the saved state');
    const empty = await fetch(`${third.url}/v1/hooks`, json(token));
    expect(((await empty.json()) as { hooks: unknown[] }).hooks).toEqual([]);
    third.signal('SIGINT');
    await third.closed;
  });

  it('leaves no emulator running when npm start is killed with SIGKILL', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const app = await startLatchkey(port, { ...env, LATCHKEY_STATE_DIR: join(stateDir, 'killed') });
    running.push(app);
    const emulator = `http://127.0.0.1:${app.emulatorPort}/moto-api/`;
    expect((await fetch(emulator)).ok).toBe(true);

    app.signal('SIGKILL');
    await app.closed;
    // The emulator notices its parent is gone (its stdin pipe closes), saves and exits.
    await waitFor(
      async () => {
        try {
          await fetch(emulator, { signal: AbortSignal.timeout(500) });
          return undefined;
        } catch {
          return true;
        }
      },
      'the emulator to exit after its parent was killed',
      30_000,
    );
  });
});
