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
