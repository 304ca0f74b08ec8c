import type { AwsCallRecord } from '../../shared/adapters/awsCallRecorder.ts';

/** What IAM authorizes for one recorded call: an action on a concrete resource ARN. */
export interface IamRequest {
  action: string;
  resource: string;
}

export interface Deployment {
  region: string;
  account: string;
}

/**
 * The suffix given to a secret's ARN when the service did not answer with the ARN (a call that
 * failed): real secret ARNs end in `-` and six random characters, and IAM evaluates that ARN.
 */
export const madeUpSecretSuffix = '-AbC123';

/** The same ARN in the evaluated deployment's region and account. */
export function inDeployment(arn: string, d: Deployment): string {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new Error(`not an ARN: ${arn}`);
  parts[3] = d.region;
  parts[4] = d.account;
  return parts.join(':');
}

/** IAM authorizes the batch forms of these SQS actions as the single action. */
const sqsBatchActions: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** A transaction item is authorized as the single-item action on its table. */
const dynamoTransactionActions: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

function required(record: AwsCallRecord, key: string): string {
  const value = record.ids[key];
  if (!value) throw new Error(`${record.client} ${record.command} was recorded without ${key}`);
  return value;
}

/**
 * The IAM requests one recorded SDK call makes, in the given deployment. A service or operation
 * this does not know throws, naming it, so a new kind of call cannot go unevaluated.
 */
export function iamRequestsOf(record: AwsCallRecord, d: Deployment): IamRequest[] {
  const op = record.command.replace(/Command$/, '');
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${d.region}:${d.account}:${resource}`;
  switch (record.client) {
    case 'DynamoDBClient': {
      const tableArn = (table: string) => arn('dynamodb', `table/${table}`);
      if (op === 'TransactWriteItems' || op === 'TransactGetItems') {
        return (record.items ?? []).map(({ table, op: itemOp }) => {
          const action = dynamoTransactionActions[itemOp];
          if (!action) throw new Error(`unknown DynamoDB transaction item ${itemOp}`);
          return { action: `dynamodb:${action}`, resource: tableArn(table) };
        });
      }
      if (op === 'BatchGetItem' || op === 'BatchWriteItem') {
        return (record.items ?? []).map(({ table }) => ({
          action: `dynamodb:${op}`,
          resource: tableArn(table),
        }));
      }
      const table = tableArn(required(record, 'TableName'));
      const index = record.ids.IndexName;
      return [{ action: `dynamodb:${op}`, resource: index ? `${table}/index/${index}` : table }];
    }
    case 'SQSClient': {
      const queueName =
        record.ids.QueueName ?? new URL(required(record, 'QueueUrl')).pathname.split('/').pop();
      return [{ action: `sqs:${sqsBatchActions[op] ?? op}`, resource: arn('sqs', queueName ?? '') }];
    }
    case 'SecretsManagerClient': {
      const id = record.ids.SecretId ?? required(record, 'Name');
      const resource = record.arn
        ? inDeployment(record.arn, d)
        : id.startsWith('arn:')
          ? inDeployment(id, d)
          : arn('secretsmanager', `secret:${id}${madeUpSecretSuffix}`);
      const requests = [{ action: `secretsmanager:${op}`, resource }];
      // Tags given to CreateSecret are authorized as TagResource too.
      if (op === 'CreateSecret' && record.tags)
        requests.push({ action: 'secretsmanager:TagResource', resource });
      return requests;
    }
    case 'CognitoIdentityProviderClient':
      return [
        {
          action: `cognito-idp:${op}`,
          resource: arn('cognito-idp', `userpool/${required(record, 'UserPoolId')}`),
        },
      ];
    case 'ApiGatewayV2Client': {
      // API Gateway's management API is authorized by HTTP verb on the resource path.
      const verbs: Record<string, string> = { GetAuthorizer: 'GET', UpdateAuthorizer: 'PATCH' };
      const verb = verbs[op];
      if (!verb) throw new Error(`no IAM mapping for ApiGatewayV2Client ${record.command}`);
      return [
        {
          action: `apigateway:${verb}`,
          resource: `arn:aws:apigateway:${d.region}::/apis/${required(record, 'ApiId')}/authorizers/${required(record, 'AuthorizerId')}`,
        },
      ];
    }
    default:
      throw new Error(
        `no IAM mapping for ${record.client} ${record.command}: teach test/support/iamRequests.ts its actions and resource`,
      );
  }
}
