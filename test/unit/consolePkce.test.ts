import { describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  challengeFor,
  logoutUrl,
  randomVerifier,
  tokenRequestBody,
} from '../../console/src/pkce.ts';

const config = {
  authDomain: 'https://latchkey-1.auth.eu-west-1.amazoncognito.com',
  clientId: 'client123',
  redirectUri: 'https://d111.cloudfront.net/console/',
};

describe('console sign-in (authorization code + PKCE)', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character verifiers from the unreserved alphabet, never the same twice', () => {
    const a = randomVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomVerifier()).not.toBe(a);
  });

  it('asks the hosted UI for a code with the challenge, and redeems it with the verifier', () => {
    const url = new URL(authorizeUrl(config, 'st4te', 'ch4llenge'));
    expect(url.origin + url.pathname).toBe(`${config.authDomain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: config.redirectUri,
      scope: 'openid email profile',
      state: 'st4te',
      code_challenge: 'ch4llenge',
      code_challenge_method: 'S256',
    });
    expect(Object.fromEntries(tokenRequestBody(config, 'c0de', 'v3rifier'))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client123',
      code: 'c0de',
      redirect_uri: config.redirectUri,
      code_verifier: 'v3rifier',
    });
    expect(logoutUrl(config)).toBe(
      `${config.authDomain}/logout?client_id=client123&logout_uri=${encodeURIComponent(config.redirectUri)}`,
    );
  });
});
