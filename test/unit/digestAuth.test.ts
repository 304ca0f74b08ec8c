import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  digestAuthorization,
  parseDigestChallenge,
  parseDigestParams,
} from '../../shared/domain/digestAuth.ts';

const rfc = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

describe('Digest challenge parsing', () => {
  it('reads a Shelly Gen2 challenge', () => {
    expect(
      parseDigestChallenge('Digest qop="auth", realm="shelly1pm-abc", nonce="60dc59c6", algorithm=SHA-256'),
    ).toEqual({ realm: 'shelly1pm-abc', nonce: '60dc59c6', qop: 'auth', algorithm: 'SHA-256' });
  });

  it('prefers SHA-256 when a server offers SHA-256 and MD5 (RFC 7616 §3.9.1), keeping the opaque', () => {
    const header =
      `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=MD5, nonce="${rfc.nonce}", opaque="${rfc.opaque}", ` +
      `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`;
    expect(parseDigestChallenge(header)).toEqual({
      realm: rfc.realm,
      nonce: rfc.nonce,
      qop: 'auth, auth-int',
      algorithm: 'SHA-256',
      opaque: rfc.opaque,
    });
  });

  it('finds Digest among other schemes, unescapes quoted strings and defaults the algorithm to MD5', () => {
    expect(parseDigestChallenge('Basic realm="x", Digest realm="a \\"b\\"", nonce="n,1"')).toEqual({
      realm: 'a "b"',
      nonce: 'n,1',
      algorithm: 'MD5',
    });
  });

  it('refuses what is not a usable Digest challenge', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="x"')).toBeUndefined();
    expect(parseDigestChallenge('')).toBeUndefined();
  });
});

describe('Digest authorization', () => {
  it('computes the RFC 7616 §3.9.1 SHA-256 example response', () => {
    const header = digestAuthorization({
      challenge: {
        realm: rfc.realm,
        nonce: rfc.nonce,
        qop: 'auth, auth-int',
        algorithm: 'SHA-256',
        opaque: rfc.opaque,
      },
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle of Life',
      cnonce: rfc.cnonce,
      nc: 1,
    });
    expect(header.startsWith('Digest ')).toBe(true);
    const p = parseDigestParams(header)!;
    expect(p.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(p).toMatchObject({
      username: 'Mufasa',
      realm: rfc.realm,
      uri: '/dir/index.html',
      algorithm: 'SHA-256',
      nonce: rfc.nonce,
      nc: '00000001',
      cnonce: rfc.cnonce,
      qop: 'auth',
      opaque: rfc.opaque,
    });
  });

  it('computes the RFC 7616 §3.9.1 MD5 example response', () => {
    const header = digestAuthorization({
      challenge: { realm: rfc.realm, nonce: rfc.nonce, qop: 'auth', algorithm: 'MD5', opaque: rfc.opaque },
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle of Life',
      cnonce: rfc.cnonce,
    });
    expect(parseDigestParams(header)?.response).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('uses a fresh random cnonce and formats nc as 8 hex digits', () => {
    const input = {
      challenge: { realm: 'r', nonce: 'n', qop: 'auth', algorithm: 'SHA-256' },
      method: 'GET',
      uri: '/rpc/Switch.Set?id=0&on=true',
      username: 'admin',
      password: 'pw',
    };
    const a = parseDigestParams(digestAuthorization({ ...input, nc: 26 }))!;
    const b = parseDigestParams(digestAuthorization(input))!;
    expect(a.cnonce).not.toBe(b.cnonce);
    expect(a.nc).toBe('0000001a');
  });

  it('supports -sess algorithms and the qop-less RFC 2069 form', () => {
    const h = (s: string) => createHash('sha256').update(s).digest('hex');
    const sess = parseDigestParams(
      digestAuthorization({
        challenge: { realm: 'r', nonce: 'n', qop: 'auth', algorithm: 'SHA-256-sess' },
        method: 'get',
        uri: '/x',
        username: 'u',
        password: 'p',
        cnonce: 'c',
      }),
    )!;
    const ha1 = h(`${h('u:r:p')}:n:c`);
    expect(sess.response).toBe(h(`${ha1}:n:00000001:c:auth:${h('GET:/x')}`));

    const legacy = digestAuthorization({
      challenge: { realm: 'r', nonce: 'n', algorithm: 'SHA-256' },
      method: 'GET',
      uri: '/x',
      username: 'u',
      password: 'p',
    });
    expect(legacy).not.toMatch(/qop=|cnonce=|nc=/);
    expect(parseDigestParams(legacy)?.response).toBe(h(`${h('u:r:p')}:n:${h('GET:/x')}`));
  });

  it('says what it cannot do instead of sending a wrong answer', () => {
    const base = { method: 'GET', uri: '/', username: 'u', password: 'p' };
    expect(() =>
      digestAuthorization({ ...base, challenge: { realm: 'r', nonce: 'n', algorithm: 'SHA-1' } }),
    ).toThrow('unsupported digest algorithm SHA-1');
    expect(() =>
      digestAuthorization({
        ...base,
        challenge: { realm: 'r', nonce: 'n', qop: 'auth-int', algorithm: 'MD5' },
      }),
    ).toThrow('unsupported digest qop auth-int');
  });
});
