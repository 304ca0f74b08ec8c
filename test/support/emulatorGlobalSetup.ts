import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../scripts/local/emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}

/** One emulator per test run; every test file provisions its own table and queues in it. */
export default async function setup(project: TestProject) {
  const emulator = await startEmulator();
  project.provide('emulatorEndpoint', emulator.endpoint);
  return async () => {
    await emulator.stop();
  };
}
