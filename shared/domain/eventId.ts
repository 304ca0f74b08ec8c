import { randomBytes } from 'node:crypto';

/** The most events one ingest request may carry (one position byte in the id). */
export const MAX_EVENTS_PER_BATCH = 100;

let lastMs = 0;

/**
 * Ids for the events of one ingest request: `evt_` + 12 hex digits of the time in ms + 6 random hex
 * digits (the request) + 2 hex digits (the event's position in it). Ids sort by ingest time, so a
 * hook's deliveries keyed by event id list in event order, and the events of one request share
 * their first 18 hex digits (`eventBatchKey`). Within one instance the time part never repeats or
 * goes back, so two requests never share a key.
 */
export function newEventIds(count: number, now = Date.now()): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_EVENTS_PER_BATCH) {
    throw new RangeError(`an ingest request holds 1 to ${MAX_EVENTS_PER_BATCH} events, not ${count}`);
  }
  lastMs = Math.max(now, lastMs + 1);
  const key = `${lastMs.toString(16).padStart(12, '0')}${randomBytes(3).toString('hex')}`;
  return Array.from({ length: count }, (_, i) => `evt_${key}${i.toString(16).padStart(2, '0')}`);
}

const EVENT_ID = /^evt_([0-9a-f]{18})([0-9a-f]{2})$/;

/** The request an event id belongs to and its position in it, or undefined for any other string. */
export function parseEventId(id: string): { batchKey: string; position: number } | undefined {
  const m = EVENT_ID.exec(id);
  if (!m) return undefined;
  return { batchKey: m[1] as string, position: Number.parseInt(m[2] as string, 16) };
}
