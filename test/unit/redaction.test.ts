import { describe, expect, it } from 'vitest';
import { credentialForms, REDACTED, redact } from '../../shared/domain/redaction.ts';

describe('redaction of a hook’s own credentials in what a receiver answered', () => {
  const forms = credentialForms(
    { auth: { type: 'basic', username: 'lims' } },
    {
      password: 'p"w/ECHO 1',
      authHeaders: { 'x-api-key': 'key-ECHO-77c1' },
      signingSecret: 'whsec_RUNITy1zaWduaW5n',
      previousSigningSecret: 'whsec_T0xELXNlY3JldA==',
    },
  );

  it('replaces every form: as sent, basic token, JSON-escaped, percent-encoded, secret without whsec_', () => {
    const echoed = JSON.stringify({
      authorization: `Basic ${Buffer.from('lims:p"w/ECHO 1').toString('base64')}`,
      key: 'key-ECHO-77c1',
      q: encodeURIComponent('p"w/ECHO 1'),
      secret: 'RUNITy1zaWduaW5n',
      old: 'whsec_T0xELXNlY3JldA==',
    });
    const out = redact(echoed, forms);
    for (const leaked of ['ECHO', 'RUNITy1zaWduaW5n', 'T0xELXNlY3JldA', 'bGltczpw'])
      expect(out).not.toContain(leaked);
    expect(out.split(REDACTED).length - 1).toBe(5);
  });

  it('redacts a credential cut off at the end of a truncated body', () => {
    expect(redact('..."key":"key-ECHO-7', forms)).toBe(`..."key":"${REDACTED}`);
  });

  it('leaves text without credentials alone', () => {
    expect(redact('{"ok":true}', forms)).toBe('{"ok":true}');
    expect(credentialForms({ auth: { type: 'none' } }, {})).toEqual([]);
  });

  it('redacts every previous secret of stacked rotations', () => {
    const stacked = credentialForms(
      { auth: { type: 'none' } },
      {
        signingSecret: 'whsec_Q1VSUkVOVC1zZWNyZXQ=',
        previousSigningSecrets: [
          { secret: 'whsec_U0VDT05ELXNlY3JldA==', until: '2030-01-01T00:00:00Z' },
          { secret: 'whsec_RklSU1Qtc2VjcmV0', until: '2029-01-01T00:00:00Z' },
        ],
      },
    );
    const out = redact('echo whsec_U0VDT05ELXNlY3JldA== and RklSU1Qtc2VjcmV0 and Q1VSUkVOVC1z', stacked);
    expect(out).toBe(`echo ${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it('cuts the longest credential start off the end, as the one-length-at-a-time search did', () => {
    // The search before it was made fast: every length from the longest down, per form.
    const slow = (text: string, list: readonly string[]): string => {
      let out = text;
      for (const form of list) out = out.split(form).join(REDACTED);
      for (const form of list) {
        for (let k = form.length - 1; k >= 4; k--) {
          if (out.endsWith(form.slice(0, k))) {
            out = `${out.slice(0, out.length - k)}${REDACTED}`;
            break;
          }
        }
      }
      return out;
    };
    const repeating = ['abab', 'ababab-x', 'aaaa', 'aaaaaaaa', 'key-ECHO-77c1', 'p"w/ECHO 1'];
    const texts = [
      '',
      'ab',
      'abab',
      'ababa',
      'xxababab',
      'aaaaaaa',
      'aaa',
      'key-ECHO-77c',
      'p"w/ECHO',
      'x key-E',
    ];
    for (const text of texts) {
      for (const list of [repeating, forms, [...repeating].reverse()]) {
        for (let cut = 0; cut <= text.length; cut++) {
          expect(redact(text.slice(0, cut), list)).toBe(slow(text.slice(0, cut), list));
        }
      }
    }
  });
});
