/**
 * The bench's receiver, in a process of its own (forked by bench/delivery.ts and bench/interlock.ts)
 * so that it never shares an event loop with the client being measured: reads the body, answers
 * 200 with a small JSON body, keeps connections alive. Tells the parent its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
