import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { buildLatchkeyStack, projectRoot } from '../../infra/app.ts';
import { LatchkeyStack } from '../../infra/latchkeyStack.ts';
import { RESOURCE_SERVER, scopeDescriptions, scopeNames } from '../../shared/domain/scopes.ts';
import { resources } from '../../shared/resources.ts';
import type { Json } from '../support/testApp.ts';

/** The stack as `npx cdk synth` builds it (infra/app.ts), with the given context values. */
function synthStack(context: Record<string, string> = {}): { app: App; stack: LatchkeyStack } {
  const app = new App({ context });
  return { app, stack: buildLatchkeyStack(app) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
function statementsOf(template: Template, fnId: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(fnId))
    .flatMap(
      ([, p]) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
}

describe('the Latchkey stack', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthStack().stack);
  });

  it('has the table with TTL, point-in-time recovery and the secondary index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: resources.table.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
    });
  });

  it('has the delivery queue with a redrive policy to its DLQ and a visibility timeout of 6x the dispatcher', () => {
    template.resourceCountIs('AWS::SQS::Queue', 4);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: resources.deliveryQueue.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: Match.anyValue(),
        maxReceiveCount: resources.deliveryQueue.maxReceiveCount,
      },
    });
    expect(resources.deliveryQueue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * resources.dispatcher.timeoutSeconds,
    );
  });

  it('builds every manifest function as Node 22 on ARM64 with tracing and JSON logs', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } },
    });
    expect(Object.keys(fns)).toHaveLength(functions.length);
  });

  it('serves every manifest route, behind the JWT authorizer unless public', () => {
    for (const spec of functions) {
      for (const { route, public: isPublic } of spec.routes ?? []) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: route,
          AuthorizationType: isPublic ? 'NONE' : 'JWT',
        });
      }
    }
  });

  it('has exactly the manifest routes, the authorizer on all but the public ones', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r.Properties as { RouteKey: string }).RouteKey,
    );
    const declared = functions.flatMap((f) => (f.routes ?? []).map((r) => r.route));
    expect(routes.sort()).toEqual([...declared].sort());
    expect(declared).toEqual(
      expect.arrayContaining([
        'POST /v1/hooks',
        'POST /v1/events',
        'GET /v1/openapi.json',
        'POST /v1/hooks/{hookId}/recover',
        'GET /v1/dead-letters',
        'POST /v1/dead-letters/redrive',
      ]),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
  });

  it('serves trigger URLs without the authorizer in both forms, and keeps their secrets out of access logs', () => {
    for (const method of ['POST', 'DELETE', 'GET', 'PUT']) {
      for (const path of ['/v1/triggers/{triggerId}/notify', '/v1/triggers/{triggerId}/notify/{proxy+}']) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: `${method} ${path}`,
          AuthorizationType: 'NONE',
        });
      }
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /v1/triggers',
      AuthorizationType: 'JWT',
    });
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const format = (stages[0]!.Properties as { AccessLogSettings: { Format: string } }).AccessLogSettings
      .Format;
    // The secret travels in the query string or in the path after /notify: the access log holds
    // the route key (`.../notify/{proxy+}`), never the raw path, query or request line.
    const variables = [...format.matchAll(/\$context\.[\w.]+/g)].map((m) => m[0]);
    expect(variables).toContain('$context.routeKey');
    for (const leaky of [
      '$context.path',
      '$context.requestLine',
      '$context.rawPath',
      '$context.rawQueryString',
    ]) {
      expect(variables).not.toContain(leaky);
    }
    expect(variables.filter((v) => /query|querystring|path|requestline/i.test(v))).toEqual([]);
  });

  it('has the ordered FIFO queue with its own FIFO DLQ, feeding the dispatcher', () => {
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });
    const ids = Object.keys(queues);
    const orderedId = ids.find((id) => id.includes('OrderedQueue'))!;
    const dlqId = ids.find((id) => id.includes('OrderedDeadLetterQueue'))!;
    expect(ids).toHaveLength(2);
    expect(queues[orderedId]!.Properties).toMatchObject({
      VisibilityTimeout: resources.deliveryQueue.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: resources.deliveryQueue.maxReceiveCount,
      },
    });
    const dispatcherId = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('Delivers queued') },
      }),
    )[0]!;
    // FIFO event sources take no batching window; batch item failures hold a group behind a retry.
    const mapping = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: { 'Fn::GetAtt': [orderedId, 'Arn'] } },
      }),
    );
    expect(mapping).toHaveLength(1);
    expect(mapping[0]!.Properties).toMatchObject({
      FunctionName: { Ref: dispatcherId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: resources.dispatcher.batchSize,
    });
    expect(mapping[0]!.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
  });

  it('feeds the dispatcher from the delivery queue with batch item failures', () => {
    const dispatcher = functions.find((f) => f.consumesDeliveryQueue);
    expect(dispatcher?.id).toBe('Dispatcher');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: resources.dispatcher.batchSize,
      MaximumBatchingWindowInSeconds: resources.dispatcher.maxBatchingWindowSeconds,
      EventSourceArn: Match.anyValue(),
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Delivers queued'),
      Timeout: resources.dispatcher.timeoutSeconds,
    });
  });

  it('grants least privilege: only the functions that need them touch secrets and queues', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const actionsOf = (fnId: string): string[] => {
      const found = Object.entries(policies).filter(([id]) => id.startsWith(fnId));
      return found.flatMap(([, p]) =>
        (
          p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }
        ).PolicyDocument.Statement.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])),
      );
    };
    expect(actionsOf('Hooks')).toEqual(
      expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret']),
    );
    expect(actionsOf('Hooks')).not.toContain('sqs:SendMessage');
    expect(actionsOf('Events')).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'secretsmanager:GetSecretValue']),
    );
    expect(actionsOf('Dispatcher')).not.toContain('secretsmanager:CreateSecret');
    expect(actionsOf('Health').filter((a) => /dynamodb|sqs|secretsmanager/.test(a))).toEqual([]);
  });

  it('is region- and account-agnostic: no region or account literal anywhere in the template', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-)?[a-z]+-\d\b/);
    expect(json).not.toMatch(/\b\d{12}\b/);
    expect(json).toContain('"Ref":"AWS::Region"');
  });

  it('scopes Secrets Manager to the real ARN form of the stack prefix (colon, random suffix)', () => {
    for (const fnId of ['Hooks', 'Events', 'Dispatcher', 'Interlock']) {
      const secrets = statementsOf(template, fnId).filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secrets).toEqual([
        expect.objectContaining({
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':secretsmanager:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':secret:latchkey/Latchkey/*',
              ],
            ],
          },
        }),
      ]);
    }
  });

  it('creates a Cognito user pool with one group per role', () => {
    for (const role of ['admin', 'staff', 'user', 'webhook_admin', 'webhook_user']) {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    }
  });

  it('declares the resource server with one scope per area, and the hosted domain for the token endpoint', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: RESOURCE_SERVER,
      Scopes: Object.entries(scopeDescriptions).map(([ScopeName, ScopeDescription]) => ({
        ScopeName,
        ScopeDescription,
      })),
    });
    for (const scope of ['events.write', 'hooks.read', 'hooks.write', 'interlocks.control'])
      expect(scopeNames).toContain(scope);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['latchkey-', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('outputs the token URL, the API id and the JWT authorizer id (for a machine client’s audience entry)', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of ['TokenUrl', 'HttpApiId', 'JwtAuthorizerId'])
      expect(
        outputs.some((o) => o.includes(name)),
        name,
      ).toBe(true);
  });

  it('lets only the Clients function create and delete app clients, in the stack’s user pool only', () => {
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
    const statements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      (
        p.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }
      ).PolicyDocument.Statement.filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('cognito-idp:')),
      ).map((st) => ({ id, ...st })),
    );
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    const apigateway = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      (
        p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }
      ).PolicyDocument.Statement.filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('apigateway:')),
      ).map((st) => ({ id, ...st })),
    );
    expect(apigateway).toEqual([
      {
        id: expect.stringMatching(/^ClientsRole/),
        Effect: 'Allow',
        Action: ['apigateway:GET', 'apigateway:PATCH'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':apigateway:',
              { Ref: 'AWS::Region' },
              '::/apis/',
              { Ref: apiId },
              '/authorizers/',
              { Ref: authorizerId },
            ],
          ],
        },
      },
    ]);
    expect(statements).toEqual([
      {
        id: expect.stringMatching(/^ClientsRole/),
        Effect: 'Allow',
        Action: ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient'],
        Resource: { 'Fn::GetAtt': [poolId, 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Machine clients'),
      Environment: {
        Variables: Match.objectLike({
          USER_POOL_ID: { Ref: poolId },
          TOKEN_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        }),
      },
    });
  });

  it('alarms on DLQ depth and oldest message age, and has a dashboard', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('graphs the metrics the functions emit, with the service dimension Powertools adds', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const name of [
      'DeliverySucceeded',
      'DeliveryFailed',
      'DeliveryRetried',
      'DeliveryLatency',
      'DeliveryThrottled',
      'HookDisabled',
    ]) {
      expect(body).toContain(`\\"${name}\\",\\"service\\",\\"latchkey-dispatcher\\"`);
    }
    for (const name of ['InterlockSucceeded', 'InterlockFailed', 'InterlockDenied']) {
      expect(body).toContain(`\\"${name}\\",\\"service\\",\\"latchkey-interlock\\"`);
    }
  });

  it('keeps the console in a private, TLS-only S3 bucket with access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'console-bucket/' },
    });
    // Only CloudFront, and only this distribution, may read it (origin access control's bucket policy).
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('serves the console through CloudFront with origin access control, and the API at /v1/* on the same origin', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution?.Properties?.DistributionConfig;
    const s3Origin = config.Origins.find((o: Json) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: expect.anything() }],
    });
    expect(config.Logging).toMatchObject({ Prefix: 'distribution/' });
    const api = config.CacheBehaviors.find((b: Json) => b.PathPattern === '/v1/*');
    expect(api).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.objectLike({}),
            Override: true,
          },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      Prune: true,
    });
  });

  it('signs console users in with the Cognito hosted UI: authorization code, public client, the console as callback', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      GenerateSecret: false,
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [Match.stringLikeRegexp('ConsoleDistribution'), 'DomainName'] },
              '/console/',
            ],
          ],
        },
      ],
    });
    // Its ID tokens are accepted by the API's JWT authorizer.
    const [authorizer] = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    const audiences = JSON.stringify(authorizer?.Properties?.JwtConfiguration?.Audience);
    expect(audiences).toMatch(/ApiConsoleClient/);
  });

  it('uses an external OIDC issuer instead of Cognito when configured', () => {
    const app = new App();
    const stack = new LatchkeyStack(app, 'Oidc', {
      projectRoot,
      // One private route, so the authorizer is bound whatever the manifest holds.
      functions: [{ ...functions[0]!, id: 'Private', routes: [{ route: 'GET /v1/private' }] }],
      oidc: { issuer: 'https://idp.example.org', audiences: ['latchkey'] },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://idp.example.org', Audience: ['latchkey'] },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /v1/private',
      AuthorizationType: 'JWT',
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('passes on the Latchkey stack (every acknowledgement carries its reason inline)', () => {
    const { app } = synthStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on a finding (the check can fail)', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'PlainQueue'); // no DLQ, no SSL enforcement
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });
});
