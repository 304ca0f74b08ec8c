import { type DeliveryQueue, EnqueueError } from '../adapters/deliveryQueue.ts';
import type { EventStore } from '../adapters/eventStore.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import { type AcceptedEvent, type DeliveryMessage, deliveriesFor } from '../domain/delivery.ts';
import { newEventIds, parseEventId } from '../domain/eventId.ts';
import type { Hook } from '../domain/hook.ts';
import { isInterlockTarget } from '../domain/interlockTarget.ts';

export interface EventToPublish {
  type: string;
  scope?: string | undefined;
  data: Record<string, unknown>;
}

export interface PublishedEvent {
  event: AcceptedEvent;
  hooks: Hook[];
  messages: DeliveryMessage[];
}

/**
 * Some deliveries of an ingest request are not on the queue. The request's record says so (or is
 * gone when nothing was enqueued); the caller must answer an error, never success.
 */
export class EnqueueFailed extends Error {
  constructor(
    readonly sent: number,
    readonly total: number,
    /** The events of the request, recorded (with their incomplete marker) when any delivery was sent. */
    readonly recorded: string[],
  ) {
    super(`Only ${sent} of ${total} deliveries could be enqueued`);
  }
}

export interface EventPublisherDeps {
  hooks: HookStore;
  events: EventStore;
  queue: DeliveryQueue;
  now?: () => Date;
}

/**
 * Fan-out (SPEC §4) of one ingest request (one event or a batch): the enabled hooks that match
 * each distinct (type, scope) of the request (keyed queries on the match index, once per distinct
 * pair, not per event), the request's events recorded in one item, one delivery message per
 * (event, hook) enqueued with SendMessageBatch — ordered hooks' on the FIFO queue. Used by the
 * ingest routes and by the dispatcher when the breaker announces `hook.disabled`. An enqueue
 * failure throws EnqueueFailed after correcting the record: the caller must say so.
 */
export class EventPublisher {
  private readonly now: () => Date;

  constructor(private readonly deps: EventPublisherDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async publishAll(tenant: string, inputs: readonly EventToPublish[]): Promise<PublishedEvent[]> {
    const now = this.now();
    const ids = newEventIds(inputs.length, now.getTime());
    const key = parseEventId(ids[0] as string)?.batchKey as string;
    const receivedAt = now.toISOString();
    const matching = await this.matchingHooks(tenant, inputs);
    const published = inputs.map((input, i): PublishedEvent => {
      const event: AcceptedEvent = {
        id: ids[i] as string,
        tenant,
        type: input.type,
        ...(input.scope ? { scope: input.scope } : {}),
        data: input.data,
        receivedAt,
      };
      const hooks = matching.get(matchKey(input)) ?? [];
      return { event, hooks, messages: deliveriesFor(event, hooks) };
    });
    const record = {
      key,
      receivedAt,
      events: published.map(({ event, hooks }) => ({
        type: event.type,
        scope: event.scope,
        hookIds: hooks.map((h) => h.id),
      })),
    };
    // Recorded before enqueueing, so a delivery never runs for an event GET /v1/events cannot
    // show; corrected (or removed) when enqueueing fails, so no event is left claiming deliveries
    // that will never happen.
    await this.deps.events.save(tenant, record);
    const messages = published.flatMap((p) => p.messages);
    try {
      await this.deps.queue.enqueue(messages);
    } catch (err) {
      const failed = new Set(
        err instanceof EnqueueError ? err.failed.map((f) => f.id) : messages.map((m) => m.deliveryId),
      );
      const sent = messages.length - failed.size;
      if (sent === 0) {
        await this.deps.events.removeRequest(tenant, key);
      } else {
        const missing = new Map<number, string[]>();
        published.forEach((p, position) => {
          const ids = p.messages.filter((m) => failed.has(m.deliveryId)).map((m) => m.hookId);
          if (ids.length > 0) missing.set(position, ids);
        });
        await this.deps.events.save(tenant, record, missing);
      }
      throw new EnqueueFailed(sent, messages.length, sent > 0 ? ids : []);
    }
    return published;
  }

  async publish(tenant: string, input: EventToPublish): Promise<PublishedEvent> {
    return (await this.publishAll(tenant, [input]))[0] as PublishedEvent;
  }

  /** The hooks of each distinct (type, scope), queried once each; interlock targets never get deliveries. */
  private async matchingHooks(
    tenant: string,
    inputs: readonly EventToPublish[],
  ): Promise<Map<string, Hook[]>> {
    const distinct = new Map<string, EventToPublish>();
    for (const input of inputs) distinct.set(matchKey(input), input);
    const found = await Promise.all(
      [...distinct].map(async ([k, { type, scope }]) => {
        const hooks = await this.deps.hooks.findMatching(tenant, type, scope || undefined);
        return [k, hooks.filter((hook) => !isInterlockTarget(hook))] as const;
      }),
    );
    return new Map(found);
  }
}

const matchKey = (input: EventToPublish) => JSON.stringify([input.type, input.scope || null]);
