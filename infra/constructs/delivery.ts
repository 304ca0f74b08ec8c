import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resources } from '../../shared/resources.ts';

/**
 * The delivery queues, from shared/resources.ts: the standard queue for unordered hooks and the
 * FIFO queue for ordered ones (message group = ordering group), each with its own safety-net DLQ
 * (a FIFO queue's DLQ must be FIFO).
 */
export class Delivery extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly orderedQueue: Queue;
  readonly orderedDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.seconds(resources.deadLetterQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(resources.deliveryQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(resources.deliveryQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: resources.deliveryQueue.maxReceiveCount,
      },
    });
    this.orderedDeadLetterQueue = new Queue(this, 'OrderedDeadLetterQueue', {
      fifo: resources.orderedDeliveryQueue.fifo,
      retentionPeriod: Duration.seconds(resources.deadLetterQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.orderedQueue = new Queue(this, 'OrderedQueue', {
      fifo: resources.orderedDeliveryQueue.fifo,
      visibilityTimeout: Duration.seconds(resources.deliveryQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(resources.deliveryQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: {
        queue: this.orderedDeadLetterQueue,
        maxReceiveCount: resources.deliveryQueue.maxReceiveCount,
      },
    });
  }
}
