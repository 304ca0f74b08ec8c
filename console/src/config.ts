import type { OAuthConfig } from './pkce.ts';

/**
 * /console/config.json, written by whoever serves the console: local mode answers
 * `{"mode":"local"}` (one-click local sign-in, or a pasted `npm run token`); the stack deploys
 * `{"mode":"cognito", apiUrl, authDomain, clientId, redirectUri}`; with an external OIDC issuer
 * it deploys `{"mode":"token", apiUrl}` (paste a token from your issuer).
 */
export type ConsoleConfig =
  | { mode: 'local'; apiUrl: string }
  | { mode: 'token'; apiUrl: string }
  | ({ mode: 'cognito'; apiUrl: string } & OAuthConfig);

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered HTTP ${res.status}`);
  const raw = (await res.json()) as Partial<ConsoleConfig> & Record<string, unknown>;
  const apiUrl = typeof raw.apiUrl === 'string' ? raw.apiUrl.replace(/\/$/, '') : '';
  if (raw.mode === 'cognito') {
    for (const key of ['authDomain', 'clientId', 'redirectUri'] as const) {
      if (typeof raw[key] !== 'string') throw new Error(`config.json has no ${key}`);
    }
    return raw as ConsoleConfig;
  }
  return { mode: raw.mode === 'token' ? 'token' : 'local', apiUrl };
}
