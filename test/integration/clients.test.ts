import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiGatewayV2Client,
  GetAuthorizerCommand,
  UpdateAuthorizerCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { signClaims } from '../../scripts/local/jwt.ts';
import { tableItems } from '../support/inspect.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * One app per file (handler modules are shared in the process). Machine clients end to end: an admin creates a client (a real app client in the emulator's
 * Cognito), the service gets a token from the token endpoint with its id and secret, and calls the
 * API with the roles and scopes of its binding. Bindings are not cached here
 * (CLIENT_BINDING_CACHE_SECONDS=0), so a binding deleted behind the API's back is refused at once.
 */
let app: LocalApp;
beforeAll(async () => {
  app = await startTestApp({ CLIENT_BINDING_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await app?.stop();
});

describe('machine clients', () => {
  let receiver: Receiver;
  const aws = () => ({
    endpoint: app.emulatorEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** The audience of the emulator's JWT authorizer (the stack's, locally). */
  async function audience(): Promise<string[]> {
    const client = new ApiGatewayV2Client(aws());
    const out = await client.send(
      new GetAuthorizerCommand({
        ApiId: app.resources.httpApiId,
        AuthorizerId: app.resources.jwtAuthorizerId,
      }),
    );
    client.destroy();
    return out.JwtConfiguration?.Audience ?? [];
  }

  /** Sets the stand-in authorizer's audience behind the API's back (filling it to the limit). */
  async function setAudience(list: string[]): Promise<void> {
    const client = new ApiGatewayV2Client(aws());
    await client.send(
      new UpdateAuthorizerCommand({
        ApiId: app.resources.httpApiId,
        AuthorizerId: app.resources.jwtAuthorizerId,
        JwtConfiguration: { Audience: list },
      }),
    );
    client.destroy();
  }

  async function appClientIds(): Promise<string[]> {
    const cognito = new CognitoIdentityProviderClient(aws());
    const out = await cognito.send(
      new ListUserPoolClientsCommand({ UserPoolId: app.resources.userPoolId, MaxResults: 60 }),
    );
    cognito.destroy();
    return (out.UserPoolClients ?? []).map((c) => c.ClientId!);
  }

  async function admin() {
    const tenant = newTenant();
    return { tenant, token: await tokenFor(tenant, ['admin'], `ada-${tenant}`) };
  }

  async function createClient(token: string, body: Json): Promise<Json> {
    const res = await call(app, 'POST', '/v1/clients', { token, body });
    expect(res.status, res.text).toBe(201);
    return res.body as Json;
  }

  /** The service's side: client id and secret for a token, as with Cognito's /oauth2/token. */
  async function clientToken(client: Json, scope?: string): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const res = await fetch(client.token_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: form.toString(),
    });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    return body.access_token;
  }

  it('creates a client whose token publishes an event that is delivered, with the binding’s tenant', async () => {
    const { tenant, token } = await admin();
    const created = await createClient(token, { name: 'Resource system', roles: ['staff'] });
    expect(created).toMatchObject({
      client_id: expect.any(String),
      client_secret: expect.any(String),
      token_url: `${app.url}/oauth2/token`,
      name: 'Resource system',
      roles: ['staff'],
      origin: 'cognito',
    });
    expect(created.scopes).toContain('latchkey/events.write');
    expect(created.scopes).not.toContain('latchkey/clients.admin');
    expect(app.url).toBeTruthy();

    // The app client exists in the emulator's user pool with exactly the granted scopes.
    const cognito = new CognitoIdentityProviderClient(aws());
    const described = await cognito.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: app.resources.userPoolId,
        ClientId: created.client_id,
      }),
    );
    expect(described.UserPoolClient?.AllowedOAuthFlows).toEqual(['client_credentials']);
    expect([...(described.UserPoolClient?.AllowedOAuthScopes ?? [])].sort()).toEqual(
      [...created.scopes].sort(),
    );
    cognito.destroy();

    const hook = await call(app, 'POST', '/v1/hooks', {
      token,
      body: { name: 'orders', events: ['order.created'], url: `${receiver.url}/m2m-${tenant}` },
    });
    expect(hook.status, hook.text).toBe(201);

    const access = await clientToken(created);
    const payload = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as Json;
    expect(payload).toMatchObject({ client_id: created.client_id, token_use: 'access' });
    expect(payload.tenant).toBeUndefined();
    expect(payload['cognito:groups']).toBeUndefined();

    const published = await call(app, 'POST', '/v1/events', {
      token: access,
      body: { type: 'order.created', data: { order_id: 'o-42' } },
    });
    expect(published.status, published.text).toBe(202);
    expect(published.body).toMatchObject({ deliveries: 1 });
    const got = await eventually(() => receiver.received.find((r) => r.path === `/m2m-${tenant}`));
    expect(got.json).toMatchObject({ order_id: 'o-42' });

    // It acts in its own tenant only: the hook it sees is the admin's.
    const hooks = await call(app, 'GET', '/v1/hooks', { token: access });
    expect(hooks.status).toBe(200);
    expect((hooks.body as Json).hooks.map((h: Json) => h.id)).toEqual([(hook.body as Json).id]);
  });

  it('lets a webhook_admin client manage hooks, and refuses a route whose scope the token lacks (403)', async () => {
    const { token } = await admin();
    const lims = await createClient(token, {
      name: 'LIMS',
      roles: ['webhook_admin'],
      scopes: ['hooks.read', 'hooks.write'],
    });
    expect(lims.scopes).toEqual(['latchkey/hooks.read', 'latchkey/hooks.write']);
    const access = await clientToken(lims);
    const created = await call(app, 'POST', '/v1/hooks', {
      token: access,
      body: { name: 'from LIMS', events: ['report_signed'], url: `${receiver.url}/lims` },
    });
    expect(created.status, created.text).toBe(201);

    const denied = await call(app, 'POST', '/v1/events', {
      token: access,
      body: { type: 'order.created', data: { order_id: 'o-1' } },
    });
    expect(denied.status).toBe(403);
    expect((denied.body as Json).message).toBe(
      'This route needs the scope latchkey/events.write; the token carries latchkey/hooks.read latchkey/hooks.write',
    );

    // A token asked for with fewer scopes has only those.
    const readOnly = await clientToken(lims, 'latchkey/hooks.read');
    expect((await call(app, 'GET', '/v1/hooks', { token: readOnly })).status).toBe(200);
    expect(
      (
        await call(app, 'POST', '/v1/hooks', {
          token: readOnly,
          body: { name: 'x', events: ['*'], url: 'https://x.example' },
        })
      ).status,
    ).toBe(403);
    // A machine client never manages clients without clients.admin, whatever its roles.
    const adminClient = await createClient(token, { name: 'ops bot', roles: ['admin'] });
    const adminAccess = await clientToken(adminClient);
    expect((await call(app, 'GET', '/v1/clients', { token: adminAccess })).status).toBe(403);
  });

  it('keeps every concurrent creation and deletion in the authorizer’s audience (serialised by a lock item)', async () => {
    const { token } = await admin();
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createClient(token, { name: `Parallel ${i}`, roles: ['staff'] })),
    );
    const ids = created.map((c) => c.client_id as string);
    expect(await audience()).toEqual(expect.arrayContaining(ids));
    const deleted = await Promise.all(
      ids.map((id) => call(app, 'DELETE', `/v1/clients/${id}`, { token }).then((r) => r.status)),
    );
    expect(deleted).toEqual(ids.map(() => 204));
    const left = await audience();
    expect(ids.filter((id) => left.includes(id))).toEqual([]);
    // The lock item is released, not left behind.
    expect((await tableItems(app)).filter((item) => String(item.pk).startsWith('LOCK#'))).toEqual([]);
  });

  it('refuses a client beyond API Gateway’s 50 audiences per authorizer with a 409 naming the limit', async () => {
    const { token } = await admin();
    const before = await audience();
    await setAudience([...before, ...Array.from({ length: 50 - before.length }, (_, i) => `filler-${i}`)]);
    try {
      const poolBefore = await appClientIds();
      const res = await call(app, 'POST', '/v1/clients', {
        token,
        body: { name: 'One too many', roles: ['staff'] },
      });
      expect(res.status, res.text).toBe(409);
      expect((res.body as Json).message).toContain('at most 50 audiences per JWT authorizer');
      expect((res.body as Json).message).toContain('delete a machine client');
      // Nothing half-made: no binding, no app client, the list as it was.
      expect((await call(app, 'GET', '/v1/clients', { token })).body).toEqual({ clients: [] });
      expect(await appClientIds()).toEqual(poolBefore);
      expect(await audience()).toHaveLength(50);
    } finally {
      await setAudience(before);
    }
  });

  it('refuses a deleted client’s token at once (binding cache bound 0) and the app client is gone', async () => {
    const { token } = await admin();
    const created = await createClient(token, { name: 'Booking sync', roles: ['staff'] });
    const access = await clientToken(created);
    expect((await call(app, 'GET', '/v1/services', { token: access })).status).toBe(200);

    expect((await call(app, 'DELETE', `/v1/clients/${created.client_id}`, { token })).status).toBe(204);
    const refused = await call(app, 'GET', '/v1/services', { token: access });
    expect(refused.status).toBe(401);
    expect((refused.body as Json).message).toContain(`Machine client ${created.client_id} is not registered`);
    expect((await call(app, 'GET', `/v1/clients/${created.client_id}`, { token })).status).toBe(404);
    expect((await call(app, 'DELETE', `/v1/clients/${created.client_id}`, { token })).status).toBe(404);

    expect(await audience()).not.toContain(created.client_id);
    // No new token either: the app client was deleted from the pool.
    const res = await fetch(created.token_url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: created.client_id,
        client_secret: created.client_secret,
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a client whose binding another instance deleted, within the (here zero) cache bound', async () => {
    const { token } = await admin();
    const created = await createClient(token, { name: 'Door sync', roles: ['staff'] });
    const access = await clientToken(created);
    expect((await call(app, 'GET', '/v1/services', { token: access })).status).toBe(200);
    // Another function instance deletes the binding: this instance has no entry to forget.
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(aws()));
    await db.send(
      new DeleteCommand({
        TableName: app.resources.tableName,
        Key: { pk: `CLIENT#${created.client_id}`, sk: 'BINDING' },
      }),
    );
    db.destroy();
    expect((await call(app, 'GET', '/v1/services', { token: access })).status).toBe(401);
  });

  it('shows the secret once, never in lists, reads, the table or the logs', async () => {
    const { token } = await admin();
    const created = await createClient(token, { name: 'Secretive', roles: ['user'] });
    expect(created.scopes).toEqual([
      'latchkey/services.read',
      'latchkey/interlocks.read',
      'latchkey/interlocks.control',
    ]);
    const list = await call(app, 'GET', '/v1/clients', { token });
    expect(list.status).toBe(200);
    expect((list.body as Json).clients).toEqual([
      expect.objectContaining({ client_id: created.client_id, name: 'Secretive' }),
    ]);
    const one = await call(app, 'GET', `/v1/clients/${created.client_id}`, { token });
    expect(one.body).toEqual((list.body as Json).clients[0]);
    const { client_secret: secret, ...view } = created;
    expect(one.body).toEqual(view);
    for (const text of [list.text, one.text, JSON.stringify(await tableItems(app))])
      expect(text).not.toContain(secret);
  });

  it('keeps tenants apart: another tenant’s client is 404 and not listed', async () => {
    const a = await admin();
    const b = await admin();
    const created = await createClient(a.token, { name: 'A service', roles: ['staff'] });
    expect((await call(app, 'GET', `/v1/clients/${created.client_id}`, { token: b.token })).status).toBe(404);
    expect((await call(app, 'DELETE', `/v1/clients/${created.client_id}`, { token: b.token })).status).toBe(
      404,
    );
    expect(((await call(app, 'GET', '/v1/clients', { token: b.token })).body as Json).clients).toEqual([]);
    // Still there for its own tenant.
    expect((await call(app, 'GET', `/v1/clients/${created.client_id}`, { token: a.token })).status).toBe(200);
  });

  it('is for admins, and lists every bad field', async () => {
    const { tenant, token } = await admin();
    const staff = await tokenFor(tenant, ['staff', 'webhook_admin']);
    expect(
      (await call(app, 'POST', '/v1/clients', { token: staff, body: { name: 'x', roles: ['staff'] } }))
        .status,
    ).toBe(403);
    expect((await call(app, 'GET', '/v1/clients', { token: staff })).status).toBe(403);
    const bad = await call(app, 'POST', '/v1/clients', {
      token,
      body: { name: '', roles: ['root'], scopes: ['events.delete'], client_id: 'abc', colour: 'red' },
    });
    expect(bad.status).toBe(422);
    const fields = ((bad.body as Json).errors as Json[]).map((e) => e.field).sort();
    expect(fields).toEqual(['(body)', 'name', 'roles.0', 'scopes.0']);
    expect((await call(app, 'POST', '/v1/clients', { token, body: { name: 'x', roles: [] } })).status).toBe(
      422,
    );
  });

  it('registers an existing client id without creating anything, once across tenants', async () => {
    const { token } = await admin();
    const existing = `ext-${Date.now()}`;
    const registered = await createClient(token, { name: 'Pre-made', roles: ['staff'], client_id: existing });
    expect(registered).toMatchObject({ client_id: existing, origin: 'external', roles: ['staff'] });
    expect(registered.client_secret).toBeUndefined();
    const other = await admin();
    const again = await call(app, 'POST', '/v1/clients', {
      token: other.token,
      body: { name: 'Squatter', roles: ['admin'], client_id: existing },
    });
    expect(again.status).toBe(409);
    expect((await call(app, 'DELETE', `/v1/clients/${existing}`, { token })).status).toBe(204);
  });

  it('refuses a machine token of a client that was never registered (401)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await signClaims({
      sub: 'nobody',
      client_id: 'nobody',
      token_use: 'access',
      scope: 'latchkey/events.write',
      iss: 'https://latchkey.local/issuer',
      iat: now,
      exp: now + 600,
    });
    const res = await call(app, 'POST', '/v1/events', {
      token: forged,
      body: { type: 'order.created', data: {} },
    });
    expect(res.status).toBe(401);
  });

  it('mints a client token with `npm run token -- --client`, with the scopes the client was granted', async () => {
    const { token } = await admin();
    const created = await createClient(token, { name: 'Tool', roles: ['webhook_user'] });
    const dir = mkdtempSync(join(tmpdir(), 'lk-state-'));
    const stateFile = join(dir, 'local-mode.json');
    writeFileSync(
      stateFile,
      JSON.stringify({
        url: app.url,
        emulatorEndpoint: app.emulatorEndpoint,
        userPoolId: app.resources.userPoolId,
      }),
    );
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
        env: { ...process.env, LATCHKEY_LOCAL_STATE_FILE: stateFile },
        encoding: 'utf8',
      });
    const ok = run('--client', created.client_id);
    expect(ok.status, ok.stderr).toBe(0);
    const access = ok.stdout.trim();
    const payload = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as Json;
    expect(payload).toMatchObject({
      client_id: created.client_id,
      token_use: 'access',
      scope: created.scopes.join(' '),
    });
    expect((await call(app, 'GET', '/v1/hooks', { token: access })).status).toBe(200);

    const unknown = run('--client', 'no-such-client');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      'token: invalid_client: no app client no-such-client in the local user pool',
    );
  });
});

