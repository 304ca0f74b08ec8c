/**
 * Every Lambda function of Latchkey, its routes and what it may touch. The CDK stack builds the
 * functions, routes and least-privilege grants from this list, and local mode serves the same
 * routes with the same handler modules: one list, no drift.
 */
import type { Scope } from '../shared/domain/scopes.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  /** API Gateway route key, e.g. `GET /v1/hooks/{hookId}`. */
  route: `${HttpMethod} /${string}`;
  /** Routes are behind the JWT authorizer unless marked public (health, trigger URLs). */
  public?: boolean;
  /**
   * The OAuth scope a machine client's token must carry for this route (shared/domain/scopes.ts);
   * every non-public route names one. People's tokens are checked by role only.
   */
  scope?: Scope;
}

export interface FunctionSpec {
  /** Construct id and log name. */
  id: string;
  description: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  routes?: readonly RouteSpec[];
  /**
   * This function consumes the delivery queues, standard and ordered FIFO (SQS event sources with
   * batch item failures).
   */
  consumesDeliveryQueue?: boolean;
  /**
   * Calls receivers or interlock devices: placed in the VPC when the deployment gives one
   * (`-c vpcId=...`), so it reaches facility networks and leaves through the VPC's NAT.
   */
  callsOut?: boolean;
  timeoutSeconds?: number;
  memoryMb?: number;
  /**
   * What the function's role may do. The shorthands grant the actions of `accessLevels`; a list
   * grants exactly those actions. The IAM tier (test/iam/) fails on any recorded call these do not
   * allow, and on any granted action no recorded call needs: list exactly what the code calls.
   */
  access: {
    table?: 'read' | 'readwrite' | readonly TableAction[];
    /** true: send to the delivery queues (standard and ordered FIFO); a list: those actions on both. */
    deliveryQueue?: boolean | readonly QueueAction[];
    /** The safety-net dead-letter queue (messages that cannot be read or attributed). */
    deadLetterQueue?: boolean | readonly QueueAction[];
    /** Hook credential secrets under the stack's prefix. */
    secrets?: 'read' | 'readwrite' | readonly SecretAction[];
    /** Create and delete app clients in the stack's Cognito user pool (machine clients). */
    userPoolClients?: boolean;
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

/** A route behind the JWT authorizer; a machine token needs `scope`. */
const r = (route: RouteSpec['route'], scope: Scope): RouteSpec => ({ route, scope });
/** A route without a token (health, OpenAPI, trigger URLs that authenticate by their secret). */
const open = (route: RouteSpec['route']): RouteSpec => ({ route, public: true });

export const functions: readonly FunctionSpec[] = [
  {
    id: 'Health',
    description: 'Liveness probe, no token needed',
    entry: 'functions/health/handler.ts',
    routes: [open('GET /health')],
    access: {},
  },
  {
    id: 'Hooks',
    description: 'Hook management: hooks, grants, the event-type catalog, the OpenAPI document',
    entry: 'functions/hooks/handler.ts',
    routes: [
      r('GET /v1/hooks', 'hooks.read'),
      r('POST /v1/hooks', 'hooks.write'),
      r('GET /v1/hooks/{hookId}', 'hooks.read'),
      r('PUT /v1/hooks/{hookId}', 'hooks.write'),
      r('PATCH /v1/hooks/{hookId}', 'hooks.write'),
      r('DELETE /v1/hooks/{hookId}', 'hooks.write'),
      r('GET /v1/hooks/{hookId}/grants', 'hooks.read'),
      r('PUT /v1/hooks/{hookId}/grants/{principalId}', 'hooks.write'),
      r('DELETE /v1/hooks/{hookId}/grants/{principalId}', 'hooks.write'),
      r('GET /v1/event-types', 'hooks.read'),
      r('POST /v1/event-types', 'hooks.write'),
      r('DELETE /v1/event-types/{type+}', 'hooks.write'),
      open('GET /v1/openapi.json'),
    ],
    access: { table: 'readwrite', secrets: 'readwrite' },
  },
  {
    id: 'Ovation',
    description: 'Ovation-compatible webhook endpoint API over the same hooks',
    entry: 'functions/ovation/handler.ts',
    routes: [
      r('GET /api/v3/project_templates/{projectTemplateId}/webhook_endpoints', 'hooks.read'),
      r('POST /api/v3/project_templates/{projectTemplateId}/webhook_endpoints', 'hooks.write'),
      r('GET /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}', 'hooks.read'),
      r('PUT /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}', 'hooks.write'),
      r('DELETE /api/v3/project_templates/{projectTemplateId}/webhook_endpoints/{webhookId}', 'hooks.write'),
    ],
    access: { table: 'readwrite', secrets: 'readwrite' },
  },
  {
    id: 'Events',
    description:
      'Event ingest and fan-out to the delivery queues, delivery log, test deliveries, dead letters, recovery',
    entry: 'functions/events/handler.ts',
    routes: [
      r('POST /v1/events', 'events.write'),
      r('POST /v1/events/batch', 'events.write'),
      r('GET /v1/events/{eventId}', 'events.read'),
      r('GET /v1/hooks/{hookId}/deliveries', 'hooks.read'),
      r('POST /v1/hooks/{hookId}/test', 'hooks.write'),
      r('POST /v1/hooks/{hookId}/recover', 'events.write'),
      r('GET /v1/dead-letters', 'events.read'),
      r('POST /v1/dead-letters/redrive', 'events.write'),
    ],
    timeoutSeconds: 29,
    callsOut: true,
    access: {
      // Dead letters are claimed by a conditional delete and put back if the enqueue fails.
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      // Fan-out, redrive and recovery, on both delivery queues.
      deliveryQueue: true,
      // Test deliveries sign and authenticate like the dispatcher.
      secrets: 'read',
    },
  },
  {
    id: 'Dispatcher',
    description: 'Delivers queued (event, hook) messages with retries; dead-letters failures with the reason',
    entry: 'functions/dispatcher/handler.ts',
    consumesDeliveryQueue: true,
    callsOut: true,
    access: {
      // The hook and its breaker state, the attempt log (its last number: a Query), dead letters and their
      // ordering-group markers, the rate-limit window, the hook.disabled fan-out (match index,
      // event record, the conditional disable as a transaction of puts).
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      // Postponing a retry or a rate-limit hold, releasing held FIFO followers, and enqueueing the
      // hook.disabled announcement (the event source mappings' own actions are added for the consumer).
      deliveryQueue: ['ChangeMessageVisibility', 'SendMessage'],
      // Only what cannot be read or attributed goes to the safety net.
      deadLetterQueue: ['SendMessage'],
      secrets: 'read',
    },
  },
  {
    id: 'Services',
    description: 'Services (instruments) and their tags; has_interlock turns interlock controls on',
    entry: 'functions/services/handler.ts',
    routes: [
      r('GET /v1/services', 'services.read'),
      r('GET /v1/services/{serviceId}', 'services.read'),
      r('PUT /v1/services/{serviceId}', 'services.write'),
    ],
    access: { table: ['GetItem', 'Query', 'PutItem'] },
  },
  {
    id: 'Interlock',
    description: 'Synchronous interlock lock / unlock / status through the targets, booking-aware, audited',
    entry: 'functions/interlocks/handler.ts',
    routes: [
      r('GET /v1/interlocks/{serviceId}', 'interlocks.read'),
      r('POST /v1/interlocks/{serviceId}/lock', 'interlocks.control'),
      r('POST /v1/interlocks/{serviceId}/unlock', 'interlocks.control'),
      r('GET /v1/interlocks/{serviceId}/status', 'interlocks.control'),
      r('GET /v1/interlocks/{serviceId}/audit', 'interlocks.read'),
    ],
    timeoutSeconds: 29,
    // Services, bookings and interlock targets read; the audit trail written.
    callsOut: true,
    access: { table: ['GetItem', 'Query', 'PutItem'], secrets: 'read' },
  },
  {
    id: 'Triggers',
    description:
      'PlaceOS/Rhombus trigger URLs: admin management, and the public notify URLs (subscribe, unsubscribe, doors, unlock) authenticated by their secret',
    entry: 'functions/triggers/handler.ts',
    routes: [
      r('POST /v1/triggers', 'hooks.write'),
      r('GET /v1/triggers', 'hooks.read'),
      r('GET /v1/triggers/{triggerId}', 'hooks.read'),
      r('DELETE /v1/triggers/{triggerId}', 'hooks.write'),
      r('POST /v1/triggers/{triggerId}/rotate', 'hooks.write'),
      // Public: the secret in the URL is the credential (query form, and path form with any
      // segments after the secret, through the greedy parameter).
      ...(['POST', 'DELETE', 'GET', 'PUT'] as const).flatMap((method) => [
        open(`${method} /v1/triggers/{triggerId}/notify`),
        open(`${method} /v1/triggers/{triggerId}/notify/{proxy+}`),
      ]),
    ],
    // A door unlock calls the targets synchronously, like the Interlock function.
    timeoutSeconds: 29,
    callsOut: true,
    access: {
      // Triggers, their subscriptions and the subscription hooks (transactions of Put/Delete),
      // the wrong-secret counter (UpdateItem ADD), doors (Query), the unlock audit (PutItem).
      table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      // Trigger secrets and subscription signing secrets: create, rotate, read, delete.
      secrets: 'readwrite',
    },
  },
  {
    id: 'Clients',
    description: "Machine clients: a tenant's services get their own client-credentials credentials",
    entry: 'functions/clients/handler.ts',
    routes: [
      r('POST /v1/clients', 'clients.admin'),
      r('GET /v1/clients', 'clients.admin'),
      r('GET /v1/clients/{clientId}', 'clients.admin'),
      r('DELETE /v1/clients/{clientId}', 'clients.admin'),
    ],
    // Its own function so only it holds the Cognito rights (create/delete app clients in the pool).
    // Bindings: put, read, list (gsi1), delete.
    access: { table: ['GetItem', 'Query', 'PutItem', 'DeleteItem'], userPoolClients: true },
    // A creation may wait up to 15 s for the authorizer-audience lock (shared/adapters/tableLock.ts)
    // and still answer its 409 itself, within API Gateway's 30 s.
    timeoutSeconds: 29,
  },
  // <manifest:functions> later functions are added above this line
];
