/**
 * `npm start` and the other npm scripts as a user runs them: a child process in its own process
 * group (as a terminal's foreground job), with its output captured for assertions and failures.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface NpmProcess {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once every process holding the output pipes is gone. */
  closed: Promise<void>;
  /** Sends a signal to the whole process group, as a terminal does with Ctrl-C. */
  signal(signal: NodeJS.Signals): void;
}

export function startNpm(args: string[], env: Record<string, string>): NpmProcess {
  let output = '';
  const child = spawn('npm', ['run', '--silent', ...args], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output: () => output,
    closed,
    signal(signal) {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts `npm start` on `port` and waits until /health answers. */
export async function startLatchkey(port: number, env: Record<string, string>, extra: string[] = []) {
  const proc = startNpm(['start', ...(extra.length ? ['--', ...extra] : [])], {
    PORT: String(port),
    ...env,
  });
  const state = await waitFor(
    async () => {
      if (proc.child.exitCode !== null) return 'exited';
      // Up once /health answers and the banner (printed right after) is out.
      if (!proc.output().includes('Latchkey is running on')) return undefined;
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      return res.ok ? 'up' : undefined;
    },
    'npm start to answer /health',
    120_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  if (state === 'exited') throw new Error(`npm start exited:\n${proc.output()}`);
  const emulatorPort = /emulator: http:\/\/127\.0\.0\.1:(\d+)/.exec(proc.output())?.[1];
  return { ...proc, url: `http://127.0.0.1:${port}`, emulatorPort: Number(emulatorPort) };
}
