import { describe, expect, it } from 'vitest';
import type { AwsCallRecord } from '../../shared/adapters/awsCallRecorder.ts';
import { iamRequestsOf, madeUpSecretSuffix } from '../support/iamRequests.ts';

const d = { region: 'eu-central-2', account: '210987654321' };
const record = (r: Partial<AwsCallRecord>): AwsCallRecord =>
  ({ kind: 'call', fn: 'F', client: '', command: '', ids: {}, env: {}, ...r }) as AwsCallRecord;

describe('the IAM requests a recorded SDK call makes', () => {
  it('authorizes SQS batch calls as the single action on the queue named by the URL', () => {
    const r = record({
      client: 'SQSClient',
      command: 'SendMessageBatchCommand',
      ids: { QueueUrl: 'http://127.0.0.1:5000/123456789012/lk-1-deliveries' },
    });
    expect(iamRequestsOf(r, d)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:eu-central-2:210987654321:lk-1-deliveries' },
    ]);
  });

  it('authorizes each transaction item as its single-item action, and queries on an index on the index', () => {
    const tx = record({
      client: 'DynamoDBClient',
      command: 'TransactWriteItemsCommand',
      items: [
        { table: 'T', op: 'Put' },
        { table: 'T', op: 'ConditionCheck' },
      ],
    });
    expect(iamRequestsOf(tx, d).map((x) => x.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:ConditionCheckItem',
    ]);
    const q = record({
      client: 'DynamoDBClient',
      command: 'QueryCommand',
      ids: { TableName: 'T', IndexName: 'gsi1' },
    });
    expect(iamRequestsOf(q, d)[0]!.resource).toBe(
      'arn:aws:dynamodb:eu-central-2:210987654321:table/T/index/gsi1',
    );
  });

  it('uses the secret ARN the service answered with (random suffix), in the evaluated region and account', () => {
    const r = record({
      client: 'SecretsManagerClient',
      command: 'CreateSecretCommand',
      ids: { Name: 'latchkey/S/t/h' },
      tags: 2,
      arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:latchkey/S/t/h-Xy12Zq',
    });
    const resource = 'arn:aws:secretsmanager:eu-central-2:210987654321:secret:latchkey/S/t/h-Xy12Zq';
    expect(iamRequestsOf(r, d)).toEqual([
      { action: 'secretsmanager:CreateSecret', resource },
      { action: 'secretsmanager:TagResource', resource },
    ]);
    const failed = record({
      client: 'SecretsManagerClient',
      command: 'GetSecretValueCommand',
      ids: { SecretId: 'a/b' },
    });
    expect(iamRequestsOf(failed, d)[0]!.resource).toBe(
      `arn:aws:secretsmanager:eu-central-2:210987654321:secret:a/b${madeUpSecretSuffix}`,
    );
  });

  it('refuses a client it has no mapping for, so no call goes unevaluated', () => {
    expect(() => iamRequestsOf(record({ client: 'S3Client', command: 'GetObjectCommand' }), d)).toThrow(
      /S3Client/,
    );
  });
});
