/**
 * The one HTTP client for calls to receivers and interlock devices. It refuses every address that
 * is not globally reachable (IANA special-purpose ranges, judged in shared/domain/addressRange.ts)
 * unless the deployment allows that range (SPEC section 8),
 * pins each connection to the address it checked (no DNS-rebinding bypass), bounds the whole
 * request by one timeout, and keeps connections alive across calls.
 *
 * Per request it does only what the request needs: a target URL is parsed once, an IP literal is
 * judged once and a host name's checked address is reused for ADDRESS_CACHE_MS (per client, so per
 * policy), and the request runs on callbacks with one plain timer (no AbortSignal, no extra
 * promise turns): at thousands of deliveries a second these were half of Latchkey's client cost.
 *
 * Built on Node's own `http`/`https` (native llhttp parser, already loaded by the Lambda runtime):
 * as fast as undici for one request at a time over a kept-alive connection (see `npm run bench`),
 * without undici's 720 KB in every bundle that calls out.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { refusalReason, type TargetPolicy } from '../domain/addressRange.ts';
import {
  type Agent,
  type ClientRequest,
  http,
  https,
  type IncomingMessage,
  STATUS_CODES,
} from '../nodeHttp.ts';

export const USER_AGENT = 'Latchkey-Webhooks/1.0 (+https://github.com/latchkey)';

/** Bytes of a response body kept for the attempt record. */
export const DEFAULT_MAX_BODY_BYTES = 1024;

/** Bytes past `maxBodyBytes` read and thrown away so the socket can be reused; beyond it, close. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

export interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Text is sent as UTF-8; bytes as they are. */
  body?: string | Uint8Array;
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
let agents: { plain: Agent; secure: Agent; insecure: Agent } | undefined;

function agentFor(protocol: string, insecureTls: boolean): Agent {
  agents ??= {
    plain: new http.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, scheduling: 'lifo' }),
    secure: new https.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, scheduling: 'lifo' }),
    insecure: new https.Agent({
      keepAlive: true,
      timeout: KEEP_ALIVE_IDLE_MS,
      scheduling: 'lifo',
      rejectUnauthorized: false,
    }),
  };
  if (protocol === 'http:') return agents.plain;
  return insecureTls ? agents.insecure : agents.secure;
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** A target URL as the client uses it, parsed once per URL (hooks and devices call the same URLs). */
interface Target {
  tls: boolean;
  protocol: string;
  /** The host name or IP literal, without IPv6 brackets. */
  hostname: string;
  /** For the Host header: the name and port as the URL spells them. */
  host: string;
  port: number | undefined;
  path: string;
  origin: string;
  /** The host is an IP literal: its verdict never changes, and no DNS is asked. */
  literal: boolean;
}

