import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSpec } from '../../functions/manifest.ts';
import { bundling, defineFor, NODE_OPTIONS, type TracingMode } from './bundling.ts';

/** The Powertools service name of a function: its logs' `service` and its metrics' `service` dimension. */
export function serviceNameOf(functionId: string): string {
  return `latchkey-${functionId.toLowerCase()}`;
}

/**
 * With SDK tracing, traces keep request metadata only: no handler responses (hook URLs, headers,
 * attempts), no error messages (they can name a URL), no outbound HTTP subsegments (their URLs
 * can carry credentials). AWS SDK subsegments (operation, table, queue) stay.
 */
export const tracingKeepsMetadataOnly = {
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
  POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
} as const;

export interface LatchkeyFunctionProps {
  spec: FunctionSpec;
  projectRoot: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** X-Ray: `lambda` (default) Lambda's active tracing only; `sdk` also Powertools subsegments; `off`. */
  tracing?: TracingMode;
  /** Runs in these subnets of a VPC with this (egress-only) security group. */
  network?: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup };
  reservedConcurrentExecutions?: number;
}

/**
 * Every Latchkey Lambda: Node 22 on ARM64, esbuild-bundled ESM as bundling.ts describes (minified,
 * source maps without sources), X-Ray tracing as configured, JSON logs into a log group with a
 * retention, Powertools settings in the environment.
 */
export class LatchkeyFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LatchkeyFunctionProps) {
    const { spec } = props;
    const tracing = props.tracing ?? 'lambda';
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    super(scope, id, {
      role,
      description: `Latchkey: ${spec.description}`,
      entry: `${props.projectRoot}/${spec.entry}`,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 512,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 10),
      tracing: tracing === 'off' ? Tracing.DISABLED : Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: [props.network.securityGroup],
          }
        : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment: {
        NODE_OPTIONS,
        LATCHKEY_TRACING: tracing,
        POWERTOOLS_SERVICE_NAME: serviceNameOf(spec.id),
        POWERTOOLS_METRICS_NAMESPACE: 'Latchkey',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(tracing === 'sdk' ? tracingKeepsMetadataOnly : {}),
        ...props.environment,
        ...spec.environment,
      },
      bundling: {
        ...bundling,
        format: OutputFormat.ESM,
        mainFields: [...bundling.mainFields],
        externalModules: [...bundling.externalModules],
        define: defineFor(tracing),
        // Warnings and errors only: bundle sizes are reported by `npm run bench`.
        logLevel: LogLevel.WARNING,
      },
    });
    if (props.network) {
      // With an explicit role CDK adds no VPC policy: Lambda manages the function's network
      // interfaces with these (EC2 network-interface actions take no resource-level scoping).
      role.addToPolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Latchkey pins the Node.js 22 runtime (SPEC §1: Lambda runs Node 22); upgrades are deliberate',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (and, in a VPC, the EC2 network-interface actions Lambda uses) support no resource-level permissions',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.stack.getLogicalId(logGroup.node.defaultChild as never)}.Arn>:*]`,
      reason: "Log streams of this function's own log group only",
    });
  }
}
