/**
 * `POST /oauth2/token` of local mode, the client-credentials grant as Cognito's token endpoint
 * serves it: form-encoded `grant_type=client_credentials[&scope=...]`, the client authenticated by
 * HTTP Basic (or `client_id`/`client_secret` in the form); 200 `{access_token, expires_in,
 * token_type}` or 400 `{"error": ...}`.
 */
import { mintClientToken } from './jwt.ts';
import { describeLocalClient, secretMatches, UnknownClient } from './localCognito.ts';

const EXPIRES_IN_SECONDS = 3600;

export interface TokenEndpointResult {
  status: number;
  body: Record<string, unknown>;
}

const error = (code: string, description: string): TokenEndpointResult => ({
  status: 400,
  body: { error: code, error_description: description },
});

export async function clientCredentialsToken(
  pool: { emulatorEndpoint: string; userPoolId: string },
  body: string,
  authorization: string | undefined,
): Promise<TokenEndpointResult> {
  const form = new URLSearchParams(body);
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return error('invalid_client', 'Basic credentials must be client_id:client_secret');
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (form.get('grant_type') !== 'client_credentials')
    return error('unsupported_grant_type', 'grant_type must be client_credentials');
  if (!clientId || !secret) return error('invalid_client', 'client id and secret are required');
  let client: Awaited<ReturnType<typeof describeLocalClient>>;
  try {
    client = await describeLocalClient(pool, clientId);
  } catch (err) {
    if (err instanceof UnknownClient) return error('invalid_client', 'unknown client or wrong secret');
    throw err;
  }
  if (!secretMatches(secret, client.clientSecret))
    return error('invalid_client', 'unknown client or wrong secret');
  if (!client.clientCredentials)
    return error('unauthorized_client', 'client_credentials is not allowed for this client');
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.some((s) => !client.scopes.includes(s)))
    return error('invalid_scope', `allowed scopes: ${client.scopes.join(' ')}`);
  const scopes = requested.length ? requested : client.scopes;
  const accessToken = await mintClientToken({ clientId, scopes, expiresIn: `${EXPIRES_IN_SECONDS}s` });
  return {
    status: 200,
    body: { access_token: accessToken, expires_in: EXPIRES_IN_SECONDS, token_type: 'Bearer' },
  };
}
