/**
 * Ordered delivery. A hook with `"ordering": "hook"` gets its deliveries one at a time, in the
 * order the events were accepted; with `"ordering": "key"` and `"ordering_key": "order_id"` the
 * order holds per value of that top-level payload field (one order's events stay in order, other
 * orders flow past a failing one). Ordered deliveries travel through an SQS FIFO queue whose
 * message group is this ordering group: while a group's delivery waits for its retry, the ones
 * behind it wait too; other groups and other hooks are not held.
 */
import { createHash } from 'node:crypto';
import type { Hook } from './hook.ts';

export const orderingModes = ['none', 'hook', 'key'] as const;
export type OrderingMode = (typeof orderingModes)[number];

export interface HookOrdering {
  mode: OrderingMode;
  /** The top-level payload field whose value orders deliveries (mode `key`). */
  key?: string;
}

/** Deliveries of a key-ordered hook whose payload lacks the key share this group. */
export const MISSING_KEY_GROUP = 'no-key';

/**
 * The ordering group of one delivery: the hook, or the hook and a digest of the key's value (a
 * FIFO message group id allows only 128 printable ASCII characters; any JSON value may be a key).
 * Undefined for unordered hooks.
 */
export function orderingGroupOf(
  hook: Pick<Hook, 'id' | 'ordering'>,
  payload: Record<string, unknown>,
): string | undefined {
  const ordering = hook.ordering;
  if (!ordering || ordering.mode === 'none') return undefined;
  if (ordering.mode === 'hook' || ordering.key === undefined) return hook.id;
  const value = payload[ordering.key];
  if (value === undefined || value === null) return `${hook.id}#${MISSING_KEY_GROUP}`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `${hook.id}#${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
}

/**
 * Splits a batch into runs that must go in order: the items of one group in their batch order,
 * and every ungrouped item on its own. Runs can proceed concurrently; items of a run cannot.
 */
export function runsInOrder<T>(items: readonly T[], groupOf: (item: T) => string | undefined): T[][] {
  const runs: T[][] = [];
  const byGroup = new Map<string, T[]>();
  for (const item of items) {
    const group = groupOf(item);
    if (group === undefined) {
      runs.push([item]);
      continue;
    }
    let run = byGroup.get(group);
    if (!run) {
      run = [];
      byGroup.set(group, run);
      runs.push(run);
    }
    run.push(item);
  }
  return runs;
}
