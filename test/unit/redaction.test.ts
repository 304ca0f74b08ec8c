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
});
