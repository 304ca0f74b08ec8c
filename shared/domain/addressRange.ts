import { envNames } from '../resources.ts';

/**
 * Which outbound addresses a deployment may reach (SPEC §8), judged by the IANA special-purpose
 * address registries for IPv4 and IPv6: every address that is not globally reachable falls in a
 * named range and is refused unless the deployment allows that range (`ALLOW_PRIVATE_TARGETS`,
 * comma-separated names or `all`). IPv6 forms that carry an IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4, Teredo) are judged by the IPv4 address inside them, so
 * `64:ff9b::a00:1` is as private as `10.0.0.1`. A deployment may also refuse every public
 * address (`PUBLIC_TARGETS=refused`), e.g. one that only drives devices on its own network.
 */
export const rangeNames = ['loopback', 'private', 'link-local', 'reserved'] as const;
export type RangeName = (typeof rangeNames)[number];

export interface AddressClass {
  name: RangeName;
  /** What the range is, with its prefix, for the message a person reads. */
  label: string;
}

export interface TargetPolicy {
  /** Range names the deployment allows, or `all`. */
  allowedRanges: readonly string[];
  /** Public (globally reachable) addresses; true unless the deployment refuses them. */
  publicTargets: boolean;
}

interface Prefix {
  /** 32 bits for IPv4, 128 for IPv6, as a bigint. */
  base: bigint;
  bits: number;
  cls: AddressClass;
}

const v4 = (text: string): bigint =>
  text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

function v4Prefix(cidr: string, name: RangeName, label: string): Prefix {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: v4(address), bits: Number(bits), cls: { name, label } };
}

function v6Prefix(cidr: string, name: RangeName, label: string): Prefix {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: parseIpv6(address)!, bits: Number(bits), cls: { name, label } };
}

/** IPv4 special-purpose ranges; the most specific first. */
const ipv4Ranges: Prefix[] = [
  v4Prefix('169.254.169.254/32', 'link-local', 'link-local (cloud metadata service 169.254.169.254)'),
  v4Prefix('255.255.255.255/32', 'reserved', 'broadcast (255.255.255.255)'),
  // 0.0.0.0 reaches the local host on Linux.
  v4Prefix('0.0.0.0/8', 'loopback', 'loopback ("this network" 0.0.0.0/8)'),
  v4Prefix('127.0.0.0/8', 'loopback', 'loopback (127.0.0.0/8)'),
  v4Prefix('10.0.0.0/8', 'private', 'private (10.0.0.0/8)'),
  v4Prefix('172.16.0.0/12', 'private', 'private (172.16.0.0/12)'),
  v4Prefix('192.168.0.0/16', 'private', 'private (192.168.0.0/16)'),
  v4Prefix('100.64.0.0/10', 'private', 'private (shared address space 100.64.0.0/10)'),
  v4Prefix('169.254.0.0/16', 'link-local', 'link-local (169.254.0.0/16)'),
  v4Prefix('192.0.0.0/24', 'reserved', 'reserved (IETF protocol assignments 192.0.0.0/24)'),
  v4Prefix('192.0.2.0/24', 'reserved', 'reserved (documentation 192.0.2.0/24)'),
  v4Prefix('198.51.100.0/24', 'reserved', 'reserved (documentation 198.51.100.0/24)'),
  v4Prefix('203.0.113.0/24', 'reserved', 'reserved (documentation 203.0.113.0/24)'),
  v4Prefix('192.88.99.0/24', 'reserved', 'reserved (6to4 relay anycast 192.88.99.0/24)'),
  v4Prefix('198.18.0.0/15', 'reserved', 'reserved (benchmarking 198.18.0.0/15)'),
  v4Prefix('224.0.0.0/4', 'reserved', 'reserved (multicast 224.0.0.0/4)'),
  v4Prefix('240.0.0.0/4', 'reserved', 'reserved (future use 240.0.0.0/4)'),
];

/** IPv6 special-purpose ranges with no IPv4 address inside; the most specific first. */
const ipv6Ranges: Prefix[] = [
  v6Prefix('fd00:ec2::254/128', 'link-local', 'link-local (cloud metadata service fd00:ec2::254)'),
  v6Prefix('::1/128', 'loopback', 'loopback (::1)'),
  v6Prefix('::/128', 'loopback', 'loopback (unspecified address ::)'),
  v6Prefix('64:ff9b:1::/48', 'private', 'private (local-use NAT64 64:ff9b:1::/48)'),
  v6Prefix('100::/64', 'reserved', 'reserved (discard-only 100::/64)'),
  v6Prefix('2001:db8::/32', 'reserved', 'reserved (documentation 2001:db8::/32)'),
  v6Prefix('2001::/23', 'reserved', 'reserved (IETF protocol assignments 2001::/23)'),
  v6Prefix('3fff::/20', 'reserved', 'reserved (documentation 3fff::/20)'),
  v6Prefix('5f00::/16', 'reserved', 'reserved (segment routing 5f00::/16)'),
  v6Prefix('fc00::/7', 'private', 'private (unique local fc00::/7)'),
  v6Prefix('fe80::/10', 'link-local', 'link-local (fe80::/10)'),
  v6Prefix('fec0::/10', 'private', 'private (deprecated site-local fec0::/10)'),
  v6Prefix('ff00::/8', 'reserved', 'reserved (multicast ff00::/8)'),
];

