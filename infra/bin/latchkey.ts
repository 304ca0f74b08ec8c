import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { LatchkeyStack } from '../latchkeyStack.ts';
import { applyNagChecks } from '../nag.ts';

/**
 * `npx cdk synth` / `npx cdk deploy`. Context (cdk.json or -c):
 *   stackName           default Latchkey
 *   oidcIssuer          use an external OIDC issuer instead of the Cognito user pool
 *   oidcAudiences       comma-separated audiences for that issuer
 *   allowPrivateTargets private,loopback,link-local or all (interlock devices on private networks)
 */
const app = new App();
const ctx = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const issuer = ctx('oidcIssuer');
new LatchkeyStack(app, ctx('stackName') ?? 'Latchkey', {
  projectRoot: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  oidc: issuer ? { issuer, audiences: (ctx('oidcAudiences') ?? '').split(',').filter(Boolean) } : undefined,
  allowPrivateTargets: ctx('allowPrivateTargets'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
applyNagChecks(app);
