import type { BookingStore } from '../adapters/bookingStore.ts';
import { bookingFromEvent } from '../adapters/bookingStore.ts';
import { EventStore } from '../adapters/eventStore.ts';
import { MAX_EVENTS_PER_BATCH } from '../domain/eventId.ts';
import {
  type EventInput,
  eventBatchInputSchema,
  eventInputSchema,
  idempotencyKey,
} from '../domain/eventInput.ts';
import type { EventAccepted, EventsAccepted } from '../domain/eventView.ts';
import { Conflict, type FieldError, HttpError, ValidationError } from '../http/errors.ts';
import type { Principal } from '../http/principal.ts';
import { fieldErrors, parseWith } from '../http/validation.ts';
import { logger } from '../observability/powertools.ts';
import { EnqueueFailed, type EventPublisher } from './eventPublisher.ts';
import type { HookService } from './hookService.ts';
import type { InterlockGuard } from './interlockGuard.ts';

export interface EventIngestDeps {
  publisher: EventPublisher;
  events: EventStore;
  bookings: BookingStore;
  hookService: Pick<HookService, 'catalogErrors'>;
  interlockGuard: Pick<InterlockGuard, 'checkEvent' | 'eventRefusals'>;
}

export interface IngestRequest {
  principal: Principal;
  /** The route's JSON body. */
  body: unknown;
  /** The raw `Idempotency-Key` header. */
  idempotencyKey: string | undefined;
}

export interface IngestResult<B> {
  statusCode: number;
  body: B;
  headers?: Record<string, string>;
}

/**
 * The ingest routes (SPEC §4): `POST /v1/events` (one event) and `POST /v1/events/batch` (1 to
 * 100, each validated exactly as the single route validates one; one bad event refuses the whole
 * batch with every bad field named by its index). Both: `interlock.*` refused and audited, types
 * from the tenant's catalog, the Idempotency-Key answering the first result for 24 h, booking
 * events kept as bookings, then fan-out of the whole request at once (EventPublisher); an enqueue
 * failure answers 503, never success.
 */
export class EventIngest {
  constructor(private readonly deps: EventIngestDeps) {}

  async one(req: IngestRequest): Promise<IngestResult<EventAccepted>> {
    const input = parseWith(eventInputSchema, req.body);
    await this.deps.interlockGuard.checkEvent(req.principal, input.type, input.scope);
    const catalog = await this.deps.hookService.catalogErrors(req.principal.tenant, [input.type]);
    if (catalog.length > 0) throw new ValidationError([{ field: 'type', message: 'Event not found' }]);
    return this.idempotent(req, input, async () => {
      const [accepted] = await this.accept(
        req.principal.tenant,
        [input],
        (err) =>
          new HttpError(
            503,
            `Only ${err.sent} of ${err.total} deliveries could be enqueued; send the event again`,
            err.recorded.length > 0 ? { eventId: err.recorded[0] } : {},
          ),
      );
      return accepted as EventAccepted;
    });
  }

  async batch(req: IngestRequest): Promise<IngestResult<EventsAccepted>> {
    const input = await this.validBatch(req.principal, req.body);
    return this.idempotent(req, input, async () => ({
      events: await this.accept(
        req.principal.tenant,
        input.events,
        (err) =>
          new HttpError(
            503,
            `Only ${err.sent} of ${err.total} deliveries could be enqueued; send the events again`,
            // Recorded (GET shows which deliveries are missing) when any delivery was sent.
            err.recorded.length > 0 ? { event_ids: err.recorded } : {},
          ),
      ),
    }));
  }

  /**
   * The batch parsed, or a 422 listing every bad field of every event (`events.3.type`): the
   * schema's errors, and for the events that pass it, `interlock.*` types and unknown types.
   */
  private async validBatch(principal: Principal, body: unknown) {
    const given = body === undefined ? {} : body;
    const parsed = eventBatchInputSchema.safeParse(given);
    const errors: FieldError[] = parsed.success ? [] : fieldErrors(parsed.error, given);
    const list =
      typeof given === 'object' && given !== null ? (given as { events?: unknown }).events : undefined;
    // Per position, the event when it passes the schema (a list over the limit is not looked into).
    const events: (EventInput | undefined)[] = parsed.success
      ? parsed.data.events
      : Array.isArray(list) && list.length <= MAX_EVENTS_PER_BATCH
        ? list.map((raw) => {
            const one = eventInputSchema.safeParse(raw);
            return one.success ? one.data : undefined;
          })
        : [];
    const valid = events.flatMap((event, index) => (event ? [{ index, event }] : []));
    errors.push(...(await this.deps.interlockGuard.eventRefusals(principal, events)));
    const types = [...new Set(valid.map((v) => v.event.type))];
    // catalogErrors names each unknown type by its place in `types` (`events.<i>`).
    const unknown = new Set(
      (await this.deps.hookService.catalogErrors(principal.tenant, types)).map(
        (e) => types[Number(e.field.split('.')[1])],
      ),
    );
    for (const { index, event } of valid) {
      if (unknown.has(event.type)) errors.push({ field: `events.${index}.type`, message: 'Event not found' });
    }
    if (errors.length > 0 || !parsed.success) throw new ValidationError(sortByIndex(errors));
    return parsed.data;
  }

