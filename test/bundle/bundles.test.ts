import { createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { type AddressInfo, createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { type LocalApp, startLocalApp } from '../../scripts/local/app.ts';
import {
  type Assembly,
  BundleInstance,
  checkNodeMatches,
  emulatorResources,
  lambdaEnvironment,
  layOutTasks,
  removeScratch,
  synthesize,
} from '../support/bundleRuntime.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, tokenFor } from '../support/testApp.ts';

/**
 * The bundle tier: every function runs from the bundle `cdk synth` puts in the cloud assembly,
 * in a fresh Node 22 process with the template's environment (references resolved to the
 * emulator's resources) and `@aws-sdk/*` only where the runtime provides it — behind the same
 * local API Gateway and SQS event source stand-ins local mode uses. The calls they make are
 * recorded for the IAM tier.
 */
describe('the deployed bundles, run as Lambda runs them', () => {
  let assembly: Assembly;
  let scratch: string;
  let app: LocalApp;
  let receiver: Receiver;
  let xray: Socket;
  const segments: string[] = [];
  const instances = new Map<string, BundleInstance>();
  const signingSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const password = 'bundle-pw-7f3a';
  /** The trigger URL's secret, once issued (checked absent from every function's output). */
  let triggerSecret = 'no-trigger-secret-issued-yet';
  let closedPort: number;
  const clientSecrets: string[] = [];

  beforeAll(async () => {
    // Receivers and devices are on loopback: the deployment option that allows them.
    assembly = synthesize({ allowPrivateTargets: 'loopback' });
    const tasks = layOutTasks(assembly);
    scratch = tasks.root;
    xray = createSocket('udp4');
    xray.on('message', (m) => segments.push(m.toString()));
    await new Promise<void>((resolve) => xray.bind(0, '127.0.0.1', resolve));
    receiver = await startReceiver();
    closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const emulatorEndpoint = inject('emulatorEndpoint');
    app = await startLocalApp({
      port: 0,
      emulatorEndpoint,
      handlers: (provisioned) => {
        const physical = emulatorResources(assembly.stack, provisioned);
        return async (spec) => {
          const fn = assembly.functions.get(spec.id);
          if (!fn) throw new Error(`${spec.id} is in the manifest but not in the cloud assembly`);
          const taskRoot = tasks.taskRoot(spec.id);
          const env = lambdaEnvironment(
            fn,
            physical,
            { emulatorEndpoint, xrayDaemonAddress: `127.0.0.1:${xray.address().port}` },
            taskRoot,
          );
          const instance = new BundleInstance(fn, taskRoot, env);
          instances.set(spec.id, instance);
          return (event) => instance.invoke(event);
        };
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    for (const instance of instances.values()) instance.stop();
    await receiver?.close();
    xray?.close();
    removeScratch(scratch, assembly?.outdir);
  });

  it('runs on the Node version of the template’s runtime, from bundles outside the repository', () => {
    const runtimes = new Set([...assembly.functions.values()].map((f) => f.runtime));
    expect([...runtimes]).toEqual(['nodejs22.x']);
    expect(checkNodeMatches('nodejs22.x')).toMatch(/^v22\./);
    expect(scratch.startsWith(process.cwd())).toBe(false);
  });

  it('serves health, hooks with credentials, services, interlocks, Ovation, triggers, clients, events and deliveries', async () => {
    const tenant = newTenant('bundle');
    const admin = await tokenFor(tenant, ['admin'], 'ada-admin');

    const health = await call(app, 'GET', '/health');
    expect(health.status, health.text).toBe(200);

    // Hooks: a hook with basic auth and a signing secret (Secrets Manager), and one that fails.
    const created = await call(app, 'POST', '/v1/hooks', {
      token: admin,
      body: {
        name: 'LIMS orders',
        events: ['order.created'],
        url: `${receiver.url}/orders`,
        auth: { type: 'basic', username: 'lims', password },
        signing: { secret: signingSecret },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain(password);
    const hook = created.body as Json;
    const failing = await call(app, 'POST', '/v1/hooks', {
      token: admin,
      // Ordered: its delivery goes through the FIFO queue and the Dispatcher's second event source.
      body: {
        name: 'Down',
        events: ['order.created'],
        url: `http://127.0.0.1:${closedPort}/down`,
        ordering: 'hook',
      },
    });
    expect(failing.status, failing.text).toBe(201);

    // Events: a test delivery, signed and authenticated like the dispatcher's.
    const tested = await call(app, 'POST', `/v1/hooks/${hook.id}/test`, { token: admin });
    expect(tested.body).toMatchObject({ result: 'succeeded', status: 200, test: true });
    const [test] = receiver.received.filter((r) => r.path === '/orders');
    expect(new Webhook(signingSecret).verify(test!.body, test!.headers)).toMatchObject({ test: true });

    // Events → queues → Dispatcher batches: one delivered signed with basic auth, one (ordered, on
    // the FIFO queue) postponed (connection refused).
    const published = await call(app, 'POST', '/v1/events', {
      token: admin,
      body: { type: 'order.created', data: { order_id: 'o-bundle-1' } },
    });
    expect(published.status, published.text).toBe(202);
    expect(published.body).toMatchObject({ deliveries: 2 });
    const eventId = (published.body as Json).event_id as string;
    const delivered = await eventually(() => receiver.received.find((r) => r.body.includes('o-bundle-1')));
    expect(delivered.headers.authorization).toBe(
      `Basic ${Buffer.from(`lims:${password}`).toString('base64')}`,
    );
    expect(new Webhook(signingSecret).verify(delivered.body, delivered.headers)).toMatchObject({
      order_id: 'o-bundle-1',
    });
    const attempts = await eventually(async () => {
      const res = await call(app, 'GET', `/v1/events/${eventId}`, { token: admin });
      const text = JSON.stringify(res.body);
      return /refused/i.test(text) ? (res.body as Json) : undefined;
    });
    expect(JSON.stringify(attempts)).toContain('"status":200');

    // Services and interlocks: a lock through a local target.
    const service = await call(app, 'PUT', '/v1/services/svc-bundle', {
      token: admin,
      body: { name: 'Confocal', tags: ['has_interlock'] },
    });
    expect(service.status, service.text).toBe(200);
    const target = await call(app, 'POST', '/v1/hooks', {
      token: admin,
      body: {
        name: 'Relay',
        events: ['interlock.lock'],
        scope: 'svc-bundle',
        url: `${receiver.url}/relay/lock`,
        auth: { type: 'basic', username: 'relay', password },
      },
    });
    expect(target.status, target.text).toBe(201);
    const locked = await call(app, 'POST', '/v1/interlocks/svc-bundle/lock', { token: admin });
    expect(locked.status, locked.text).toBe(200);
    const relay = receiver.received.find((r) => r.path === '/relay/lock');
    expect(relay?.headers.authorization).toBe(`Basic ${Buffer.from(`relay:${password}`).toString('base64')}`);

    // Ovation: create an endpoint with the seed's request shape.
    const ovation = await call(app, 'POST', '/api/v3/project_templates/42/webhook_endpoints', {
      token: admin,
      body: {
        webhookEndpoint: {
          target_url: `${receiver.url}/ovation`,
          event: 'report_signed',
          username: 'lims',
          password,
        },
      },
    });
    expect(ovation.status, ovation.text).toBe(201);

    // Triggers: an admin creates a trigger URL; Rhombus, with only its secret, subscribes (a
    // signed placeos hook), lists doors, unlocks one through its target (outbound HTTP from the
    // Triggers bundle) and receives a signed door event through the queue.
    const door = await call(app, 'PUT', '/v1/services/door-bundle', {
      token: admin,
      body: { name: 'Lobby', tags: ['door'] },
    });
    expect(door.status, door.text).toBe(200);
    const strike = await call(app, 'POST', '/v1/hooks', {
      token: admin,
      body: {
        name: 'Strike',
        events: ['interlock.unlock'],
        scope: 'door-bundle',
        url: `${receiver.url}/strike/unlock`,
      },
    });
    expect(strike.status, strike.text).toBe(201);
    const trigger = await call(app, 'POST', '/v1/triggers', { token: admin, body: { name: 'Rhombus' } });
    expect(trigger.status, trigger.text).toBe(201);
    const notify = new URL((trigger.body as Json).notify_url as string);
    triggerSecret = notify.searchParams.get('secret') ?? triggerSecret;
    const pathForm = new URL((trigger.body as Json).notify_path_url as string).pathname;
    const subscribed = await call(app, 'POST', `${notify.pathname}${notify.search}&mod=Rhombus`, {
      body: { webhook: `${receiver.url}/rhombus`, secret: '123456' },
    });
    expect(subscribed.status, subscribed.text).toBe(201);
    const doors = await call(app, 'GET', `${pathForm}/Rhombus/1/request`);
    expect(doors.status, doors.text).toBe(200);
    expect(doors.body).toEqual([{ door_id: 'door-bundle', description: 'Lobby' }]);
    const unlocked = await call(app, 'PUT', pathForm, { body: { door_id: 'door-bundle' } });
    expect(unlocked.status, unlocked.text).toBe(200);
    expect(receiver.received.some((r) => r.path === '/strike/unlock')).toBe(true);
    const doorEvent = await call(app, 'POST', '/v1/events', {
      token: admin,
      body: { type: 'door.granted', scope: 'door-bundle', data: { card_id: '42' } },
    });
    expect(doorEvent.status, doorEvent.text).toBe(202);
    const rhombus = await eventually(() => receiver.received.find((r) => r.path === '/rhombus'));
    expect(rhombus.json).toMatchObject({ door_id: 'door-bundle', action: 'granted', card_id: '42' });
    expect(rhombus.json?.signature).toBe(
      createHmac('sha256', '123456').update(String(rhombus.json?.timestamp)).digest('hex'),
    );
    expect((await call(app, 'GET', `${notify.pathname}?secret=wrong`)).status).toBe(401);

    // Clients: an app client in the user pool, bound to the tenant; its token publishes; then deleted.
    const client = await call(app, 'POST', '/v1/clients', {
      token: admin,
      body: { name: 'Bundle service', roles: ['staff'], scopes: ['events.write'] },
    });
    expect(client.status, client.text).toBe(201);
    const { client_id: clientId, client_secret: clientSecret } = client.body as Json;
    clientSecrets.push(clientSecret);
    const issued = await fetch(`${app.url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const { access_token: machine } = (await issued.json()) as Json;
    const fromClient = await call(app, 'POST', '/v1/events', {
      token: machine,
      body: { type: 'order.created', data: { order_id: 'o-bundle-client' } },
    });
    expect(fromClient.status, fromClient.text).toBe(202);
    const removed = await call(app, 'DELETE', `/v1/clients/${clientId}`, { token: admin });
    expect(removed.status, removed.text).toBe(204);
  });

  it('ran every function of the manifest from its bundle, none timed out, no credential in any log', () => {
    for (const spec of functions) {
      const instance = instances.get(spec.id);
      expect(instance?.invocations ?? 0, `${spec.id}: no bundle-tier request`).toBeGreaterThan(0);
      expect(instance?.timeouts).toBe(0);
      expect(instance?.output).not.toContain(password);
      expect(instance?.output).not.toContain(signingSecret);
      expect(instance?.output).not.toContain(triggerSecret);
      for (const secret of clientSecrets) expect(instance?.output).not.toContain(secret);
    }
  });
});
