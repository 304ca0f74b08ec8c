import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseDigestParams } from '../../shared/domain/digestAuth.ts';

/**
 * Fake interlock devices on 127.0.0.1 (a free port unless one is given): a plain webhook
 * interlock (seed semantics), a Shelly Gen2+-like relay (RPC over HTTP, SHA-256 Digest auth)
 * and a Tasmota-like relay (`/cm?cmnd=...`, query-string credentials). Each records every
 * request it received, so tests assert on what a real device would have seen; `npm run device`
 * runs one for trying interlocks by hand (scripts/device.ts).
 */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface DeviceServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Where a device listens and who hears about each request. */
export interface DeviceServerOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Called with each request and the status the device answered. */
  onRequest?: (request: RecordedRequest, status: number) => void;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

async function startDeviceServer(
  handle: Handler,
  options: DeviceServerOptions = {},
): Promise<DeviceServer & { timers: Set<NodeJS.Timeout> }> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: { ...req.headers },
        body,
      };
      requests.push(recorded);
      if (options.onRequest) res.once('finish', () => options.onRequest?.(recorded, res.statusCode));
      try {
        handle(req, body, res);
      } catch (error) {
        sendJson(res, 500, { error: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    timers,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Plain webhook interlock

export interface PlainInterlockOptions extends DeviceServerOptions {
  /** Body of `GET /status`; default `{"status":"locked"|"unlocked"}` from the state. */
  statusBody?: string;
  /** Content type of `GET /status`; default application/json. */
  contentType?: string;
  /** Status code of every answer; default 200. Lock/unlock change the state only on 2xx. */
  statusCode?: number;
  /** Delay before every answer, for timeout tests. */
  delayMs?: number;
}

export interface PlainInterlock extends DeviceServer {
  state: { locked: boolean };
  /** Changes how the device answers from now on. */
  set(options: Partial<PlainInterlockOptions>): void;
}

/** Any method to `.../lock` or `.../unlock` sets the state; `GET .../status` reports it. Starts locked. */
export async function startPlainInterlock(opts: PlainInterlockOptions = {}): Promise<PlainInterlock> {
  const options: PlainInterlockOptions = { ...opts };
  const state = { locked: true };
  let timers: Set<NodeJS.Timeout> | undefined;
  const server = await startDeviceServer((req, _body, res) => {
    const answer = (): void => {
      const statusCode = options.statusCode ?? 200;
      const ok = statusCode >= 200 && statusCode < 300;
      const path = new URL(req.url ?? '/', 'http://device').pathname.replace(/\/+$/, '');
      if (path.endsWith('/lock') || path.endsWith('/unlock')) {
        if (ok) state.locked = path.endsWith('/lock');
        sendJson(
          res,
          statusCode,
          ok ? { status: state.locked ? 'locked' : 'unlocked' } : { error: 'refused' },
        );
      } else if (path.endsWith('/status') && req.method === 'GET') {
        res.writeHead(statusCode, { 'content-type': options.contentType ?? 'application/json' });
        res.end(options.statusBody ?? JSON.stringify({ status: state.locked ? 'locked' : 'unlocked' }));
      } else {
        sendJson(res, 404, { error: `no route ${req.method} ${path}` });
      }
    };
    const delay = options.delayMs ?? 0;
    if (delay <= 0) return answer();
    const timer = setTimeout(() => {
      timers?.delete(timer);
      if (!res.destroyed) answer();
    }, delay);
    timers?.add(timer);
  }, opts);
  timers = server.timers;
  return {
    url: server.url,
    requests: server.requests,
    close: server.close,
    state,
    set: (o) => Object.assign(options, o),
  };
}

// ---------------------------------------------------------------------------------------------
// Shelly Gen2+-like relay

export interface RelayServer extends DeviceServer {
  /** Output of each channel (Shelly id n → outputs[n]; Tasmota relay n → outputs[n - 1]); true = on. */
  outputs: boolean[];
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `GET /rpc/Switch.Set?id=&on=` → `{"was_on":bool}`, `GET /rpc/Switch.GetStatus?id=` → the switch's
 * status. With a password, every request needs SHA-256 Digest auth as user `admin`, checked in full.
 */
export async function startShellyLike(
  opts: { password?: string; realm?: string; channels?: number } & DeviceServerOptions = {},
): Promise<RelayServer> {
  const realm = opts.realm ?? 'shellyplus1pm-a8032ab12345';
  const outputs = Array.from({ length: opts.channels ?? 1 }, () => false);
  const nonces = new Set<string>();

  const challenge = (res: ServerResponse): void => {
    const nonce = randomBytes(8).toString('hex');
    nonces.add(nonce);
    sendJson(
      res,
      401,
      { code: 401, message: 'Unauthorized' },
      { 'www-authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonce}", algorithm=SHA-256` },
    );
  };

  const authorised = (req: IncomingMessage, password: string): boolean => {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    const p = parseDigestParams(header);
    if (!p) return false;
    if (p.username !== 'admin' || p.realm !== realm || p.uri !== req.url) return false;
    if (p.nonce === undefined || !nonces.has(p.nonce)) return false;
    if (p.qop !== 'auth' || !p.nc || !p.cnonce || !p.response) return false;
    if (p.algorithm !== undefined && p.algorithm.toUpperCase() !== 'SHA-256') return false;
    const ha1 = sha256(`admin:${realm}:${password}`);
    const ha2 = sha256(`${req.method}:${p.uri}`);
    return p.response === sha256(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  };

  const server = await startDeviceServer((req, _body, res) => {
    if (opts.password !== undefined && !authorised(req, opts.password)) return challenge(res);
    const url = new URL(req.url ?? '/', 'http://device');
    const method = url.pathname.replace(/^\/rpc\//, '');
    if (!url.pathname.startsWith('/rpc/') || (method !== 'Switch.Set' && method !== 'Switch.GetStatus')) {
      return sendJson(res, 404, { code: 404, message: `No handler for ${method}` });
    }
    const idText = url.searchParams.get('id');
    if (idText === null)
      return sendJson(res, 400, { code: -103, message: "Missing required argument 'id'!" });
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 0 || id >= outputs.length) {
      return sendJson(res, 404, { code: -105, message: `Argument 'id', value ${idText} not found!` });
    }
    if (method === 'Switch.GetStatus') {
      return sendJson(res, 200, {
        id,
        source: 'http',
        output: outputs[id],
        apower: 0,
        voltage: 230.1,
        current: 0,
        aenergy: { total: 0, by_minute: [0, 0, 0], minute_ts: Math.floor(Date.now() / 1000) },
        temperature: { tC: 41.2, tF: 106.2 },
      });
    }
    const on = url.searchParams.get('on');
    if (on !== 'true' && on !== 'false') {
      return sendJson(res, 400, { code: -103, message: "Missing required argument 'on'!" });
    }
    const wasOn = outputs[id]!;
    outputs[id] = on === 'true';
    return sendJson(res, 200, { was_on: wasOn });
  }, opts);
  return { url: server.url, requests: server.requests, close: server.close, outputs };
}

// ---------------------------------------------------------------------------------------------
// Tasmota-like relay

/**
 * `GET /cm?cmnd=Power%20On` (`Power1 Off`, `Power2 toggle`, bare `Power` for status; commands are
 * case-insensitive) → `{"POWER":"ON"}` on a single-relay device, `{"POWER1":"ON"}` on a multi-relay
 * one. With a password, `user` and `password` query parameters are required.
 */
export async function startTasmotaLike(
  opts: { user?: string; password?: string; channels?: number } & DeviceServerOptions = {},
): Promise<RelayServer> {
  const user = opts.user ?? 'admin';
  const outputs = Array.from({ length: opts.channels ?? 1 }, () => false);

  const server = await startDeviceServer((req, _body, res) => {
    const url = new URL(req.url ?? '/', 'http://device');
    if (url.pathname !== '/cm') return sendJson(res, 404, { error: 'not found' });
    if (
      opts.password !== undefined &&
      (url.searchParams.get('user') !== user || url.searchParams.get('password') !== opts.password)
    ) {
      return sendJson(res, 401, { WARNING: 'Need user=<username>&password=<password>' });
    }
    const match = /^power(\d*)(?:\s+(\S+))?$/i.exec((url.searchParams.get('cmnd') ?? '').trim());
    const relay = match ? (match[1] === '' ? 1 : Number(match[1])) : 0;
    if (!match || relay < 1 || relay > outputs.length) return sendJson(res, 200, { Command: 'Unknown' });
    const index = relay - 1;
    const argument = match[2]?.toLowerCase();
    if (argument !== undefined) {
      if (['on', '1', 'true'].includes(argument)) outputs[index] = true;
      else if (['off', '0', 'false'].includes(argument)) outputs[index] = false;
      else if (argument === 'toggle' || argument === '2') outputs[index] = !outputs[index];
      else return sendJson(res, 200, { Command: 'Unknown' });
    }
    const key = outputs.length === 1 ? 'POWER' : `POWER${relay}`;
    return sendJson(res, 200, { [key]: outputs[index] ? 'ON' : 'OFF' });
  }, opts);
  return { url: server.url, requests: server.requests, close: server.close, outputs };
}
