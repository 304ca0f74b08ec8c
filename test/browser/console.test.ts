import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../scripts/browser/chromium.ts';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * The staff console in a real headless Chromium (Debian's package, driven by playwright-core)
 * against local mode: what a person sees and does, and what reaches the receivers.
 */
let app: LocalApp;
let browser: Browser;
let receiver: Receiver;
const contexts: BrowserContext[] = [];
/** Every URL the pages requested: the console must not reach beyond Latchkey. */
const requested: string[] = [];

beforeAll(async () => {
  [app, receiver] = await Promise.all([startTestApp(), startReceiver()]);
  browser = await chromium.launch({ executablePath: chromiumPath()!, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.stop(), receiver?.close()]);
  expect(requested.length).toBeGreaterThan(0);
  for (const url of requested) expect(new URL(url).origin).toBe(app.url);
});

async function openConsole(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  await page.goto(`${app.url}/console/`);
  return page;
}

/** The one-click local sign-in: tenant, subject and roles, as a person fills it in. */
async function signInLocally(page: Page, tenant: string, sub: string, roles: string[]): Promise<void> {
  await page.getByLabel('Tenant').fill(tenant);
  await page.getByLabel('User id (token subject)').fill(sub);
  for (const role of ['admin', 'staff', 'user', 'webhook_admin', 'webhook_user']) {
    await page.getByLabel(role, { exact: true }).setChecked(roles.includes(role));
  }
  await page.getByRole('button', { name: 'Sign in locally' }).click();
  await page.getByText(`Signed in as ${sub}`).waitFor();
}

async function signInWithToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Use this token' }).click();
}

