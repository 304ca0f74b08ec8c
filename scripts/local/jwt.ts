/**
 * Local stand-in for the HTTP API's JWT authorizer: an ES256 key kept in .local/, tokens minted
 * for any tenant and roles, verified with the same issuer/audience checks API Gateway applies.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOCAL_ISSUER = 'https://latchkey.local/issuer';
export const LOCAL_AUDIENCE = 'latchkey';
const keyFile = () => process.env.LATCHKEY_JWT_KEY_FILE ?? join(root, '.local', 'jwt-key.json');

interface KeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

let cached: KeyPair | undefined;

async function keyPair(): Promise<KeyPair> {
  if (cached) return cached;
  const file = keyFile();
  if (existsSync(file)) {
    cached = JSON.parse(readFileSync(file, 'utf8')) as KeyPair;
    return cached;
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  cached = { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(cached), { mode: 0o600 });
  return cached;
}

export interface TokenRequest {
  tenant: string;
  roles: string[];
  sub?: string;
  expiresIn?: string;
}

async function signingKey() {
  const { privateJwk } = await keyPair();
  return importJWK(privateJwk, 'ES256');
}

/** A person's token: like a Cognito ID token, it names the tenant and the roles (a JSON array). */
export async function mintToken({ tenant, roles, sub, expiresIn = '12h' }: TokenRequest): Promise<string> {
  return new SignJWT({ tenant, roles })
    .setProtectedHeader({ alg: 'ES256', kid: 'latchkey-local' })
    .setSubject(sub ?? `user-${randomUUID().slice(0, 8)}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(await signingKey());
}

export interface ClientTokenRequest {
  clientId: string;
  /** Full scope names, e.g. `latchkey/events.write`. */
  scopes: string[];
  expiresIn?: string;
}

/**
 * A machine client's token, shaped like Cognito's client-credentials access token: `sub` and
 * `client_id` are the client id, `scope` is space-separated, `token_use` is `access`; no `aud`,
 * no tenant, no groups (the API resolves those from the client's binding).
 */
export async function mintClientToken({
  clientId,
  scopes,
  expiresIn = '1h',
}: ClientTokenRequest): Promise<string> {
  return new SignJWT({ client_id: clientId, scope: scopes.join(' '), token_use: 'access', jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'latchkey-local' })
    .setSubject(clientId)
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(await signingKey());
}

/**
 * Signs exactly these claims with the local key, nothing added: for tests of the claim checks
 * (a token without `exp`, an `iat` in the future, odd role lists).
 */
export async function signClaims(claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'latchkey-local' })
    .sign(await signingKey());
}

/** Clock skew tolerated on `iat` and `nbf`, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Verifies a bearer token the way API Gateway's JWT authorizer does; undefined when it is
 * missing, malformed, not ours, or fails a claim check: `exp` is required and must be in the
 * future, `iat` and `nbf` must not be in the future, `aud` must be Latchkey's — or, for an access
 * token without `aud`, `client_id` stands in for it (API Gateway matches it against the audience
 * list; the handlers then refuse a client without a binding).
 */
export async function verifyToken(token: string): Promise<JWTPayload | undefined> {
  const { publicJwk } = await keyPair();
  const key = await importJWK(publicJwk, 'ES256');
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: LOCAL_ISSUER,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_TOLERANCE_SECONDS) return undefined;
    const audiences = payload.aud === undefined ? [] : [payload.aud].flat();
    if (payload.aud !== undefined) return audiences.includes(LOCAL_AUDIENCE) ? payload : undefined;
    return typeof payload.client_id === 'string' && payload.client_id !== '' ? payload : undefined;
  } catch {
    return undefined;
  }
}
