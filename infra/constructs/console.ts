import {
  Aws,
  CfnOutput,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsoleInto, consoleRoot } from '../../console/build.ts';

/** Where the console lives on its distribution; the Cognito client's callback URL. */
export const CONSOLE_PATH = '/console/';

export interface ConsoleProps {
  /** The Cognito hosted UI's domain (https://…), for the CSP; unset with an external OIDC issuer. */
  authDomain?: string;
  /** A custom domain with its ACM certificate (us-east-1): TLS 1.2+ for viewers instead of the default certificate's floor. */
  customDomain?: { name: string; certificateArn: string };
  /** A WAF web ACL (scope CLOUDFRONT, created in us-east-1) for the distribution. */
  webAclArn?: string;
  logRetention: RetentionDays;
}

export interface ConsoleConfigValues {
  /** Cognito app client of the console (authorization code + PKCE); unset: paste a token. */
  clientId?: string;
}

/**
 * The staff console: static files in a private S3 bucket (no public access, TLS only, server
 * access logs) served by CloudFront through origin access control, with the API's `/v1/*` routed
 * through the same distribution — one origin for the browser, so no CORS and a CSP of `'self'`.
 * A CloudFront Function maps `/console/` to its index; security headers on every answer.
 */
export class Console extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<distribution>/console/ */
  readonly url: string;
  private readonly authDomain?: string;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    this.authDomain = props.authDomain;
    this.logRetention = props.logRetention;
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the console bucket and distribution; logging it into itself would loop',
    });
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const indexRewrite = new CloudFrontFunction(this, 'IndexRewrite', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Latchkey console: /console/ serves its index.html; / redirects there',
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          `  if (request.uri === '/' || request.uri === '/console') {`,
          `    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '${CONSOLE_PATH}' } } };`,
          '  }',
          `  if (request.uri.endsWith('/')) request.uri += 'index.html';`,
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    const connectSrc = ["'self'", ...(this.authDomain ? [this.authDomain] : [])].join(' ');
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Latchkey console: nothing loads from anywhere but this distribution (and the sign-in domain)',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connectSrc}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Latchkey staff console and its API',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: indexRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.name],
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              props.customDomain.certificateArn,
            ),
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'distribution/',
    });
    if (!props.customDomain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS floor cannot be raised; deploy with -c consoleDomainName and -c consoleCertificateArn for TLSv1.2_2021',
      });
    }
    if (!props.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'A CloudFront web ACL must be created in us-east-1 while this stack is regional; the API behind /v1/* keeps its stage throttling and JWT authorizer. Attach one with -c consoleWebAclArn',
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR1',
      reason:
        'Facility staff and instrument users sign in from wherever they work; access is decided by Cognito and the booking window, not by country',
    });
    this.url = `https://${props.customDomain?.name ?? this.distribution.distributionDomainName}${CONSOLE_PATH}`;
    new CfnOutput(this, 'ConsoleUrl', { value: this.url });
  }

  /** The API behind the same distribution at /v1/* (never cached; every viewer header but Host forwarded). */
  routeApi(api: HttpApi): void {
    const origin = new HttpOrigin(`${api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`);
    this.distribution.addBehavior('/v1/*', origin, {
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    });
  }

  /** Uploads the built console and its config.json, then invalidates the distribution's copy. */
  deploy(values: ConsoleConfigValues): BucketDeployment {
    const config =
      values.clientId && this.authDomain
        ? {
            mode: 'cognito',
            apiUrl: '',
            authDomain: this.authDomain,
            clientId: values.clientId,
            redirectUri: this.url,
          }
        : { mode: 'token', apiUrl: '' };
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const logGroup = new LogGroup(this, 'DeployLogs', {
      retention: this.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'DeployRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [
        Source.asset(consoleRoot, {
          bundling: {
            // Built in-process with esbuild; the image is never pulled.
            image: DockerImage.fromRegistry('scratch'),
            local: {
              tryBundle(outputDir: string): boolean {
                buildConsoleInto(outputDir);
                return true;
              },
            },
          },
        }),
        Source.jsonData('config.json', config),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      // Revalidated on every load (ETag), so a deployment shows at once without an invalidation.
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 256,
      role,
      logGroup,
    });
    this.acknowledgeDeploymentGrants(role, logGroup);
    return deployment;
  }

  /**
   * What CDK's BucketDeployment needs and grants itself, acknowledged with the reasons: it reads
   * the one bootstrap asset bucket (content-hashed keys), rewrites the console bucket, and its
   * Lambda runtime is chosen by aws-cdk-lib. It runs only while a deployment is in progress.
   */
  private acknowledgeDeploymentGrants(role: Role, logGroup: LogGroup): void {
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as never);
    const logId = stack.getLogicalId(logGroup.node.defaultChild as never);
    const qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const reasons: [string, string][] = [
      [
        'Action::s3:GetObject*',
        'BucketDeployment reads the console asset (grantRead of the bootstrap asset bucket)',
      ],
      [
        'Action::s3:GetBucket*',
        'BucketDeployment reads the console asset (grantRead of the bootstrap asset bucket)',
      ],
      ['Action::s3:List*', 'BucketDeployment lists the asset and the console bucket to sync them'],
      [
        'Action::s3:DeleteObject*',
        'BucketDeployment prunes files of earlier console versions from the console bucket',
      ],
      ['Action::s3:Abort*', 'BucketDeployment aborts its own failed multipart uploads to the console bucket'],
      [
        `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
        'Assets are content-hashed objects of the CDK bootstrap bucket; the key is known only at synth',
      ],
      [`Resource::<${bucketId}.Arn>/*`, 'Every file of the console bucket it deploys, and nothing else'],
      [`Resource::<${logId}.Arn>:*`, "Log streams of the deployment's own log group only"],
    ];
    for (const [finding, reason] of reasons) {
      Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    }
    const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          "BucketDeployment's handler runtime is chosen and upgraded by aws-cdk-lib; it runs only during deployments",
      });
    }
  }

  static authDomainFor(prefix: string): string {
    return `https://${prefix}.auth.${Aws.REGION}.amazoncognito.com`;
  }
}

/** A Cognito hosted-UI domain prefix unique per account and stack: lowercase letters, digits, hyphens. */
export function authDomainPrefix(stack: Stack): string {
  return `${stack.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${Aws.ACCOUNT_ID}`;
}
