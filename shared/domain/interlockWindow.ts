import type { Principal } from '../http/principal.ts';

/**
 * When may a caller see (and use) a service's interlock controls? (SPEC §6)
 *  - admin and staff: at all times, on every service;
 *  - user: from 5 minutes before the start of one of their bookings on the service until
 *    30 minutes after its end, both ends inclusive, at second precision;
 *  - anyone else (webhook roles only, no role): never.
 */
export interface Booking {
  id: string;
  serviceId: string;
  userId: string;
  /** ISO 8601. */
  start: string;
  /** ISO 8601. */
  end: string;
  /** The order the booking belongs to, when the booking event carried `order_id`. */
  orderId?: string;
}

export const WINDOW_BEFORE_START_SECONDS = 300;
export const WINDOW_AFTER_END_SECONDS = 1800;

export interface ControlWindow {
  from: string;
  to: string;
}

export type ControlDecision =
  | { visible: true; reason: string; booking?: Booking; window?: ControlWindow }
  /** `window` is the next window (or, when all are past, the most recent one) when the user has a booking. */
  | { visible: false; reason: string; window?: ControlWindow };

interface BookingWindow {
  booking: Booking;
  /** Epoch seconds, inclusive. */
  from: number;
  /** Epoch seconds, inclusive. */
  to: number;
}

/** Epoch seconds of an ISO instant (sub-second parts dropped), or undefined when unparseable. */
function epochSeconds(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** `2026-01-01T09:55:00Z`: second precision, as people read it. */
function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function bookingWindow(booking: Booking): BookingWindow | undefined {
  const start = epochSeconds(booking.start);
  const end = epochSeconds(booking.end);
  if (start === undefined || end === undefined) return undefined;
  return { booking, from: start - WINDOW_BEFORE_START_SECONDS, to: end + WINDOW_AFTER_END_SECONDS };
}

function asWindow(w: BookingWindow): ControlWindow {
  return { from: isoSeconds(w.from), to: isoSeconds(w.to) };
}

/**
 * Are interlock controls visible to `principal` now? `bookings` are this service's bookings of
 * this user; any booking of another user is ignored, so a caller's mistake never opens controls.
 */
export function controlsVisible(principal: Principal, bookings: Booking[], now: Date): ControlDecision {
  if (principal.roles.has('admin')) {
    return { visible: true, reason: 'administrators see interlock controls at all times' };
  }
  if (principal.roles.has('staff')) {
    return { visible: true, reason: 'facility staff see interlock controls at all times' };
  }
  if (!principal.roles.has('user')) {
    const held = [...principal.roles].sort();
    const who =
      held.length === 0
        ? 'you have no role'
        : `you have only the role${held.length === 1 ? '' : 's'} ${held.join(', ')}`;
    return {
      visible: false,
      reason: `interlock controls are for admin, staff, and users with a booking; ${who}`,
    };
  }

  const nowSeconds = Math.floor(now.getTime() / 1000);
  const windows = bookings
    .filter((b) => b.userId === principal.sub)
    .map(bookingWindow)
    .filter((w): w is BookingWindow => w !== undefined)
    .sort((a, b) => a.from - b.from || a.to - b.to);

  if (windows.length === 0) {
    return { visible: false, reason: 'no booking of yours on this service' };
  }

  const open = windows.find((w) => w.from <= nowSeconds && nowSeconds <= w.to);
  if (open) {
    const window = asWindow(open);
    return {
      visible: true,
      reason: `your booking ${open.booking.id} allows interlock control from ${window.from} to ${window.to}`,
      booking: open.booking,
      window,
    };
  }

  const next = windows.find((w) => w.from > nowSeconds);
  if (next) {
    const window = asWindow(next);
    return {
      visible: false,
      reason: `no booking of yours on this service allows interlock control now; your next window is from ${window.from} to ${window.to}`,
      window,
    };
  }
  const last = windows.reduce((a, b) => (b.to > a.to ? b : a));
  const window = asWindow(last);
  return {
    visible: false,
    reason: `no booking of yours on this service allows interlock control now; your last window was from ${window.from} to ${window.to}`,
    window,
  };
}
