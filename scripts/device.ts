/**
 * `npm run device -- --kind shelly|tasmota|webhook [--port 4100] [--password P] [--channels 1]`:
 * a fake relay on 127.0.0.1 that behaves like the real one, for trying interlocks by hand.
 *  - shelly: Shelly Gen2+ RPC (`/rpc/Switch.Set?id=0&on=true`, `/rpc/Switch.GetStatus?id=0`);
 *    with --password, SHA-256 Digest auth as user `admin`, as the real device does.
 *  - tasmota: `/cm?cmnd=Power%20On|Off` and bare `Power` for status; with --password, the
 *    `user=admin&password=` query parameters are required.
 *  - webhook: the resource system's plain interlock: any method to `/lock` or `/unlock`,
 *    `GET /status` answers `{"status":"locked"|"unlocked"}`. Starts locked.
 * Prints every call it gets and its state after it.
 */
import { parseArgs } from 'node:util';
import {
  type RecordedRequest,
  startPlainInterlock,
  startShellyLike,
  startTasmotaLike,
} from './local/deviceServers.ts';

const usage =
  'usage: npm run device -- --kind shelly|tasmota|webhook [--port 4100] [--password P] [--channels 1]';
const kinds = ['shelly', 'tasmota', 'webhook'] as const;
type Kind = (typeof kinds)[number];

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let values: { kind?: string; port?: string; password?: string; channels?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      kind: { type: 'string' },
      port: { type: 'string', default: '4100' },
      password: { type: 'string' },
      channels: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const kind = values.kind as Kind;
if (!kinds.includes(kind)) fail(`--kind must be one of ${kinds.join(', ')}`);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535)
  fail('--port must be a whole number from 1 to 65535');
const channels = Number(values.channels);
if (!Number.isInteger(channels) || channels < 1 || channels > 8) fail('--channels must be from 1 to 8');
if (kind === 'webhook' && values.password !== undefined) fail('--password is for shelly and tasmota');

let describeState = (): string => '';
const onRequest = (request: RecordedRequest, status: number): void => {
  console.log(`[${kind}] ${request.method} ${request.path} -> ${status}  ${describeState()}`);
};

try {
  let url: string;
  let close: () => Promise<void>;
  if (kind === 'webhook') {
    const device = await startPlainInterlock({ port, onRequest });
    describeState = () => (device.state.locked ? 'state: locked' : 'state: unlocked');
    ({ url, close } = device);
  } else {
    const start = kind === 'shelly' ? startShellyLike : startTasmotaLike;
    const device = await start({ port, password: values.password, channels, onRequest });
    describeState = () => `outputs: ${device.outputs.map((on) => (on ? 'on' : 'off')).join(', ')}`;
    ({ url, close } = device);
  }
  const auth =
    values.password === undefined
      ? 'no password'
      : kind === 'shelly'
        ? 'SHA-256 digest auth, user admin'
        : 'user=admin&password= in the query';
  console.log(`${kind} device listening on ${url} (${auth}); ${describeState()}`);
  const hint: Record<Kind, string> = {
    shelly: `hook: {"url":"${url}","device":{"kind":"shelly","channel":0,"on_means":"unlocked"}${values.password === undefined ? '' : ',"auth":{"type":"basic","username":"admin","password":"<the password>"}'}}`,
    tasmota: `hook: {"url":"${url}","device":{"kind":"tasmota","channel":0,"on_means":"unlocked"}${values.password === undefined ? '' : ',"auth":{"type":"basic","username":"admin","password":"<the password>"}'}}`,
    webhook: `hooks: lock ${url}/lock, unlock ${url}/unlock, status ${url}/status`,
  };
  console.log(hint[kind]);
  const stop = () => void close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  console.error(
    e.code === 'EADDRINUSE'
      ? `port ${port} on 127.0.0.1 is in use: pick another with --port`
      : `device could not start: ${e.message}`,
  );
  process.exit(1);
}
