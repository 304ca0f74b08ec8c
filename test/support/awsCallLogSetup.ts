import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/** Each run of a recording tier starts from an empty AWS call log (see vitest.config.ts). */
export default function setup(project: TestProject): void {
  const dir = project.config.env?.LATCHKEY_AWS_CALL_LOG;
  if (typeof dir === 'string' && dir) rmSync(dir, { recursive: true, force: true });
}
