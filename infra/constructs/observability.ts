import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resources } from '../../shared/resources.ts';
import { serviceNameOf } from './latchkeyFunction.ts';

export interface ObservabilityProps {
  functions: ReadonlyMap<string, IFunction>;
  queue: IQueue;
  deadLetterQueue: IQueue;
  /** The ordered (FIFO) delivery queue's own safety-net DLQ. */
  orderedDeadLetterQueue: IQueue;
  dispatcherId?: string;
  httpApi: IHttpApi;
  /** Subscribed to the alarm topic (it confirms the subscription from the email it receives). */
  alarmEmail?: string;
}

/** The function ids the alarms watch besides the dispatcher (functions/manifest.ts). */
const interlockId = 'Interlock';
const eventsId = 'Events';

/**
 * Alarms to an SNS topic people subscribe to (README: what each means and what to do), and a
 * dashboard. The topic is encrypted with a key of this stack whose policy lets CloudWatch use
 * it: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarmKey: Key;
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmKey = new Key(this, 'AlarmsKey', {
      description: 'Latchkey alarm topic: CloudWatch encrypts the alarms it publishes',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.alarmKey.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: 'Latchkey alarms',
      enforceSSL: true,
      masterKey: this.alarmKey,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
    });
    const oldestAge = props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) });
    const orderedDlqDepth = props.orderedDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
    });
    // Tenants' dead letters live in the table (GET /v1/dead-letters); these queues are the safety
    // net for messages nobody can attribute: unreadable ones, or a dispatcher crashing on them.
    const safetyNet = (id: string, metric: IMetric, queue: string) =>
      new Alarm(this, id, {
        alarmDescription: `Messages reached the ${queue} safety-net DLQ (unreadable, or the dispatcher crashed on them ${resources.deliveryQueue.maxReceiveCount} times): read the reason in each message, fix, then move them back with the SQS console's "Start DLQ redrive"`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const alarms: Alarm[] = [
      safetyNet('DeadLetters', dlqDepth, 'delivery queue'),
      safetyNet('OrderedDeadLetters', orderedDlqDepth, 'ordered delivery queue'),
      new Alarm(this, 'OldestMessageAge', {
        alarmDescription: 'The delivery queue is backing up (oldest message older than 1 h beyond retries)',
        metric: oldestAge,
        threshold: 3 * 3600,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    const dispatcher = props.dispatcherId ? props.functions.get(props.dispatcherId) : undefined;
    if (dispatcher) {
      alarms.push(
        new Alarm(this, 'DispatcherErrors', {
          alarmDescription: 'The dispatcher Lambda is failing (not receivers: its own errors)',
          metric: dispatcher.metricErrors({ period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const interlock = props.functions.get(interlockId);
    if (interlock) {
      alarms.push(
        new Alarm(this, 'InterlockFailures', {
          alarmDescription:
            'Interlock lock/unlock/status calls fail (target unreachable or answering errors): check GET /v1/interlocks/{serviceId}/audit for the reason, then the device and its network path',
          metric: new Metric({
            namespace: 'Latchkey',
            metricName: 'InterlockFailed',
            dimensionsMap: { service: serviceNameOf(interlockId) },
            statistic: 'Sum',
            period: Duration.minutes(5),
          }),
          threshold: 3,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, 'InterlockLatency', {
          alarmDescription:
            'Interlock calls are slow (p90 over 5 s for 15 min): people wait at the instrument; check the targets’ response times and the VPC/NAT path',
          metric: interlock.metricDuration({ statistic: 'p90', period: Duration.minutes(5) }),
          threshold: 5000,
          evaluationPeriods: 3,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const events = props.functions.get(eventsId);
    if (events) {
      alarms.push(
        new Alarm(this, 'EventsErrors', {
          alarmDescription:
            'The Events function (ingest, test deliveries, redrive) is failing: events may not be accepted; read its log group for the correlation id',
          metric: events.metricErrors({ period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    alarms.push(
      new Alarm(this, 'Api5xx', {
        alarmDescription:
          'The API answers 5xx (function errors, timeouts or throttling): read the access log for the route, then that function’s log group',
        metric: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const alarm of alarms) alarm.addAlarmAction(action);
    this.alarms = alarms;

    // Powertools adds a `service` dimension (the emitting function's service name) to every metric.
    const latchkey = (name: string, functionId: string, statistic = 'Sum'): IMetric =>
      new Metric({
        namespace: 'Latchkey',
        metricName: name,
        dimensionsMap: { service: serviceNameOf(functionId) },
        statistic,
        period: Duration.minutes(5),
      });
    const d = props.dispatcherId ?? 'Dispatcher';
    const i = interlockId;
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: undefined });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# Latchkey\nDeliveries, queue health, interlocks, functions',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Deliveries',
        left: [
          latchkey('DeliverySucceeded', d),
          latchkey('DeliveryFailed', d),
          latchkey('DeliveryRetried', d),
          latchkey('DeliveryThrottled', d),
          latchkey('HookDisabled', d),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Delivery latency (ms)',
        left: [latchkey('DeliveryLatency', d, 'p99'), latchkey('DeliveryLatency', d, 'p50')],
        width: 8,
      }),
      new GraphWidget({ title: 'Queue', left: [dlqDepth, orderedDlqDepth], right: [oldestAge], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Interlock outcomes',
        left: [
          latchkey('InterlockSucceeded', i),
          latchkey('InterlockFailed', i),
          latchkey('InterlockDenied', i),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Function errors',
        left: [...props.functions.values()].map((f) => f.metricErrors()),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function duration p99',
        left: [...props.functions.values()].map((f) => f.metricDuration({ statistic: 'p99' })),
        width: 8,
      }),
    );
  }
}