describe('the staff console', () => {
  it('creates a hook through the form; its delivery reaches the receiver and the deliveries page; a test is sent', async () => {
    const tenant = newTenant('console');
    const page = await openConsole();
    await signInLocally(page, tenant, 'sam', ['staff']);
    await page.getByRole('link', { name: 'New hook' }).click();
    await page.getByLabel('Name', { exact: true }).fill('LIMS orders');
    await page.getByLabel('Target URL').fill(`${receiver.url}/orders`);
    await page.getByLabel('order.created').check();
    await page.getByLabel('Headers', { exact: true }).fill('XFacility: north');
    await page.getByLabel('Extra data (JSON object)').fill('{"facility": "north"}');
    await page.getByLabel('Authentication', { exact: true }).selectOption('basic');
    await page.getByLabel('Username', { exact: true }).fill('lims');
    await page.getByLabel('Password', { exact: true }).fill('pa55-never-shown');
    await page.getByRole('button', { name: 'Create hook' }).click();
    await page.getByText('Saved “LIMS orders”.').waitFor();
    // Write-only: the form now says a password is set, and the page never holds it.
    await page.getByText('A password is set.').waitFor();
    expect(await page.content()).not.toContain('pa55-never-shown');

    const staff = await tokenFor(tenant, ['staff'], 'sam');
    const sent = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'order.created', data: { order_id: 'o-42' } },
    });
    expect(sent.status).toBe(202);
    const got = await eventually(() => receiver.received.find((r) => r.json?.order_id === 'o-42'));
    expect(got.headers['x-facility']).toBe('north');
    expect(got.headers.authorization).toBe(
      `Basic ${Buffer.from('lims:pa55-never-shown').toString('base64')}`,
    );
    expect(got.json).toMatchObject({ order_id: 'o-42', facility: 'north' });

    await page.getByRole('link', { name: 'Hooks' }).click();
    await expect
      .poll(() => page.getByRole('row', { name: /LIMS orders/ }).textContent())
      .toContain('Enabled');
    await page.getByRole('link', { name: 'Deliveries of LIMS orders' }).click();
    const attempts = page.getByRole('table', { name: 'Attempts to LIMS orders, newest event first' });
    const row = attempts.getByRole('row', { name: /order\.created/ });
    // The receiver answers before the attempt is logged: refresh as a person would until it shows.
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await expect
      .poll(async () => {
        if ((await row.count()) === 0) await page.getByRole('button', { name: 'Refresh' }).click();
        return row.count();
      })
      .toBe(1);
    expect(await row.textContent()).toMatch(/succeeded.*200/);

    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText(/Test delivery succeeded: HTTP 200 in \d+ ms/).waitFor();
    const ping = receiver.received.slice(before).find((r) => r.path === '/orders');
    expect(ping?.headers.authorization).toBe(got.headers.authorization);
    await attempts.getByRole('row', { name: /test\.ping \(test\)/ }).waitFor();
  });

  it('lists a hook’s dead letters with the reason and redrives one to a receiver that recovered', async () => {
    const tenant = newTenant('dead');
    const staff = await tokenFor(tenant, ['staff'], 'sam');
    const flaky = await startReceiver();
    try {
      flaky.reply({ status: 400, body: '{"error":"bad"}' });
      const hook = await call(app, 'POST', '/v1/hooks', {
        token: staff,
        body: { name: 'Billing', events: ['order.*'], url: `${flaky.url}/billing` },
      });
      expect(hook.status, hook.text).toBe(201);
      const hookId = (hook.body as Json).id as string;
      const sent = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: { type: 'order.created', data: { order_id: 'o-dead' } },
      });
      expect(sent.status).toBe(202);
      // 400 is permanent: dead-lettered at once, with the reason.
      await eventually(async () => {
        const list = await call(app, 'GET', `/v1/dead-letters?hook_id=${hookId}`, { token: staff });
        return (list.body as Json).dead_letters?.length === 1 ? true : undefined;
      });

      const page = await openConsole();
      await signInLocally(page, tenant, 'sam', ['staff']);
      await page.goto(`${app.url}/console/#/hooks/${hookId}/deliveries`);
      const letters = page.getByRole('table', { name: 'Dead letters of this hook, newest first' });
      const row = letters.getByRole('row', { name: /order\.created/ });
      await row.waitFor();
      expect(await row.textContent()).toContain('HTTP 400 Bad Request');

      await row.getByRole('button', { name: 'Redrive' }).click();
      await page.getByText(/Delivery \S+: 1 re-enqueued\./).waitFor();
      // The redriven delivery arrives again: the same delivery, second request at the receiver.
      const [first, again] = await eventually(() => {
        const both = flaky.received.filter((r) => r.json?.order_id === 'o-dead');
        return both.length === 2 ? both : undefined;
      });
      expect(again?.body).toBe(first?.body);
      await page.getByText('No dead letters.').waitFor();
    } finally {
      await flaky.close();
    }
  });

  it('a user sees no interlock controls without a booking; inside the window sees them, unlocks, and reads a failing target’s reason', async () => {
    const tenant = newTenant('lock');
    const staff = await tokenFor(tenant, ['staff'], 'sam');
    const failing = await startReceiver();
    failing.fallback = { status: 503, body: 'down for maintenance' };
    try {
      expect(
        (
          await call(app, 'PUT', '/v1/services/nmr-600', {
            token: staff,
            body: { name: 'NMR 600', tags: ['has_interlock'] },
          })
        ).status,
      ).toBe(200);
      for (const [name, event, url] of [
        ['NMR unlock', 'interlock.unlock', `${receiver.url}/unlock`],
        ['NMR lock', 'interlock.lock', `${failing.url}/lock`],
      ] as const) {
        const created = await call(app, 'POST', '/v1/hooks', {
          token: staff,
          body: { name, events: [event], scope: 'nmr-600', url },
        });
        expect(created.status).toBe(201);
      }

      const page = await openConsole();
      await signInWithToken(page, await tokenFor(tenant, ['user'], 'alice'));
      await page.getByRole('link', { name: 'NMR 600' }).click();
      await page
        .getByText('Interlock controls are not available to you now: no booking of yours on this service')
        .waitFor();
      expect(await page.getByRole('button', { name: /^(Lock|Unlock|Query lock status)$/ }).count()).toBe(0);

      const start = new Date(Date.now() + 2 * 60_000);
      const end = new Date(start.getTime() + 3600_000);
      const booked = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: {
          type: 'event.created',
          scope: 'nmr-600',
          data: {
            event_id: 'bk-1',
            service_id: 'nmr-600',
            user_id: 'alice',
            start: start.toISOString(),
            end: end.toISOString(),
          },
        },
      });
      expect(booked.status).toBe(202);
      await page.reload();
      await page.getByText('Your window:').waitFor();
      const windowText = await page.locator('.window time').first().getAttribute('datetime');
      expect(windowText).toBe(new Date(start.getTime() - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));

      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByText('Unlocked: 1 target answered.').waitFor();
      const unlock = receiver.received.find((r) => r.path === '/unlock');
      expect(unlock?.json).toMatchObject({ service_id: 'nmr-600', action: 'unlock', user_id: 'alice' });

      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(
        /Lock failed: lock of service nmr-600 failed at 1 of 1 target: "NMR lock" \(hk_\w+\): HTTP 503/,
      );
    } finally {
      await failing.close();
    }
  });

  it('a webhook user sees only the granted hook, signing in and working by keyboard, readable at 200 % zoom', async () => {
    const tenant = newTenant('wu');
    const admin = await tokenFor(tenant, ['admin'], 'ada');
    const ids: string[] = [];
    for (const name of ['Granted hook', 'Hidden hook']) {
      const res = await call(app, 'POST', '/v1/hooks', {
        token: admin,
        body: { name, events: ['order.*'], url: receiver.url },
      });
      ids.push((res.body as Json).id);
    }
    expect((await call(app, 'PUT', `/v1/hooks/${ids[0]}/grants/wendy`, { token: admin })).status).toBe(200);

    // 640 CSS px wide: what a 1280 px window shows at 200 % zoom.
    const page = await openConsole({ width: 640, height: 900 });
    // Keyboard only: every control is reachable with Tab and labelled.
    await page.getByLabel('Tenant').focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(tenant);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('wendy');
    await page.keyboard.press('Tab'); // the role boxes, in order
    await page.keyboard.press('Space'); // admin off
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // webhook_user on
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Granted hook', exact: true }).waitFor();
    // Navigation moves focus to the page's heading, so the keyboard starts from the content.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Hooks');
    expect(await page.getByText('Hidden hook').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New hook' }).count()).toBe(0);
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
