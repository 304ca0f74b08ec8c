import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { doorActions, doorEventErrors, placeosDoorBody } from '#shared/domain/doorEvent.ts';
import { applyHookInput } from '#shared/domain/hookInput.ts';
import { signRequest } from '#shared/domain/signature.ts';

const placeos = { signing: { profile: 'placeos' as const, secretSet: true } };
const at = new Date('2022-04-03T23:59:25.123Z');

/** What Rhombus receives: the door body, signed as the placeos profile signs it. */
function sent(type: string, data: Record<string, unknown>, secrets: string[], scope?: string) {
  const body = placeosDoorBody(placeos, { type, data, ...(scope ? { scope } : {}) });
  if (!body) throw new Error('no door body');
  return JSON.parse(
    signRequest({ profile: 'placeos', eventType: type, webhookId: 'msg_1', timestamp: at, body, secrets })
      .body,
  ) as Record<string, unknown>;
}

describe('PlaceOS door body (the seed’s PlaceOS → Rhombus POST)', () => {
  it('is exactly the seed’s fields, action from the type, signature = hex HMAC of the timestamp', () => {
    const body = sent(
      'door.granted',
      {
        door_id: '123456',
        card_id: '123456',
        user_name: 'Steve Place',
        user_email: 'steve@place.org',
        extra: 1,
      },
      ['123456'],
    );
    expect(body).toEqual({
      door_id: '123456',
      timestamp: '2022-04-03T23:59:25Z',
      signature: createHmac('sha256', '123456').update('2022-04-03T23:59:25Z').digest('hex'),
      action: 'granted',
      card_id: '123456',
      user_name: 'Steve Place',
      user_email: 'steve@place.org',
    });
  });

  it('has no signature when the subscriber gave no secret, and leaves out absent optional fields', () => {
    expect(sent('door.request_to_exit', {}, [], 'side-2')).toEqual({
      door_id: 'side-2',
      timestamp: '2022-04-03T23:59:25Z',
      action: 'request_to_exit',
    });
  });

  it('takes the action from every door type, the PlaceOS driver’s included', () => {
    for (const action of doorActions)
      expect(sent(`door.${action}`, { door_id: 'd' }, []).action).toBe(action);
  });

  it('prefers data.door_id over the scope and sends numeric ids as strings', () => {
    expect(sent('door.denied', { door_id: 7, card_id: 99 }, [], 'lobby')).toMatchObject({
      door_id: '7',
      card_id: '99',
    });
  });

  it('applies only to door events sent to placeos hooks', () => {
    expect(placeosDoorBody(placeos, { type: 'order.created', data: { order_id: 1 } })).toBeUndefined();
    const standard = { signing: { profile: 'standard' as const, secretSet: true } };
    expect(placeosDoorBody(standard, { type: 'door.granted', data: { door_id: 'd' } })).toBeUndefined();
  });
});

describe('door events at ingest', () => {
  it('need data.door_id or a scope', () => {
    expect(doorEventErrors('door.granted', undefined, {})).toEqual([
      { field: 'data.door_id', message: expect.stringContaining('scope') },
    ]);
    expect(doorEventErrors('door.granted', 'lobby', {})).toEqual([]);
    expect(doorEventErrors('door.granted', undefined, { door_id: 'd' })).toEqual([]);
    expect(doorEventErrors('order.created', undefined, {})).toEqual([]);
  });

  it('name every badly typed field', () => {
    const errors = doorEventErrors('door.denied', 'lobby', { card_id: {}, user_email: 5 });
    expect(errors.map((e) => e.field).sort()).toEqual(['data.card_id', 'data.user_email']);
  });
});

describe('placeos signing secrets', () => {
  const ctx = { id: 'hk_1', number: 1, tenant: 't', now: at };
  const base = { name: 'Rhombus', events: ['door.*'], url: 'https://rhombus.example/hook' };

  it('accepts any non-empty secret (the seed’s example is "123456") and none at all', () => {
    const signed = applyHookInput(
      { ...base, signing: { profile: 'placeos', secret: '123456' } },
      'create',
      undefined,
      ctx,
    );
    expect(Array.isArray(signed) ? signed : signed.credentials).toEqual({ signingSecret: '123456' });
    const unsigned = applyHookInput({ ...base, signing: { profile: 'placeos' } }, 'create', undefined, ctx);
    expect(Array.isArray(unsigned) ? unsigned : unsigned.hook.signing).toEqual({
      profile: 'placeos',
      secretSet: false,
    });
  });

  it('still wants 8 characters for coreone and a secret for every other profile', () => {
    expect(
      applyHookInput(
        { ...base, signing: { profile: 'coreone', secret: '123456' } },
        'create',
        undefined,
        ctx,
      ),
    ).toEqual([{ field: 'signing.secret', message: expect.stringContaining('at least 8') }]);
    expect(applyHookInput({ ...base, signing: { profile: 'coreone' } }, 'create', undefined, ctx)).toEqual([
      {
        field: 'signing.secret',
        message: 'the coreone signing profile signs with a secret: give one, or choose the profile "none"',
      },
    ]);
  });
});
