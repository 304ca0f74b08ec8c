/**
 * Who is signed in: the bearer token (an ID token from Cognito, or a local-mode token) kept in
 * sessionStorage for this tab only, and the claims the console reads from it to shape the pages.
 * The API re-checks every claim; the console only hides what would be refused anyway.
 */
const TOKEN_KEY = 'latchkey.token';

export const roleNames = ['admin', 'staff', 'user', 'webhook_admin', 'webhook_user'] as const;
export type Role = (typeof roleNames)[number];

export interface Session {
  token: string;
  sub: string;
  tenant: string;
  roles: Set<Role>;
  expiresAt?: Date;
}

function base64UrlDecode(part: string): string {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

/** The session a token describes, or a reason it cannot be used. */
export function sessionFromToken(token: string, now = new Date()): Session | string {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return 'That is not a JWT (three dot-separated parts).';
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(base64UrlDecode(parts[1]!)) as Record<string, unknown>;
  } catch {
    return 'The token’s payload is not readable JSON.';
  }
  const tenant = claims.tenant ?? claims['custom:tenant'];
  if (typeof claims.sub !== 'string' || typeof tenant !== 'string') {
    return 'The token has no subject or no tenant claim.';
  }
  const expiresAt = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  if (expiresAt && expiresAt <= now) return `The token expired at ${expiresAt.toISOString()}.`;
  const roles = new Set<Role>(
    [...listClaim(claims.roles), ...listClaim(claims['cognito:groups'])].filter((r): r is Role =>
      (roleNames as readonly string[]).includes(r),
    ),
  );
  return { token: token.trim(), sub: claims.sub, tenant, roles, ...(expiresAt ? { expiresAt } : {}) };
}

export function currentSession(): Session | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return undefined;
  const session = sessionFromToken(token);
  if (typeof session === 'string') {
    sessionStorage.removeItem(TOKEN_KEY);
    return undefined;
  }
  return session;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Same rule as the API: `admin` implies every role within its tenant. */
export function hasRole(session: Session, ...wanted: Role[]): boolean {
  return session.roles.has('admin') || wanted.some((r) => session.roles.has(r));
}

/** Hook pages: admins, staff and webhook admins see every hook; webhook users their granted ones. */
export const seesHooks = (s: Session) => hasRole(s, 'staff', 'webhook_admin', 'webhook_user');
export const managesHooks = (s: Session) => hasRole(s, 'staff', 'webhook_admin');
export const managesGrants = (s: Session) => hasRole(s, 'webhook_admin');
export const managesServices = (s: Session) => hasRole(s, 'staff');
export const isAdmin = (s: Session) => s.roles.has('admin');
