import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { type TracingMode, tracingModes } from './constructs/bundling.ts';
import { LatchkeyStack, type LatchkeyStackProps } from './latchkeyStack.ts';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Latchkey stack as `npx cdk synth|deploy` builds it from the app's context (cdk.json or
 * `-c key=value`); tests build it the same way. No `env`: the template is region- and
 * account-agnostic, so one synthesized template deploys anywhere.
 *
 *   stackName           default Latchkey
 *   oidcIssuer          use an external OIDC issuer instead of the Cognito user pool
 *   oidcAudiences       comma-separated audiences for that issuer
 *   allowPrivateTargets private,loopback,link-local or all (interlock devices on private networks)
 *   tracing             lambda (default: Lambda's active tracing, no X-Ray SDK in the bundles),
 *                       sdk (also Powertools subsegments per handler and AWS call) or off
 *   cognitoDomainPrefix prefix of the user pool's hosted domain (token endpoint); default <stackname>-<account>
 *   oidcTokenUrl        with oidcIssuer: the issuer's token endpoint, shown to admins creating clients
 *   alarmEmail          an email address subscribed to the alarm topic
 *   vpcId, subnetIds    run the functions that call out in these private subnets (subnetIds
 *                       comma-separated; without them the VPC is looked up, which needs AWS
 *                       credentials at synth and pins the template to that account and region)
 *   dispatcherMaxConcurrency      the event source mapping's maximum concurrency (default 5)
 *   interlockReservedConcurrency  reserved concurrency of the Interlock function (default none)
 *   consoleDomainName, consoleCertificateArn  the staff console on your domain (ACM certificate in us-east-1)
 *   consoleWebAclArn    a WAF web ACL (scope CLOUDFRONT) for the console's distribution
 */
export function buildLatchkeyStack(app: App): LatchkeyStack {
  const ctx = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const issuer = ctx('oidcIssuer');
  const tracing = ctx('tracing');
  if (tracing !== undefined && !tracingModes.includes(tracing as TracingMode)) {
    throw new Error(`-c tracing=${tracing}: use one of ${tracingModes.join(', ')}`);
  }
  const count = (key: string): number | undefined => {
    const value = ctx(key) ?? (app.node.tryGetContext(key) as unknown);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`-c ${key}=${String(value)}: a whole number is needed`);
    return n;
  };
  const vpcId = ctx('vpcId');
  const subnetIds = (ctx('subnetIds') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (subnetIds.length > 0 && !vpcId) throw new Error('-c subnetIds=... needs -c vpcId=... too');
  const interlockReserved = count('interlockReservedConcurrency');
  const alarmEmail = ctx('alarmEmail');
  return new LatchkeyStack(app, ctx('stackName') ?? 'Latchkey', {
    projectRoot,
    oidc: issuer ? { issuer, audiences: (ctx('oidcAudiences') ?? '').split(',').filter(Boolean) } : undefined,
    allowPrivateTargets: ctx('allowPrivateTargets'),
    ...(tracing ? { tracing: tracing as TracingMode } : {}),
    cognitoDomainPrefix: ctx('cognitoDomainPrefix'),
    oidcTokenUrl: ctx('oidcTokenUrl'),
    ...(vpcId ? { vpc: { vpcId, subnetIds } } : {}),
    // A VPC lookup needs the account and region at synth; everything else stays agnostic.
    ...(vpcId && subnetIds.length === 0
      ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
      : {}),
    dispatcherMaxConcurrency: count('dispatcherMaxConcurrency'),
    ...(interlockReserved !== undefined ? { reservedConcurrency: { Interlock: interlockReserved } } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    console: consoleOptions(ctx),
  });
}

function consoleOptions(ctx: (key: string) => string | undefined): LatchkeyStackProps['console'] {
  const name = ctx('consoleDomainName');
  const certificateArn = ctx('consoleCertificateArn');
  if ((name === undefined) !== (certificateArn === undefined)) {
    throw new Error('consoleDomainName and consoleCertificateArn go together: give both or neither');
  }
  const webAclArn = ctx('consoleWebAclArn');
  return {
    ...(name && certificateArn ? { customDomain: { name, certificateArn } } : {}),
    ...(webAclArn ? { webAclArn } : {}),
  };
}
