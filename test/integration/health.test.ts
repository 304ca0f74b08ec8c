import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { call, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

describe('the local HTTP API', () => {
  let app: LocalApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers /health without a token', async () => {
    const res = await call(app, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', service: 'latchkey' });
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers 404 for a route that does not exist', async () => {
    const res = await call(app, 'GET', '/v1/nothing-here', { token: await tokenFor(newTenant(), ['admin']) });
    expect(res.status).toBe(404);
  });
});
