import * as z from 'zod';
import { type Role, roles } from '../http/principal.ts';
import { fullScope, type Scope, scopeNames } from './scopes.ts';

/**
 * Machine clients (SPEC §2): a service calling Latchkey with its own client-credentials token. The
 * token names no tenant and no roles, so Latchkey keeps a binding per client id: the tenant whose
 * admin created it, the roles it acts with, the scopes it was granted.
 */
export interface ClientBinding {
  clientId: string;
  tenant: string;
  name: string;
  roles: Role[];
  scopes: Scope[];
  /** `cognito`: created by Latchkey in the stack's user pool (deleted with it); `external`: registered. */
  origin: 'cognito' | 'external';
  createdBy: string;
  createdAt: string;
}

/** Client ids as Cognito and common OIDC issuers spell them. */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_+=,.@-]{1,128}$/, 'letters, digits and _ + = , . @ - only, 1-128 characters');

export const clientInputSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(
      /^[A-Za-z0-9_ +=,.@-]*$/,
      'letters, digits, spaces and _ + = , . @ - only (Cognito app client names)',
    ),
  roles: z.array(z.enum(roles)).min(1, 'give the client at least one role').max(roles.length),
  /** Scope names without the `latchkey/` prefix; default: what the roles can use (never clients.admin). */
  scopes: z
    .array(z.enum(scopeNames as [Scope, ...Scope[]]))
    .min(1)
    .max(scopeNames.length)
    .optional(),
  /** Only with an external OIDC issuer: the id the issuer gave the service. */
  client_id: clientIdSchema.optional(),
});
export type ClientInput = z.infer<typeof clientInputSchema>;

/** What each role can make use of, as scopes. */
const scopesOfRole: Record<Role, Scope[]> = {
  admin: scopeNames.filter((s) => s !== 'clients.admin'),
  staff: [
    'events.write',
    'events.read',
    'hooks.read',
    'hooks.write',
    'services.read',
    'services.write',
    'interlocks.read',
    'interlocks.control',
  ],
  webhook_admin: ['events.write', 'events.read', 'hooks.read', 'hooks.write'],
  webhook_user: ['events.read', 'hooks.read', 'hooks.write'],
  user: ['services.read', 'interlocks.read', 'interlocks.control'],
};

/** The scopes a new client gets: the ones asked for, or what its roles can use. Sorted, no duplicates. */
export function grantedScopes(input: Pick<ClientInput, 'roles' | 'scopes'>): Scope[] {
  const wanted = input.scopes ?? input.roles.flatMap((r) => scopesOfRole[r]);
  return scopeNames.filter((s) => wanted.includes(s));
}

/** The public view of a binding: never a secret (the secret is only in the create answer). */
export function clientView(binding: ClientBinding, tokenUrl: string | undefined) {
  return {
    client_id: binding.clientId,
    name: binding.name,
    roles: binding.roles,
    scopes: binding.scopes.map(fullScope),
    token_url: tokenUrl ?? null,
    origin: binding.origin,
    created_by: binding.createdBy,
    created_at: binding.createdAt,
  };
}

const clientViewSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  roles: z.array(z.enum(roles)),
  scopes: z.array(z.string()),
  token_url: z.string().nullable(),
  origin: z.enum(['cognito', 'external']),
  created_by: z.string(),
  created_at: z.string(),
});

/** Response bodies, for the OpenAPI document. */
export const clientResponseSchemas = {
  client: clientViewSchema,
  created: clientViewSchema.extend({
    client_secret: z
      .string()
      .optional()
      .describe('Shown once, in this answer only (absent for external clients)'),
  }),
  list: z.object({ clients: z.array(clientViewSchema) }),
};
