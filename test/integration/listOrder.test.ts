import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { newHookId } from '../../shared/domain/hook.ts';
import { call, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/** A user takes ids from create answers and pages through lists that come in creation order. */
describe('hook lists in creation order', () => {
  let app: LocalApp;
  beforeAll(async () => {
    app = await startTestApp({}, false);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('pages oldest first with stable cursors while hooks are added', async () => {
    const token = await tokenFor(newTenant('order'), ['admin']);
    const created: string[] = [];
    const create = async (i: number) => {
      const res = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { name: `hook ${i}`, events: ['order.*'], url: `https://receiver.example/${i}` },
      });
      expect(res.status, res.text).toBe(201);
      created.push((res.body as Json).id);
    };
    for (let i = 0; i < 7; i++) await create(i);

    const first = await call(app, 'GET', '/v1/hooks?limit=3', { token });
    expect((first.body as Json).hooks.map((h: Json) => h.id)).toEqual(created.slice(0, 3));
    // New hooks land at the end: the cursor of the first page still leads to the fourth hook.
    await create(7);
    const seen = [...(first.body as Json).hooks.map((h: Json) => h.id)];
    let cursor: string | null = (first.body as Json).next_cursor;
    while (cursor) {
      const page = await call(app, 'GET', `/v1/hooks?limit=3&cursor=${encodeURIComponent(cursor)}`, {
        token,
      });
      expect(page.status, page.text).toBe(200);
      seen.push(...(page.body as Json).hooks.map((h: Json) => h.id));
      cursor = (page.body as Json).next_cursor;
    }
    expect(seen).toEqual(created);
  });

  it('makes ids that sort by creation even within one millisecond', () => {
    const ids = [newHookId(1_000), newHookId(1_000), newHookId(999), newHookId(5_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^hk_[0-9a-f]{20}$/);
  });
});