function inPrefix(value: bigint, width: number, prefix: Prefix): boolean {
  const shift = BigInt(width - prefix.bits);
  return value >> shift === prefix.base >> shift;
}

function lookupRange(value: bigint, width: number, table: Prefix[]): AddressClass | undefined {
  return table.find((prefix) => inPrefix(value, width, prefix))?.cls;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn)).join('.');
}

/** An IPv6 address as a 128-bit number (`::` and a trailing dotted IPv4 allowed); undefined if invalid. */
export function parseIpv6(text: string): bigint | undefined {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let groupsText = address;
  let tail: bigint[] = [];
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (dotted) {
    const parsedV4 = parseIpv4(dotted[2]!);
    if (parsedV4 === undefined) return undefined;
    groupsText = `${dotted[1]!}0:0`;
    tail = [parsedV4 >> 16n, parsedV4 & 0xffffn];
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const values = groups.map((g) => BigInt(Number.parseInt(g, 16)));
  if (dotted) values.splice(6, 2, ...tail);
  return values.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return v4(text);
}

function embedded(label: string, inner: bigint, outer: AddressClass | undefined): AddressClass | undefined {
  const cls = lookupRange(inner, 32, ipv4Ranges);
  if (cls) return { name: cls.name, label: `${cls.label}, inside the ${label} address` };
  return outer;
}

function classifyIpv6(value: bigint): AddressClass | undefined {
  const low32 = value & 0xffffffffn;
  const top = (bits: number) => value >> BigInt(128 - bits);
  // IPv4-mapped ::ffff:0:0/96 reaches the IPv4 address itself.
  if (top(96) === 0xffffn) return embedded(`IPv4-mapped ::ffff:${formatV4(low32)}`, low32, undefined);
  // NAT64 well-known prefix 64:ff9b::/96 reaches the IPv4 address through the translator.
  if (top(96) === 0x0064ff9b0000000000000000n) return embedded('NAT64 (64:ff9b::/96)', low32, undefined);
  const fixed = lookupRange(value, 128, ipv6Ranges);
  if (fixed && (fixed.name !== 'reserved' || !fixed.label.includes('2001::/23'))) return fixed;
  // Deprecated IPv4-compatible ::/96 (after :: and ::1 above).
  if (top(96) === 0n) {
    return embedded('IPv4-compatible (::/96)', low32, {
      name: 'reserved',
      label: 'reserved (deprecated IPv4-compatible ::/96)',
    });
  }
  // 6to4 2002::/16 carries the IPv4 address in bits 16-47.
  if (top(16) === 0x2002n) return embedded('6to4 (2002::/16)', (value >> 80n) & 0xffffffffn, undefined);
  // Teredo 2001::/32: server IPv4 in bits 32-63, client IPv4 (inverted) in the last 32 bits.
  if (top(32) === 0x20010000n) {
    const teredo = { name: 'reserved' as const, label: 'reserved (Teredo 2001::/32)' };
    const client = embedded('Teredo (2001::/32) client', low32 ^ 0xffffffffn, undefined);
    return client ?? embedded('Teredo (2001::/32) server', (value >> 64n) & 0xffffffffn, teredo);
  }
  return fixed;
}

/** The special-purpose range an IP address falls in; undefined when it is globally reachable or not an IP. */
export function classifyAddress(address: string): AddressClass | undefined {
  const ipv4 = parseIpv4(address);
  if (ipv4 !== undefined) return lookupRange(ipv4, 32, ipv4Ranges);
  const ipv6 = parseIpv6(address);
  return ipv6 === undefined ? undefined : classifyIpv6(ipv6);
}

/** The reason to refuse an address under the policy, or undefined when it may be reached. */
export function refusalReason(address: string, host: string, policy: TargetPolicy): string | undefined {
  const range = classifyAddress(address);
  const target = host === address ? address : `${host} (${address})`;
  if (range === undefined) {
    if (policy.publicTargets) return undefined;
    return `Refusing to connect to ${target}: this deployment reaches only the address ranges it allows (${envNames.publicTargets}=refused).`;
  }
  if (policy.allowedRanges.includes('all') || policy.allowedRanges.includes(range.name)) return undefined;
  return (
    `Refusing to connect to ${target}: the address is in the ${range.label} range. ` +
    `To allow it, set ${envNames.allowPrivateTargets}=${range.name} (or "all") on the deployment.`
  );
}
