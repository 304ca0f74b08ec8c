/**
 * The logic of `npm run token`: parse the arguments strictly and mint a local token, or explain in
 * one line what is wrong (no stack traces for a typo).
 *
 *   --tenant <t> --roles <r1,r2> [--sub <id>] [--expires 12h]   a person's token (like an ID token)
 *   --client <client_id> [--scopes a,b] [--expires 1h]          a machine client's access token
 */
import { parseArgs } from 'node:util';
import { fullScope, type Scope, scopeNames } from '../../shared/domain/scopes.ts';
import { roles as knownRoles, type Role } from '../../shared/http/principal.ts';

export const usage = [
  'usage: npm run token -- --tenant <tenant> --roles <role1,role2> [--sub <id>] [--expires 12h]',
  '       npm run token -- --client <client_id> [--scopes events.write,...] [--expires 1h]',
  `roles: ${knownRoles.join(', ')}; --expires: a positive number of s, m, h or d (e.g. 90s, 15m, 12h, 7d)`,
].join('\n');

export type TokenArgs =
  | { kind: 'person'; tenant: string; roles: Role[]; sub?: string; expiresIn: string }
  | { kind: 'client'; clientId: string; scopes?: Scope[]; expiresIn: string };

export class TokenArgsError extends Error {}

/** `12h`, `15m`, `90s`, `7d`: a positive whole number and one unit, at most 30 days. */
export function parseExpires(value: string): string {
  const m = /^([1-9]\d{0,6})(s|m|h|d)$/.exec(value);
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'] : 0;
  if (!m || seconds > 30 * 86400) {
    throw new TokenArgsError(
      `--expires ${JSON.stringify(value)} is not a duration: use a positive number of s, m, h or d up to 30d (e.g. 15m, 12h)`,
    );
  }
  return `${m[1]}${m[2]}`;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const valueOptions = ['tenant', 'roles', 'sub', 'expires', 'client', 'scopes'];

/** `--expires -5m` as `--expires=-5m`, so a value that starts with "-" reaches the value check. */
function joinValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (
      valueOptions.includes(arg.slice(2)) &&
      arg.startsWith('--') &&
      next !== undefined &&
      !next.startsWith('--')
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parseTokenArgs(argv: string[]): TokenArgs {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv),
      options: {
        tenant: { type: 'string' },
        roles: { type: 'string' },
        sub: { type: 'string' },
        expires: { type: 'string' },
        client: { type: 'string' },
        scopes: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new TokenArgsError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (values.client !== undefined) {
    if (values.tenant !== undefined || values.roles !== undefined || values.sub !== undefined)
      throw new TokenArgsError(
        '--client mints a machine token: its tenant and roles come from the client binding; drop --tenant/--roles/--sub',
      );
    if (!/^[A-Za-z0-9_+=,.@-]{1,128}$/.test(values.client))
      throw new TokenArgsError(`--client ${JSON.stringify(values.client)} is not a client id`);
    let scopes: Scope[] | undefined;
    if (values.scopes !== undefined) {
      const wanted = list(values.scopes).map((s) => s.replace(/^latchkey\//, ''));
      const unknown = wanted.filter((s) => !(scopeNames as string[]).includes(s));
      if (unknown.length)
        throw new TokenArgsError(`unknown scope ${unknown.join(', ')}: scopes are ${scopeNames.join(', ')}`);
      scopes = wanted as Scope[];
    }
    return {
      kind: 'client',
      clientId: values.client,
      scopes,
      expiresIn: parseExpires(values.expires ?? '1h'),
    };
  }
  if (values.scopes !== undefined) throw new TokenArgsError('--scopes goes with --client');
  if (!values.tenant) throw new TokenArgsError('--tenant is required (or --client <client_id>)');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values.tenant))
    throw new TokenArgsError(`--tenant ${JSON.stringify(values.tenant)}: letters, digits, _ . - only (1-64)`);
  const roles = list(values.roles);
  const unknown = roles.filter((r) => !(knownRoles as readonly string[]).includes(r));
  if (unknown.length)
    throw new TokenArgsError(`unknown role ${unknown.join(', ')}: roles are ${knownRoles.join(', ')}`);
  if (values.sub === '') throw new TokenArgsError('--sub must not be empty');
  return {
    kind: 'person',
    tenant: values.tenant,
    roles: roles as Role[],
    ...(values.sub ? { sub: values.sub } : {}),
    expiresIn: parseExpires(values.expires ?? '12h'),
  };
}

/** The scopes a client token carries: the requested ones, which must all be granted, or all granted ones. */
export function tokenScopes(clientId: string, granted: string[], requested: Scope[] | undefined): string[] {
  if (!requested) return granted;
  const missing = requested.map(fullScope).filter((s) => !granted.includes(s));
  if (missing.length)
    throw new TokenArgsError(`invalid_scope: client ${clientId} is not granted ${missing.join(', ')}`);
  return requested.map(fullScope);
}
