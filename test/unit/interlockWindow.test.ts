import { describe, expect, it } from 'vitest';
import {
  type Booking,
  controlsVisible,
  WINDOW_AFTER_END_SECONDS,
  WINDOW_BEFORE_START_SECONDS,
} from '../../shared/domain/interlockWindow.ts';
import type { Principal, Role } from '../../shared/http/principal.ts';

const who = (sub: string, ...roles: Role[]): Principal => ({ sub, tenant: 'lab', roles: new Set(roles) });
const booking = (id: string, start: string, end: string, userId = 'u1'): Booking => ({
  id,
  serviceId: 'svc-1',
  userId,
  start,
  end,
});
const at = (iso: string) => new Date(iso);

// bk-1 runs 10:00–11:00, so its window is 09:55:00–11:30:00 inclusive.
const bk1 = booking('bk-1', '2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z');
const alice = who('u1', 'user');

describe('interlock control window', () => {
  it('is 5 minutes before start to 30 minutes after end', () => {
    expect(WINDOW_BEFORE_START_SECONDS).toBe(300);
    expect(WINDOW_AFTER_END_SECONDS).toBe(1800);
  });

  it('shows staff and administrators the controls at all times, with or without a booking', () => {
    for (const p of [who('s', 'staff'), who('a', 'admin'), who('a', 'admin', 'user')]) {
      const d = controlsVisible(p, [], at('1999-01-01T00:00:00Z'));
      expect(d.visible).toBe(true);
      expect(d.reason).toMatch(/at all times/);
    }
  });

  it('opens for a user exactly 5 minutes before the start, not a second earlier', () => {
    const before = controlsVisible(alice, [bk1], at('2026-01-01T09:54:59Z'));
    expect(before).toEqual({
      visible: false,
      reason:
        'no booking of yours on this service allows interlock control now; your next window is from 2026-01-01T09:55:00Z to 2026-01-01T11:30:00Z',
      window: { from: '2026-01-01T09:55:00Z', to: '2026-01-01T11:30:00Z' },
    });
    const open = controlsVisible(alice, [bk1], at('2026-01-01T09:55:00Z'));
    expect(open).toEqual({
      visible: true,
      reason: 'your booking bk-1 allows interlock control from 2026-01-01T09:55:00Z to 2026-01-01T11:30:00Z',
      booking: bk1,
      window: { from: '2026-01-01T09:55:00Z', to: '2026-01-01T11:30:00Z' },
    });
    expect(controlsVisible(alice, [bk1], at('2026-01-01T09:55:01Z')).visible).toBe(true);
  });

  it('closes for a user exactly 30 minutes after the end, inclusive', () => {
    expect(controlsVisible(alice, [bk1], at('2026-01-01T11:29:59Z')).visible).toBe(true);
    expect(controlsVisible(alice, [bk1], at('2026-01-01T11:30:00Z')).visible).toBe(true);
    expect(controlsVisible(alice, [bk1], at('2026-01-01T11:30:00.999Z')).visible).toBe(true);
    const after = controlsVisible(alice, [bk1], at('2026-01-01T11:30:01Z'));
    expect(after.visible).toBe(false);
    expect(after.reason).toBe(
      'no booking of yours on this service allows interlock control now; your last window was from 2026-01-01T09:55:00Z to 2026-01-01T11:30:00Z',
    );
  });

  it('treats the window at second precision (milliseconds in booking times do not shift it)', () => {
    const b = booking('bk-ms', '2026-01-01T10:00:00.700Z', '2026-01-01T11:00:00.200Z');
    expect(controlsVisible(alice, [b], at('2026-01-01T09:55:00.000Z')).visible).toBe(true);
    expect(controlsVisible(alice, [b], at('2026-01-01T09:54:59.999Z')).visible).toBe(false);
  });

  it('understands bookings given with an offset', () => {
    const b = booking('bk-tz', '2026-01-01T11:00:00+01:00', '2026-01-01T12:00:00+01:00');
    const d = controlsVisible(alice, [b], at('2026-01-01T09:55:00Z'));
    expect(d.visible).toBe(true);
    expect(d.window).toEqual({ from: '2026-01-01T09:55:00Z', to: '2026-01-01T11:30:00Z' });
  });

  it('picks the booking whose window is open among several, and the next one when none is', () => {
    const bk2 = booking('bk-2', '2026-01-01T14:00:00Z', '2026-01-01T15:00:00Z');
    const bk0 = booking('bk-0', '2025-12-31T10:00:00Z', '2025-12-31T11:00:00Z');
    const open = controlsVisible(alice, [bk2, bk0, bk1], at('2026-01-01T10:30:00Z'));
    expect(open.visible && open.booking?.id).toBe('bk-1');
    const between = controlsVisible(alice, [bk2, bk0, bk1], at('2026-01-01T12:00:00Z'));
    expect(between.visible).toBe(false);
    expect(between.window).toEqual({ from: '2026-01-01T13:55:00Z', to: '2026-01-01T15:30:00Z' });
  });

  it('tells a user without a booking on the service so', () => {
    expect(controlsVisible(alice, [], at('2026-01-01T10:00:00Z'))).toEqual({
      visible: false,
      reason: 'no booking of yours on this service',
    });
  });

  it("never opens on someone else's booking or an unreadable one", () => {
    const bob = booking('bk-bob', '2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z', 'u2');
    const broken = booking('bk-x', 'not a date', '2026-01-01T11:00:00Z');
    const d = controlsVisible(alice, [bob, broken], at('2026-01-01T10:30:00Z'));
    expect(d).toEqual({ visible: false, reason: 'no booking of yours on this service' });
  });

  it('hides controls from webhook-only roles and from a principal with no role, naming the roles', () => {
    const hooksOnly = controlsVisible(
      who('u1', 'webhook_admin', 'webhook_user'),
      [bk1],
      at('2026-01-01T10:30:00Z'),
    );
    expect(hooksOnly.visible).toBe(false);
    expect(hooksOnly.reason).toMatch(/webhook_admin, webhook_user/);
    const none = controlsVisible(who('u1'), [bk1], at('2026-01-01T10:30:00Z'));
    expect(none.visible).toBe(false);
    expect(none.reason).toMatch(/no role/);
  });
});
