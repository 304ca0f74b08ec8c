import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import { type LocalApp, startLocalApp } from '../../scripts/local/app.ts';
import { mintToken } from '../../scripts/local/jwt.ts';

/**
 * Starts the real local app (HTTP API + queue consumer) on a free port against the run's
 * emulator, with resources of its own. Call once per test file (beforeAll).
 */
export async function startTestApp(env: Record<string, string> = {}, consumeQueue = true): Promise<LocalApp> {
  return startLocalApp({ port: 0, emulatorEndpoint: inject('emulatorEndpoint'), env, consumeQueue });
}

/** A tenant no other test uses, so tests never share state. */
export function newTenant(label = 't'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** A new tenant and an admin token of it (sub `op-<tenant>`). */
export async function adminOfNewTenant(): Promise<{ tenant: string; token: string }> {
  const tenant = newTenant();
  return { tenant, token: await tokenFor(tenant, ['admin'], `op-${tenant}`) };
}

export async function tokenFor(tenant: string, roles: string[], sub?: string): Promise<string> {
  return mintToken({ tenant, roles, sub });
}

export interface ApiCall {
  status: number;
  body: unknown;
  headers: Headers;
  text: string;
}

/** Calls the local API as a user would, with an optional bearer token. */
export async function call(
  app: LocalApp,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiCall> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${app.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Response bodies as tests read them: free-form JSON, checked by the assertions themselves. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON; expect() does the checking
export type Json = Record<string, any>;

/**
 * Creates a hook on `order.created` named after `path`, delivering to `receiverUrl` + `path`
 * (`body` overrides any field), and answers it; anything but 201 fails the test.
 */
export async function receiverHook(
  app: LocalApp,
  token: string,
  receiverUrl: string,
  path: string,
  body: Json = {},
): Promise<Json> {
  const res = await call(app, 'POST', '/v1/hooks', {
    token,
    body: { name: path, events: ['order.created'], url: `${receiverUrl}${path}`, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as Json;
}
