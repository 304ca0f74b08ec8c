import { createHash, randomBytes } from 'node:crypto';

/**
 * HTTP Digest authentication, client side (RFC 7616): what a Shelly Gen2+ relay asks for.
 * SHA-256 preferred, MD5 (and SHA-512-256) understood, `-sess` variants, qop=auth only
 * (auth-int would need the body hashed; no relay asks for it). A challenge without qop gets
 * the RFC 2069 form.
 */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  /** As the server spelled it; `MD5` when the challenge named none. */
  algorithm: string;
  opaque?: string;
}

/** Node hash names for the algorithms we can compute, by RFC 7616 name (upper case, without `-sess`). */
const hashNames: Record<string, string> = { 'SHA-256': 'sha256', MD5: 'md5', 'SHA-512-256': 'sha512-256' };
/** Preference when a server offers several challenges. */
const preference = ['SHA-256', 'SHA-512-256', 'MD5'];

interface AuthSection {
  scheme: string;
  params: Record<string, string>;
}

const tokenPattern = /[\s,]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*)))?/y;

/**
 * Splits a `WWW-Authenticate` / `Authorization` value into schemes with their parameters. Several
 * challenges may share one header (`Digest ..., Basic realm="x"`), as HTTP clients join repeated headers.
 */
function parseAuthSections(header: string): AuthSection[] {
  const sections: AuthSection[] = [];
  let current: AuthSection | undefined;
  tokenPattern.lastIndex = 0;
  for (;;) {
    const start = tokenPattern.lastIndex;
    const m = tokenPattern.exec(header);
    if (!m || m[0].length === 0 || tokenPattern.lastIndex === start) break;
    const [, name, quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      current = { scheme: name!, params: {} };
      sections.push(current);
    } else if (current) {
      current.params[name!.toLowerCase()] =
        quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
    }
  }
  return sections;
}

/** The parameters of the first `Digest` section of a header (a challenge or an Authorization value). */
export function parseDigestParams(header: string): Record<string, string> | undefined {
  return parseAuthSections(header).find((s) => s.scheme.toLowerCase() === 'digest')?.params;
}

function baseAlgorithm(algorithm: string): string {
  return algorithm.toUpperCase().replace(/-SESS$/, '');
}

/**
 * The Digest challenge to answer from a `WWW-Authenticate` value: of several, the strongest one we
 * can compute. Undefined when there is no Digest challenge with a realm and a nonce.
 */
export function parseDigestChallenge(wwwAuthenticate: string): DigestChallenge | undefined {
  const challenges: DigestChallenge[] = [];
  for (const section of parseAuthSections(wwwAuthenticate)) {
    if (section.scheme.toLowerCase() !== 'digest') continue;
    const { realm, nonce, qop, algorithm, opaque } = section.params;
    if (realm === undefined || nonce === undefined) continue;
    challenges.push({
      realm,
      nonce,
      algorithm: algorithm ?? 'MD5',
      ...(qop !== undefined && { qop }),
      ...(opaque !== undefined && { opaque }),
    });
  }
  const rank = (c: DigestChallenge): number => {
    const i = preference.indexOf(baseAlgorithm(c.algorithm));
    return i === -1 ? preference.length : i;
  };
  return challenges.sort((a, b) => rank(a) - rank(b))[0];
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * The `Authorization` header value answering `challenge` for one request. `uri` is the request
 * target as sent (path and query). `cnonce` and `nc` are for tests; by default a random cnonce and nc 1.
 * Throws when the challenge asks for something this client cannot do (an unknown algorithm, qop
 * without `auth`), naming it.
 */
export function digestAuthorization(input: {
  challenge: DigestChallenge;
  method: string;
  uri: string;
  username: string;
  password: string;
  cnonce?: string;
  nc?: number;
}): string {
  const { challenge, method, uri, username, password } = input;
  const base = baseAlgorithm(challenge.algorithm);
  const hashName = hashNames[base];
  if (hashName === undefined) throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
  const h = (text: string): string => createHash(hashName).update(text, 'utf8').digest('hex');

  const qops = challenge.qop?.split(',').map((q) => q.trim().toLowerCase());
  if (qops && !qops.includes('auth')) throw new Error(`unsupported digest qop ${challenge.qop}`);
  const cnonce = input.cnonce ?? randomBytes(16).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');

  let ha1 = h(`${username}:${challenge.realm}:${password}`);
  if (challenge.algorithm.toUpperCase().endsWith('-SESS')) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${method.toUpperCase()}:${uri}`);
  const response = qops
    ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);

  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
  ];
  if (qops) parts.push(`nc=${nc}`, `cnonce=${quote(cnonce)}`, 'qop=auth');
  parts.push(`response=${quote(response)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
