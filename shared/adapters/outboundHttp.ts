/**
 * The one HTTP client for calls to receivers and interlock devices. It refuses private, loopback,
 * link-local and metadata addresses unless the deployment allows those ranges (SPEC section 8),
 * pins each connection to the address it checked (no DNS-rebinding bypass), bounds the whole
 * request by one timeout, and keeps connections alive across calls.
 */
import { lookup } from 'node:dns/promises';
import { STATUS_CODES } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { envNames } from '../resources.ts';

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

/** A request that got no HTTP answer: timed out, failed on the network, or was refused by the guard. */
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

/** Address ranges the guard knows, by the names `ALLOW_PRIVATE_TARGETS` uses. */
export type AddressRange = 'loopback' | 'private' | 'link-local';

export interface OutboundHttpOptions {
  /** Range names (`loopback`, `private`, `link-local`) or `all`; usually `config.allowedPrivateRanges`. */
  allowedPrivateRanges?: string[];
  userAgent?: string;
  maxBodyBytes?: number;
}

export interface OutboundHttp {
  send(req: OutboundRequest): Promise<OutboundResponse>;
  /** Closes the shared keep-alive pools; the next `send` opens new ones. */
  close(): Promise<void>;
}

function blockList(subnets: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix, type] of subnets) list.addSubnet(net, prefix, type);
  return list;
}

/** Cloud metadata endpoints (AWS IMDS over IPv4 and IPv6); they count as link-local. */
const metadata = blockList([
  ['169.254.169.254', 32, 'ipv4'],
  ['fd00:ec2::254', 128, 'ipv6'],
]);

const ranges: { name: AddressRange; label: string; list: BlockList }[] = [
  {
    name: 'loopback',
    label: 'loopback (127.0.0.0/8, 0.0.0.0/8, ::1, ::)',
    list: blockList([
      ['127.0.0.0', 8, 'ipv4'],
      // 0.0.0.0 reaches the local host on Linux.
      ['0.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
      ['::', 128, 'ipv6'],
    ]),
  },
  {
    name: 'link-local',
    label: 'link-local (169.254.0.0/16, fe80::/10)',
    list: blockList([
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ]),
  },
  {
    name: 'private',
    label: 'private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7)',
    list: blockList([
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ]),
  },
];

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4-mapped IPv6 addresses meet the IPv4 rules. */
function unmapIpv4(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** The guarded range an address falls in, with a label for messages; undefined for public addresses. */
export function classifyAddress(address: string): { name: AddressRange; label: string } | undefined {
  const ip = unmapIpv4(address);
  const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (metadata.check(ip, type)) return { name: 'link-local', label: 'link-local (cloud metadata service)' };
  for (const range of ranges) {
    if (range.list.check(ip, type)) return { name: range.name, label: range.label };
  }
  return undefined;
}

/** The reason to refuse an address, or undefined when it is public or its range is allowed. */
export function blockedReason(address: string, host: string, allowed: readonly string[]): string | undefined {
  const range = classifyAddress(address);
  if (range === undefined || allowed.includes('all') || allowed.includes(range.name)) return undefined;
  const target = host === address ? address : `${host} (${address})`;
  return (
    `Refusing to connect to ${target}: the address is in the ${range.label} range. ` +
    `To allow it, set ${envNames.allowPrivateTargets}=${range.name} (or "all") on the deployment.`
  );
}

/** Keep-alive pools shared by every client in the process: one verifying TLS, one not. */
let agents: { secure: Agent; insecure: Agent } | undefined;

function agentFor(insecureTls: boolean): Agent {
  agents ??= {
    secure: new Agent({ keepAliveTimeout: 30_000 }),
    insecure: new Agent({ keepAliveTimeout: 30_000, connect: { rejectUnauthorized: false } }),
  };
  return insecureTls ? agents.insecure : agents.secure;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
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
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code;
    current = current.cause;
  }
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
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
  else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    message = `Connection to ${target} closed: ${detail}`;
  else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') message = `${target} is unreachable`;
  else if (code === 'UND_ERR_CONNECT_TIMEOUT') message = `Could not connect to ${target} in time`;
  else if (code !== undefined && tlsCodes.has(code)) {
    message =
      `TLS certificate of ${target} rejected (${detail}); fix the certificate, or set insecure_tls on the ` +
      'hook to skip verification (discouraged)';
  } else message = `Request to ${target} failed: ${detail}`;
  return new OutboundError('network', code === undefined ? message : `${message} (${code})`, code);
}

/** Reads up to `max` bytes of the body as text, then drains (or, past a limit, drops) the rest. */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (keptBytes < max) {
      const part = chunk.subarray(0, max - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    if (total > max + DISCARD_LIMIT_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * Creates the client. `allowedPrivateRanges` opens guarded ranges (`loopback`, `private`,
 * `link-local`, or `all`); pass `config.allowedPrivateRanges` in functions.
 */
export function createOutboundHttp(options: OutboundHttpOptions = {}): OutboundHttp {
  const allowed = options.allowedPrivateRanges ?? [];
  const userAgent = options.userAgent ?? USER_AGENT;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function send(req: OutboundRequest): Promise<OutboundResponse> {
    const url = parseTarget(req.url);
    const started = performance.now();
    const signal = AbortSignal.timeout(req.timeoutMs);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');

    try {
      const addresses = await resolveAll(hostname, signal);
      for (const address of addresses) {
        const reason = blockedReason(address, hostname, allowed);
        if (reason !== undefined) throw new OutboundError('blocked', reason);
      }
      const address = addresses[0];
      if (address === undefined) throw new OutboundError('network', `${hostname} resolved to no address`);

      // Connect to the checked address; the Host header (and TLS server name, which undici
      // derives from it) keeps the original name, so certificates are still verified against it.
      const pinnedHost = isIP(address) === 6 ? `[${address}]` : address;
      const port = url.port === '' ? '' : `:${url.port}`;
      const headers: Record<string, string> = { ...req.headers };
      if (!hasHeader(headers, 'host')) headers.host = url.host;
      if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = userAgent;

      const response = await agentFor(req.insecureTls).request({
        origin: `${url.protocol}//${pinnedHost}${port}`,
        path: `${url.pathname}${url.search}`,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? null,
        signal,
      });
      const body = await readCapped(response.body, maxBodyBytes);
      const latencyMs = Math.round(performance.now() - started);
      // undici returns the connection to its pool on the next turn of the event loop; yielding
      // once lets the caller's next request reuse it instead of opening a second one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return {
        status: response.statusCode,
        // The target's own reason phrase ("418 Custom Reason"); the standard one when it sent none.
        statusText: response.statusText || (STATUS_CODES[response.statusCode] ?? ''),
        headers: flattenHeaders(response.headers),
        body,
        latencyMs,
      };
    } catch (error) {
      if (error instanceof OutboundError) throw error;
      if (signal.aborted) {
        throw new OutboundError(
          'timeout',
          `${req.method} ${url.origin}: no response within ${req.timeoutMs} ms`,
        );
      }
      throw networkError(error, url.host);
    }
  }

  async function close(): Promise<void> {
    const open = agents;
    agents = undefined;
    if (open) await Promise.all([open.secure.close(), open.insecure.close()]);
  }

  return { send, close };
}
