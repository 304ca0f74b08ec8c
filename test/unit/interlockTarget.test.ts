import { describe, expect, it } from 'vitest';
import {
  interlockActionOf,
  interlockEventRefusal,
  interlockPatternErrors,
  isInterlockTarget,
} from '#shared/domain/interlockTarget.ts';

describe('interlock targets are reached only through the interlock routes', () => {
  it('knows the three actions and treats every interlock.* type as an interlock type', () => {
    expect(['interlock.lock', 'interlock.unlock', 'interlock.status'].map(interlockActionOf)).toEqual([
      'lock',
      'unlock',
      'status',
    ]);
    expect(interlockActionOf('interlock.open')).toBeUndefined();
    expect(interlockActionOf('interlock.constructor')).toBeUndefined();
    expect(interlockActionOf('order.created')).toBeUndefined();
    expect(isInterlockTarget({ events: ['interlock.*'] })).toBe(true);
    expect(isInterlockTarget({ events: ['*', 'order.*'] })).toBe(false);
  });

  it('names the route to use, with the service when the event had one', () => {
    expect(interlockEventRefusal('interlock.unlock', 'nmr-600')).toMatch(
      /^interlock\.unlock cannot be published as an event: .*use POST \/v1\/interlocks\/nmr-600\/unlock$/,
    );
    expect(interlockEventRefusal('interlock.status')).toMatch(
      /use GET \/v1\/interlocks\/\{serviceId\}\/status$/,
    );
    expect(interlockEventRefusal('interlock.open', 's')).toContain(
      'POST /v1/interlocks/s/lock, POST /v1/interlocks/s/unlock or GET /v1/interlocks/s/status',
    );
  });

  it('refuses interlock patterns mixed with other events, naming each other pattern', () => {
    expect(interlockPatternErrors(['interlock.lock', 'interlock.unlock'])).toEqual([]);
    expect(interlockPatternErrors(['order.*', '*'])).toEqual([]);
    expect(interlockPatternErrors(['*', 'interlock.unlock', 'door.granted']).map((e) => e.field)).toEqual([
      'events.0',
      'events.2',
    ]);
  });
});
