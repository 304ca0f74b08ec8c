import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import {
  captureOutput,
  secretDeletionDate,
  secretName,
  secretValue,
  tableItems,
} from '../support/inspect.ts';
import { call, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

const minimalHook = { name: 'orders', events: ['order.created'], url: 'https://receiver.example/hook' };

describe('hook management API', () => {
  let app: LocalApp;
  beforeAll(async () => {
    // Debug-level logs, so the no-leak proof below sees everything the handlers can log.
    app = await startTestApp({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function admin(tenant: string) {
    return tokenFor(tenant, ['webhook_admin'], `admin-${tenant}`);
  }

  async function createHook(token: string, body: Json = minimalHook): Promise<Json> {
    const res = await call(app, 'POST', '/v1/hooks', { token, body });
    expect(res.status, res.text).toBe(201);
    return res.body as Json;
  }

  describe('authentication and roles', () => {
    it('answers 401 without a token and with a forged one', async () => {
      expect((await call(app, 'GET', '/v1/hooks')).status).toBe(401);
      const forged = await call(app, 'GET', '/v1/hooks', { token: 'eyJhbGciOiJub25lIn0.e30.' });
      expect(forged.status).toBe(401);
    });

    it('answers 403 to an instrument user', async () => {
      const res = await call(app, 'GET', '/v1/hooks', { token: await tokenFor(newTenant(), ['user']) });
      expect(res.status).toBe(403);
      expect((res.body as Json).message).toMatch(/webhook_admin/);
    });

    it('lets staff and admins manage hooks', async () => {
      const tenant = newTenant();
      for (const role of ['staff', 'admin']) {
        const res = await call(app, 'POST', '/v1/hooks', {
          token: await tokenFor(tenant, [role]),
          body: minimalHook,
        });
        expect(res.status).toBe(201);
      }
    });
  });

  describe('create, read, update, delete', () => {
    it('creates a hook with every field and answers it without secrets', async () => {
      const tenant = newTenant();
      const token = await admin(tenant);
      const res = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          name: 'LIMS orders',
          events: ['order.*', 'event.created'],
          scope: 'svc-42',
          url: 'lims.example.org/hooks/orders',
          method: 'PUT',
          headers: { KeyName: 'a', keyName2: 'b', key_name3: 'c', 'X-Plain': 'd' },
          auth: { type: 'basic', username: 'lims', password: 'pw-orders-1' },
          data: { facility: 'north', order_id: 'overwritten later' },
          insecure_tls: true,
          signing: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
          timeout_ms: 5000,
          enabled: true,
        },
      });
      expect(res.status).toBe(201);
      const hook = res.body as Json;
      expect(res.headers.get('location')).toBe(`/v1/hooks/${hook.id}`);
      expect(hook).toMatchObject({
        name: 'LIMS orders',
        events: ['order.*', 'event.created'],
        scope: 'svc-42',
        url: 'https://lims.example.org/hooks/orders',
        method: 'PUT',
        headers: { 'key-name': 'a', 'key-name2': 'b', 'key-name3': 'c', 'x-plain': 'd' },
        auth: { type: 'basic', username: 'lims', password_set: true },
        data: { facility: 'north' },
        insecure_tls: true,
        signing: { profile: 'standard', secret_set: true },
        timeout_ms: 5000,
        enabled: true,
      });
      expect(hook.warnings.join(' ')).toMatch(/insecure_tls/);
      expect(res.text).not.toContain('pw-orders-1');
      expect(res.text).not.toContain('whsec_');

      const read = await call(app, 'GET', `/v1/hooks/${hook.id}`, { token });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: hook.id, name: 'LIMS orders', auth: { password_set: true } });
    });

    it('normalises PascalCase, camelCase and snake_case header names to dash-case', async () => {
      const token = await admin(newTenant());
      const hook = await createHook(token, {
        ...minimalHook,
        headers: { KeyName: '1', keyName: '2', key_name: '3', APIKey: '4', X_Request_Source: '5' },
      });
      expect(hook.headers).toEqual({ 'key-name': '3', 'api-key': '4', 'x-request-source': '5' });
    });

    it('paginates the list', async () => {
      const token = await admin(newTenant());
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await createHook(token, { ...minimalHook, name: `h${i}` })).id);
      const first = await call(app, 'GET', '/v1/hooks?limit=2', { token });
      expect(first.status).toBe(200);
      const page1 = first.body as Json;
      expect(page1.hooks).toHaveLength(2);
      expect(page1.next_cursor).toEqual(expect.any(String));
      const second = await call(app, 'GET', `/v1/hooks?limit=2&cursor=${page1.next_cursor}`, { token });
      const page2 = second.body as Json;
      const seen = [...page1.hooks, ...page2.hooks].map((h: Json) => h.id);
      expect(seen.sort()).toEqual(ids.sort());
      const badLimit = await call(app, 'GET', '/v1/hooks?limit=500', { token });
      expect(badLimit.status).toBe(422);
      expect((badLimit.body as Json).errors.map((e: Json) => e.field)).toEqual(['limit']);
      const badCursor = await call(app, 'GET', '/v1/hooks?cursor=garbage', { token });
      expect(badCursor.status).toBe(422);
      expect((badCursor.body as Json).errors).toEqual([
        { field: 'cursor', message: 'cursor is not one this API returned' },
      ]);
    });

    it('PUT replaces, PATCH changes only what it names and keeps an omitted password', async () => {
      const tenant = newTenant();
      const token = await admin(tenant);
      const hook = await createHook(token, {
        ...minimalHook,
        auth: { type: 'basic', username: 'u1', password: 'first-password' },
        data: { a: 1 },
      });
      const patched = await call(app, 'PATCH', `/v1/hooks/${hook.id}`, {
        token,
        body: { name: 'renamed', auth: { type: 'basic', username: 'u2' } },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: 'renamed',
        data: { a: 1 },
        auth: { username: 'u2', password_set: true },
      });
      const name = secretName(app, tenant, hook.id);
      expect(await secretValue(app, name)).toMatchObject({ password: 'first-password' });

      const replaced = await call(app, 'PUT', `/v1/hooks/${hook.id}`, {
        token,
        body: { ...minimalHook, auth: { type: 'basic', username: 'u3', password: 'second-password' } },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ name: 'orders', data: {}, auth: { username: 'u3' } });
      expect(await secretValue(app, name)).toMatchObject({ password: 'second-password' });

      const missing = await call(app, 'PUT', `/v1/hooks/${hook.id}`, { token, body: { name: 'x' } });
      expect(missing.status).toBe(422);
      expect((missing.body as Json).errors.map((e: Json) => e.field).sort()).toEqual(['events', 'url']);
    });

    it('deletes a hook and schedules its secret for deletion', async () => {
      const tenant = newTenant();
      const token = await admin(tenant);
      const hook = await createHook(token, {
        ...minimalHook,
        auth: { type: 'headers', headers: { ApiKey: 'k-123' } },
      });
      const del = await call(app, 'DELETE', `/v1/hooks/${hook.id}`, { token });
      expect(del.status).toBe(204);
      expect((await call(app, 'GET', `/v1/hooks/${hook.id}`, { token })).status).toBe(404);
      expect((await call(app, 'DELETE', `/v1/hooks/${hook.id}`, { token })).status).toBe(404);
      expect(await secretDeletionDate(app, secretName(app, tenant, hook.id))).toBeInstanceOf(Date);
      const items = await tableItems(app);
      expect(items.filter((i) => JSON.stringify(i).includes(hook.id))).toEqual([]);
    });
  });

  describe('errors', () => {
    it('answers 422 listing every bad field, "Event not found" for types outside the catalog', async () => {
      const token = await admin(newTenant());
      const res = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          name: '',
          events: ['order.created', 'lims.sample_received', 'Bad Type'],
          url: 'ftp://files.example',
          method: 'FETCH',
          auth: { type: 'basic', username: 'u' },
          unknown_field: 1,
        },
      });
      expect(res.status).toBe(422);
      const fields = (res.body as Json).errors.map((e: Json) => e.field).sort();
      expect(fields).toEqual(
        expect.arrayContaining(['(body)', 'events.1', 'events.2', 'method', 'name', 'url']),
      );
      expect((res.body as Json).errors).toContainEqual({
        field: 'events.1',
        message: 'Event not found: lims.sample_received',
      });
      const catalog = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { ...minimalHook, events: ['order.created', 'lims.sample_received', 'nothing.*'] },
      });
      expect(catalog.status).toBe(422);
      expect((catalog.body as Json).errors).toEqual([
        { field: 'events.1', message: 'Event not found: lims.sample_received' },
        { field: 'events.2', message: 'Event not found: nothing.*' },
      ]);
      const noPassword = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { ...minimalHook, auth: { type: 'basic', username: 'u' } },
      });
      expect((noPassword.body as Json).errors).toEqual([
        { field: 'auth.password', message: 'is required for basic auth' },
      ]);
      // A field of the wrong type says so; only an absent one "is required".
      const wrongType = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { events: minimalHook.events, url: minimalHook.url, name: 5, headers: { 'X Key': 'v' } },
      });
      expect((wrongType.body as Json).errors).toEqual([
        { field: 'name', message: 'Invalid input: expected string, received number' },
        {
          field: 'headers.X Key',
          message: 'is not a valid name: header names are letters, digits, "-" and "_"',
        },
      ]);
      const absent = await call(app, 'POST', '/v1/hooks', { token, body: { events: minimalHook.events } });
      expect((absent.body as Json).errors).toEqual([
        { field: 'name', message: 'is required' },
        { field: 'url', message: 'is required' },
      ]);
    });

    it('answers 400 to malformed JSON and 413 to an oversize body', async () => {
      const token = await admin(newTenant());
      const malformed = await call(app, 'POST', '/v1/hooks', {
        token,
        rawBody: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect((malformed.body as Json).message).toMatch(/Malformed JSON/);
      const big = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { ...minimalHook, data: { blob: 'x'.repeat(300 * 1024) } },
      });
      expect(big.status).toBe(413);
    });

    it('answers 404 for an unknown hook', async () => {
      const res = await call(app, 'GET', '/v1/hooks/hk_doesnotexist', { token: await admin(newTenant()) });
      expect(res.status).toBe(404);
      expect((res.body as Json).message).toBe('Hook not found');
    });
  });

  it('keeps tenants apart: another tenant’s hook is 404 for every verb and absent from lists', async () => {
    const ownerToken = await admin(newTenant('owner'));
    const hook = await createHook(ownerToken);
    const intruder = await tokenFor(newTenant('intruder'), ['admin']);
    expect((await call(app, 'GET', `/v1/hooks/${hook.id}`, { token: intruder })).status).toBe(404);
    expect(
      (await call(app, 'PUT', `/v1/hooks/${hook.id}`, { token: intruder, body: minimalHook })).status,
    ).toBe(404);
    expect(
      (await call(app, 'PATCH', `/v1/hooks/${hook.id}`, { token: intruder, body: { name: 'x' } })).status,
    ).toBe(404);
    expect((await call(app, 'DELETE', `/v1/hooks/${hook.id}`, { token: intruder })).status).toBe(404);
    expect((await call(app, 'GET', `/v1/hooks/${hook.id}/grants`, { token: intruder })).status).toBe(404);
    const list = await call(app, 'GET', '/v1/hooks', { token: intruder });
    expect((list.body as Json).hooks).toEqual([]);
    expect((await call(app, 'GET', `/v1/hooks/${hook.id}`, { token: ownerToken })).status).toBe(200);
  });

  it('shows a webhook_user only the hooks granted to it', async () => {
    const tenant = newTenant();
    const adminToken = await admin(tenant);
    const granted = await createHook(adminToken, { ...minimalHook, name: 'granted' });
    const other = await createHook(adminToken, { ...minimalHook, name: 'other' });
    const user = await tokenFor(tenant, ['webhook_user'], 'ext-user-1');

    expect((await call(app, 'GET', '/v1/hooks', { token: user })).body).toMatchObject({ hooks: [] });
    expect((await call(app, 'GET', `/v1/hooks/${granted.id}`, { token: user })).status).toBe(404);
    expect((await call(app, 'POST', '/v1/hooks', { token: user, body: minimalHook })).status).toBe(403);
    expect(
      (await call(app, 'PUT', `/v1/hooks/${granted.id}/grants/ext-user-1`, { token: user })).status,
    ).toBe(403);

    const grant = await call(app, 'PUT', `/v1/hooks/${granted.id}/grants/ext-user-1`, { token: adminToken });
    expect(grant.status).toBe(200);
    expect(grant.body).toMatchObject({ hook_id: granted.id, principal_id: 'ext-user-1' });
    const grants = await call(app, 'GET', `/v1/hooks/${granted.id}/grants`, { token: adminToken });
    expect((grants.body as Json).grants).toMatchObject([{ principal_id: 'ext-user-1' }]);

    const list = await call(app, 'GET', '/v1/hooks', { token: user });
    expect((list.body as Json).hooks.map((h: Json) => h.name)).toEqual(['granted']);
    expect((await call(app, 'GET', `/v1/hooks/${other.id}`, { token: user })).status).toBe(404);
    const patch = await call(app, 'PATCH', `/v1/hooks/${granted.id}`, {
      token: user,
      body: { enabled: false },
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ enabled: false });
    expect((await call(app, 'DELETE', `/v1/hooks/${granted.id}`, { token: user })).status).toBe(403);

    const revoke = await call(app, 'DELETE', `/v1/hooks/${granted.id}/grants/ext-user-1`, {
      token: adminToken,
    });
    expect(revoke.status).toBe(204);
    expect((await call(app, 'GET', `/v1/hooks/${granted.id}`, { token: user })).status).toBe(404);
    expect(
      (await call(app, 'DELETE', `/v1/hooks/${granted.id}/grants/ext-user-1`, { token: adminToken })).status,
    ).toBe(404);
  });

  it('keeps a per-tenant event-type catalog that admins extend', async () => {
    const tenant = newTenant();
    const adminToken = await tokenFor(tenant, ['admin']);
    const hookAdmin = await admin(tenant);
    const list = await call(app, 'GET', '/v1/event-types', { token: hookAdmin });
    expect(list.status).toBe(200);
    const names = (list.body as Json).event_types.map((t: Json) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'order.created',
        'door.security_breach',
        'report_signed',
        'test.ping',
        'accession/status_change',
      ]),
    );

    expect(
      (
        await call(app, 'POST', '/v1/event-types', {
          token: hookAdmin,
          body: { name: 'sample/received' },
        })
      ).status,
    ).toBe(403);
    const added = await call(app, 'POST', '/v1/event-types', {
      token: adminToken,
      body: { name: 'sample/received', description: 'LIMS sample received' },
    });
    expect(added.status).toBe(201);
    expect(
      (
        await call(app, 'POST', '/v1/event-types', {
          token: adminToken,
          body: { name: 'sample/received' },
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(app, 'POST', '/v1/event-types', { token: adminToken, body: { name: 'Not Valid!' } }))
        .status,
    ).toBe(422);

    await createHook(hookAdmin, { ...minimalHook, events: ['sample/received', 'sample/*'] });
    // Another tenant's catalog does not have it.
    const elsewhere = await call(app, 'POST', '/v1/hooks', {
      token: await admin(newTenant()),
      body: { ...minimalHook, events: ['sample/received'] },
    });
    expect(elsewhere.status).toBe(422);

    expect((await call(app, 'DELETE', '/v1/event-types/order.created', { token: adminToken })).status).toBe(
      409,
    );
    expect((await call(app, 'DELETE', '/v1/event-types/sample/received', { token: adminToken })).status).toBe(
      204,
    );
    expect((await call(app, 'DELETE', '/v1/event-types/sample/received', { token: adminToken })).status).toBe(
      404,
    );
  });

  it('serves an OpenAPI document without a token, built from the validation schemas', async () => {
    const res = await call(app, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as Json;
    expect(doc.openapi).toBe('3.1.0');
    const post = doc.paths['/v1/hooks'].post;
    expect(post.requestBody.content['application/json'].schema.properties).toHaveProperty('insecure_tls');
    expect(doc.paths).toHaveProperty(
      '/api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}',
    );
  });

  it('never lets a credential reach DynamoDB, a response or a log line (the secrets are in Secrets Manager)', async () => {
    const tenant = newTenant();
    const token = await admin(tenant);
    const password = 'pw-LEAKCHECK-7d1f';
    const headerValue = 'hdr-LEAKCHECK-93ab';
    const signingSecret = 'whsec_TEVBS0NIRUNLLXNpZ25pbmctc2VjcmV0LTEyMzQ1Ng==';
    const newSecret = 'whsec_TEVBS0NIRUNLLXJvdGF0ZWQtc2VjcmV0LTk4NzY1NA==';
    const output = captureOutput();
    const responses: string[] = [];
    try {
      const created = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          ...minimalHook,
          auth: { type: 'headers', headers: { XApiKey: headerValue }, username: 'svc', password },
          signing: { profile: 'standard', secret: signingSecret },
        },
      });
      responses.push(created.text);
      const id = (created.body as Json).id;
      responses.push((await call(app, 'GET', `/v1/hooks/${id}`, { token })).text);
      responses.push((await call(app, 'GET', '/v1/hooks', { token })).text);
      const rotated = await call(app, 'PATCH', `/v1/hooks/${id}`, {
        token,
        body: { signing: { secret: newSecret } },
      });
      responses.push(rotated.text);
      expect((rotated.body as Json).signing.previous_secret_valid_until).toEqual(expect.any(String));
      // A failing request is logged too: it must not echo the body either.
      responses.push(
        (
          await call(app, 'POST', '/v1/hooks', {
            token,
            body: { ...minimalHook, url: 1, auth: { type: 'basic', username: 'u', password } },
          })
        ).text,
      );

      const stored = await secretValue(app, secretName(app, tenant, id));
      expect(stored).toEqual({
        password,
        authHeaders: { 'x-api-key': headerValue },
        signingSecret: newSecret,
        previousSigningSecrets: [{ secret: signingSecret, until: expect.any(String) }],
      });
    } finally {
      output.stop();
    }
    const items = JSON.stringify(await tableItems(app));
    const logs = output.text();
    expect(items).toContain(tenant); // the table does hold this tenant's hook...
    for (const secret of [password, headerValue, signingSecret, newSecret, 'LEAKCHECK']) {
      expect(items).not.toContain(secret); // ...but no credential
      for (const r of responses) expect(r).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(logs).toContain('Hook created'); // the capture did see the handler's log lines
  });
});
