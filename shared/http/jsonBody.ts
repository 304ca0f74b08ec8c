import type { FieldError } from './errors.ts';

/**
 * Request bodies are JSON that Latchkey stores and returns exactly, or refuses at the door. A body
 * is refused (422, naming each field and the limit) when it holds
 *  - a number that is not finite once read (`1e400`), or whose value a JSON number (an IEEE 754
 *    double) cannot hold exactly (`9007199254740993`, `1e-400`, `0.10000000000000000001`): it would
 *    come back as another number. `1e16` or `1.0` are fine: they come back as `10000000000000000`
 *    and `1`, the same value;
 *  - objects and arrays nested deeper than MAX_JSON_DEPTH levels (the body itself is level 1).
 * Malformed JSON is a 400.
 */
export const MAX_JSON_DEPTH = 32;

export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; malformed: string }
  | { ok: false; errors: FieldError[] };

/** A number that did not survive reading, with the text it was sent as. */
class UnfaithfulNumber {
  constructor(
    readonly source: string,
    readonly value: number,
  ) {}
}

/** `-0012.50e+3` → `125e2`: sign, significant digits without leading/trailing zeros, exponent. */
export function canonicalDecimal(text: string): string | undefined {
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  let digits = `${m[2]}${m[3] ?? ''}`.replace(/^0+/, '');
  let exponent = BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length);
  // -0 and 0 are the same value (JSON.stringify writes both as 0).
  if (digits === '') return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += BigInt(trailing);
  return `${m[1] ?? ''}${digits}e${exponent}`;
}

/** Whether the number read from `source` is exactly the decimal value written there. */
export function isFaithful(source: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const sent = canonicalDecimal(source);
  const kept = canonicalDecimal(String(value).replace('e+', 'e'));
  return sent === kept;
}

const label = (path: string[]) => (path.length === 0 ? '(body)' : path.join('.'));

/** The path of the first value nested deeper than the limit, walking without recursion. */
function tooDeep(value: unknown): string[] | undefined {
  const stack: { node: unknown; path: string[]; depth: number }[] = [{ node: value, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return path;
    for (const [key, child] of Object.entries(node))
      stack.push({ node: child, path: [...path, key], depth: depth + 1 });
  }
  return undefined;
}

function unfaithfulNumbers(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (node instanceof UnfaithfulNumber) {
      errors.push({
        field: label(path),
        message: Number.isFinite(node.value)
          ? `the number ${node.source.slice(0, 40)} cannot be kept exactly (JSON numbers are IEEE 754 doubles: ` +
            'at most 15-17 significant digits, integers up to 2^53); send it as a string'
          : `the number ${node.source.slice(0, 40)} is out of range (JSON numbers are IEEE 754 doubles, up to about 1.8e308); send it as a string`,
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
    }
  };
  visit(value, []);
  return errors;
}

/** Reads a request body (see above). */
export function readJsonBody(text: string): JsonBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, malformed: (err as Error).message };
  }
  const deep = tooDeep(value);
  if (deep) {
    return {
      ok: false,
      errors: [
        {
          field: label(deep.slice(0, MAX_JSON_DEPTH)),
          message: `nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels (the limit)`,
        },
      ],
    };
  }
  // Within the depth limit, read again with each number's source text to check it survived.
  let unfaithful = false;
  const checked = JSON.parse(text, (_key, v: unknown, context?: { source?: string }) => {
    if (typeof v === 'number' && context?.source !== undefined && !isFaithful(context.source, v)) {
      unfaithful = true;
      return new UnfaithfulNumber(context.source, v);
    }
    return v;
  }) as unknown;
  if (!unfaithful) return { ok: true, value };
  return { ok: false, errors: unfaithfulNumbers(checked) };
}
