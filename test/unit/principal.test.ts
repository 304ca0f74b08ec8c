import { describe, expect, it } from 'vitest';
import { exactClaims, flattenClaim, hasRole, principalFromClaims, rolesOf } from '#shared/http/principal.ts';

const roleList = (claims: Record<string, unknown>, exact?: Record<string, unknown>) =>
  [...(principalFromClaims({ sub: 'u', tenant: 't', ...claims }, exact)?.roles ?? [])].sort();

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
    expect(roleList({ 'cognito:groups': '[staff]' })).toEqual(['staff']);
  });

  it('takes roles only from a list of exact names: nothing is split on commas or inside an element', () => {
    expect(roleList({ roles: ['viewer admin'] })).toEqual([]);
    expect(roleList({ roles: ['x,admin'] })).toEqual([]);
    expect(roleList({ roles: ['Admin', ' admin', 'admin '] })).toEqual([]);
    expect(roleList({ roles: 'admin' })).toEqual([]);
    expect(roleList({ roles: 'root,user' })).toEqual([]);
    expect(roleList({ roles: '[x,admin]' })).toEqual([]);
    expect(roleList({ roles: '["admin"]' })).toEqual([]);
    expect(roleList({ roles: '[root user]' })).toEqual(['user']);
    expect(roleList({ roles: '[staff  user]' })).toEqual(['staff', 'user']);
    expect(roleList({ roles: { admin: true } })).toEqual([]);
    expect(rolesOf([1, null, 'staff'])).toEqual(['staff']);
  });

  it('reads roles from the verified token itself when its claims are the authorizer’s', () => {
    // API Gateway flattens ["viewer admin"] and ["viewer","admin"] to the same "[viewer admin]".
    const token = { sub: 'u', tenant: 't', roles: ['viewer admin'], exp: 1900000000 };
    const claims = Object.fromEntries(Object.entries(token).map(([k, v]) => [k, flattenClaim(v)]));
    expect(claims.roles).toBe('[viewer admin]');
    const header = `Bearer e30.${Buffer.from(JSON.stringify(token)).toString('base64url')}.sig`;
    const exact = exactClaims(header, claims);
    expect(exact).toEqual(token);
    expect(roleList(claims, exact)).toEqual([]);
    // A header whose token is not the one the authorizer passed is not used.
    const other = `Bearer e30.${Buffer.from(JSON.stringify({ ...token, sub: 'v' })).toString('base64url')}.sig`;
    expect(exactClaims(other, claims)).toBeUndefined();
    expect(exactClaims(`${header}, ${header}`, claims)).toBeUndefined();
    expect(exactClaims(undefined, claims)).toBeUndefined();
  });

  it('refuses a token without tenant or subject', () => {
    expect(principalFromClaims({ sub: 'u' })).toBeUndefined();
    expect(principalFromClaims({ tenant: 't' })).toBeUndefined();
    expect(principalFromClaims({ sub: 'u', tenant: 'bad tenant/../x' })).toBeUndefined();
  });

  it('gives a user only what its roles allow', () => {
    const p = principalFromClaims({ sub: 'u', tenant: 't', roles: '[user]' })!;
    expect(hasRole(p, 'staff')).toBe(false);
    expect(hasRole(p, 'user')).toBe(true);
  });
});
