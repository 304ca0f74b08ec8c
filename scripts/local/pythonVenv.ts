/**
 * Python tools the project installs for itself from PyPI into virtualenvs of its own (the local
 * AWS emulator in .venv/, the API fuzzer in .venv-fuzz/), pinned by a requirements file. A venv is
 * (re)installed only when its requirements file changed: a stamp holds the file's SHA-256.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class PythonToolError extends Error {
  override name = 'PythonToolError';
}

export interface PythonVenv {
  /** What is installed, for messages (`the local AWS emulator (moto)`). */
  label: string;
  venv: string;
  requirements: string;
  /** The executable that must exist once installed, relative to the venv. */
  executable: string;
}

const STAMP = '.latchkey-requirements.sha256';

export function requirementsHash(requirements: string): string {
  return createHash('sha256').update(readFileSync(requirements)).digest('hex');
}

/** A Python 3.9+ with venv; `Failure` is the error type the caller's users know. */
export function findPython(label: string, Failure: new (message: string) => Error = PythonToolError): string {
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
  throw new Failure(
    `Python 3.9+ with the venv module is needed for ${label}. ` +
      'Install it (Debian/Ubuntu: apt-get install python3 python3-venv) or set PYTHON to its path.',
  );
}

export function isInstalled(tool: PythonVenv): boolean {
  const stamp = join(tool.venv, STAMP);
  return (
    existsSync(join(tool.venv, tool.executable)) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === requirementsHash(tool.requirements)
  );
}

/** Installs the pinned requirements into the venv unless the same ones are already installed. */
export function ensureInstalled(tool: PythonVenv, log: (line: string) => void = console.error): void {
  if (isInstalled(tool)) return;
  const python = findPython(tool.label);
  log(`[python] installing ${tool.label} (pinned) into ${tool.venv} ...`);
  if (!existsSync(join(tool.venv, 'bin', 'pip'))) {
    execFileSync(python, ['-m', 'venv', tool.venv], { stdio: 'inherit' });
  }
  execFileSync(
    join(tool.venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', '-r', tool.requirements],
    { stdio: 'inherit' },
  );
  writeFileSync(join(tool.venv, STAMP), `${requirementsHash(tool.requirements)}\n`);
  log(`[python] ${tool.label} installed`);
}
