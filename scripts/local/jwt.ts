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

export async function mintToken({ tenant, roles, sub, expiresIn = '12h' }: TokenRequest): Promise<string> {
  const { privateJwk } = await keyPair();
  const key = await importJWK(privateJwk, 'ES256');
  return new SignJWT({ tenant, roles })
    .setProtectedHeader({ alg: 'ES256', kid: 'latchkey-local' })
    .setSubject(sub ?? `user-${randomUUID().slice(0, 8)}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}

/** Verifies a bearer token; undefined when it is missing, malformed, expired or not ours. */
export async function verifyToken(token: string): Promise<JWTPayload | undefined> {
  const { publicJwk } = await keyPair();
  const key = await importJWK(publicJwk, 'ES256');
  try {
    const { payload } = await jwtVerify(token, key, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    return payload;
  } catch {
    return undefined;
  }
}
