/**
 * The one HTTP client for calls to receivers and interlock devices. It refuses every address that
 * is not globally reachable (IANA special-purpose ranges, judged in shared/domain/addressRange.ts)
 * unless the deployment allows that range (SPEC section 8),
 * pins each connection to the address it checked (no DNS-rebinding bypass), bounds the whole
 * request by one timeout, and keeps connections alive across calls.
 *
 * Built on Node's own `http`/`https` (native llhttp parser, already loaded by the Lambda runtime):
 * as fast as undici for one request at a time over a kept-alive connection (see `npm run bench`),
 * without undici's 720 KB in every bundle that calls out.
 */
import { lookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, STATUS_CODES } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { refusalReason, type TargetPolicy } from '../domain/addressRange.ts';

export const USER_AGENT = 'Latchkey-Webhooks/1.0 (+https://github.com/latchkey)';

/** Bytes of a response body kept for the attempt record. */
export const DEFAULT_MAX_BODY_BYTES = 1024;

/** Bytes past `maxBodyBytes` read and thrown away so the socket can be reused; beyond it, close. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

export interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Covers DNS, connect, response headers and body. */
  timeoutMs: number;
  /** Skip certificate verification (the hook's discouraged `insecure_tls`). */
  insecureTls: boolean;
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** The first `maxBodyBytes` of the body, as text. */
  body: string;
  latencyMs: number;
}

export type OutboundErrorKind = 'timeout' | 'network' | 'blocked';

/**
 * A request that got no HTTP answer: timed out, failed on the network, or was refused before it was
 * sent (`blocked`: the address guard, or a request that can never be sent).
 */
export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface OutboundHttpOptions {
  /** Range names (`loopback`, `private`, `link-local`, `reserved`) or `all`; usually `config.allowedPrivateRanges`. */
  allowedPrivateRanges?: string[];
  /** Public addresses may be reached (default); `config.publicTargets` in functions. */
  publicTargets?: boolean;
  userAgent?: string;
  maxBodyBytes?: number;
}

export interface OutboundHttp {
  send(req: OutboundRequest): Promise<OutboundResponse>;
  /** Closes the shared keep-alive pools; the next `send` opens new ones. */
  close(): Promise<void>;
}

/** Idle kept-alive connections are closed after this long (sooner when the server hints so). */
const KEEP_ALIVE_IDLE_MS = 30_000;

/** Keep-alive pools shared by every client in the process: plain, TLS verifying, TLS not verifying. */
let agents: { plain: HttpAgent; secure: HttpsAgent; insecure: HttpsAgent } | undefined;

