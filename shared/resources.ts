/**
 * The one definition of the stateful resources Latchkey needs. The CDK stack (infra/) and local
 * mode (scripts/local/) both build from this object, so the two can never drift apart.
 */
export const resources = {
  table: {
    partitionKey: 'pk',
    sortKey: 'sk',
    /** Items with this attribute (epoch seconds) expire: delivery attempts, idempotency records. */
    ttlAttribute: 'expiresAt',
    /** One generic secondary index: secondary access paths (an event's deliveries, principal grants). */
    indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  },
  deliveryQueue: {
    /**
     * Six times the dispatcher timeout (AWS requires the visibility timeout to be at least the
     * function timeout; six times is the documented recommendation for SQS event sources).
     */
    visibilityTimeoutSeconds: 180,
    /** Retries reach hours, so keep messages for the SQS maximum. */
    retentionSeconds: 14 * 24 * 3600,
    /**
     * The dispatcher moves exhausted and permanently failed deliveries to the DLQ itself, with the
     * reason. The redrive policy is the safety net for a crashing dispatcher: it must be well above
     * the number of attempts the retry schedule makes, because a delivery is also received without
     * being attempted — held by its hook's rate limit, or behind an ordered predecessor that waits
     * for its retry (each wait of the predecessor can be one receive of the deliveries behind it).
     */
    maxReceiveCount: 100,
  },
  /**
   * Ordered hooks' deliveries: an SQS FIFO queue (same visibility and retention) whose message
   * group is the hook, or the hook and its ordering key's value, with its own FIFO DLQ (a FIFO
   * queue's DLQ must be FIFO too).
   */
  orderedDeliveryQueue: {
    fifo: true,
  },
  deadLetterQueue: {
    retentionSeconds: 14 * 24 * 3600,
  },
  dispatcher: {
    timeoutSeconds: 30,
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    /**
     * Concurrent dispatcher instances the event source mapping may run (context
     * `dispatcherMaxConcurrency`, 2..1000): 5 × 10 records = 50 deliveries at once, leaving the
     * account's concurrency to the API and the synchronous interlock calls.
     */
    maxConcurrency: 5,
  },
} as const;

/** Environment variable names the functions read; the stack and local mode set them. */
export const envNames = {
  table: 'TABLE_NAME',
  deliveryQueueUrl: 'DELIVERY_QUEUE_URL',
  orderedDeliveryQueueUrl: 'ORDERED_DELIVERY_QUEUE_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  secretPrefix: 'SECRET_PREFIX',
  allowPrivateTargets: 'ALLOW_PRIVATE_TARGETS',
  publicTargets: 'PUBLIC_TARGETS',
  publicApiUrl: 'PUBLIC_API_URL',
  /** The stack's Cognito user pool, where machine clients are created; unset with an external OIDC issuer. */
  userPoolId: 'USER_POOL_ID',
  /** The HTTP API and its JWT authorizer, whose audience lists the user pool's machine clients. */
  httpApiId: 'HTTP_API_ID',
  jwtAuthorizerId: 'JWT_AUTHORIZER_ID',
} as const;

/**
 * Settings of the machine-client routes: not resource names, so kept out of `envNames` (whose
 * values the IAM tier maps to the deployment's resources).
 */
export const clientSettingNames = {
  /** Where a machine client exchanges its id and secret for a token (the pool's /oauth2/token). */
  tokenUrl: 'TOKEN_URL',
  /** How long a machine client's tenant-and-roles binding is cached per function instance (seconds). */
  bindingCacheSeconds: 'CLIENT_BINDING_CACHE_SECONDS',
} as const;
