import { hasRole, type Principal } from '../http/principal.ts';

/**
 * Who may do what with hooks (SPEC §2):
 *  - admin, webhook_admin and staff (facility staff configure webhooks): every hook of the tenant;
 *  - webhook_user: only hooks granted to that principal — read and update them, see their
 *    deliveries; not create, delete or grant;
 *  - user: no hook management.
 */
export type HookAccess = 'all' | 'granted' | 'none';

export function hookAccess(principal: Principal): HookAccess {
  if (hasRole(principal, 'webhook_admin', 'staff')) return 'all';
  if (principal.roles.has('webhook_user')) return 'granted';
  return 'none';
}

/** Granting hooks to webhook users is for admins and webhook admins. */
export function mayManageGrants(principal: Principal): boolean {
  return hasRole(principal, 'webhook_admin');
}

/** The catalog is read by whoever may see hooks (every role but a plain `user`). */
export function mayReadEventTypes(principal: Principal): boolean {
  return hookAccess(principal) !== 'none';
}

/** The tenant's event-type catalog is edited by admins; everyone with hook access reads it. */
export function mayEditEventTypes(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}
