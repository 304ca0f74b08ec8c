/**
 * Outbound request headers as deliveries and interlock calls build them. Names compare
 * case-insensitively and are sent in lower case; a later source wins, in the place the name first
 * took. `__proto__` is an ordinary header name here, never the object's prototype.
 */
export function mergeHeaders(...sources: Record<string, string>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) {
    for (const name in source) {
      const lower = name.toLowerCase();
      if (lower === '__proto__') {
        Object.defineProperty(out, lower, {
          value: source[name],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[lower] = source[name]!;
    }
  }
  return out;
}

/** The token of `Authorization: Basic <token>` (also a form redaction looks for). */
export function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}
