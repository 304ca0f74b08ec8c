import { describe, expect, it } from 'vitest';
import { MAX_EVENTS_PER_BATCH, newEventIds, parseEventId } from '../../shared/domain/eventId.ts';

describe('event ids', () => {
  it('share the request key, carry their position and sort by time', () => {
    const first = newEventIds(3, Date.UTC(2026, 10, 29));
    const later = newEventIds(1, Date.UTC(2026, 10, 29));
    expect(first).toHaveLength(3);
    for (const id of [...first, ...later]) expect(id).toMatch(/^evt_[0-9a-f]{20}$/);
    const parsed = first.map((id) => parseEventId(id));
    expect(new Set(parsed.map((p) => p?.batchKey)).size).toBe(1);
    expect(parsed.map((p) => p?.position)).toEqual([0, 1, 2]);
    // Same millisecond asked twice: the second request still gets a later, different key.
    expect(parseEventId(later[0] as string)?.batchKey).not.toBe(parsed[0]?.batchKey);
    expect([...first, ...later].sort()).toEqual([...first, ...later]);
  });

  it('refuse an empty or oversized request and parse nothing else', () => {
    expect(() => newEventIds(0)).toThrow(RangeError);
    expect(() => newEventIds(MAX_EVENTS_PER_BATCH + 1)).toThrow(/1 to 100 events/);
    expect(newEventIds(MAX_EVENTS_PER_BATCH).at(-1)).toMatch(/63$/);
    for (const bad of ['evt_123', 'hk_0123456789abcdef0123', 'evt_0123456789ABCDEF0123', '']) {
      expect(parseEventId(bad)).toBeUndefined();
    }
  });
});
