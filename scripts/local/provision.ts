/**
 * Creates, in the emulator, the resources the CDK stack declares, from the same definition
 * (shared/resources.ts). Idempotent: with a persisted emulator state (`npm start` keeps it in
 * .local/) the resources exist already and are reused as they are, contents included.
 */
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  DeleteApiCommand,
  GetApisCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolCommand,
  DescribeResourceServerCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { RESOURCE_SERVER, scopeDescriptions } from '../../shared/domain/scopes.ts';
import { envNames, resources } from '../../shared/resources.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from './jwt.ts';

export interface ProvisionedResources {
  tableName: string;
  deliveryQueueUrl: string;
  orderedDeliveryQueueUrl: string;
  deadLetterQueueUrl: string;
  /** The emulator's Cognito user pool (with Latchkey's resource server) where machine clients are created. */
  userPoolId: string;
  /**
   * An HTTP API and JWT authorizer in the emulator, standing for the stack's: the local API serves
   * requests itself, but the Clients function keeps this authorizer's audience as it does in AWS.
   */
  httpApiId: string;
  jwtAuthorizerId: string;
  /** Environment variables the functions read. */
  env: Record<string, string>;
}

/** A table that exists already (a restored emulator state) is kept as it is. */
async function ignoreExisting(created: Promise<unknown>): Promise<void> {
  try {
    await created;
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
}

/** Creates the queue, or brings an existing one (a restored state) to these attributes. */
async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
  /** Attributes a queue is created with and that cannot change afterwards (FifoQueue). */
  createOnly: Record<string, string> = {},
): Promise<string> {
  try {
    return (
      await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: { ...createOnly, ...attributes } }),
      )
    ).QueueUrl!;
  } catch (err) {
    if ((err as Error).name !== 'QueueNameExists' && (err as Error).name !== 'QueueAlreadyExists') throw err;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl!;
  }
}

/**
 * The user pool and resource server the stack's Api construct declares (infra/constructs/api.ts),
 * found by name in a restored state (with the app clients made in earlier runs) or created.
 */
async function ensureUserPool(cognito: CognitoIdentityProviderClient, name: string): Promise<string> {
  let userPoolId: string | undefined;
  let next: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: next }));
    userPoolId = page.UserPools?.find((p) => p.Name === name)?.Id;
    next = page.NextToken;
  } while (!userPoolId && next);
  userPoolId ??= (await cognito.send(new CreateUserPoolCommand({ PoolName: name }))).UserPool!.Id!;
  try {
    await cognito.send(
      new DescribeResourceServerCommand({ UserPoolId: userPoolId, Identifier: RESOURCE_SERVER }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    await cognito.send(
      new CreateResourceServerCommand({
        UserPoolId: userPoolId,
        Identifier: RESOURCE_SERVER,
        Name: 'Latchkey API',
        Scopes: Object.entries(scopeDescriptions).map(([ScopeName, ScopeDescription]) => ({
          ScopeName,
          ScopeDescription,
        })),
      }),
    );
  }
  return userPoolId;
}

/**
 * The HTTP API and its JWT authorizer, created afresh each start (the emulator cannot list an
 * API's authorizers, so a restored one is replaced; locally nothing checks this audience).
 */
async function ensureHttpApi(
  client: ApiGatewayV2Client,
  name: string,
): Promise<{ apiId: string; authorizerId: string }> {
  for (const api of (await client.send(new GetApisCommand({}))).Items ?? [])
    if (api.Name === name) await client.send(new DeleteApiCommand({ ApiId: api.ApiId }));
  const apiId = (await client.send(new CreateApiCommand({ Name: name, ProtocolType: 'HTTP' }))).ApiId!;
  const authorizer = await client.send(
    new CreateAuthorizerCommand({
      ApiId: apiId,
      Name: 'Jwt',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: LOCAL_ISSUER, Audience: [LOCAL_AUDIENCE] },
    }),
  );
  return { apiId, authorizerId: authorizer.AuthorizerId! };
}

export async function provision(endpoint: string, prefix: string): Promise<ProvisionedResources> {
  const clientConfig = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const ddb = new DynamoDBClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const { table, deliveryQueue, deadLetterQueue } = resources;

  const tableName = `${prefix}-table`;
  const attributeNames = new Set<string>([table.partitionKey, table.sortKey]);
  for (const index of table.indexes) {
    attributeNames.add(index.partitionKey);
    attributeNames.add(index.sortKey);
  }
  const indexes: GlobalSecondaryIndex[] = table.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
  await ignoreExisting(
    ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexes,
      }),
    ),
  );
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
    }),
  );

  const visibility = Number(
    process.env.LATCHKEY_VISIBILITY_TIMEOUT ?? deliveryQueue.visibilityTimeoutSeconds,
  );
  /** A queue and its DLQ, as the Delivery construct declares them (FIFO: both FIFO). */
  const queueWithDeadLetters = async (name: string, fifo: boolean): Promise<[string, string]> => {
    const suffix = fifo ? '.fifo' : '';
    const createOnly: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
    const dlqUrl = await ensureQueue(
      sqs,
      `${prefix}-${name}-dlq${suffix}`,
      { MessageRetentionPeriod: String(deadLetterQueue.retentionSeconds) },
      createOnly,
    );
    const dlqAttributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueUrl = await ensureQueue(
      sqs,
      `${prefix}-${name}${suffix}`,
      {
        VisibilityTimeout: String(visibility),
        MessageRetentionPeriod: String(deliveryQueue.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
          maxReceiveCount: deliveryQueue.maxReceiveCount,
        }),
      },
      createOnly,
    );
    return [queueUrl, dlqUrl];
  };
  const [deliveryQueueUrl, deadLetterQueueUrl] = await queueWithDeadLetters('deliveries', false);
  const [orderedDeliveryQueueUrl] = await queueWithDeadLetters(
    'ordered-deliveries',
    resources.orderedDeliveryQueue.fifo,
  );
  const cognito = new CognitoIdentityProviderClient(clientConfig);
  const userPoolId = await ensureUserPool(cognito, `${prefix}-users`);
  const apiGateway = new ApiGatewayV2Client(clientConfig);
  const { apiId: httpApiId, authorizerId: jwtAuthorizerId } = await ensureHttpApi(
    apiGateway,
    `${prefix}-api`,
  );
  apiGateway.destroy();
  ddb.destroy();
  sqs.destroy();
  cognito.destroy();
  return {
    tableName,
    deliveryQueueUrl,
    orderedDeliveryQueueUrl,
    deadLetterQueueUrl,
    userPoolId,
    httpApiId,
    jwtAuthorizerId,
    env: {
      [envNames.userPoolId]: userPoolId,
      [envNames.httpApiId]: httpApiId,
      [envNames.jwtAuthorizerId]: jwtAuthorizerId,
      [envNames.table]: tableName,
      [envNames.deliveryQueueUrl]: deliveryQueueUrl,
      [envNames.orderedDeliveryQueueUrl]: orderedDeliveryQueueUrl,
      [envNames.deadLetterQueueUrl]: deadLetterQueueUrl,
      [envNames.secretPrefix]: `latchkey/${prefix}`,
    },
  };
}
