import type { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import type { EventStore } from '../adapters/eventStore.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import { type AcceptedEvent, type DeliveryMessage, deliveriesFor } from '../domain/delivery.ts';
import { newEventIds } from '../domain/eventId.ts';
import type { Hook } from '../domain/hook.ts';
import { isInterlockTarget } from '../domain/interlockTarget.ts';

export interface PublishedEvent {
  event: AcceptedEvent;
  hooks: Hook[];
  messages: DeliveryMessage[];
}

/**
 * Fan-out (SPEC §4): the enabled hooks that match an event (keyed queries on the match index),
 * the event recorded, one delivery message per hook enqueued — ordered hooks' on the FIFO queue.
 * Used by `POST /v1/events` and by the dispatcher when the breaker announces `hook.disabled`.
 * An enqueue failure throws (EnqueueError): the caller must say so, never answer success.
 */
export class EventPublisher {
  constructor(
    private readonly hooks: HookStore,
    private readonly events: EventStore,
    private readonly queue: DeliveryQueue,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The event recorded and matched, not yet enqueued (the caller may do more before). */
  async prepare(
    tenant: string,
    input: { type: string; scope?: string | undefined; data: Record<string, unknown> },
  ): Promise<PublishedEvent> {
    const event: AcceptedEvent = {
      id: newEventIds(1, this.now().getTime())[0] as string,
      tenant,
      type: input.type,
      ...(input.scope ? { scope: input.scope } : {}),
      data: input.data,
      receivedAt: this.now().toISOString(),
    };
    // Interlock targets never get queued deliveries, even one stored before the rule existed.
    const hooks = (await this.hooks.findMatching(tenant, input.type, input.scope)).filter(
      (hook) => !isInterlockTarget(hook),
    );
    const messages = deliveriesFor(event, hooks);
    await this.events.save(tenant, {
      id: event.id,
      type: event.type,
      ...(event.scope ? { scope: event.scope } : {}),
      receivedAt: event.receivedAt,
      hookIds: hooks.map((h) => h.id),
      deliveryIds: messages.map((m) => m.deliveryId),
    });
    return { event, hooks, messages };
  }

  async enqueue(published: PublishedEvent): Promise<void> {
    await this.queue.enqueue(published.messages);
  }

  async publish(
    tenant: string,
    input: { type: string; scope?: string | undefined; data: Record<string, unknown> },
  ): Promise<PublishedEvent> {
    const published = await this.prepare(tenant, input);
    await this.enqueue(published);
    return published;
  }
}
