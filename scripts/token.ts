/**
 * `npm run token -- --tenant <t> --roles <r1,r2> [--sub <id>] [--expires 12h]`: prints a JWT the
 * local API accepts.
 */
import { parseArgs } from 'node:util';
import { mintToken } from './local/jwt.ts';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    roles: { type: 'string', default: '' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
if (!values.tenant) {
  console.error(
    'usage: npm run token -- --tenant <tenant> --roles <role1,role2> [--sub <id>] [--expires 12h]',
  );
  console.error('roles: admin, staff, user, webhook_admin, webhook_user');
  process.exit(2);
}
const roles = values.roles
  .split(',')
  .map((r) => r.trim())
  .filter(Boolean);
console.log(await mintToken({ tenant: values.tenant, roles, sub: values.sub, expiresIn: values.expires }));
