import type { DeliveryLog } from '../adapters/deliveryLog.ts';
import { OutboundError, type OutboundHttp } from '../adapters/outboundHttp.ts';
import type { SecretStore } from '../adapters/secretStore.ts';
import { type Attempt, type DeliveryMessage, deliveryIdFor } from '../domain/delivery.ts';
import { placeosDoorBody } from '../domain/doorEvent.ts';
import { newEventIds } from '../domain/eventId.ts';
import { basicToken, mergeHeaders } from '../domain/headers.ts';
import type { Hook, HookCredentials } from '../domain/hook.ts';
import { deliveryBody } from '../domain/payload.ts';
import { credentialForms, redact } from '../domain/redaction.ts';
import { type AttemptOutcome, type Decision, decide, describeOutcome } from '../domain/retryPolicy.ts';
import { previousSecretsInForce, signRequest } from '../domain/signature.ts';

/** Names the event type on every delivery, whatever the signing profile. */
export const EVENT_TYPE_HEADER = 'latchkey-event-type';

/** Per-request timeout for deliveries unless the hook sets `timeout_ms`. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/** The credentials of a hook without a secret (one object, so its redaction forms are made once). */
const NO_CREDENTIALS: HookCredentials = Object.freeze({});

export interface DeliveryServiceDeps {
  http: OutboundHttp;
  secrets: SecretStore;
  log: DeliveryLog;
  schedule: number[];
  timeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

export interface AttemptReport {
  attempt: Attempt;
  decision: Decision;
}

function authHeaders(hook: Hook, credentials: HookCredentials): Record<string, string> {
  if (hook.auth.type === 'headers') return credentials.authHeaders ?? {};
  if (hook.auth.type === 'basic' && credentials.password !== undefined) {
    return { authorization: `Basic ${basicToken(hook.auth.username, credentials.password)}` };
  }
  return {};
}

/** A test delivery is never retried: 2xx succeeds, anything else fails with what happened. */
function testDecision(outcome: AttemptOutcome): Decision {
  return outcome.kind === 'status' && outcome.status >= 200 && outcome.status <= 299
    ? { action: 'success' }
    : { action: 'dead-letter', reason: describeOutcome(outcome) };
}

/**
 * Makes one delivery attempt: the payload (resource-system rules), the signature (the hook's
 * profile, both secrets during a rotation overlap), the hook's method and headers, basic auth or
 * authentication headers, one timeout; records the attempt and says what should follow.
 */
export class DeliveryService {
  private readonly now: () => Date;
  /**
   * The credential forms to redact, made once per credentials object (the secret cache hands out
   * the same object until the hook changes or the entry expires) and basic-auth user name.
   */
  private readonly forms = new WeakMap<HookCredentials, { username: string | undefined; forms: string[] }>();

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The per-request timeout a hook asks for. */
  timeoutFor(hook: Hook): number {
    return hook.timeoutMs ?? this.deps.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  }

  signingSecrets(hook: Hook, credentials: HookCredentials): string[] {
    if (hook.signing.profile === 'none' || !credentials.signingSecret) return [];
    if (!credentials.previousSigningSecrets?.length && !credentials.previousSigningSecret)
      return [credentials.signingSecret];
    const previous = previousSecretsInForce(credentials, hook.signing.previousSecretExpiresAt, this.now());
    return [credentials.signingSecret, ...previous.map((p) => p.secret)];
  }

