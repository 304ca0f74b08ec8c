/**
 * `npm run console:screenshots`: starts local mode on a free port, fills a tenant with a few
 * hooks, deliveries and an interlock service, and saves a screenshot of each main console page
 * into docs/ (headless Chromium, the same one the browser tests drive).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startReceiver } from '../test/support/receiver.ts';
import { chromiumPath, missingChromiumMessage } from './browser/chromium.ts';
import { startLocalApp } from './local/app.ts';
import { mintToken } from './local/jwt.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const executablePath = chromiumPath();
if (!executablePath) {
  console.error(missingChromiumMessage());
  process.exit(1);
}

const app = await startLocalApp({ port: 0 });
const receiver = await startReceiver();
const status = await startReceiver();
status.fallback = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"locked"}',
};
const tenant = 'north-lab';
const admin = await mintToken({ tenant, roles: ['admin'], sub: 'ada' });
const apiCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
};

try {
  const lims = await apiCall('POST', '/v1/hooks', {
    name: 'LIMS orders',
    events: ['order.created', 'order.updated'],
    url: `${receiver.url}/orders`,
    headers: { XFacility: 'north' },
    auth: { type: 'basic', username: 'lims', password: 'example-only' },
    signing: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  });
  await apiCall('POST', '/v1/hooks', {
    name: 'Billing export',
    events: ['order.*'],
    url: 'https://billing.example.org/hooks',
    enabled: false,
  });
  await apiCall('PUT', '/v1/services/nmr-600', { name: 'NMR 600', tags: ['has_interlock', 'nmr'] });
  await apiCall('PUT', '/v1/services/sem-1', { name: 'SEM 1', tags: ['microscopy'] });
  await apiCall('POST', '/v1/hooks', {
    name: 'NMR door',
    events: ['interlock.lock', 'interlock.unlock'],
    scope: 'nmr-600',
    url: `${receiver.url}/door`,
  });
  await apiCall('POST', '/v1/hooks', {
    name: 'NMR status',
    events: ['interlock.status'],
    scope: 'nmr-600',
    url: `${status.url}/status`,
    method: 'GET',
  });
  for (const id of ['o-41', 'o-42'])
    await apiCall('POST', '/v1/events', { type: 'order.created', data: { order_id: id } });
  receiver.reply({ status: 503, body: 'maintenance' });
  await apiCall('POST', '/v1/events', { type: 'order.updated', data: { order_id: 'o-42' } });
  await apiCall('POST', `/v1/hooks/${lims.id}/test`);
  await apiCall('POST', '/v1/interlocks/nmr-600/unlock');
  await new Promise((r) => setTimeout(r, 1500)); // let the queue consumer deliver

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(`${app.url}/console/`);
  const shot = async (name: string) => {
    await page.screenshot({ path: join(root, 'docs', `console-${name}.png`) });
    console.log(`docs/console-${name}.png`);
  };
  await shot('sign-in');
  await page.getByLabel('Tenant').fill(tenant);
  await page.getByRole('button', { name: 'Sign in locally' }).click();
  await page.getByRole('link', { name: 'LIMS orders', exact: true }).waitFor();
  await shot('hooks');
  await page.getByRole('link', { name: 'LIMS orders', exact: true }).click();
  await page.getByRole('button', { name: 'Save hook' }).waitFor();
  await shot('hook-form');
  await page.goto(`${app.url}/console/#/hooks/${lims.id}/deliveries`);
  await page.getByRole('button', { name: 'Send a test' }).click();
  await page.getByText(/Test delivery/).waitFor();
  await page
    .getByRole('row', { name: /test\.ping/ })
    .first()
    .waitFor();
  await page.waitForFunction("!document.querySelector('button[aria-busy]')");
  await shot('deliveries');
  await page.goto(`${app.url}/console/#/services`);
  await page.getByRole('link', { name: 'NMR 600' }).waitFor();
  await shot('services');
  await page.goto(`${app.url}/console/#/services/nmr-600`);
  await page.getByRole('button', { name: 'Query lock status' }).click();
  await page.getByText('Status: locked').waitFor();
  await shot('interlock');
  await browser.close();
} finally {
  await Promise.all([receiver.close(), status.close()]);
  await app.stop();
}