function agentFor(protocol: string, insecureTls: boolean): HttpAgent {
  agents ??= {
    plain: new HttpAgent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, scheduling: 'lifo' }),
    secure: new HttpsAgent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, scheduling: 'lifo' }),
    insecure: new HttpsAgent({
      keepAlive: true,
      timeout: KEEP_ALIVE_IDLE_MS,
      scheduling: 'lifo',
      rejectUnauthorized: false,
    }),
  };
  if (protocol === 'http:') return agents.plain;
  return insecureTls ? agents.insecure : agents.secure;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('blocked', `Not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('blocked', `Only http and https URLs are allowed, not ${url.protocol}`);
  }
  return url;
}

/** Resolves the host to every address, rejecting if the deadline passes first. */
async function resolveAll(hostname: string, signal: AbortSignal): Promise<string[]> {
  if (isIP(hostname) !== 0) return [hostname];
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true }), aborted]);
    return found.map((entry) => entry.address);
  } catch (error) {
    if (signal.aborted) throw error;
    const code = errorCode(error);
    throw new OutboundError('network', `Could not resolve ${hostname} (${code ?? 'DNS error'})`, code);
  }
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A clear message for a network failure, naming where it happened. */
function networkError(error: unknown, target: string): OutboundError {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  let message: string;
  if (code === 'ECONNREFUSED') message = `Connection refused by ${target}`;
  else if (code === 'ECONNRESET' || code === 'EPIPE') message = `Connection to ${target} closed: ${detail}`;
  else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') message = `${target} is unreachable`;
  else if (code !== undefined && tlsCodes.has(code)) {
    message =
      `TLS certificate of ${target} rejected (${detail}); fix the certificate, or set insecure_tls on the ` +
      'hook to skip verification (discouraged)';
  } else message = `Request to ${target} failed: ${detail}`;
  return new OutboundError('network', code === undefined ? message : `${message} (${code})`, code);
}

/** Reads up to `max` bytes of the body as text, then drains (or, past a limit, drops) the rest. */
function readCapped(body: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let total = 0;
    const done = () => resolve(Buffer.concat(kept).toString('utf8'));
    body.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (keptBytes < max) {
        const part = chunk.subarray(0, max - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (total > max + DISCARD_LIMIT_BYTES) {
        body.removeAllListeners('data');
        body.destroy();
        done();
      }
    });
    body.on('end', done);
    body.on('error', reject);
  });
}

/** Sends one request to `address` (already checked) and resolves with the response head. */
function exchange(
  url: URL,
  address: string,
  hostname: string,
  req: OutboundRequest,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const tls = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const outgoing = (tls ? httpsRequest : httpRequest)(
      {
        agent: agentFor(url.protocol, req.insecureTls),
        host: address,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        // SNI and certificate checks use the name; an IP literal is checked against the address.
        ...(tls && isIP(hostname) === 0 ? { servername: hostname } : {}),
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        signal,
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/**
 * Creates the client. `allowedPrivateRanges` opens guarded ranges (`loopback`, `private`,
 * `link-local`, or `all`); pass `config.allowedPrivateRanges` in functions.
 */
export function createOutboundHttp(options: OutboundHttpOptions = {}): OutboundHttp {
  const policy: TargetPolicy = {
    allowedRanges: options.allowedPrivateRanges ?? [],
    publicTargets: options.publicTargets ?? true,
  };
  const userAgent = options.userAgent ?? USER_AGENT;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function send(req: OutboundRequest): Promise<OutboundResponse> {
    const url = parseTarget(req.url);
    const started = performance.now();
    // One timer per request, cleared when it is done (AbortSignal.timeout costs a weak timer and a
    // finalizer per request, measurable at thousands of deliveries a second).
    const deadline = new AbortController();
    const signal = deadline.signal;
    const timer = setTimeout(() => deadline.abort(new Error('timeout')), req.timeoutMs);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');

    try {
      const addresses = await resolveAll(hostname, signal);
      for (const address of addresses) {
        const reason = refusalReason(address, hostname, policy);
        if (reason !== undefined) throw new OutboundError('blocked', reason);
      }
      const address = addresses[0];
      if (address === undefined) throw new OutboundError('network', `${hostname} resolved to no address`);

      // Connect to the checked address; the Host header and the TLS server name keep the original
      // name, so certificates are still verified against it.
      const headers: Record<string, string> = { ...req.headers };
      if (!hasHeader(headers, 'host')) headers.host = url.host;
      if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = userAgent;
      if (req.body !== undefined && !hasHeader(headers, 'content-length')) {
        headers['content-length'] = String(Buffer.byteLength(req.body));
      }
      const response = await exchange(url, address, hostname, req, headers, signal);
      // The socket goes back to the pool on the next tick after 'end', before the caller resumes.
      const body = await readCapped(response, maxBodyBytes);
      const latencyMs = Math.round(performance.now() - started);
      const status = response.statusCode ?? 0;
      return {
        status,
        // The target's own reason phrase ("418 Custom Reason"); the standard one when it sent none.
        statusText: response.statusMessage || (STATUS_CODES[status] ?? ''),
        headers: flattenHeaders(response.headers),
        body,
        latencyMs,
      };
    } catch (error) {
      if (error instanceof OutboundError) throw error;
      // A header Node will not write (CR/LF, characters beyond Latin-1, a name that is not a
      // token): this request can never be sent, so it is refused like a guarded address, not
      // retried as a network error.
      const code = errorCode(error);
      if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') {
        throw new OutboundError(
          'blocked',
          `The request can never be sent: ${(error as Error).message}`,
          code,
        );
      }
      if (signal.aborted) {
        throw new OutboundError(
          'timeout',
          `${req.method} ${url.origin}: no response within ${req.timeoutMs} ms`,
        );
      }
      throw networkError(error, url.host);
    } finally {
      clearTimeout(timer);
    }
  }

  async function close(): Promise<void> {
    const open = agents;
    agents = undefined;
    if (open) for (const agent of Object.values(open)) agent.destroy();
  }

  return { send, close };
}
