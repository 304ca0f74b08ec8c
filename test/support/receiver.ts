import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a receiver got: one entry per request. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown> | undefined;
  /** Which TCP connection carried it (for keep-alive checks). */
  connection: number;
  at: number;
}

export interface Reply {
  status?: number;
  /** The reason phrase of the status line (`418 Custom Reason`); Node's standard one when absent. */
  reason?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (a slow receiver). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Connections opened so far. */
  connections(): number;
  /** Replies used in order, one per request; after them, `fallback`. */
  reply(...replies: Reply[]): void;
  fallback: Reply;
  /** Decides the reply from the request itself (before the scripted replies); undefined: fall through. */
  route?: (request: Received) => Reply | undefined;
  close(): Promise<void>;
}

const tlsDir = join(dirname(fileURLToPath(import.meta.url)), 'tls');

/**
 * A webhook receiver on 127.0.0.1 (plain HTTP, or HTTPS with a self-signed certificate) that
 * records every request and answers with scripted replies.
 */
export async function startReceiver(options: { https?: boolean; port?: number } = {}): Promise<Receiver> {
  const received: Received[] = [];
  const queue: Reply[] = [];
  const sockets = new Map<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  const receiver: Receiver = {
    url: '',
    received,
    connections: () => sockets.size,
    reply: (...replies) => queue.push(...replies),
    fallback: { status: 200, body: '{"ok":true}' },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        json = body ? (JSON.parse(body) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body,
        json,
        connection: sockets.get(req.socket) ?? -1,
        at: Date.now(),
      };
      received.push(request);
      const reply = receiver.route?.(request) ?? queue.shift() ?? receiver.fallback;
      const send = () => {
        const headers = { 'content-type': 'application/json', ...reply.headers };
        if (reply.reason !== undefined) res.writeHead(reply.status ?? 200, reply.reason, headers);
        else res.writeHead(reply.status ?? 200, headers);
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) {
        const t = setTimeout(send, reply.delayMs);
        timers.add(t);
      } else send();
    });
  };
  const server: Server = options.https
    ? createHttpsServer(
        {
          key: readFileSync(join(tlsDir, 'selfsigned-key.pem')),
          cert: readFileSync(join(tlsDir, 'selfsigned-cert.pem')),
        },
        handle,
      )
    : createHttpServer(handle);
  server.on(options.https ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.set(socket, sockets.size + 1);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  return receiver;
}
