/** `npm run fuzz:install`: installs the pinned API fuzzer (Schemathesis) into .venv-fuzz/ (idempotent). */
import { fuzzTool } from './fuzz/schemathesis.ts';
import { ensureInstalled } from './local/pythonVenv.ts';

try {
  ensureInstalled(fuzzTool, (line) => console.log(line));
  console.log('fuzzer ready: .venv-fuzz/bin/st');
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
