import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startEmulator } from '../../scripts/local/emulator.ts';

describe('the emulator harness', () => {
  let blocker: Server | undefined;
  afterAll(() => {
    blocker?.close();
  });

  it('refuses a taken port at once with a message that says what to do', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', () => resolve()));
    const started = Date.now();
    await expect(startEmulator({ port })).rejects.toThrow(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*LATCHKEY_EMULATOR_PORT`, 's'),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('starts on a free port, answers, resets and stops', async () => {
    const emulator = await startEmulator();
    const res = await fetch(`${emulator.endpoint}/moto-api/`);
    expect(res.status).toBe(200);
    await emulator.reset();
    await emulator.stop();
    await expect(fetch(`${emulator.endpoint}/moto-api/`)).rejects.toThrow();
  });
});
