import { fuzzTool } from '../../scripts/fuzz/schemathesis.ts';
import { ensureInstalled } from '../../scripts/local/pythonVenv.ts';

/** Installs the pinned fuzzer into .venv-fuzz/ once per run (a no-op when it is already there). */
export default function setup(): void {
  ensureInstalled(fuzzTool);
}
