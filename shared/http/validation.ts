import type * as z from 'zod';
import { type FieldError, ValidationError } from './errors.ts';

/** The value at `path` in the parsed input, undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Every zod issue as `{field, message}`, with dotted paths (`auth.password`, `events.1`). `input`
 * is what was parsed: a field that is absent "is required", one of the wrong type says so.
 */
export function fieldErrors(error: z.ZodError, input: unknown): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: path || '(body)', message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    if (issue.code === 'invalid_key') {
      // A record key (a header name) that its schema refuses: say why, not "Invalid key in record".
      return {
        field: path || '(body)',
        message: `is not a valid name: ${issue.issues[0]?.message ?? issue.message}`,
      };
    }
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      return { field: path || '(body)', message: 'is required' };
    }
    return { field: path || '(body)', message: issue.message };
  });
}

/** Parses input with a schema; a failure is a 422 listing every bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const given = input === undefined ? {} : input;
  const result = schema.safeParse(given);
  if (!result.success) throw new ValidationError(fieldErrors(result.error, given));
  return result.data;
}
