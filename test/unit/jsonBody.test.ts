import { describe, expect, it } from 'vitest';
import { canonicalDecimal, isFaithful, MAX_JSON_DEPTH, readJsonBody } from '../../shared/http/jsonBody.ts';

describe('request bodies: stored exactly or refused at the door', () => {
  it.each([
    ['1e16', 1e16],
    ['1e20', 1e20],
    ['1e-300', 1e-300],
    ['1.0', 1],
    ['-0', -0],
    ['0.1', 0.1],
    ['1.5e3', 1500],
    ['9007199254740992', 2 ** 53],
  ])('keeps %s: the number read is the value written', (source, value) => {
    expect(isFaithful(source, value)).toBe(true);
  });

  it.each([
    ['9007199254740993', 2 ** 53],
    ['1e400', Number.POSITIVE_INFINITY],
    ['1e-400', 0],
    ['0.10000000000000000001', 0.1],
  ])('refuses %s: it would come back as another number', (source, value) => {
    expect(isFaithful(source, value)).toBe(false);
  });

  it('compares decimal values, not spellings', () => {
    expect(canonicalDecimal('-0012.50e+3')).toBe('-125e2');
    expect(canonicalDecimal('0.000')).toBe('0');
    expect(canonicalDecimal('12e-1')).toBe(canonicalDecimal('1.2'));
  });

  it('names every unfaithful number by its path', () => {
    const body = readJsonBody('{"data":{"big":9007199254740993,"list":[1,1e400],"ok":1.5}}');
    expect(body).toEqual({
      ok: false,
      errors: [
        { field: 'data.big', message: expect.stringMatching(/cannot be kept exactly/) },
        { field: 'data.list.1', message: expect.stringMatching(/out of range/) },
      ],
    });
  });

  it('refuses nesting past the limit without overflowing the stack, however deep', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = readJsonBody(deep);
    expect(body.ok).toBe(false);
    expect(body).toMatchObject({ errors: [{ message: expect.stringMatching(/deeper than 32 levels/) }] });
    const atLimit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(readJsonBody(atLimit).ok).toBe(true);
  });

  it('keeps empty keys and answers malformed JSON as malformed', () => {
    expect(readJsonBody('{"":{"":1}}')).toEqual({ ok: true, value: { '': { '': 1 } } });
    expect(readJsonBody('{"a":')).toMatchObject({ ok: false, malformed: expect.any(String) });
  });
});
