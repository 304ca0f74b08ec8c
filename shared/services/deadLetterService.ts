import type { DeadLetterStore } from '../adapters/deadLetterStore.ts';
import type { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { type DeadLetterRecord, redriveMessage } from '../domain/deadLetter.ts';

/** One redrive re-enqueues at most this many dead letters; `more` says when to call again. */
export const MAX_REDRIVE = 1000;

export interface RedriveResult {
  redriven: number;
  notFound: string[];
  more: boolean;
}

/**
 * A tenant's dead letters: list them, re-drive them (by hook, by id, or all), and recover what
 * failed in a time window. Every re-enqueued delivery keeps its `webhook-id` and its attempt count;
 * a letter is claimed (conditionally deleted) before it is enqueued and put back if the enqueue
 * fails, so nothing is lost and two redrives never both send it.
 */
export class DeadLetterService {
  constructor(
    private readonly letters: DeadLetterStore,
    private readonly queue: DeliveryQueue,
  ) {}

  list(tenant: string, options: { hookId?: string; limit: number; cursor?: string }) {
    return this.letters.list(tenant, options);
  }

  async redrive(tenant: string, options: { hookId?: string; ids?: string[] }): Promise<RedriveResult> {
    if (options.ids) {
      const claimed: DeadLetterRecord[] = [];
      const notFound: string[] = [];
      for (const id of [...new Set(options.ids)]) {
        const letter = await this.letters.claim(tenant, id);
        if (letter && options.hookId !== undefined && letter.hookId !== options.hookId) {
          await this.letters.restore(letter);
          notFound.push(id);
        } else if (letter) claimed.push(letter);
        else notFound.push(id);
      }
      await this.requeue(claimed);
      return { redriven: claimed.length, notFound, more: false };
    }
    const all = await this.letters.all(tenant, options.hookId);
    const redriven = await this.claimAndRequeue(all.slice(0, MAX_REDRIVE));
    return { redriven, notFound: [], more: all.length > MAX_REDRIVE };
  }

  /** Re-sends every delivery of the hook that ended failed between `since` and `until`. */
  async recover(tenant: string, hookId: string, since: Date, until: Date): Promise<number> {
    return this.claimAndRequeue(await this.letters.ofHookBetween(tenant, hookId, since, until));
  }

  private async claimAndRequeue(candidates: DeadLetterRecord[]): Promise<number> {
    const claimed: DeadLetterRecord[] = [];
    for (const letter of candidates) {
      const mine = await this.letters.claim(letter.tenant, letter.id);
      if (mine) claimed.push(mine);
    }
    await this.requeue(claimed);
    return claimed.length;
  }

  /** Oldest first, so an ordered hook's re-driven deliveries keep their order. */
  private async requeue(letters: DeadLetterRecord[]): Promise<void> {
    const sorted = [...letters].sort((a, b) => a.failedAt.localeCompare(b.failedAt));
    try {
      await this.queue.enqueue(sorted.map(redriveMessage));
    } catch (err) {
      await Promise.all(sorted.map((l) => this.letters.restore(l)));
      throw err;
    }
  }
}
