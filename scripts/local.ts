/**
 * `npm start`: the whole service on http://127.0.0.1:3000 (PORT overrides), with the local AWS
 * emulator, until Ctrl-C.
 */
import { startLocalApp } from './local/app.ts';

const port = Number(process.env.PORT ?? 3000);
const quiet = process.env.LATCHKEY_QUIET === '1';
const log = (line: string) => {
  if (!quiet) console.log(line);
};

try {
  const app = await startLocalApp({ port, log });
  console.log(
    [
      '',
      `Latchkey is running on ${app.url}  (emulator: ${app.emulatorEndpoint})`,
      '',
      'Try it:',
      `  curl ${app.url}/health`,
      '  TOKEN=$(npm run --silent token -- --tenant acme --roles admin)',
      `  curl -H "Authorization: Bearer $TOKEN" ${app.url}/v1/hooks`,
      '',
      'Try a hook: in another terminal `npm run receiver -- --port 4000`, then',
      `  curl -X POST ${app.url}/v1/hooks -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"name":"demo","events":["order.*"],"url":"http://127.0.0.1:4000/orders"}'`,
      `  curl -X POST ${app.url}/v1/events -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"type":"order.created","data":{"order_id":"o-1"}}'`,
      '(README.md walks through hooks, deliveries and interlocks.)',
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Latchkey ...`);
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
