import { envNames } from '../resources.ts';

// Node's modules read with process.getBuiltinModule, not ES imports: this module is in every
// function, and an ES import of node:fs alone builds an ES facade of its ~100 exports at every
// cold start (about 1 ms of CPU; issue 13) for a file only tests write.
const { AsyncLocalStorage } = process.getBuiltinModule('node:async_hooks');

/**
 * Test-only record of every AWS call a function makes, so the IAM evaluation tier
 * (test/iam/) can check each call against that function's role in the synthesized template.
 * Off unless LATCHKEY_AWS_CALL_LOG names a directory: then one SDK middleware per client
 * appends a JSON line per call to `<dir>/<pid>.jsonl`. Nothing else costs anything.
 *
 * A record holds only identifiers (table, index, queue URL, secret name or ARN, user pool id),
 * never item data or secret values. The function is the `awsCallScope` store (set by local
 * mode around each in-process handler call) or LATCHKEY_AWS_CALL_FUNCTION (one bundle per
 * process in the bundle tier).
 */
export const awsCallLogVariable = 'LATCHKEY_AWS_CALL_LOG';
export const awsCallFunctionVariable = 'LATCHKEY_AWS_CALL_FUNCTION';

export const awsCallScope = new AsyncLocalStorage<string>();

export interface AwsCallRecord {
  kind: 'call';
  /** Manifest function id, or `unattributed` (a test calling an adapter directly). */
  fn: string;
  client: string;
  command: string;
  /** Identifiers from the request: TableName, IndexName, QueueUrl, SecretId, Name, UserPoolId, ... */
  ids: Record<string, string>;
  /** Tables named by batch and transaction requests, with the operation on each. */
  items?: { table: string; op: string }[];
  /** The number of tags sent (CreateSecret with tags also needs TagResource). */
  tags?: number;
  /** The resource ARN the service answered with (a secret's ARN carries its random suffix). */
  arn?: string;
  error?: string;
  /** The function's resource environment (envNames) when it called: the deployment's names. */
  env: Record<string, string>;
}

export interface AwsInvocationRecord {
  kind: 'invocation';
  fn: string;
}

const identifierKeys = [
  'TableName',
  'IndexName',
  'QueueUrl',
  'QueueName',
  'SecretId',
  'Name',
  'UserPoolId',
  'ClientId',
  'ApiId',
  'AuthorizerId',
];

function currentFunction(): string {
  return awsCallScope.getStore() ?? process.env[awsCallFunctionVariable] ?? 'unattributed';
}

function write(record: AwsCallRecord | AwsInvocationRecord): void {
  const dir = process.env[awsCallLogVariable];
  if (!dir) return;
  const fs = process.getBuiltinModule('node:fs');
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(
    process.getBuiltinModule('node:path').join(dir, `${process.pid}.jsonl`),
    `${JSON.stringify(record)}\n`,
  );
}

/** Marks one invocation of a function (so a function that made no AWS call is still seen as run). */
export function recordInvocation(fn: string): void {
  if (process.env[awsCallLogVariable]) write({ kind: 'invocation', fn });
}

function describe(input: Record<string, unknown>): Pick<AwsCallRecord, 'ids' | 'items' | 'tags'> {
  const ids: Record<string, string> = {};
  for (const key of identifierKeys) if (typeof input[key] === 'string') ids[key] = input[key] as string;
  const items: { table: string; op: string }[] = [];
  if (input.RequestItems && typeof input.RequestItems === 'object') {
    for (const table of Object.keys(input.RequestItems)) items.push({ table, op: 'batch' });
  }
  if (Array.isArray(input.TransactItems)) {
    for (const item of input.TransactItems as Record<string, { TableName?: string }>[]) {
      for (const [op, body] of Object.entries(item)) items.push({ table: body?.TableName ?? '', op });
    }
  }
  const tags = Array.isArray(input.Tags) ? input.Tags.length : undefined;
  return { ids, ...(items.length ? { items } : {}), ...(tags ? { tags } : {}) };
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<{ output: unknown }>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<{ output: unknown }>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/** Adds the recording middleware to a client when LATCHKEY_AWS_CALL_LOG is set; returns the client. */
export function recordAwsCalls<C>(client: C): C {
  if (!process.env[awsCallLogVariable]) return client;
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const env: Record<string, string> = {};
      for (const name of Object.values(envNames)) {
        const value = process.env[name];
        if (value) env[name] = value;
      }
      const base = {
        kind: 'call' as const,
        fn: currentFunction(),
        client: context.clientName ?? 'unknown',
        command: context.commandName ?? 'unknown',
        ...describe(input),
        env,
      };
      try {
        const result = await next(args);
        const arn = (result.output as { ARN?: unknown } | undefined)?.ARN;
        write({ ...base, ...(typeof arn === 'string' ? { arn } : {}) });
        return result;
      } catch (err) {
        write({ ...base, error: (err as Error).name });
        throw err;
      }
    },
    { step: 'initialize', name: 'latchkeyAwsCallRecorder', priority: 'high' },
  );
  return client;
}
