import { describe, expect, it } from 'vitest';
import { functions } from '#functions/manifest.ts';
import type { ClientBinding } from '#shared/domain/machineClient.ts';
import { grantedScopes } from '#shared/domain/machineClient.ts';
import { scopesOf } from '#shared/domain/scopes.ts';
import { BindingCache, isMachineToken, machinePrincipal } from '#shared/services/clientBindings.ts';
import { parseTokenArgs, tokenScopes } from '../../scripts/local/tokenCommand.ts';

const binding: ClientBinding = {
  clientId: 'c1',
  tenant: 'acme',
  name: 'LIMS',
  roles: ['staff'],
  scopes: ['events.write', 'hooks.read'],
  origin: 'cognito',
  createdBy: 'ada',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('machine-client bindings', () => {
  it('caches a binding for at most the bound, then sees that it was deleted', async () => {
    let stored: ClientBinding | undefined = binding;
    let lookups = 0;
    let now = 0;
    const cache = new BindingCache(
      async () => {
        lookups++;
        return stored;
      },
      30_000,
      () => now,
    );
    expect(await cache.get('c1')).toEqual(binding);
    stored = undefined; // deleted by another function instance
    now = 29_999;
    expect(await cache.get('c1')).toEqual(binding); // within the bound: still cached
    now = 30_000;
    expect(await cache.get('c1')).toBeUndefined(); // at the bound: refused
    expect(lookups).toBe(2);
  });

  it('with a bound of 0 looks every request up; forget() drops one entry at once', async () => {
    let stored: ClientBinding | undefined = binding;
    const uncached = new BindingCache(async () => stored, 0);
    expect(await uncached.get('c1')).toEqual(binding);
    stored = undefined;
    expect(await uncached.get('c1')).toBeUndefined();

    stored = binding;
    const cached = new BindingCache(async () => stored, 60_000);
    await cached.get('c1');
    stored = undefined;
    cached.forget('c1');
    expect(await cached.get('c1')).toBeUndefined();
  });

  it('builds a machine principal from the binding, with only the token scopes the binding grants', async () => {
    const claims = {
      sub: 'c1',
      client_id: 'c1',
      token_use: 'access',
      scope: 'latchkey/events.write latchkey/interlocks.control other/x latchkey/nope',
    };
    expect(isMachineToken(claims)).toBe(true);
    const p = await machinePrincipal(claims, { get: async () => binding });
    expect(p.tenant).toBe('acme');
    expect([...p.roles]).toEqual(['staff']);
    expect([...(p.machine?.scopes ?? [])]).toEqual(['events.write']);
    await expect(machinePrincipal(claims, { get: async () => undefined })).rejects.toMatchObject({
      statusCode: 401,
    });
    expect(isMachineToken({ sub: 'u', token_use: 'id', client_id: 'c1' })).toBe(false);
  });

  it('reads only Latchkey scopes from the space-separated scope claim', () => {
    expect([...scopesOf('latchkey/hooks.read  latchkey/hooks.write,latchkey/events.write')]).toEqual([
      'hooks.read',
    ]);
    expect([...scopesOf(['latchkey/hooks.read'])]).toEqual([]);
  });

  it('grants the scopes asked for, or what the roles can use (never clients.admin by default)', () => {
    expect(grantedScopes({ roles: ['webhook_admin'] })).toEqual([
      'events.write',
      'events.read',
      'hooks.read',
      'hooks.write',
    ]);
    expect(grantedScopes({ roles: ['admin'] })).not.toContain('clients.admin');
    expect(grantedScopes({ roles: ['admin'], scopes: ['clients.admin', 'hooks.read'] })).toEqual([
      'hooks.read',
      'clients.admin',
    ]);
  });

  it('names a scope on every route behind the authorizer', () => {
    for (const fn of functions)
      for (const route of fn.routes ?? []) expect(route.public || route.scope, route.route).toBeTruthy();
  });
});

describe('npm run token arguments', () => {
  it('parses a person and a client request', () => {
    expect(parseTokenArgs(['--tenant', 'acme', '--roles', 'admin, staff', '--expires', '15m'])).toEqual({
      kind: 'person',
      tenant: 'acme',
      roles: ['admin', 'staff'],
      expiresIn: '15m',
    });
    expect(parseTokenArgs(['--client', 'abc123', '--scopes', 'events.write'])).toEqual({
      kind: 'client',
      clientId: 'abc123',
      scopes: ['events.write'],
      expiresIn: '1h',
    });
  });

  it.each([
    [
      ['--tenant', 'acme', '--roles', 'admn'],
      'unknown role admn: roles are admin, staff, user, webhook_admin, webhook_user',
    ],
    [['--tenant', 'acme', '--expires', 'banana'], '--expires "banana" is not a duration'],
    [['--tenant', 'acme', '--expires', '-5m'], '--expires "-5m" is not a duration'],
    [['--tenant', 'acme', '--expires', '0h'], 'is not a duration'],
    [['--tenant', 'acme', '--expires', '31d'], 'is not a duration'],
    [['--roles', 'admin'], '--tenant is required'],
    [['--tenant', 'acme', '--colour', 'red'], "Unknown option '--colour'"],
    [['--client', 'c1', '--roles', 'admin'], 'drop --tenant/--roles/--sub'],
    [['--client', 'c1', '--scopes', 'events.wrte'], 'unknown scope events.wrte'],
  ])('refuses %j in one line', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });

  it('gives a client token only scopes the client was granted', () => {
    const granted = ['latchkey/events.write', 'latchkey/hooks.read'];
    expect(tokenScopes('c1', granted, undefined)).toEqual(granted);
    expect(tokenScopes('c1', granted, ['hooks.read'])).toEqual(['latchkey/hooks.read']);
    expect(() => tokenScopes('c1', granted, ['hooks.write'])).toThrow(
      'invalid_scope: client c1 is not granted latchkey/hooks.write',
    );
  });
});
