/**
 * Local stand-in for the Cognito token endpoint of the stack's user pool: the emulator (moto)
 * keeps the app clients Latchkey creates, but serves no /oauth2/token, so local mode checks the
 * client's id and secret against the emulator and mints the access token with the local key.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateFile = () =>
  process.env.LATCHKEY_LOCAL_STATE_FILE ??
  join(process.env.LATCHKEY_STATE_DIR ?? join(root, '.local'), 'local-mode.json');

/** What `npm start` tells the token tool: where its emulator and user pool are. */
export interface LocalState {
  url: string;
  emulatorEndpoint: string;
  userPoolId: string;
}

export function writeLocalState(state: LocalState): void {
  const file = stateFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
}

export function readLocalState(): LocalState {
  const file = stateFile();
  if (!existsSync(file))
    throw new Error('no running `npm start` found (.local/local-mode.json): start it first');
  return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
}

export class UnknownClient extends Error {}

interface LocalClient {
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  clientCredentials: boolean;
}

export async function describeLocalClient(
  state: Omit<LocalState, 'url'>,
  clientId: string,
): Promise<LocalClient> {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: state.emulatorEndpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const out = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: state.userPoolId, ClientId: clientId }),
    );
    const c = out.UserPoolClient;
    return {
      clientId,
      ...(c?.ClientSecret ? { clientSecret: c.ClientSecret } : {}),
      scopes: c?.AllowedOAuthScopes ?? [],
      clientCredentials: (c?.AllowedOAuthFlows ?? []).includes('client_credentials'),
    };
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException')
      throw new UnknownClient(`invalid_client: no app client ${clientId} in the local user pool`);
    throw err;
  } finally {
    cognito.destroy();
  }
}

/** The scopes a local client was granted (for `npm run token -- --client`). */
export async function grantedScopesOfLocalClient(clientId: string): Promise<string[]> {
  const client = await describeLocalClient(readLocalState(), clientId);
  if (!client.clientCredentials)
    throw new UnknownClient(`unauthorized_client: ${clientId} has no client_credentials grant`);
  return client.scopes;
}

/** Constant-time comparison of a presented client secret. */
export function secretMatches(presented: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