  async attempt(
    hook: Hook,
    message: DeliveryMessage,
    attemptNumber: number,
    options: { scheduleIndex?: number; test?: boolean; maxTimeoutMs?: number } = {},
  ): Promise<AttemptReport> {
    // A fresh cached secret without an await (every delivery of the hook after the first).
    const credentials: HookCredentials = !hook.secretRef
      ? NO_CREDENTIALS
      : (this.deps.secrets.cached<HookCredentials>(hook.secretRef, hook.updatedAt) ??
        (await this.deps.secrets.load<HookCredentials>(hook.secretRef, hook.updatedAt)));
    const startedAt = this.now();
    const signed = signRequest({
      profile: hook.signing.profile,
      eventType: message.type,
      webhookId: message.deliveryId,
      timestamp: startedAt,
      // The PlaceOS door body for a door event to a placeos hook (Rhombus), else the hook's format.
      body:
        placeosDoorBody(hook, message) ??
        deliveryBody(hook.payloadFormat ?? 'flat', {
          type: message.type,
          data: message.data,
          hookData: hook.data,
          occurredAt: message.occurredAt,
        }),
      secrets: this.signingSecrets(hook, credentials),
    });
    // Every verb sends the JSON body (the seed: all request bodies are application/json), so the
    // signature always covers exactly the bytes sent. The event type is named whatever the profile.
    const headers = mergeHeaders(hook.headers, authHeaders(hook, credentials), signed.headers, {
      [EVENT_TYPE_HEADER]: message.type,
    });

    let outcome: AttemptOutcome | undefined;
    let blocked: string | undefined;
    let status: number | undefined;
    let response: string | undefined;
    let latencyMs = 0;
    const started = performance.now();
    // The hook's timeout, capped by the invocation's time budget (domain/timeBudget.ts).
    const timeoutMs = Math.min(this.timeoutFor(hook), options.maxTimeoutMs ?? Number.POSITIVE_INFINITY);
    try {
      const res = await this.deps.http.send({
        url: hook.url,
        method: hook.method,
        headers,
        body: signed.bytes,
        timeoutMs,
        insecureTls: hook.insecureTls,
      });
      latencyMs = res.latencyMs;
      status = res.status;
      response = res.body;
      outcome = {
        kind: 'status',
        status: res.status,
        statusText: res.statusText,
        ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
      };
    } catch (err) {
      latencyMs = Math.round(performance.now() - started);
      if (!(err instanceof OutboundError)) throw err;
      if (err.kind === 'blocked') blocked = err.message;
      else if (err.kind === 'timeout') outcome = { kind: 'timeout', afterMs: timeoutMs };
      else outcome = { kind: 'network', ...(err.code ? { code: err.code } : {}), message: err.message };
    }

    let decision: Decision;
    if (blocked !== undefined) decision = { action: 'dead-letter', reason: `${blocked}: not retried` };
    else if (options.test) decision = testDecision(outcome!);
    else {
      const index = options.scheduleIndex ?? attemptNumber;
      decision = decide(outcome!, index, this.deps.schedule, this.deps.random, this.now());
    }

    // What the receiver answered is kept and shown: never with the hook's own credentials in it.
    const forms = this.credentialForms(hook, credentials);
    const reason = decision.action !== 'success' ? redact(decision.reason, forms) : undefined;
    if (response !== undefined) response = redact(response, forms);
    // Fields set one by one in the record's order, no temporary objects per attempt (latencyMs and
    // at, required, are set below).
    const attempt = {
      deliveryId: message.deliveryId,
      eventId: message.eventId,
      hookId: hook.id,
      type: message.type,
      attempt: attemptNumber,
      result:
        decision.action === 'success' ? 'succeeded' : decision.action === 'retry' ? 'retrying' : 'failed',
    } as Attempt;
    if (status !== undefined) attempt.status = status;
    attempt.latencyMs = latencyMs;
    if (reason !== undefined) attempt.error = reason;
    if (response) attempt.response = response;
    if (decision.action === 'retry') {
      attempt.nextAttemptAt = new Date(this.now().getTime() + decision.delaySeconds * 1000).toISOString();
    }
    if (options.test) attempt.test = true;
    attempt.at = startedAt.toISOString();
    return { attempt: await this.deps.log.record(hook.tenant, attempt), decision };
  }

  private credentialForms(hook: Hook, credentials: HookCredentials): string[] {
    const username = hook.auth.type === 'none' ? undefined : hook.auth.username;
    const known = this.forms.get(credentials);
    if (known !== undefined && known.username === username) return known.forms;
    const forms = credentialForms(hook, credentials);
    this.forms.set(credentials, { username, forms });
    return forms;
  }

  /**
   * Records that a delivery was dead-lettered without an attempt (its hook was deleted or disabled,
   * or may not take it), so `GET /v1/events/{id}` shows it dead-lettered with the reason instead of
   * the state of its last attempt.
   */
  async recordDeadLetter(message: DeliveryMessage, attemptNumber: number, reason: string): Promise<Attempt> {
    const attempt: Attempt = {
      deliveryId: message.deliveryId,
      eventId: message.eventId,
      hookId: message.hookId,
      type: message.type,
      attempt: attemptNumber,
      result: 'dead-lettered',
      latencyMs: 0,
      error: reason,
      at: this.now().toISOString(),
    };
    return this.deps.log.record(message.tenant, attempt);
  }

  /**
   * `POST /v1/hooks/{id}/test`: a synchronous `test.ping` to this hook, never retried, within
   * `maxTimeoutMs` (what the caller's invocation has left before API Gateway gives up).
   */
  async test(hook: Hook, by: string, maxTimeoutMs?: number): Promise<Attempt> {
    const now = this.now().toISOString();
    // An event id like any other, so the test lists among the hook's deliveries by its time; the
    // attempt and the payload say it was a test.
    const [eventId] = newEventIds(1, Date.parse(now)) as [string];
    const message: DeliveryMessage = {
      v: 1,
      deliveryId: deliveryIdFor(eventId, hook.id),
      tenant: hook.tenant,
      eventId,
      hookId: hook.id,
      type: 'test.ping',
      data: { event_id: eventId, test: true, hook_id: hook.id, sent_by: by, sent_at: now },
      occurredAt: now,
      priorAttempts: 0,
    };
    return (await this.attempt(hook, message, 1, { test: true, maxTimeoutMs })).attempt;
  }
}