function parseTarget(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('blocked', `Not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('blocked', `Only http and https URLs are allowed, not ${url.protocol}`);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return {
    tls: url.protocol === 'https:',
    protocol: url.protocol,
    hostname,
    host: url.host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    origin: url.origin,
    literal: isIP(hostname) !== 0,
  };
}

/** Parsed targets and checked addresses kept per client; past this many, the map starts afresh. */
const CACHE_ENTRIES = 1000;

/**
 * How long a host name's checked address is reused (address guard and DNS). The connection always
 * goes to the address that was checked, so the cache cannot let a refused address through; it
 * only delays seeing a DNS change by this long (a failed connection forgets the name at once).
 */
export const ADDRESS_CACHE_MS = 10_000;

/** The guard's verdict on a host: the checked address to connect to, or why it is refused. */
type Verdict = { address: string; refusal?: undefined } | { address?: undefined; refusal: OutboundError };

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(key, value);
  return value;
}

/** Judges every address of a host: a refusal if any is refused, else the first address. */
function judge(hostname: string, addresses: string[], policy: TargetPolicy): Verdict {
  for (const address of addresses) {
    const reason = refusalReason(address, hostname, policy);
    if (reason !== undefined) return { refusal: new OutboundError('blocked', reason) };
  }
  const address = addresses[0];
  if (address === undefined) {
    return { refusal: new OutboundError('network', `${hostname} resolved to no address`) };
  }
  return { address };
}

/** Resolves the host to every address (a DNS failure as a network error naming the host). */
async function resolveAll(hostname: string): Promise<string[]> {
  try {
    const found = await lookup(hostname, { all: true });
    return found.map((entry) => entry.address);
  } catch (error) {
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

/**
 * A failure of the request itself. A header Node will not write (CR/LF, characters beyond
 * Latin-1, a name that is not a token) means this request can never be sent: refused like a
 * guarded address, not retried as a network error.
 */
function requestError(error: unknown, target: Target): OutboundError {
  if (error instanceof OutboundError) return error;
  const code = errorCode(error);
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') {
    return new OutboundError('blocked', `The request can never be sent: ${(error as Error).message}`, code);
  }
  return networkError(error, target.host);
}

/** Methods Node sends without a body length unless told (the rest get `Content-Length: 0`). */
const NO_IMPLICIT_LENGTH = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/**
 * The header lines to send, as Node's flat [name, value, ...] list (written as given, validated as
 * `setHeader` validates, without building Node's header map): the caller's headers (a name given
 * twice in different case once, the later value in the first one's place, as `setHeader` keeps
 * them), plus Host, User-Agent and Content-Length unless the caller set them.
 */
function outgoingHeaders(req: OutboundRequest, target: Target, userAgent: string): string[] {
  const lines: string[] = [];
  /** The lower-case name of each line pair, to find a name given twice. */
  const names: string[] = [];
  let host = false;
  let agent = false;
  let length = false;
  for (const name in req.headers) {
    const lower = name.toLowerCase();
    const at = names.indexOf(lower);
    if (at !== -1) {
      lines[2 * at] = name;
      lines[2 * at + 1] = req.headers[name]!;
      continue;
    }
    names.push(lower);
    lines.push(name, req.headers[name]!);
    if (lower === 'host') host = true;
    else if (lower === 'user-agent') agent = true;
    else if (lower === 'content-length') length = true;
  }
  // The Host header keeps the original name (the connection goes to the checked address).
  if (!host) lines.push('host', target.host);
  if (!agent) lines.push('user-agent', userAgent);
  if (!length) {
    if (req.body !== undefined) lines.push('content-length', String(Buffer.byteLength(req.body)));
    else if (!NO_IMPLICIT_LENGTH.has(req.method.toUpperCase())) lines.push('Content-Length', '0');
  }
  return lines;
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
  const targets = new Map<string, Target>();
  // Per client, so per policy: an IP literal's verdict for good, a host name's for ADDRESS_CACHE_MS.
  const verdicts = new Map<string, Verdict & { expires: number }>();

  function targetOf(raw: string): Target {
    return targets.get(raw) ?? remember(targets, raw, parseTarget(raw));
  }

  /** The verdict on the target's host now, or undefined when its name must be resolved first. */
  function knownVerdict(target: Target): Verdict | undefined {
    const known = verdicts.get(target.hostname);
    if (known !== undefined && known.expires > performance.now()) return known;
    if (!target.literal) return undefined;
    return remember(verdicts, target.hostname, {
      ...judge(target.hostname, [target.hostname], policy),
      expires: Number.POSITIVE_INFINITY,
    });
  }

  async function resolvedVerdict(hostname: string): Promise<Verdict> {
    const verdict = judge(hostname, await resolveAll(hostname), policy);
    // Refusals are judged afresh each time (rare, and a fixed DNS record should take effect).
    if (verdict.address !== undefined) {
      remember(verdicts, hostname, { ...verdict, expires: performance.now() + ADDRESS_CACHE_MS });
    }
    return verdict;
  }

  function send(req: OutboundRequest): Promise<OutboundResponse> {
    let target: Target;
    try {
      target = targetOf(req.url);
    } catch (error) {
      return Promise.reject(error);
    }
    const started = performance.now();
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      let outgoing: ClientRequest | undefined;
      let response: IncomingMessage | undefined;
      // One plain timer covers DNS, connect, response head and body.
      const timer = setTimeout(() => {
        fail(
          new OutboundError(
            'timeout',
            `${req.method} ${target.origin}: no response within ${req.timeoutMs} ms`,
          ),
        );
        outgoing?.destroy();
        response?.destroy();
      }, req.timeoutMs);
      const fail = (error: OutboundError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // A failed connection re-resolves the name next time (the host may have moved).
        if (error.kind === 'network' && !target.literal) verdicts.delete(target.hostname);
        reject(error);
      };

      const exchange = (verdict: Verdict) => {
        if (settled) return; // the deadline passed while resolving
        if (verdict.refusal !== undefined) return fail(verdict.refusal);
        try {
          outgoing = (target.tls ? https.request : http.request)({
            agent: agentFor(target.protocol, req.insecureTls),
            // Connect to the checked address; the Host header and the TLS server name keep the
            // original name, so certificates are still verified against it.
            host: verdict.address,
            ...(target.port === undefined ? {} : { port: target.port }),
            // SNI and certificate checks use the name; an IP literal is checked against the address.
            ...(target.tls && !target.literal ? { servername: target.hostname } : {}),
            path: target.path,
            method: req.method,
            headers: outgoingHeaders(req, target, userAgent),
          });
        } catch (error) {
          return fail(requestError(error, target));
        }
        outgoing.on('error', (error) => fail(requestError(error, target)));
        outgoing.on('response', (res: IncomingMessage) => {
          response = res;
          readCapped(res, maxBodyBytes, (error, body) => {
            if (error !== undefined) return fail(requestError(error, target));
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            resolve({
              status,
              // The target's own reason phrase ("418 Custom Reason"); the standard one when it sent none.
              statusText: res.statusMessage || (STATUS_CODES[status] ?? ''),
              headers: flattenHeaders(res.headers),
              body: body!,
              latencyMs: Math.round(performance.now() - started),
            });
          });
        });
        outgoing.end(req.body);
      };

      const known = knownVerdict(target);
      if (known !== undefined) exchange(known);
      else resolvedVerdict(target.hostname).then(exchange, fail);
    });
  }

  async function close(): Promise<void> {
    const open = agents;
    agents = undefined;
    if (open) for (const agent of Object.values(open)) agent.destroy();
  }

  return { send, close };
}

/**
 * Reads up to `max` bytes of the body as text, then drains (or, past a limit, drops) the rest.
 * Calls back on 'end': the socket goes back to the pool on the next tick, before the caller's
 * promise resumes, so the caller's next request reuses it.
 */
function readCapped(body: IncomingMessage, max: number, done: (error?: Error, text?: string) => void): void {
  let kept: Buffer | Buffer[] | undefined;
  let keptBytes = 0;
  let total = 0;
  const finish = () => {
    if (kept === undefined) done(undefined, '');
    else done(undefined, (Array.isArray(kept) ? Buffer.concat(kept) : kept).toString('utf8'));
  };
  body.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (keptBytes < max) {
      const part = chunk.length <= max - keptBytes ? chunk : chunk.subarray(0, max - keptBytes);
      if (kept === undefined) kept = part;
      else if (Array.isArray(kept)) kept.push(part);
      else kept = [kept, part];
      keptBytes += part.length;
    }
    if (total > max + DISCARD_LIMIT_BYTES) {
      body.removeAllListeners('data');
      body.destroy();
      finish();
    }
  });
  body.on('end', finish);
  body.on('error', (error) => done(error));
}
