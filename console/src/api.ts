import { clearSession, currentSession } from './session.ts';

/**
 * The one way the console calls Latchkey: bearer token from the session, JSON in and out, and
 * errors turned into what the API said (its message, and for 422 every field with its message).
 */
export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[],
    readonly body: unknown,
  ) {
    super(message);
  }
}

let baseUrl = '';
let onUnauthorized: () => void = () => {};

export function configureApi(apiUrl: string, unauthorized: () => void): void {
  baseUrl = apiUrl;
  onUnauthorized = unauthorized;
}

function describe(status: number, statusText: string, body: unknown): ApiError {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const fieldErrors = Array.isArray(record.errors)
    ? record.errors.map((e) =>
        typeof e === 'string'
          ? { field: '', message: e }
          : {
              field: String((e as FieldError).field ?? ''),
              message: String((e as FieldError).message ?? ''),
            },
      )
    : [];
  const message = typeof record.message === 'string' ? record.message : `HTTP ${status} ${statusText}`.trim();
  return new ApiError(status, message, fieldErrors, body);
}

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const session = currentSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, `Latchkey did not answer (${(err as Error).message})`, [], undefined);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (res.status === 401) {
    clearSession();
    onUnauthorized();
    throw new ApiError(401, 'Your sign-in has expired or was refused; sign in again.', [], parsed);
  }
  if (!res.ok) throw describe(res.status, res.statusText, parsed);
  return parsed as T;
}

export const enc = encodeURIComponent;
