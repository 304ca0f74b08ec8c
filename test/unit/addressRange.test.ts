import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIpv6, refusalReason } from '../../shared/domain/addressRange.ts';

const closed = { allowedRanges: [], publicTargets: true };
const allowing = (range: string) => ({ allowedRanges: [range], publicTargets: true });

describe('address guard (IANA special-purpose registries)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'loopback'],
    ['::', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'link-local'],
    ['fd00:ec2::254', 'link-local'],
  ])('refuses %s (%s) by default, allows it when its range is allowed', (address, range) => {
    expect(refusalReason(address, 'example.test', closed)).toMatch(
      new RegExp(`${range}.*ALLOW_PRIVATE_TARGETS=${range}`),
    );
    expect(refusalReason(address, 'example.test', allowing(range))).toBeUndefined();
    expect(refusalReason(address, 'example.test', allowing('all'))).toBeUndefined();
  });

  // The forms the issue found the old guard missing.
  it.each([
    ['64:ff9b::a00:1', 'private', /10\.0\.0\.0\/8.*NAT64/],
    ['64:ff9b::7f00:1', 'loopback', /NAT64/],
    ['64:ff9b::169.254.169.254', 'link-local', /metadata.*NAT64/],
    ['64:ff9b:1::8.8.8.8', 'private', /local-use NAT64/],
    ['::10.0.0.1', 'private', /IPv4-compatible/],
    ['::127.0.0.1', 'loopback', /IPv4-compatible/],
    ['::8.8.8.8', 'reserved', /deprecated IPv4-compatible/],
    ['2002:a00:1::1', 'private', /6to4/],
    ['2002:c0a8:101::', 'private', /192\.168\.0\.0\/16.*6to4/],
    ['2002:7f00:1::', 'loopback', /6to4/],
    // Teredo client 10.0.0.1 is stored inverted: f5ff:fffe.
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private', /Teredo.*client/],
    ['2001:0:a00:1::f7f7:f7f7', 'private', /Teredo.*server/],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'reserved', /Teredo/],
    ['fec0::1', 'private', /site-local/],
    ['ff02::1', 'reserved', /multicast/],
    ['224.0.0.1', 'reserved', /multicast/],
    ['239.255.255.250', 'reserved', /multicast/],
    ['255.255.255.255', 'reserved', /broadcast/],
    ['240.0.0.1', 'reserved', /240\.0\.0\.0\/4/],
    ['198.18.0.1', 'reserved', /benchmarking/],
    ['198.19.255.255', 'reserved', /benchmarking/],
    ['192.0.2.1', 'reserved', /documentation/],
    ['2001:db8::1', 'reserved', /documentation/],
    ['100::1', 'reserved', /discard/],
    ['[::ffff:10.0.0.1]', 'private', /IPv4-mapped/],
    ['::ffff:a00:1', 'private', /IPv4-mapped/],
  ])('classifies %s as %s', (address, range, label) => {
    const cls = classifyAddress(address);
    expect(cls?.name).toBe(range);
    expect(cls?.label).toMatch(label);
    expect(refusalReason(address, address, closed)).toMatch(new RegExp(`ALLOW_PRIVATE_TARGETS=${range}`));
  });

  it('names the metadata service and keeps it closed when only private ranges are allowed', () => {
    expect(refusalReason('169.254.169.254', 'imds', allowing('private'))).toMatch(/metadata/);
    expect(refusalReason('fd00:ec2::254', 'imds', allowing('private'))).toMatch(/metadata/);
  });

  it('lets public addresses through, including through NAT64 and 6to4', () => {
    for (const address of [
      '93.184.216.34',
      '172.32.0.1',
      '198.20.0.1',
      '2606:4700::1111',
      '8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
      '223.255.255.255',
    ]) {
      expect(classifyAddress(address), address).toBeUndefined();
      expect(refusalReason(address, 'example.com', closed)).toBeUndefined();
    }
  });

  it('refuses every public address when the deployment refuses them', () => {
    expect(refusalReason('8.8.8.8', 'dns.example', { allowedRanges: ['all'], publicTargets: false })).toMatch(
      /PUBLIC_TARGETS=refused/,
    );
    expect(
      refusalReason('127.0.0.1', 'localhost', { allowedRanges: ['loopback'], publicTargets: false }),
    ).toBe(undefined);
  });

  it('parses IPv6 text forms, and nothing that is not one', () => {
    expect(parseIpv6('::')).toBe(0n);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(parseIpv6('fe80::1%eth0')).toBe(0xfe800000000000000000000000000001n);
    expect(parseIpv6('::ffff:1.2.3.4')).toBe(0xffff01020304n);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '::1.2.3.256', '1:2:3:4:5:6:7']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
    expect(classifyAddress('not-an-address')).toBeUndefined();
  });
});
