import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/emulator.ts';

/** `npm start` as a user runs it: it serves /health, then Ctrl-C stops everything cleanly. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  it('serves /health on PORT and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    let output = '';
    child = spawn('npm', ['start', '--silent'], {
      env: {
        ...process.env,
        PORT: String(port),
        LATCHKEY_QUIET: '1',
        LATCHKEY_STATE_DIR: mkdtempSync(join(tmpdir(), 'latchkey-state-')),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    // 'close' fires once every process holding the output pipes (npm, node, moto) is gone.
    const closed = new Promise<void>((resolve) => child?.once('close', () => resolve()));

    const deadline = Date.now() + 120_000;
    let health: Response | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        // The banner is printed right after the server is up.
        if (!output.includes('Latchkey is running on')) throw new Error('no banner yet');
        health = await fetch(`http://127.0.0.1:${port}/health`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(health?.status, output).toBe(200);
    expect(await health?.json()).toEqual({ status: 'ok', service: 'latchkey' });
    expect(output).toContain(`http://127.0.0.1:${port}`);
    expect(output).toContain('npm run --silent token');

    const emulatorPort = /emulator: http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(emulatorPort).toBeDefined();

    // Ctrl-C: SIGINT to the whole foreground process group, as a terminal does.
    process.kill(-child.pid!, 'SIGINT');
    await closed;
    expect(output).toContain('SIGINT: stopping Latchkey');
    expect(output).toMatch(/^stopped$/m);
    // The emulator went with it.
    await expect(fetch(`http://127.0.0.1:${emulatorPort}/moto-api/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});
