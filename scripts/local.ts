/**
 * `npm start [-- --fresh]`: the whole service on http://127.0.0.1:3000 (PORT overrides), with the
 * local AWS emulator, until Ctrl-C. State (tables, secrets, catalog, queued and retrying
 * deliveries) is kept in .local/ (LATCHKEY_STATE_DIR overrides) and survives a restart;
 * `--fresh` starts empty.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DRAIN_TIMEOUT_MS, startLocalApp } from './local/app.ts';
import { STOP_TIMEOUT_MS } from './local/emulator.ts';
import { writeLocalState } from './local/localCognito.ts';

const usage = 'usage: npm start [-- --fresh]   (PORT=3000, LATCHKEY_STATE_DIR=.local by default)';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let fresh = false;
try {
  const { values } = parseArgs({
    options: { fresh: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  fresh = values.fresh ?? false;
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}

const port = Number(process.env.PORT ?? 3000);
const quiet = process.env.LATCHKEY_QUIET === '1';
const log = (line: string) => {
  if (!quiet) console.log(line);
};
const stateDir = process.env.LATCHKEY_STATE_DIR ?? join(root, '.local');
const statePath = join(stateDir, 'emulator-state.pkl');
const near = relative(process.cwd(), statePath);
const shownState = near.startsWith('..') ? statePath : near;

if (fresh && existsSync(statePath)) {
  rmSync(statePath);
  console.log(`--fresh: removed the saved state ${shownState}; starting empty`);
}
const restored = existsSync(statePath);

try {
  const started = Date.now();
  // The resource names are fixed so that a restored state finds its table and queues again.
  const app = await startLocalApp({ port, log, statePath, prefix: 'latchkey-local' });
  const url = app.url;
  console.log(
    [
      '',
      `Latchkey is running on ${url}  (emulator: ${app.emulatorEndpoint}), started in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `State: ${shownState} (${restored ? 'restored from the last run' : 'new'}). Hooks, services, secrets and`,
      '  queued or retrying deliveries survive a restart; `npm start -- --fresh` starts empty.',
      '',
      'Mint a token (tenant and roles of your choice: admin, staff, user, webhook_admin, webhook_user):',
      '  TOKEN=$(npm run --silent token -- --tenant acme --roles admin)',
      `  curl -H "Authorization: Bearer $TOKEN" ${url}/v1/hooks`,
      '',
      'Receive deliveries:  npm run receiver -- --port 4000      (prints every request it gets)',
      'Try a relay:         npm run device -- --kind shelly --port 4100 --password secret',
      '                     (--kind shelly | tasmota | webhook; prints every call)',
      '',
      `  curl -X POST ${url}/v1/hooks -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"name":"demo","events":["order.*"],"url":"http://127.0.0.1:4000/orders"}'`,
      `  curl -X POST ${url}/v1/events -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"type":"order.created","data":{"order_id":"o-1"}}'`,
      'A service with its own credentials: POST /v1/clients as admin, then',
      `  curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials ${url}/oauth2/token`,
      `OpenAPI: ${url}/v1/openapi.json   README.md walks through hooks, deliveries, interlocks and machine clients.`,
      '',
      'Ctrl-C stops everything (twice: at once).',
      '',
    ].join('\n'),
  );
  // For `npm run token -- --client <id>`: where this run's emulator and user pool are.
  writeLocalState({ url, emulatorEndpoint: app.emulatorEndpoint, userPoolId: app.resources.userPoolId });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      console.log(`${signal} again: quitting now; state saved in the last second is kept`);
      process.exit(130);
    }
    stopping = true;
    const inFlight = app.inFlight;
    const waits = [
      inFlight > 0
        ? `waiting for ${inFlight} in-flight ${inFlight === 1 ? 'delivery' : 'deliveries'}, at most ${DRAIN_TIMEOUT_MS / 1000} s`
        : 'no deliveries in flight',
      `then saving state to ${shownState}, at most ${STOP_TIMEOUT_MS / 1000} s`,
    ];
    console.log(`\n${signal}: stopping Latchkey: ${waits.join('; ')} ...`);
    await app.stop();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  console.error(`Latchkey could not start: ${(err as Error).message}`);
  process.exit(1);
}
