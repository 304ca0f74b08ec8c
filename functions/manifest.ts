/**
 * Every Lambda function of Latchkey, its routes and what it may touch. The CDK stack builds the
 * functions, routes and least-privilege grants from this list, and local mode serves the same
 * routes with the same handler modules: one list, no drift.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  /** API Gateway route key, e.g. `GET /v1/hooks/{hookId}`. */
  route: `${HttpMethod} /${string}`;
  /** Routes are behind the JWT authorizer unless marked public (health, trigger URLs). */
  public?: boolean;
}

export interface FunctionSpec {
  /** Construct id and log name. */
  id: string;
  description: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  routes?: readonly RouteSpec[];
  /** This function is the delivery queue's consumer (SQS event source with batch item failures). */
  consumesDeliveryQueue?: boolean;
  timeoutSeconds?: number;
  memoryMb?: number;
  /**
   * What the function's role may do. The shorthands grant the actions of `accessLevels`; a list
   * grants exactly those actions. The IAM tier (test/iam/) fails on any recorded call these do not
   * allow, and on any granted action no recorded call needs: list exactly what the code calls.
   */
  access: {
    table?: 'read' | 'readwrite' | readonly TableAction[];
    /** true: send to the delivery queue. */
    deliveryQueue?: boolean | readonly QueueAction[];
    /** true: send to and receive from the dead-letter queue (explicit dead-lettering, redrive). */
    deadLetterQueue?: boolean | readonly QueueAction[];
    /** Hook credential secrets under the stack's prefix. */
    secrets?: 'read' | 'readwrite' | readonly SecretAction[];
  };
  environment?: Record<string, string>;
}

export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';
export type QueueAction =
  | 'SendMessage'
  | 'ReceiveMessage'
  | 'DeleteMessage'
  | 'ChangeMessageVisibility'
  | 'GetQueueAttributes';
export type SecretAction =
  | 'GetSecretValue'
  | 'CreateSecret'
  | 'PutSecretValue'
  | 'DeleteSecret'
  | 'TagResource';

