import { describe, expect, it } from 'vitest';
import { bookingFromEvent } from '../../shared/adapters/bookingStore.ts';

const data = {
  event_id: 'bk-1',
  service_id: 'svc-1',
  user_id: 'alice',
  start: '2026-03-02T10:00:00Z',
  end: '2026-03-02T11:00:00Z',
};

describe('bookingFromEvent', () => {
  it('turns event.created and event.updated into a booking to keep', () => {
    for (const type of ['event.created', 'event.updated']) {
      expect(bookingFromEvent(type, data)).toEqual({
        op: 'put',
        booking: {
          id: 'bk-1',
          serviceId: 'svc-1',
          userId: 'alice',
          start: '2026-03-02T10:00:00.000Z',
          end: '2026-03-02T11:00:00.000Z',
        },
      });
    }
  });

  it('takes the service from the event scope when the data has no service_id', () => {
    const { service_id: _omitted, ...rest } = data;
    expect(bookingFromEvent('event.created', rest, 'svc-9')).toMatchObject({
      op: 'put',
      booking: { serviceId: 'svc-9' },
    });
    expect(bookingFromEvent('event.created', data, 'svc-9')).toMatchObject({
      booking: { serviceId: 'svc-1' },
    });
  });

  it('normalises offsets and accepts numeric ids', () => {
    const change = bookingFromEvent('event.created', {
      ...data,
      event_id: 42,
      user_id: 7,
      start: '2026-03-02T12:00:00+02:00',
    });
    expect(change).toEqual({
      op: 'put',
      booking: {
        id: '42',
        serviceId: 'svc-1',
        userId: '7',
        start: '2026-03-02T10:00:00.000Z',
        end: '2026-03-02T11:00:00.000Z',
      },
    });
  });

  it('turns event.deleted into a delete, with or without the service and user', () => {
    expect(bookingFromEvent('event.deleted', data)).toEqual({
      op: 'delete',
      bookingId: 'bk-1',
      serviceId: 'svc-1',
      userId: 'alice',
    });
    expect(bookingFromEvent('event.deleted', { event_id: 'bk-1' })).toEqual({
      op: 'delete',
      bookingId: 'bk-1',
    });
  });

  it('ignores events that are not bookings, or bookings it could not judge a window by', () => {
    expect(bookingFromEvent('order.created', data)).toBeUndefined();
    expect(bookingFromEvent('interlock.lock', data)).toBeUndefined();
    expect(bookingFromEvent('event.created', { ...data, event_id: undefined })).toBeUndefined();
    expect(bookingFromEvent('event.deleted', { service_id: 'svc-1' })).toBeUndefined();
    expect(bookingFromEvent('event.created', { ...data, user_id: '' })).toBeUndefined();
    expect(bookingFromEvent('event.created', { ...data, service_id: undefined })).toBeUndefined();
    expect(bookingFromEvent('event.created', { ...data, start: 'tomorrow' })).toBeUndefined();
    expect(bookingFromEvent('event.updated', { ...data, end: undefined })).toBeUndefined();
    expect(
      bookingFromEvent('event.created', { ...data, start: data.end, end: data.start }),
      'an end before the start',
    ).toBeUndefined();
  });
});
