/**
 * `npm run receiver -- [--port 4000] [--secret whsec_...] [--status 200]`: a webhook receiver for
 * trying Latchkey locally. Prints every request it gets and, given the hook's Standard Webhooks
 * secret, whether the signature verifies (with the public `standardwebhooks` library).
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    secret: { type: 'string' },
    status: { type: 'string', default: '200' },
  },
});

const verifier = values.secret ? new Webhook(values.secret) : undefined;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let verdict = 'no --secret given, signature not checked';
    if (verifier) {
      try {
        verifier.verify(body, headers);
        verdict = 'signature verified (standardwebhooks)';
      } catch (err) {
        verdict = `signature INVALID: ${(err as Error).message}`;
      }
    }
    console.log(`\n${req.method} ${req.url}`);
    for (const [k, v] of Object.entries(headers)) console.log(`  ${k}: ${v}`);
    console.log(`  body: ${body}`);
    console.log(`  ${verdict}`);
    res.writeHead(Number(values.status), { 'content-type': 'application/json' });
    res.end('{"received":true}');
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`receiver listening on http://127.0.0.1:${values.port} (answers ${values.status})`);
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
