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
      // Answered as sent; the dash-cased names are what goes on the wire.
      requestHeaders: { someKey: 'any value', anotherKey: 'some other value' },
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
      requestHeaders: { New_Key: 'x' },
    });

    // The same hook is visible on the core API, scoped to the project template.
    const hooks = await call(app, 'GET', '/v1/hooks?scope=789', { token });
    expect((hooks.body as Json).hooks).toMatchObject([
      {
        number: endpoint.id,
        scope: '789',
        events: ['report_corrected'],
        auth: { type: 'headers', username: 'someUser' },
        headers: { 'new-key': 'x' },
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
      body: { webhookEndpoint: { event: 'report_signed', authenticationHeaders: {} } },
    });
    expect(missing.status).toBe(422);
    expect((missing.body as Json).errors.sort()).toEqual([
      'password is required',
      'target_url is required',
      'username is required',
    ]);
    const wrongTypes = await call(app, 'POST', base(789), {
      token,
      body: { webhookEndpoint: { target_url: 5, event: 'report_signed', username: 5, password: 'p' } },
    });
    expect((wrongTypes.body as Json).errors).toEqual([
      'target_url must be a string',
      'username must be a string',
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

  it('validates target_url and header names exactly as /v1/hooks does, on create and update', async () => {
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const created = (await call(app, 'POST', base(789), { token, body: seedRequest })).body as Json;
    const at = `${base(789)}/${created.webhook_endpoint.id}`;
    for (const [method, path] of [
      ['POST', base(789)],
      ['PUT', at],
    ] as const) {
      for (const target_url of ['ftp://x', 'not a url']) {
        const res = await call(app, method, path, {
          token,
          body: { webhookEndpoint: { ...seedRequest.webhookEndpoint, target_url } },
        });
        expect(res.status, `${method} ${target_url}`).toBe(422);
        expect(res.body).toEqual({ errors: ['target_url must be an http(s) URL'] });
      }
      const badHeaders = await call(app, method, path, {
        token,
        body: {
          webhookEndpoint: {
            ...seedRequest.webhookEndpoint,
            requestHeaders: { 'some key': 'v' },
            authenticationHeaders: { 'api key': '1' },
          },
        },
      });
      expect(badHeaders.status).toBe(422);
      const errors = (badHeaders.body as Json).errors as string[];
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatch(/^requestHeaders\.some key is not a valid name: /);
      expect(errors[1]).toMatch(/^authenticationHeaders\.api key is not a valid name: /);
    }
    // Nothing was created or changed by the refused requests.
    const list = await call(app, 'GET', base(789), { token });
    expect((list.body as Json).webhook_endpoints).toEqual([created.webhook_endpoint]);
  });

  it('webhookId is the decimal number literally: 0x4, 4.0, 4e0, 04, " 4" and "+4" are 404', async () => {
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const created = (await call(app, 'POST', base(789), { token, body: seedRequest })).body as Json;
    const n = created.webhook_endpoint.id as number;
    expect((await call(app, 'GET', `${base(789)}/${n}`, { token })).status).toBe(200);
    for (const id of [`0x${n.toString(16)}`, `${n}.0`, `${n}e0`, `0${n}`, `%20${n}`, `%2B${n}`, `${n}%20`]) {
      expect((await call(app, 'GET', `${base(789)}/${id}`, { token })).status, id).toBe(404);
      expect((await call(app, 'PUT', `${base(789)}/${id}`, { token, body: seedRequest })).status, id).toBe(
        404,
      );
      expect((await call(app, 'DELETE', `${base(789)}/${id}`, { token })).status, id).toBe(404);
    }
    expect((await call(app, 'GET', `${base(789)}/${n}`, { token })).status).toBe(200);
  });

  it('checks authorisation before validation: a role without webhook access gets 403 whatever the body', async () => {
    const tenant = newTenant();
    const user = await tokenFor(tenant, ['user']);
    const webhookUser = await tokenFor(tenant, ['webhook_user'], 'ext');
    const junk = { webhookEndpoint: { target_url: 'ftp://x' } };
    for (const [method, path] of [
      ['POST', base(789)],
      ['POST', base('not-a-template')],
      ['PUT', `${base(789)}/1`],
      ['GET', base('not-a-template')],
      ['DELETE', `${base(789)}/1`],
    ] as const) {
      const res = await call(app, method, path, { token: user, ...(method === 'GET' ? {} : { body: junk }) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await call(app, 'POST', base(789), { token: webhookUser, body: junk })).status).toBe(403);
    expect((await call(app, 'POST', base(789), { token: webhookUser, body: 'x' })).status).toBe(403);
  });

  it('an endpoint with authenticationHeaders and no username/password is valid and sends only those headers', async () => {
    const token = await tokenFor(newTenant(), ['webhook_admin']);
    const path = `/ovation-headers-only-${Date.now()}`;
    const created = await call(app, 'POST', base(44), {
      token,
      body: {
        webhookEndpoint: {
          target_url: `${receiver.url}${path}`,
          event: 'sample_rejected',
          requestHeaders: { X_Lab: 'north' },
          authenticationHeaders: { ApiKey: 'k-1' },
        },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect((created.body as Json).webhook_endpoint).toMatchObject({
      username: null,
      requestHeaders: { X_Lab: 'north' },
    });
    await call(app, 'POST', '/v1/events', { token, body: { type: 'sample_rejected', scope: '44' } });
    const req = await eventually(() => receiver.received.find((r) => r.path === path));
    expect(req.headers['api-key']).toBe('k-1');
    expect(req.headers['x-lab']).toBe('north');
    expect(req.headers.authorization).toBeUndefined();

    const neither = await call(app, 'POST', base(44), {
      token,
      body: { webhookEndpoint: { target_url: `${receiver.url}${path}`, event: 'sample_rejected' } },
    });
    expect((neither.body as Json).errors.sort()).toEqual(['password is required', 'username is required']);
  });
});
