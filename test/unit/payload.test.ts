import { describe, expect, it } from 'vitest';
import {
  buildPayload,
  deliveryBody,
  isSystemKeyValue,
  requiredSystemKey,
  SYSTEM_KEYS,
} from '#shared/domain/payload.ts';

describe('default delivery payload (resource-system rules)', () => {
  it('carries order_id and line_id from the event, with the hook data merged in', () => {
    const payload = buildPayload({
      type: 'order.created',
      data: { order_id: 101, line_id: 7 },
      hookData: { lab: 'cryo-em', priority: 'high' },
    });
    expect(payload).toEqual({ order_id: 101, line_id: 7, lab: 'cryo-em', priority: 'high' });
  });

  it('carries event_id for booking events', () => {
    const payload = buildPayload({
      type: 'event.created',
      data: { order_id: 5, event_id: 'ev-9', service_id: 's-1' },
      hookData: {},
    });
    expect(payload).toEqual({ order_id: 5, event_id: 'ev-9', service_id: 's-1' });
  });

  it('overwrites a hook key that collides with a system-provided key', () => {
    const payload = buildPayload({
      type: 'order.updated',
      data: { order_id: 42, line_id: 3, status: 'approved' },
      hookData: { order_id: 'forged', line_id: 'forged', status: 'hook-status', extra: true },
    });
    expect(payload).toEqual({ order_id: 42, line_id: 3, status: 'approved', extra: true });
  });

  it('never sends a system key from the hook, even one the event does not provide', () => {
    const payload = buildPayload({
      type: 'order.created',
      data: { order_id: 1 },
      hookData: { event_id: 'forged', line_id: 'forged', order_id: 'forged', site: 'north' },
    });
    expect(payload).toEqual({ order_id: 1, site: 'north' });
  });

  it('requires order_id of order.* events and event_id of event.* events', () => {
    expect(requiredSystemKey('order.deleted')).toBe('order_id');
    expect(requiredSystemKey('event.created')).toBe('event_id');
    expect(requiredSystemKey('door.granted')).toBeUndefined();
    expect(requiredSystemKey('accession/status_change')).toBeUndefined();
    expect([42, 'o-1'].every(isSystemKeyValue)).toBe(true);
    expect(['', ' ', null, {}, [], true, Number.NaN].some(isSystemKeyValue)).toBe(false);
  });

  it('wraps the flat payload in the envelope format: type, timestamp, data', () => {
    const input = {
      type: 'order.updated',
      data: { order_id: 7 },
      hookData: { site: 'north', line_id: 'forged' },
      occurredAt: '2026-01-01T10:00:00.000Z',
    };
    expect(deliveryBody('flat', input)).toEqual({ order_id: 7, site: 'north' });
    expect(deliveryBody('envelope', input)).toEqual({
      type: 'order.updated',
      timestamp: '2026-01-01T10:00:00.000Z',
      data: { order_id: 7, site: 'north' },
    });
  });

  it('does not put the event type in the body and leaves its inputs untouched', () => {
    const data = { order_id: 1 };
    const hookData = { a: 1 };
    const payload = buildPayload({ type: 'order.created', data, hookData });
    expect(payload).not.toHaveProperty('type');
    expect(data).toEqual({ order_id: 1 });
    expect(hookData).toEqual({ a: 1 });
  });

  it('names the system keys', () => {
    expect([...SYSTEM_KEYS]).toEqual(['order_id', 'line_id', 'event_id']);
  });
});
