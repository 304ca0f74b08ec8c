import { describe, expect, it } from 'vitest';
import { hasRole, principalFromClaims } from '#shared/http/principal.ts';

describe('principal from JWT claims', () => {
  it('reads tenant and roles as API Gateway passes them ("[a b]" strings)', () => {
    const p = principalFromClaims({ sub: 'u1', tenant: 'acme', roles: '[staff webhook_user]' });
    expect(p?.tenant).toBe('acme');
    expect([...(p?.roles ?? [])].sort()).toEqual(['staff', 'webhook_user']);
  });

  it('reads Cognito claims (custom:tenant, cognito:groups)', () => {
    const p = principalFromClaims({ sub: 'u2', 'custom:tenant': 'lab-9', 'cognito:groups': ['admin'] });
    expect(p?.tenant).toBe('lab-9');
    expect(p && hasRole(p, 'webhook_admin')).toBe(true);
  });

  it('ignores unknown roles and refuses a token without tenant or subject', () => {
    expect([...(principalFromClaims({ sub: 'u', tenant: 't', roles: 'root,user' })?.roles ?? [])]).toEqual([
      'user',
    ]);
    expect(principalFromClaims({ sub: 'u' })).toBeUndefined();
    expect(principalFromClaims({ tenant: 't' })).toBeUndefined();
    expect(principalFromClaims({ sub: 'u', tenant: 'bad tenant/../x' })).toBeUndefined();
  });

  it('gives a user only what its roles allow', () => {
    const p = principalFromClaims({ sub: 'u', tenant: 't', roles: 'user' })!;
    expect(hasRole(p, 'staff')).toBe(false);
    expect(hasRole(p, 'user')).toBe(true);
  });
});
