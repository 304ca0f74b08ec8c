/**
 * `npm run token -- --tenant <t> --roles <r1,r2> [--sub <id>] [--expires 12h]`: prints a JWT the
 * local API accepts (a person's, like a Cognito ID token).
 * `npm run token -- --client <client_id> [--scopes events.write,...] [--expires 1h]`: prints a
 * machine client's access token, like Cognito's client-credentials token, with the scopes the
 * client was granted in the running `npm start`'s emulator.
 * A mistake is one line on stderr (exit 2), never a stack trace.
 */

import { mintClientToken, mintToken } from './local/jwt.ts';
import { grantedScopesOfLocalClient } from './local/localCognito.ts';
import { parseTokenArgs, TokenArgsError, tokenScopes, usage } from './local/tokenCommand.ts';

try {
  const args = parseTokenArgs(process.argv.slice(2));
  if (args.kind === 'person') {
    console.log(
      await mintToken({ tenant: args.tenant, roles: args.roles, sub: args.sub, expiresIn: args.expiresIn }),
    );
  } else {
    const granted = await grantedScopesOfLocalClient(args.clientId);
    const scopes = tokenScopes(args.clientId, granted, args.scopes);
    console.log(await mintClientToken({ clientId: args.clientId, scopes, expiresIn: args.expiresIn }));
  }
} catch (err) {
  const message = (err as Error).message;
  console.error(`token: ${message}`);
  if (err instanceof TokenArgsError && /required|usage/.test(message)) console.error(usage);
  process.exit(2);
}
