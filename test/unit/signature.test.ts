import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signRequest } from '#shared/domain/signature.ts';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const hex = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

const signedInput = (body: Record<string, unknown>) => ({
  eventType: 'order.created',
  webhookId: 'msg_x',
  timestamp: new Date(),
  body,
});

describe('signing deliveries', () => {
  const timestamp = new Date();
  const body = { order_id: 12, line_id: 3, note: 'héllo' };

  describe('standard (Standard Webhooks v1)', () => {
    it('verifies with the standardwebhooks library unchanged', () => {
      const secret = newSecret();
      const signed = signRequest({
        profile: 'standard',
        eventType: 'order.created',
        webhookId: 'msg_1',
        timestamp,
        body,
        secrets: [secret],
      });
      expect(signed.headers['content-type']).toBe('application/json');
      expect(signed.headers['webhook-id']).toBe('msg_1');
      expect(signed.headers['webhook-timestamp']).toBe(String(Math.floor(timestamp.getTime() / 1000)));
      expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual(body);
    });

    it('sends both signatures during a rotation overlap, each verifying on its own', () => {
      const current = newSecret();
      const previous = newSecret();
      const signed = signRequest({
        profile: 'standard',
        eventType: 'order.created',
        webhookId: 'msg_2',
        timestamp,
        body,
        secrets: [current, previous],
      });
      expect(signed.headers['webhook-signature']?.split(' ')).toHaveLength(2);
      expect(new Webhook(current).verify(signed.body, signed.headers)).toEqual(body);
      expect(new Webhook(previous).verify(signed.body, signed.headers)).toEqual(body);
      expect(() => new Webhook(newSecret()).verify(signed.body, signed.headers)).toThrow();
    });

    it('signs with the right key when secrets alternate (keys are made once per secret)', () => {
      const secrets = [newSecret(), newSecret(), 'bm8tcHJlZml4'];
      for (const round of [1, 2]) {
        for (const [i, secret] of secrets.entries()) {
          const signed = signRequest({
            profile: 'standard',
            eventType: 'order.created',
            webhookId: `msg_${round}_${i}`,
            timestamp,
            body,
            secrets: [secret],
          });
          expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual(body);
          for (const other of secrets.filter((s) => s !== secret)) {
            expect(() => new Webhook(other).verify(signed.body, signed.headers)).toThrow();
          }
        }
      }
    });

    it('signs a long body (sent as its UTF-8 bytes) exactly as a short one', () => {
      const secret = newSecret();
      for (const note of ['é'.repeat(10), 'é'.repeat(20_000), 'x'.repeat(70_000)]) {
        const long = { ...body, note };
        const signed = signRequest({
          profile: 'standard',
          eventType: 'order.created',
          webhookId: 'msg_long',
          timestamp,
          body: long,
          secrets: [secret],
        });
        expect(Buffer.from(signed.bytes).equals(Buffer.from(signed.body))).toBe(true);
        expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual(long);
        const coreone = signRequest({ ...signedInput(long), profile: 'coreone', secrets: ['s3cret'] });
        expect(coreone.headers['X-Coreone-Webhook-Hash']).toBe(hex('s3cret', coreone.body));
      }
    });

    it('fails verification when the body is tampered with', () => {
      const secret = newSecret();
      const signed = signRequest({
        profile: 'standard',
        eventType: 'order.created',
        webhookId: 'msg_3',
        timestamp,
        body,
        secrets: [secret],
      });
      const tampered = signed.body.replace('12', '13');
      expect(() => new Webhook(secret).verify(tampered, signed.headers)).toThrow();
    });
  });

  describe('coreone', () => {
    it('sends the type and a hex HMAC of the exact body', () => {
      const signed = signRequest({
        profile: 'coreone',
        eventType: 'accession/status_change',
        webhookId: 'd-1',
        timestamp,
        body,
        secrets: ['s3cret'],
      });
      expect(signed.headers['X-Coreone-Webhook-Type']).toBe('accession/status_change');
      expect(signed.headers['X-Coreone-Webhook-Hash']).toBe(hex('s3cret', signed.body));
      expect(signed.headers['X-Coreone-Webhook-Hash']).not.toBe(
        hex('s3cret', signed.body.replace('12', '13')),
      );
      expect(signed.headers).not.toHaveProperty('X-Coreone-Webhook-Hash-Previous');
      expect(signed.headers['webhook-id']).toBe('d-1');
      expect(JSON.parse(signed.body)).toEqual(body);
    });

    it('adds the previous secret hash during a rotation overlap', () => {
      const signed = signRequest({
        profile: 'coreone',
        eventType: 'client/create',
        webhookId: 'd-2',
        timestamp,
        body,
        secrets: ['new', 'old'],
      });
      expect(signed.headers['X-Coreone-Webhook-Hash']).toBe(hex('new', signed.body));
      expect(signed.headers['X-Coreone-Webhook-Hash-Previous']).toBe(hex('old', signed.body));
      // The same secrets the other way round: each key is its own secret's, however often used.
      const swapped = signRequest({
        profile: 'coreone',
        eventType: 'client/create',
        webhookId: 'd-3',
        timestamp,
        body,
        secrets: ['old', 'new'],
      });
      expect(swapped.headers['X-Coreone-Webhook-Hash']).toBe(hex('old', swapped.body));
      expect(swapped.headers['X-Coreone-Webhook-Hash-Previous']).toBe(hex('new', swapped.body));
    });
  });

  describe('placeos', () => {
    const at = new Date('2022-04-03T23:59:25.123Z');

    it('puts the timestamp and the hex HMAC of the timestamp in the body', () => {
      const signed = signRequest({
        profile: 'placeos',
        eventType: 'door.granted',
        webhookId: 'd-3',
        timestamp: at,
        body: { door_id: '123456', action: 'granted' },
        secrets: ['123456'],
      });
      const sent = JSON.parse(signed.body);
      expect(sent).toMatchObject({ door_id: '123456', action: 'granted', timestamp: '2022-04-03T23:59:25Z' });
      expect(sent.signature).toBe(hex('123456', '2022-04-03T23:59:25Z'));
      expect(sent.signature).not.toBe(hex('123456', '2022-04-03T23:59:26Z'));
      expect(sent).not.toHaveProperty('signature_previous');
    });

    it('adds signature_previous during a rotation overlap, and no forged signature without a secret', () => {
      const overlap = JSON.parse(
        signRequest({
          profile: 'placeos',
          eventType: 'door.denied',
          webhookId: 'd-4',
          timestamp: at,
          body: {},
          secrets: ['new', 'old'],
        }).body,
      );
      expect(overlap.signature).toBe(hex('new', overlap.timestamp));
      expect(overlap.signature_previous).toBe(hex('old', overlap.timestamp));

      const unsigned = JSON.parse(
        signRequest({
          profile: 'placeos',
          eventType: 'door.denied',
          webhookId: 'd-5',
          timestamp: at,
          body: { signature: 'forged' },
          secrets: [],
        }).body,
      );
      expect(unsigned).toEqual({ timestamp: '2022-04-03T23:59:25Z' });
    });
  });

  describe('none', () => {
    it('sends the plain body with only the id and timestamp headers', () => {
      const signed = signRequest({
        profile: 'none',
        eventType: 'order.created',
        webhookId: 'd-6',
        timestamp,
        body,
        secrets: ['ignored'],
      });
      expect(signed.body).toBe(JSON.stringify(body));
      expect(Object.keys(signed.headers).sort()).toEqual(['content-type', 'webhook-id', 'webhook-timestamp']);
    });

    it('a standard hook without a secret is unsigned', () => {
      const signed = signRequest({
        profile: 'standard',
        eventType: 'order.created',
        webhookId: 'd-7',
        timestamp,
        body,
        secrets: [],
      });
      expect(signed.headers).not.toHaveProperty('webhook-signature');
      expect(signed.body).toBe(JSON.stringify(body));
    });
  });
});
