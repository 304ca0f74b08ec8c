import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalApp } from '../../scripts/local/app.ts';

/** Direct looks into the emulator, the way an operator would with the AWS console. */
function clientConfig(app: LocalApp) {
  return {
    endpoint: app.emulatorEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** Every item of the app's table (a test may scan; the service never does). */
export async function tableItems(app: LocalApp): Promise<Record<string, unknown>[]> {
  const ddb = new DynamoDBClient(clientConfig(app));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new ScanCommand({ TableName: app.resources.tableName, ExclusiveStartKey: start as never }),
    );
    for (const item of out.Items ?? []) items.push(unmarshall(item));
    start = out.LastEvaluatedKey;
  } while (start);
  ddb.destroy();
  return items;
}

export function secretName(app: LocalApp, tenant: string, hookId: string): string {
  return `${app.resources.env.SECRET_PREFIX}/${tenant}/${hookId}`;
}

export async function secretValue(app: LocalApp, name: string): Promise<Record<string, unknown>> {
  const sm = new SecretsManagerClient(clientConfig(app));
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    return JSON.parse(out.SecretString ?? '{}') as Record<string, unknown>;
  } finally {
    sm.destroy();
  }
}

export async function secretDeletionDate(app: LocalApp, name: string): Promise<Date | undefined> {
  const sm = new SecretsManagerClient(clientConfig(app));
  try {
    const out = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    return out.DeletedDate;
  } finally {
    sm.destroy();
  }
}

/** Captures everything written to stdout/stderr (where the Powertools logger writes) until stopped. */
export function captureOutput(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap =
    (original: typeof out) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(out) as typeof process.stdout.write;
  process.stderr.write = tap(err) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    stop() {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}
