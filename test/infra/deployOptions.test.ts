import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { buildLatchkeyStack } from '../../infra/app.ts';
import type { LatchkeyStack } from '../../infra/latchkeyStack.ts';
import { resources } from '../../shared/resources.ts';

/**
 * The deployment options (`-c key=value`) as the CDK app reads them: alarms that reach people,
 * the VPC placement, concurrency. Bundling is skipped: these are template assertions.
 */
function synth(context: Record<string, unknown> = {}): {
  app: App;
  stack: LatchkeyStack;
  template: Template;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = buildLatchkeyStack(app);
  return { app, stack, template: Template.fromStack(stack) };
}

function fnProps(stack: LatchkeyStack, template: Template, id: string): Record<string, unknown> {
  const logicalId = stack.getLogicalId(stack.functions.get(id)?.node.defaultChild as CfnFunction);
  return template.toJSON().Resources[logicalId].Properties;
}

const outbound = functions.filter((f) => f.callsOut).map((f) => f.id);

describe('alarms reach people', () => {
  const { template } = synth({ alarmEmail: 'ops@example.org' });

  it('encrypts the alarm topic with a key of the stack that CloudWatch may use (not alias/aws/sns)', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Latchkey alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
          }),
        ]),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('alias/aws/sns');
  });

  it('subscribes -c alarmEmail to the topic, and nobody without it', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
    synth().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms on interlock failures and latency, Events errors and API 5xx, besides the queue alarms, all to the topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as Record<string, unknown>,
    );
    const named = (metric: string) => alarms.filter((a) => a.MetricName === metric);
    expect(named('InterlockFailed')).toEqual([
      expect.objectContaining({
        Namespace: 'Latchkey',
        Dimensions: [{ Name: 'service', Value: 'latchkey-interlock' }],
      }),
    ]);
    expect(named('Duration')).toEqual([
      expect.objectContaining({ ExtendedStatistic: 'p90', Threshold: 5000 }),
    ]);
    expect(named('5xx')).toEqual([expect.objectContaining({ Namespace: 'AWS/ApiGateway' })]);
    expect(named('Errors')).toHaveLength(2); // dispatcher and Events
    expect(named('ApproximateNumberOfMessagesVisible')).toHaveLength(2); // both safety-net DLQs
    expect(named('ApproximateAgeOfOldestMessage')).toHaveLength(1);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/Alarms/) }]);
      expect(alarm.AlarmDescription).toEqual(expect.any(String));
    }
  });
});

describe('-c vpcId: the functions that call out run in the VPC', () => {
  it('leaves every function out of a VPC without it', () => {
    const { template } = synth();
    expect(JSON.stringify(template.toJSON())).not.toContain('VpcConfig');
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  it('puts the dispatcher, interlock and other outbound functions in the given subnets with an egress-only group', () => {
    const { stack, template } = synth({ vpcId: 'vpc-0abc', subnetIds: 'subnet-0a1,subnet-0b2' });
    expect(outbound).toEqual(expect.arrayContaining(['Dispatcher', 'Interlock']));
    for (const spec of functions) {
      const vpcConfig = fnProps(stack, template, spec.id).VpcConfig as Record<string, unknown> | undefined;
      if (spec.callsOut) {
        expect(vpcConfig).toEqual({
          SubnetIds: ['subnet-0a1', 'subnet-0b2'],
          SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/OutboundSecurityGroup/), 'GroupId'] }],
        });
      } else expect(vpcConfig, spec.id).toBeUndefined();
    }
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
    expect(group?.Properties).toMatchObject({
      VpcId: 'vpc-0abc',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
    });
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
    // Still region- and account-agnostic.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\b\d{12}\b/);
  });

  it('looks the VPC up (its private subnets) when only the VPC id is given', () => {
    process.env.CDK_DEFAULT_ACCOUNT = '111122223333';
    process.env.CDK_DEFAULT_REGION = 'eu-central-2';
    try {
      const key =
        'vpc-provider:account=111122223333:filter.vpc-id=vpc-0abc:region=eu-central-2:returnAsymmetricSubnets=true';
      const subnet = (id: string, az: string) => ({
        subnetId: id,
        cidr: '10.0.1.0/24',
        availabilityZone: az,
        routeTableId: 'rtb-1',
      });
      const { stack, template } = synth({
        vpcId: 'vpc-0abc',
        [key]: {
          vpcId: 'vpc-0abc',
          vpcCidrBlock: '10.0.0.0/16',
          ownerAccountId: '111122223333',
          availabilityZones: [],
          subnetGroups: [
            { name: 'Public', type: 'Public', subnets: [subnet('subnet-pub1', 'eu-central-2a')] },
            {
              name: 'Private',
              type: 'Private',
              subnets: [subnet('subnet-prv1', 'eu-central-2a'), subnet('subnet-prv2', 'eu-central-2b')],
            },
          ],
        },
      });
      expect(fnProps(stack, template, 'Dispatcher').VpcConfig).toMatchObject({
        SubnetIds: ['subnet-prv1', 'subnet-prv2'],
      });
    } finally {
      delete process.env.CDK_DEFAULT_ACCOUNT;
      delete process.env.CDK_DEFAULT_REGION;
    }
  });

  it('passes cdk-nag with the VPC option', () => {
    const { app } = synth({ vpcId: 'vpc-0abc', subnetIds: 'subnet-0a1,subnet-0b2' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('concurrency', () => {
  it('caps the event source mapping at the documented default, or at -c dispatcherMaxConcurrency', () => {
    synth().template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: resources.dispatcher.maxConcurrency },
    });
    synth({ dispatcherMaxConcurrency: '20' }).template.hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      {
        ScalingConfig: { MaximumConcurrency: 20 },
      },
    );
  });

  it('reserves concurrency for the interlock function with -c interlockReservedConcurrency, none by default', () => {
    const plain = synth();
    expect(fnProps(plain.stack, plain.template, 'Interlock').ReservedConcurrentExecutions).toBeUndefined();
    const reserved = synth({ interlockReservedConcurrency: '10' });
    expect(fnProps(reserved.stack, reserved.template, 'Interlock').ReservedConcurrentExecutions).toBe(10);
    expect(
      fnProps(reserved.stack, reserved.template, 'Dispatcher').ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('refuses a concurrency that is not a whole number', () => {
    expect(() => synth({ interlockReservedConcurrency: 'ten' })).toThrow(/whole number/);
  });
});

describe('tracing keeps request metadata only', () => {
  it('with -c tracing=sdk, no function records responses, errors or outbound HTTP calls in traces', () => {
    const { stack, template } = synth({ tracing: 'sdk' });
    for (const spec of functions) {
      const env = (fnProps(stack, template, spec.id).Environment as { Variables: Record<string, string> })
        .Variables;
      expect(env, spec.id).toMatchObject({
        LATCHKEY_TRACING: 'sdk',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
      });
    }
  });
});
