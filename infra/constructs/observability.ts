import { Duration } from 'aws-cdk-lib';
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
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { serviceNameOf } from './latchkeyFunction.ts';

export interface ObservabilityProps {
  functions: ReadonlyMap<string, IFunction>;
  queue: IQueue;
  deadLetterQueue: IQueue;
  dispatcherId?: string;
}

/** Alarms (DLQ depth, dispatcher errors, oldest message age) to an SNS topic, and a dashboard. */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: 'Latchkey alarms',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    const action = new SnsAction(this.alarmTopic);

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
    });
    const oldestAge = props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) });
    const alarms: Alarm[] = [
      new Alarm(this, 'DeadLetters', {
        alarmDescription:
          'Deliveries are dead-lettered: inspect GET /v1/hooks/{id}/deliveries, fix, then POST /v1/dlq/redrive',
        metric: dlqDepth,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
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
    for (const alarm of alarms) alarm.addAlarmAction(action);

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
    const i = 'Interlock';
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
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Delivery latency (ms)',
        left: [latchkey('DeliveryLatency', d, 'p99'), latchkey('DeliveryLatency', d, 'p50')],
        width: 8,
      }),
      new GraphWidget({ title: 'Queue', left: [dlqDepth], right: [oldestAge], width: 8 }),
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
