import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { secretName, secretValue, tableItems } from '../support/inspect.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/** The seed's own request example (seeds/ovation-webhook-api.txt), replayed as is. */
const seedRequest = {
  webhookEndpoint: {
    target_url: 'http://api.test.com/',
    event: 'report_signed',
    username: 'someUser',
    password: 'somePassword',
    requestHeaders: { someKey: 'any value', anotherKey: 'some other value' },
    authenticationHeaders: { 'api-key': '1234' },
  },
};

const base = (template: string | number) => `/api/v3/project_templates/${template}/webhook_endpoints`;

describe('Ovation webhook endpoint API', () => {
  let app: LocalApp;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startTestApp();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.stop();
  });

  it('creates, reads, lists, updates and deletes endpoints with the seed’s shapes and codes', async () => {
    const tenant = newTenant();
    const token = await tokenFor(tenant, ['webhook_admin']);
    const created = await call(app, 'POST', base(789), { token, body: seedRequest });
    expect(created.status).toBe(201);
    const endpoint = (created.body as Json).webhook_endpoint;
    expect(Object.keys(endpoint).sort()).toEqual(
      [
        'event',
        'id',
        'project_requisition_template_association_id',
        'requestHeaders',
        'target_url',
        'username',
      ].sort(),
    );
    expect(endpoint).toEqual({
      id: expect.any(Number),
      target_url: 'http://api.test.com/',
      event: 'report_signed',
      username: 'someUser',
      project_requisition_template_association_id: 789,
      requestHeaders: { 'some-key': 'any value', 'another-key': 'some other value' },
    });
    expect(created.text).not.toContain('somePassword');
    expect(created.text).not.toContain('1234');

    const one = await call(app, 'GET', `${base(789)}/${endpoint.id}`, { token });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ webhook_endpoint: endpoint });

    await call(app, 'POST', base(790), { token, body: seedRequest });
    const list = await call(app, 'GET', base(789), { token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ webhook_endpoints: [endpoint] });

    const updated = await call(app, 'PUT', `${base(789)}/${endpoint.id}`, {
      token,
      body: {
        webhookEndpoint: {
          ...seedRequest.webhookEndpoint,
          target_url: 'https://api.test.com/v2',
          event: 'report_corrected',
          requestHeaders: { New_Key: 'x' },
        },
      },
    });
    expect(updated.status).toBe(201);
    expect((updated.body as Json).webhook_endpoint).toMatchObject({
      id: endpoint.id,
      target_url: 'https://api.test.com/v2',
      event: 'report_corrected',
      requestHeaders: { 'new-key': 'x' },
    });

    // The same hook is visible on the core API, scoped to the project template.
    const hooks = await call(app, 'GET', '/v1/hooks?scope=789', { token });
    expect((hooks.body as Json).hooks).toMatchObject([
      {
        number: endpoint.id,
        scope: '789',
        events: ['report_corrected'],
        auth: { type: 'headers', username: 'someUser' },
      },
    ]);

    const deleted = await call(app, 'DELETE', `${base(789)}/${endpoint.id}`, { token });
    expect(deleted.status).toBe(201);
    expect((await call(app, 'GET', `${base(789)}/${endpoint.id}`, { token })).status).toBe(404);
  });

  it('keeps the password and authentication headers in Secrets Manager and sends the headers instead of basic auth', async () => {
    const tenant = newTenant();
    const token = await tokenFor(tenant, ['webhook_admin']);
    const path = `/ovation-${Date.now()}`;
    const created = await call(app, 'POST', base(42), {
      token,
      body: { webhookEndpoint: { ...seedRequest.webhookEndpoint, target_url: `${receiver.url}${path}` } },
    });
    const id = (created.body as Json).webhook_endpoint.id;
    const hook = ((await call(app, 'GET', '/v1/hooks?scope=42', { token })).body as Json).hooks[0];
    expect(await secretValue(app, secretName(app, tenant, hook.id))).toEqual({
      password: 'somePassword',
      authHeaders: { 'api-key': '1234' },
    });
    const items = JSON.stringify(await tableItems(app));
    expect(items).not.toContain('somePassword');
    expect(items).not.toContain('"1234"');

    await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'report_signed', scope: '42', data: { report_id: 'r-1' } },
    });
    const req = await eventually(() => receiver.received.find((r) => r.path === path));
    expect(req.headers['api-key']).toBe('1234');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['some-key']).toBe('any value');
    expect(req.json).toEqual({ report_id: 'r-1' });
    expect(id).toBe(hook.number);
  });

  it('uses basic auth with the username and password when there are no authentication headers', async () => {
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const path = `/ovation-basic-${Date.now()}`;
    const { authenticationHeaders: _, ...withoutAuthHeaders } = seedRequest.webhookEndpoint;
    await call(app, 'POST', base(43), {
      token,
      body: { webhookEndpoint: { ...withoutAuthHeaders, target_url: `${receiver.url}${path}` } },
    });
    await call(app, 'POST', '/v1/events', { token, body: { type: 'report_signed', scope: '43', data: {} } });
    const req = await eventually(() => receiver.received.find((r) => r.path === path));
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from('someUser:somePassword').toString('base64')}`,
    );
  });

  it('answers 422 with the seed’s messages', async () => {
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const unknownEvent = await call(app, 'POST', base(789), {
      token,
      body: { webhookEndpoint: { ...seedRequest.webhookEndpoint, event: 'report_shredded' } },
    });
    expect(unknownEvent.status).toBe(422);
    expect(unknownEvent.body).toEqual({ errors: ['Event not found'] });

    const badTemplate = await call(app, 'POST', base('not-a-template'), { token, body: seedRequest });
    expect(badTemplate.status).toBe(422);
    expect(badTemplate.body).toEqual({ errors: ['Project Template not found'] });

    const missing = await call(app, 'POST', base(789), {
      token,
      body: { webhookEndpoint: { event: 'report_signed' } },
    });
    expect(missing.status).toBe(422);
    expect((missing.body as Json).errors.sort()).toEqual([
      'password is required',
      'target_url is required',
      'username is required',
    ]);
    const noWrapper = await call(app, 'POST', base(789), { token, body: { target_url: 'x' } });
    expect(noWrapper.status).toBe(422);
    expect((noWrapper.body as Json).errors).toContain('webhookEndpoint is required');
  });

  it('answers 401 without a token, 404 for another template’s or tenant’s endpoint', async () => {
    expect((await call(app, 'GET', base(789))).status).toBe(401);
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const created = await call(app, 'POST', base(789), { token, body: seedRequest });
    const id = (created.body as Json).webhook_endpoint.id;
    expect((await call(app, 'GET', `${base(790)}/${id}`, { token })).status).toBe(404);
    const other = await tokenFor(newTenant(), ['webhook_admin']);
    expect((await call(app, 'GET', `${base(789)}/${id}`, { token: other })).status).toBe(404);
    expect((await call(app, 'DELETE', `${base(789)}/${id}`, { token: other })).status).toBe(404);
    expect((await call(app, 'GET', base(789), { token: other })).body).toEqual({ webhook_endpoints: [] });
  });

  it('maps Webhook Admin and Webhook User: a webhook_user sees only endpoints granted to it', async () => {
    const tenant = newTenant();
    const adminToken = await tokenFor(tenant, ['webhook_admin']);
    const a = (await call(app, 'POST', base(5), { token: adminToken, body: seedRequest })).body as Json;
    await call(app, 'POST', base(5), { token: adminToken, body: seedRequest });
    const user = await tokenFor(tenant, ['webhook_user'], 'external-1');
    expect((await call(app, 'GET', base(5), { token: user })).body).toEqual({ webhook_endpoints: [] });
    expect((await call(app, 'POST', base(5), { token: user, body: seedRequest })).status).toBe(403);
    const hookId = (
      (await call(app, 'GET', '/v1/hooks?scope=5', { token: adminToken })).body as Json
    ).hooks.find((h: Json) => h.number === a.webhook_endpoint.id).id;
    await call(app, 'PUT', `/v1/hooks/${hookId}/grants/external-1`, { token: adminToken });
    const list = await call(app, 'GET', base(5), { token: user });
    expect((list.body as Json).webhook_endpoints.map((e: Json) => e.id)).toEqual([a.webhook_endpoint.id]);
    expect((await call(app, 'GET', `${base(5)}/${a.webhook_endpoint.id}`, { token: user })).status).toBe(200);
    expect((await call(app, 'GET', base(5), { token: await tokenFor(tenant, ['user']) })).status).toBe(403);
  });
});
