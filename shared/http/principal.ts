export const roles = ['admin', 'staff', 'user', 'webhook_admin', 'webhook_user'] as const;
export type Role = (typeof roles)[number];

/** Who is calling: from the verified JWT, never from a body or a path. */
export interface Principal {
  sub: string;
  tenant: string;
  roles: ReadonlySet<Role>;
}

/** Claim names Latchkey reads. Cognito puts custom attributes under `custom:` and groups under `cognito:groups`. */
export const claimNames = {
  tenant: ['tenant', 'custom:tenant'],
  roles: ['roles', 'cognito:groups'],
} as const;

type ClaimValue = string | number | boolean | string[] | undefined;

/**
 * API Gateway's JWT authorizer hands claims over as strings; an array claim arrives as
 * "[a b c]". Accept that form, a real array, and a comma-separated string.
 */
function listClaim(value: ClaimValue): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner
    .split(/[\s,]+/)
    .map((s) => s.replace(/^"|"$/g, ''))
    .filter(Boolean);
}

// A set, not a zod enum: every function (health too) reads the principal, and this keeps zod out
// of the functions that validate nothing else.
const knownRoles: ReadonlySet<string> = new Set(roles);
const isRole = (value: string): value is Role => knownRoles.has(value);

export function principalFromClaims(claims: Record<string, ClaimValue>): Principal | undefined {
  const sub = claims.sub;
  const tenantClaim = claimNames.tenant.map((n) => claims[n]).find((v) => v !== undefined && v !== '');
  if (typeof sub !== 'string' || sub === '' || tenantClaim === undefined) return undefined;
  const tenant = String(tenantClaim);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) return undefined;
  const granted = new Set<Role>();
  for (const name of claimNames.roles) {
    for (const r of listClaim(claims[name])) {
      if (isRole(r)) granted.add(r);
    }
  }
  return { sub, tenant, roles: granted };
}

/** `admin` implies every role within its tenant. */
export function hasRole(principal: Principal, ...wanted: Role[]): boolean {
  if (principal.roles.has('admin')) return true;
  return wanted.some((r) => principal.roles.has(r));
}
