/**
 * The local AWS emulator: moto in server mode, installed from PyPI into the project's own
 * virtualenv (.venv/) on first use, started on a loopback port in its own process group.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.venv');
const requirements = join(root, 'scripts', 'local', 'emulator-requirements.txt');
const stamp = join(venv, '.latchkey-requirements.sha256');
const motoServer = join(venv, 'bin', 'moto_server');

export class EmulatorError extends Error {
  override name = 'EmulatorError';
}

function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(requirements)).digest('hex');
}

function findPython(): string {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    try {
      execFileSync(candidate, ['-c', 'import sys, venv; assert sys.version_info >= (3, 9)'], {
        stdio: 'ignore',
      });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new EmulatorError(
    'Python 3.9+ with the venv module is needed for the local AWS emulator (moto). ' +
      'Install it (Debian/Ubuntu: apt-get install python3 python3-venv) or set PYTHON to its path.',
  );
}

/** Installs the pinned emulator into .venv/ unless the same requirements are already installed. */
export function ensureEmulatorInstalled(log: (line: string) => void = console.error): void {
  const hash = requirementsHash();
  if (existsSync(motoServer) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return;
  const python = findPython();
  log(`[emulator] installing moto (pinned) into ${venv} ...`);
  if (!existsSync(join(venv, 'bin', 'pip'))) {
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  execFileSync(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', '-r', requirements],
    { stdio: 'inherit' },
  );
  writeFileSync(stamp, `${hash}\n`);
  log('[emulator] installed');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new EmulatorError(
          err.code === 'EADDRINUSE'
            ? `Emulator port ${port} on 127.0.0.1 is already in use. Stop whatever listens there ` +
                `(lsof -i :${port}) or pick another port with LATCHKEY_EMULATOR_PORT=<port>.`
            : `Cannot bind emulator port ${port}: ${err.message}`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

export interface RunningEmulator {
  endpoint: string;
  port: number;
  pid: number;
  /** Wipes every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  readyTimeoutMs?: number;
}

/** Starts moto_server on 127.0.0.1; resolves once `/moto-api/` answers, rejects clearly otherwise. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  ensureEmulatorInstalled();
  const requested = options.port ?? (Number(process.env.LATCHKEY_EMULATOR_PORT) || undefined);
  const port = requested ?? (await freePort());
  await assertPortFree(port);
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_PORT: String(port) },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited !== null) {
      throw new EmulatorError(`The emulator exited (code ${exited}) before it was ready:\n${stderr.trim()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      killGroup(child);
      throw new EmulatorError(
        `The emulator did not answer on ${endpoint} within the timeout:\n${stderr.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  child.unref();
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (exited !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
