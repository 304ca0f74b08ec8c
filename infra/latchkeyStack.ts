import { ArnFormat, Aws, Duration, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { type IVpc, SecurityGroup, Subnet, type SubnetSelection, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { accessLevels, type FunctionSpec, functions as manifest } from '../functions/manifest.ts';
import { clientSettingNames, envNames, resources } from '../shared/resources.ts';
import { Api } from './constructs/api.ts';
import type { TracingMode } from './constructs/bundling.ts';
import { authDomainPrefix, Console } from './constructs/console.ts';
import { Delivery } from './constructs/delivery.ts';
import { LatchkeyFunction } from './constructs/latchkeyFunction.ts';
import { Observability } from './constructs/observability.ts';
import { Store } from './constructs/store.ts';

export interface LatchkeyStackProps extends StackProps {
  projectRoot: string;
  /** Defaults to functions/manifest.ts. */
  functions?: readonly FunctionSpec[];
  /** External OIDC issuer instead of the Cognito user pool (context: oidcIssuer, oidcAudiences). */
  oidc?: { issuer: string; audiences: string[] };
  /** Outbound ranges allowed (interlock devices on private networks): private,loopback,link-local,all. */
  allowPrivateTargets?: string;
  logRetention?: RetentionDays;
  /** X-Ray tracing (context: tracing): `lambda` (default), `sdk` or `off`; see infra/constructs/bundling.ts. */
  tracing?: TracingMode;
  /** Prefix of the Cognito hosted domain (context: cognitoDomainPrefix); default `<stackname>-<account>`. */
  cognitoDomainPrefix?: string;
  /** With an external issuer: its token endpoint, handed to admins in POST /v1/clients (context: oidcTokenUrl). */
  oidcTokenUrl?: string;
  /**
   * The functions that call out (manifest `callsOut`) run in this VPC's private subnets with an
   * egress-only security group (context: vpcId, subnetIds). With subnet ids the VPC is described
   * from them (no lookup: synthesizes without credentials, template stays agnostic); without,
   * it is looked up (needs the stack's account and region, and credentials, at synth).
   */
  vpc?: { vpcId: string; subnetIds?: string[] };
  /** Event source mapping's maximum concurrency (context: dispatcherMaxConcurrency). */
  dispatcherMaxConcurrency?: number;
  /** Reserved concurrency per function id (context: interlockReservedConcurrency → Interlock). */
  reservedConcurrency?: Record<string, number>;
  /** An email address the alarm topic notifies (context: alarmEmail). */
  alarmEmail?: string;
  /** The staff console's distribution: a custom domain (context consoleDomainName + consoleCertificateArn), a WAF web ACL (consoleWebAclArn). */
  console?: { customDomain?: { name: string; certificateArn: string }; webAclArn?: string };
}

/** Latchkey: Store, Delivery, the functions of the manifest, Api, Observability. No business logic. */
export class LatchkeyStack extends Stack {
  readonly functions = new Map<string, LatchkeyFunction>();
  readonly store: Store;
  readonly delivery: Delivery;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: LatchkeyStackProps) {
    super(scope, id, props);
    const specs = props.functions ?? manifest;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const store = new Store(this, 'Store');
    const delivery = new Delivery(this, 'Delivery');
    this.store = store;
    this.delivery = delivery;
    const secretPrefix = `latchkey/${this.stackName}`;
    // Real secret ARNs are `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random
    // chars>`: colon after `secret`, and the trailing `*` covers the random suffix. Region and account
    // are the deployment's (pseudo parameters), never a literal from synth.
    const secretArnPattern = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
    });

    const network = props.vpc ? this.network(props.vpc) : undefined;
    const securityGroup = network
      ? new SecurityGroup(this, 'OutboundSecurityGroup', {
          vpc: network.vpc,
          description:
            'Latchkey functions that call receivers and interlock devices: egress only, no ingress',
          allowAllOutbound: true,
        })
      : undefined;

    for (const spec of specs) {
      const environment: Record<string, string> = { [envNames.secretPrefix]: secretPrefix };
      if (spec.access.table) environment[envNames.table] = store.table.tableName;
      if (spec.access.deliveryQueue) {
        environment[envNames.deliveryQueueUrl] = delivery.queue.queueUrl;
        environment[envNames.orderedDeliveryQueueUrl] = delivery.orderedQueue.queueUrl;
      }
      if (spec.access.deadLetterQueue)
        environment[envNames.deadLetterQueueUrl] = delivery.deadLetterQueue.queueUrl;
      if (props.allowPrivateTargets) environment[envNames.allowPrivateTargets] = props.allowPrivateTargets;
      const fn = new LatchkeyFunction(this, spec.id, {
        spec: spec.consumesDeliveryQueue
          ? { ...spec, timeoutSeconds: spec.timeoutSeconds ?? resources.dispatcher.timeoutSeconds }
          : spec,
        projectRoot: props.projectRoot,
        environment,
        logRetention,
        ...(props.tracing ? { tracing: props.tracing } : {}),
        ...(network && securityGroup && spec.callsOut ? { network: { ...network, securityGroup } } : {}),
        ...(props.reservedConcurrency?.[spec.id] !== undefined
          ? { reservedConcurrentExecutions: props.reservedConcurrency[spec.id] }
          : {}),
      });
      this.functions.set(spec.id, fn);
      this.acknowledgeScopedWildcards(fn, store, secretPrefix);

      // Least privilege: exactly the actions the manifest lists for this function (the IAM tier
      // proves each is needed by a recorded call and enough for all of them).
      const grant = (actions: readonly string[], service: string, resources: string[]) => {
        if (actions.length === 0) return;
        fn.addToRolePolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: actions.map((a) => `${service}:${a}`),
            resources,
          }),
        );
      };
      const { access } = spec;
      const tableActions = typeof access.table === 'string' ? accessLevels.table[access.table] : access.table;
      grant(tableActions ?? [], 'dynamodb', [store.table.tableArn, `${store.table.tableArn}/index/*`]);
      const queueActions =
        access.deliveryQueue === true ? accessLevels.deliveryQueue : access.deliveryQueue || [];
      const consumerActions = spec.consumesDeliveryQueue ? accessLevels.deliveryQueueConsumer : [];
      grant([...new Set([...queueActions, ...consumerActions])], 'sqs', [
        delivery.queue.queueArn,
        delivery.orderedQueue.queueArn,
      ]);
      grant(
        access.deadLetterQueue === true ? accessLevels.deadLetterQueue : access.deadLetterQueue || [],
        'sqs',
        [delivery.deadLetterQueue.queueArn],
      );
      const secretActions =
        typeof access.secrets === 'string' ? accessLevels.secrets[access.secrets] : access.secrets;
      grant(secretActions ?? [], 'secretsmanager', [secretArnPattern]);
      if (spec.consumesDeliveryQueue) {
        // A plain mapping, not SqsEventSource: that one grants the whole consume set (GetQueueUrl
        // included) on its own; the consumer actions above are what the mapping calls.
        fn.addEventSourceMapping('DeliveryQueue', {
          eventSourceArn: delivery.queue.queueArn,
          batchSize: resources.dispatcher.batchSize,
          maxBatchingWindow: Duration.seconds(resources.dispatcher.maxBatchingWindowSeconds),
          reportBatchItemFailures: true,
          maxConcurrency: props.dispatcherMaxConcurrency ?? resources.dispatcher.maxConcurrency,
        });
        // The ordered queue: no batching window (FIFO event sources take none); batch item
        // failures hold a message group behind the delivery that waits for its retry.
        fn.addEventSourceMapping('OrderedDeliveryQueue', {
          eventSourceArn: delivery.orderedQueue.queueArn,
          batchSize: resources.dispatcher.batchSize,
          reportBatchItemFailures: true,
        });
      }
    }

    // The console first (its URL is the Cognito client's callback), the API behind it at /v1/*.
    const domainPrefix = props.oidc ? undefined : (props.cognitoDomainPrefix ?? authDomainPrefix(this));
    const consoleSite = new Console(this, 'Console', {
      authDomain: domainPrefix ? Console.authDomainFor(domainPrefix) : undefined,
      customDomain: props.console?.customDomain,
      webAclArn: props.console?.webAclArn,
      logRetention,
    });
    this.api = new Api(this, 'Api', {
      specs,
      handlers: this.functions,
      oidc: props.oidc,
      logRetention,
      cognitoDomainPrefix: domainPrefix,
      console: domainPrefix ? { url: consoleSite.url } : undefined,
    });
    for (const spec of specs.filter((s) => s.access.userPoolClients)) {
      const fn = this.functions.get(spec.id)!;
      if (this.api.tokenUrl) fn.addEnvironment(clientSettingNames.tokenUrl, this.api.tokenUrl);
      else if (props.oidcTokenUrl) fn.addEnvironment(clientSettingNames.tokenUrl, props.oidcTokenUrl);
      // With an external issuer there is no pool: clients are registered, nothing is created.
      if (!this.api.userPool) continue;
      fn.addEnvironment(envNames.userPoolId, this.api.userPool.userPoolId);
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient'],
          resources: [this.api.userPool.userPoolArn],
        }),
      );
      // A Cognito access token has no aud: API Gateway matches its client_id against the
      // authorizer's audience, which the function keeps in step with the clients it creates.
      const apiId = this.api.httpApi.apiId;
      const authorizerId = this.api.authorizer.authorizerId;
      fn.addEnvironment(envNames.httpApiId, apiId);
      fn.addEnvironment(envNames.jwtAuthorizerId, authorizerId);
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['apigateway:GET', 'apigateway:PATCH'],
          resources: [
            `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}::/apis/${apiId}/authorizers/${authorizerId}`,
          ],
        }),
      );
    }
    consoleSite.routeApi(this.api.httpApi);
    consoleSite.deploy({ clientId: this.api.consoleClientId });
    new Observability(this, 'Observability', {
      functions: this.functions,
      httpApi: this.api.httpApi,
      alarmEmail: props.alarmEmail,
      queue: delivery.queue,
      deadLetterQueue: delivery.deadLetterQueue,
      orderedDeadLetterQueue: delivery.orderedDeadLetterQueue,
      dispatcherId: specs.find((s) => s.consumesDeliveryQueue)?.id,
    });
  }

  private network(given: { vpcId: string; subnetIds?: string[] }): { vpc: IVpc; subnets: SubnetSelection } {
    const subnetIds = given.subnetIds ?? [];
    if (subnetIds.length === 0) {
      return {
        vpc: Vpc.fromLookup(this, 'Vpc', { vpcId: given.vpcId }),
        subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      };
    }
    return {
      // Only the id is used (security group); subnets are selected explicitly, so the zone list is
      // never read: one token keeps fromVpcAttributes' shape checks satisfied.
      vpc: Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: given.vpcId,
        availabilityZones: [Fn.select(0, Fn.getAzs())],
      }),
      subnets: { subnets: subnetIds.map((id) => Subnet.fromSubnetId(this, `Subnet-${id}`, id)) },
    };
  }

  /**
   * The two wildcards least privilege still needs, acknowledged with their reasons: the table's
   * own secondary indexes (`<table>/index/*`), and Latchkey's per-hook secrets, which are created
   * at run time under this stack's prefix (names unknown at deploy time).
   */
  private acknowledgeScopedWildcards(fn: LatchkeyFunction, store: Store, secretPrefix: string): void {
    const tableId = this.getLogicalId(store.table.node.defaultChild as CfnTable);
    const role = fn.role ?? fn;
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason: "Queries on the Latchkey table's own secondary index (gsi1); no other table",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretPrefix}/*]`,
      reason: 'Per-hook credential secrets are created at run time under this stack’s prefix only',
    });
  }
}