  /** The events recorded and enqueued, each answered as `POST /v1/events` answers one. */
  private async accept(
    tenant: string,
    inputs: readonly EventInput[],
    failure: (err: EnqueueFailed) => HttpError,
  ): Promise<EventAccepted[]> {
    // Booking events are kept as bookings for interlock authorisation (SPEC §4, §6).
    const bookings: (string | undefined)[] = [];
    for (const input of inputs) {
      if (!input.type.startsWith('event.')) {
        bookings.push(undefined);
        continue;
      }
      const change = bookingFromEvent(input.type, input.data, input.scope);
      if (change) await this.deps.bookings.apply(tenant, change);
      bookings.push(
        change
          ? change.op === 'put'
            ? 'stored'
            : 'deleted'
          : 'not stored: a booking needs data.event_id, data.service_id (or scope), data.user_id, data.start and data.end (ISO 8601)',
      );
    }
    let published: Awaited<ReturnType<EventPublisher['publishAll']>>;
    try {
      published = await this.deps.publisher.publishAll(tenant, inputs);
    } catch (err) {
      if (!(err instanceof EnqueueFailed)) throw err;
      logger.error('Enqueueing failed', {
        events: inputs.length,
        failed: err.total - err.sent,
        sent: err.sent,
      });
      throw failure(err);
    }
    const deliveries = published.reduce((n, p) => n + p.messages.length, 0);
    // DEBUG: the event record and GET /v1/events/{id} hold what was accepted; INFO stays quiet.
    logger.debug('Events accepted', {
      eventId: published[0]?.event.id,
      events: published.length,
      deliveries,
    });
    return published.map(({ event, hooks, messages }, i) => ({
      event_id: event.id,
      type: event.type,
      scope: event.scope ?? null,
      deliveries: messages.length,
      hook_ids: hooks.map((h) => h.id),
      ...(bookings[i] ? { booking: bookings[i] } : {}),
    }));
  }

  /**
   * The work once per Idempotency-Key within 24 h: the same key and body answer the first result
   * again (`idempotent-replayed: true`); the same key with another body is a 422; a key whose first
   * request is still running a 409; a failed attempt releases the key.
   */
  private async idempotent<B>(
    req: IngestRequest,
    input: unknown,
    work: () => Promise<B>,
  ): Promise<IngestResult<B>> {
    const tenant = req.principal.tenant;
    if (req.idempotencyKey === undefined) return { statusCode: 202, body: await work() };
    const parsed = idempotencyKey.safeParse(req.idempotencyKey);
    if (!parsed.success)
      throw new ValidationError([{ field: 'Idempotency-Key', message: parsed.error.issues[0]!.message }]);
    const key = parsed.data;
    const { events } = this.deps;
    const claim = await events.claim(tenant, key, EventStore.fingerprint(input));
    if (claim.state === 'completed') {
      return { ...(claim.response as IngestResult<B>), headers: { 'idempotent-replayed': 'true' } };
    }
    if (claim.state === 'in-progress')
      throw new Conflict('A request with this Idempotency-Key is still being processed');
    if (claim.state === 'mismatch') {
      throw new HttpError(422, 'This Idempotency-Key was already used with a different request body', {
        errors: [{ field: 'Idempotency-Key', message: 'reused with a different request body' }],
      });
    }
    try {
      const result = { statusCode: 202, body: await work() };
      await events.complete(tenant, key, result);
      return result;
    } catch (err) {
      await events.release(tenant, key).catch(() => undefined);
      throw err;
    }
  }
}

/** Field errors in event order (`events.2…` before `events.10…`), the batch's own first. */
function sortByIndex(errors: FieldError[]): FieldError[] {
  const index = (e: FieldError) => {
    const m = /^events\.(\d+)/.exec(e.field);
    return m ? Number(m[1]) : -1;
  };
  return errors
    .map((e, order) => ({ e, order }))
    .sort((a, b) => index(a.e) - index(b.e) || a.order - b.order)
    .map(({ e }) => e);
}