describe('strict claims', () => {
  const person = async (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return signClaims({
      sub: 'mallory',
      tenant: newTenant(),
      iss: 'https://latchkey.local/issuer',
      aud: 'latchkey',
      iat: now,
      exp: now + 600,
      ...claims,
    });
  };

  it.each([
    ['["viewer admin"]', ['viewer admin']],
    ['["x,admin"]', ['x,admin']],
    ['"admin" (not a list)', 'admin'],
    ['"[admin]" (a string, not a list)', '[admin]'],
  ])('roles %s are not admin: POST /v1/dead-letters/redrive is 403', async (_label, roles) => {
    const res = await call(app, 'POST', '/v1/dead-letters/redrive', {
      token: await person({ roles }),
      body: {},
    });
    expect(res.status, res.text).toBe(403);
  });

  it('still takes a proper list, element by element', async () => {
    const res = await call(app, 'GET', '/v1/hooks', {
      token: await person({ roles: ['viewer', 'webhook_admin'] }),
    });
    expect(res.status).toBe(200);
  });

  it('refuses a token without exp, or issued in the future (401)', async () => {
    expect(
      (await call(app, 'GET', '/v1/hooks', { token: await person({ roles: ['admin'], exp: undefined }) }))
        .status,
    ).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(
      (await call(app, 'GET', '/v1/hooks', { token: await person({ roles: ['admin'], iat: future }) }))
        .status,
    ).toBe(401);
  });

  it('shows the event-type catalog only to roles that may see hooks', async () => {
    expect((await call(app, 'GET', '/v1/event-types', { token: await person({ roles: [] }) })).status).toBe(
      403,
    );
    expect(
      (await call(app, 'GET', '/v1/event-types', { token: await person({ roles: ['user'] }) })).status,
    ).toBe(403);
    expect(
      (await call(app, 'GET', '/v1/event-types', { token: await person({ roles: ['webhook_user'] }) }))
        .status,
    ).toBe(200);
  });
});
