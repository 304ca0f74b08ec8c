/**
 * The local AWS emulator: moto in server mode, installed from PyPI into the project's own
 * virtualenv (.venv/) on first use, started on a loopback port in its own process group.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findPython, requirementsHash } from './pythonVenv.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.venv');
const requirements = join(root, 'scripts', 'local', 'emulator-requirements.txt');
const stamp = join(venv, '.latchkey-requirements.sha256');
const motoServer = join(venv, 'bin', 'moto_server');
const venvPython = join(venv, 'bin', 'python');
const launcher = join(root, 'scripts', 'local', 'moto_persistent.py');
/** How long a stop waits for the emulator to save and exit before it is killed. */
export const STOP_TIMEOUT_MS = 5000;

export class EmulatorError extends Error {
  override name = 'EmulatorError';
}

/** The pinned packages (`name==version` lines) of the requirements file. */
function pinnedPackages(): string[] {
  return readFileSync(requirements, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Installs the pinned emulator into .venv/ unless the same requirements are already installed.
 * The first time it says what it installs, shows each package as pip fetches it and how long the
 * whole usually takes; later calls return at once.
 */
export async function ensureEmulatorInstalled(log: (line: string) => void = console.error): Promise<void> {
  const hash = requirementsHash(requirements);
  if (existsSync(motoServer) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return;
  const python = findPython('the local AWS emulator (moto)', EmulatorError);
  const packages = pinnedPackages();
  const moto = packages.find((p) => p.toLowerCase().startsWith('moto==')) ?? 'moto';
  const started = Date.now();
  log(
    `[emulator] first start: installing the local AWS emulator (${moto} and ${packages.length - 1} pinned ` +
      `dependencies from ${relative(root, requirements)}) into .venv/. This usually takes 1-4 minutes; ` +
      'later starts skip it.',
  );
  if (!existsSync(join(venv, 'bin', 'pip'))) {
    log('[emulator] creating the virtualenv .venv/ ...');
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  let collected = 0;
  await new Promise<void>((resolve, reject) => {
    const pip = spawn(
      join(venv, 'bin', 'pip'),
      ['install', '--progress-bar', 'off', '--disable-pip-version-check', '-r', requirements],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let tail = '';
    const lines = createInterface({ input: pip.stdout });
    lines.on('line', (line) => {
      tail = `${tail}\n${line}`.slice(-4000);
      const collecting = /^Collecting (\S+)/.exec(line);
      if (collecting) {
        collected += 1;
        log(`[emulator] [${collected}/${packages.length}] fetching ${collecting[1]}`);
      } else if (line.startsWith('Installing collected packages')) {
        log(`[emulator] unpacking ${collected} packages into .venv/ ...`);
      }
    });
    pip.stderr.on('data', (chunk: Buffer) => {
      tail = `${tail}\n${chunk.toString()}`.slice(-4000);
    });
    pip.once('error', reject);
    pip.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new EmulatorError(`pip install of the emulator failed (exit ${code}):\n${tail.trim()}`));
    });
  });
  writeFileSync(stamp, `${hash}\n`);
  log(`[emulator] installed in ${Math.round((Date.now() - started) / 1000)} s`);
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
  /**
   * Keep the emulator's state in this file: loaded at start, saved every second when it changed
   * and at stop (scripts/local/moto_persistent.py). Without it the state lives in memory only.
   */
  statePath?: string;
  /** Where install progress goes (the first start installs the emulator). */
  log?: (line: string) => void;
}

/**
 * Starts the emulator (moto through scripts/local/moto_persistent.py) on 127.0.0.1; resolves once
 * `/moto-api/` answers, rejects clearly otherwise. The emulator holds a pipe from this process on
 * its stdin and exits when it closes, so it never outlives this process, however that one ends.
 */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  await ensureEmulatorInstalled(options.log);
  const requested = options.port ?? (Number(process.env.LATCHKEY_EMULATOR_PORT) || undefined);
  const port = requested ?? (await freePort());
  await assertPortFree(port);
  const endpoint = `http://127.0.0.1:${port}`;
  const args = [launcher, '--host', '127.0.0.1', '--port', String(port)];
  if (options.statePath) {
    mkdirSync(dirname(options.statePath), { recursive: true });
    args.push('--state', options.statePath);
  }
  const child: ChildProcess = spawn(venvPython, args, {
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
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
  // Neither the child nor the pipes keep this process alive; the stdin pipe closes when it exits.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
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
      // SIGTERM: the emulator saves its state once more (when it has a state file) and exits.
      killGroup(child, 'SIGTERM');
      const bounded = await Promise.race([
        gone.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS)),
      ]);
      if (!bounded) killGroup(child, 'SIGKILL');
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
