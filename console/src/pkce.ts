/**
 * OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) against the Cognito hosted UI.
 * Pure helpers here (WebCrypto only), so a unit test can check them against the RFC's vectors.
 */
export interface OAuthConfig {
  /** e.g. https://latchkey-123.auth.eu-west-1.amazoncognito.com */
  authDomain: string;
  clientId: string;
  redirectUri: string;
}

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 32 random bytes → a 43-character verifier (RFC 7636 §4.1). */
export function randomVerifier(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export function authorizeUrl(config: OAuthConfig, state: string, challenge: string): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${config.authDomain}/oauth2/authorize?${query}`;
}

export function tokenRequestBody(config: OAuthConfig, code: string, verifier: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: config.clientId,
    code,
    redirect_uri: config.redirectUri,
    code_verifier: verifier,
  });
}

export function logoutUrl(config: OAuthConfig): string {
  const query = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri });
  return `${config.authDomain}/logout?${query}`;
}
