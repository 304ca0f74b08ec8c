import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StringAttribute,
  UserPool,
  UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../../functions/manifest.ts';
import { RESOURCE_SERVER, scopeDescriptions } from '../../shared/domain/scopes.ts';
import { roles } from '../../shared/http/principal.ts';

export interface ApiProps {
  /** Routes come from the function manifest; each spec's handler is in `handlers` under its id. */
  specs: readonly FunctionSpec[];
  handlers: ReadonlyMap<string, IFunction>;
  /** An external OIDC issuer instead of the Cognito user pool this construct creates. */
  oidc?: { issuer: string; audiences: string[] };
  logRetention: RetentionDays;
  /** Prefix of the user pool's hosted domain, whose /oauth2/token issues machine clients' tokens. */
  cognitoDomainPrefix?: string;
  /** The staff console (Cognito only): its URL is the callback of its app client on the pool's hosted domain. */
  console?: { url: string };
}

/**
 * The HTTP API with its JWT authorizer (a Cognito user pool with one group per role, a tenant
 * attribute and a machine-to-machine client; or an external OIDC issuer), access logs, and one
 * route per manifest entry.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly authorizer: HttpJwtAuthorizer;
  readonly userPool?: UserPool;
  /** The pool's hosted domain, whose /oauth2/token issues machine clients' tokens. */
  readonly userPoolDomain?: UserPoolDomain;
  /** Where machine clients of the user pool get their client-credentials tokens. */
  readonly tokenUrl?: string;
  /** The console's app client (authorization code + PKCE, no secret), when the stack has Cognito. */
  readonly consoleClientId?: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    let issuer: string;
    let audiences: string[];
    if (props.oidc) {
      issuer = props.oidc.issuer;
      audiences = props.oidc.audiences;
    } else {
      const pool = new UserPool(this, 'Users', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        customAttributes: { tenant: new StringAttribute({ mutable: false, minLen: 1, maxLen: 64 }) },
        passwordPolicy: {
          minLength: 12,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        mfa: Mfa.REQUIRED,
        mfaSecondFactor: { sms: false, otp: true },
        featurePlan: FeaturePlan.PLUS,
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const role of roles) {
        new CfnUserPoolGroup(this, `Group-${role}`, {
          userPoolId: pool.userPoolId,
          groupName: role,
          description: `Latchkey role ${role}`,
        });
      }
      // One scope per area and verb (shared/domain/scopes.ts); machine clients are granted some.
      const apiScopes = Object.entries(scopeDescriptions).map(
        ([scopeName, scopeDescription]) => new ResourceServerScope({ scopeName, scopeDescription }),
      );
      const server = pool.addResourceServer('ResourceServer', {
        identifier: RESOURCE_SERVER,
        userPoolResourceServerName: 'Latchkey API',
        scopes: apiScopes,
      });
      const eventsWrite = apiScopes.find((s) => s.scopeName === 'events.write')!;
      const domain = pool.addDomain('Domain', {
        cognitoDomain: {
          domainPrefix:
            props.cognitoDomainPrefix ?? `${Stack.of(this).stackName.toLowerCase()}-${Aws.ACCOUNT_ID}`,
        },
      });
      this.userPoolDomain = domain;
      this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;
      const userClient = new UserPoolClient(this, 'UserClient', {
        userPool: pool,
        authFlows: { userSrp: true },
        generateSecret: false,
        preventUserExistenceErrors: true,
      });
      const machineClient = new UserPoolClient(this, 'MachineClient', {
        userPool: pool,
        generateSecret: true,
        oAuth: {
          flows: { clientCredentials: true },
          scopes: [OAuthScope.resourceServer(server, eventsWrite)],
        },
      });
      issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${pool.userPoolId}`;
      audiences = [userClient.userPoolClientId, machineClient.userPoolClientId];
      if (props.console) {
        // The console signs people in with the hosted UI: authorization code + PKCE, a public client
        // (no secret: it runs in the browser), ID tokens carrying custom:tenant and cognito:groups.
        const consoleClient = new UserPoolClient(this, 'ConsoleClient', {
          userPool: pool,
          generateSecret: false,
          preventUserExistenceErrors: true,
          authFlows: {},
          oAuth: {
            flows: { authorizationCodeGrant: true },
            scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
            callbackUrls: [props.console.url],
            logoutUrls: [props.console.url],
          },
          idTokenValidity: Duration.hours(1),
          accessTokenValidity: Duration.hours(1),
          refreshTokenValidity: Duration.hours(12),
        });
        audiences.push(consoleClient.userPoolClientId);
        this.consoleClientId = consoleClient.userPoolClientId;
        new CfnOutput(this, 'ConsoleClientId', { value: consoleClient.userPoolClientId });
      }
      this.userPool = pool;
      new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
      new CfnOutput(this, 'UserClientId', { value: userClient.userPoolClientId });
      new CfnOutput(this, 'MachineClientId', { value: machineClient.userPoolClientId });
      new CfnOutput(this, 'TokenUrl', { value: this.tokenUrl });
    }

    const authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audiences });
    this.authorizer = authorizer;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Latchkey webhook and interlock API',
      defaultAuthorizer: authorizer,
      createDefaultStage: true,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // No headers, no bodies, no query strings: trigger URLs carry secrets there.
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        sourceIp: '$context.identity.sourceIp',
        sub: '$context.authorizer.claims.sub',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };

    for (const spec of props.specs) {
      const fn = props.handlers.get(spec.id);
      if (!fn || !spec.routes?.length) continue;
      const integration = new HttpLambdaIntegration(`${spec.id}Integration`, fn);
      for (const { route, public: isPublic } of spec.routes) {
        const [method, path] = route.split(' ') as [keyof typeof HttpMethod, string];
        const [added] = this.httpApi.addRoutes({
          path,
          methods: [HttpMethod[method]],
          integration,
          ...(isPublic ? { authorizer: new HttpNoneAuthorizer() } : {}),
        });
        if (isPublic && added) {
          Validations.of(added).acknowledge({
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason: `${route} is public by design (health probe, or a trigger URL that authenticates by its secret)`,
          });
        }
      }
    }
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint });
    // API Gateway matches a Cognito access token's client_id against the authorizer's audience
    // list: a machine client created at run time is added there (README, Machine clients).
    new CfnOutput(this, 'HttpApiId', { value: this.httpApi.apiId });
    new CfnOutput(this, 'JwtAuthorizerId', { value: authorizer.authorizerId });
  }
}