/** The actions the access shorthands stand for (a transaction item needs its single-item action). */
export const accessLevels = {
  table: {
    read: ['GetItem', 'BatchGetItem', 'Query'],
    readwrite: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  deliveryQueue: ['SendMessage'],
  deadLetterQueue: ['SendMessage', 'ReceiveMessage', 'DeleteMessage'],
  /** CreateSecret with tags also needs TagResource. */
  secrets: {
    read: ['GetSecretValue'],
    readwrite: ['GetSecretValue', 'CreateSecret', 'PutSecretValue', 'DeleteSecret', 'TagResource'],
  },
  /** The SQS event source mapping polls with the consumer's role. */
  deliveryQueueConsumer: ['ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes'],
} as const satisfies {
  table: Record<'read' | 'readwrite', readonly TableAction[]>;
  deliveryQueue: readonly QueueAction[];
  deadLetterQueue: readonly QueueAction[];
  secrets: Record<'read' | 'readwrite', readonly SecretAction[]>;
  deliveryQueueConsumer: readonly QueueAction[];
};

const r = (route: RouteSpec['route'], isPublic = false): RouteSpec =>
  isPublic ? { route, public: true } : { route };

export const functions: readonly FunctionSpec[] = [
  {
    id: 'Health',
    description: 'Liveness probe, no token needed',
    entry: 'functions/health/handler.ts',
    routes: [r('GET /health', true)],
    access: {},
  },
  {
    id: 'Hooks',
    description: 'Hook management: hooks, grants, the event-type catalog, the OpenAPI document',
    entry: 'functions/hooks/handler.ts',
    routes: [
      r('GET /v1/hooks'),
      r('POST /v1/hooks'),
      r('GET /v1/hooks/{hookId}'),
      r('PUT /v1/hooks/{hookId}'),
      r('PATCH /v1/hooks/{hookId}'),
      r('DELETE /v1/hooks/{hookId}'),
      r('GET /v1/hooks/{hookId}/grants'),
      r('PUT /v1/hooks/{hookId}/grants/{principalId}'),
      r('DELETE /v1/hooks/{hookId}/grants/{principalId}'),
      r('GET /v1/event-types'),
      r('POST /v1/event-types'),
      r('DELETE /v1/event-types/{type+}'),
      r('GET /v1/openapi.json', true),
    ],
    access: { table: 'readwrite', secrets: 'readwrite' },
  },
  {
    id: 'Ovation',
    description: 'Ovation-compatible webhook endpoint API over the same hooks',
    entry: 'functions/ovation/handler.ts',
    routes: [
      r('GET /api/v3/project_templates/{projectTemplateId}/webhook_endpoints'),
      r('POST /api/v3/project_templates/{projectTemplateId}/webhook_endpoints'),
      r('GET /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}'),
      r('PUT /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}'),
      r('DELETE /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}'),
    ],
    access: { table: 'readwrite', secrets: 'readwrite' },
  },
  {
    id: 'Events',
    description: 'Event ingest and fan-out to the delivery queue, delivery log, test deliveries, DLQ redrive',
    entry: 'functions/events/handler.ts',
    routes: [
      r('POST /v1/events'),
      r('GET /v1/events/{eventId}'),
      r('GET /v1/hooks/{hookId}/deliveries'),
      r('POST /v1/hooks/{hookId}/test'),
      r('POST /v1/dlq/redrive'),
    ],
    timeoutSeconds: 29,
    access: {
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      deliveryQueue: true,
      // Redrive: receive from the DLQ, send to the delivery queue, delete from the DLQ.
      deadLetterQueue: ['ReceiveMessage', 'DeleteMessage'],
      // Test deliveries sign and authenticate like the dispatcher.
      secrets: 'read',
    },
  },
  {
    id: 'Dispatcher',
    description: 'Delivers queued (event, hook) messages with retries; dead-letters failures with the reason',
    entry: 'functions/dispatcher/handler.ts',
    consumesDeliveryQueue: true,
    access: {
      // The hook, and the attempt log.
      table: ['GetItem', 'PutItem'],
      // Postponing a retry (the event source mapping's own actions are added for the consumer).
      deliveryQueue: ['ChangeMessageVisibility'],
      deadLetterQueue: ['SendMessage'],
      secrets: 'read',
    },
  },
  {
    id: 'Services',
    description: 'Services (instruments) and their tags; has_interlock turns interlock controls on',
    entry: 'functions/services/handler.ts',
    routes: [r('GET /v1/services'), r('GET /v1/services/{serviceId}'), r('PUT /v1/services/{serviceId}')],
    access: { table: ['GetItem', 'Query', 'PutItem'] },
  },
  {
    id: 'Interlock',
    description: 'Synchronous interlock lock / unlock / status through the targets, booking-aware, audited',
    entry: 'functions/interlocks/handler.ts',
    routes: [
      r('GET /v1/interlocks/{serviceId}'),
      r('POST /v1/interlocks/{serviceId}/lock'),
      r('POST /v1/interlocks/{serviceId}/unlock'),
      r('GET /v1/interlocks/{serviceId}/status'),
      r('GET /v1/interlocks/{serviceId}/audit'),
    ],
    timeoutSeconds: 29,
    // Services, bookings and interlock targets read; the audit trail written.
    access: { table: ['GetItem', 'Query', 'PutItem'], secrets: 'read' },
  },
  {
    id: 'Triggers',
    description:
      'PlaceOS/Rhombus trigger URLs: admin management, and the public notify URLs (subscribe, unsubscribe, doors, unlock) authenticated by their secret',
    entry: 'functions/triggers/handler.ts',
    routes: [
      r('POST /v1/triggers'),
      r('GET /v1/triggers'),
      r('GET /v1/triggers/{triggerId}'),
      r('DELETE /v1/triggers/{triggerId}'),
      r('POST /v1/triggers/{triggerId}/rotate'),
      // Public: the secret in the URL is the credential (query form, and path form with any
      // segments after the secret, through the greedy parameter).
      ...(['POST', 'DELETE', 'GET', 'PUT'] as const).flatMap((method) => [
        r(`${method} /v1/triggers/{triggerId}/notify`, true),
        r(`${method} /v1/triggers/{triggerId}/notify/{proxy+}`, true),
      ]),
    ],
    // A door unlock calls the targets synchronously, like the Interlock function.
    timeoutSeconds: 29,
    access: {
      // Triggers, their subscriptions and the subscription hooks (transactions of Put/Delete),
      // the wrong-secret counter (UpdateItem ADD), doors (Query), the unlock audit (PutItem).
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      // Trigger secrets and subscription signing secrets: create, rotate, read, delete.
      secrets: 'readwrite',
    },
  },
  // <manifest:functions> later functions are added above this line
];
