export const roles = ['admin', 'staff', 'user', 'webhook_admin', 'webhook_user'] as const;
export type Role = (typeof roles)[number];

/** Who is calling: from the verified JWT (and, for a machine client, its binding), never from a body or a path. */
export interface Principal {
  sub: string;
  tenant: string;
  roles: ReadonlySet<Role>;
  /**
   * A machine client's client-credentials access token: its scopes (without the resource-server
   * prefix) are checked on every route. People's ID tokens carry no scope and have no `machine`.
   */
  machine?: { clientId: string; scopes: ReadonlySet<string> };
}

/** Claim names Latchkey reads. Cognito puts custom attributes under `custom:` and groups under `cognito:groups`. */
export const claimNames = {
  tenant: ['tenant', 'custom:tenant'],
  roles: ['roles', 'cognito:groups'],
} as const;

/** A claim as API Gateway hands it over (strings; arrays flattened as "[a b]") or as the token holds it. */
export type ClaimValue = unknown;

// A set, not a zod enum: every function (health too) reads the principal, and this keeps zod out
// of the functions that validate nothing else.
const knownRoles: ReadonlySet<unknown> = new Set(roles);
const isRole = (value: unknown): value is Role => knownRoles.has(value);

/**
 * The role names of one claim, strictly (SPEC §2): only a list counts, and only its elements that
 * are exactly a role name. A JSON array is read element by element. API Gateway's JWT authorizer
 * flattens an array claim to the string "[a b c]": that form is split on single spaces only, as the
 * list it is — unless `flattened` is false (the token's own JSON), where a string is never a
 * list. A bare string ("admin", "x,admin") is not a list; an element holding a comma, a
 * quote or any other character is not a role; nothing is split on commas.
 */
export function rolesOf(value: ClaimValue, flattened = true): Role[] {
  let elements: unknown[];
  if (Array.isArray(value)) elements = value;
  else if (flattened && typeof value === 'string' && value.startsWith('[') && value.endsWith(']'))
    elements = value.slice(1, -1).split(' ');
  else return [];
  const out: Role[] = [];
  for (const element of elements) {
    if (isRole(element) && !out.includes(element)) out.push(element);
  }
  return out;
}

const tenantPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** The tenant a token names, or undefined when it names none (or an unusable one). */
export function tenantOf(claims: Record<string, ClaimValue>): string | undefined {
  const value = claimNames.tenant.map((n) => claims[n]).find((v) => v !== undefined && v !== '');
  return typeof value === 'string' && tenantPattern.test(value) ? value : undefined;
}

/**
 * A person's principal from the authorizer's claims. `exact` is the payload of the bearer token
 * itself (see `exactClaims`): API Gateway's flattening makes `["viewer admin"]` and
 * `["viewer","admin"]` the same string, so roles are read from the token's own JSON when present.
 */
export function principalFromClaims(
  claims: Record<string, ClaimValue>,
  exact?: Record<string, unknown>,
): Principal | undefined {
  const sub = claims.sub;
  const tenant = tenantOf(claims);
  if (typeof sub !== 'string' || sub === '' || tenant === undefined) return undefined;
  const granted = new Set<Role>();
  for (const name of claimNames.roles)
    for (const r of exact ? rolesOf(exact[name], false) : rolesOf(claims[name])) granted.add(r);
  return { sub, tenant, roles: granted };
}

/** API Gateway's rendering of one claim value in the authorizer context. */
export function flattenClaim(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
}

/**
 * The payload of the bearer token the authorizer verified, decoded (not re-verified) so array
 * claims keep their structure. Returned only when the header holds exactly one JWT and every
 * claim the authorizer passed equals the decoded claim flattened the same way, so it is the very
 * token API Gateway checked; otherwise undefined (the flattened claims are used).
 */
export function exactClaims(
  authorization: string | undefined,
  claims: Record<string, ClaimValue>,
): Record<string, unknown> | undefined {
  const token = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(
    authorization ?? '',
  )?.[2];
  if (!token) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const decoded = payload as Record<string, unknown>;
  const names = Object.keys(claims);
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!(name in decoded) || flattenClaim(decoded[name]) !== flattenClaim(claims[name])) return undefined;
  }
  return decoded;
}

/** `admin` implies every role within its tenant. */
export function hasRole(principal: Principal, ...wanted: Role[]): boolean {
  if (principal.roles.has('admin')) return true;
  return wanted.some((r) => principal.roles.has(r));
}
