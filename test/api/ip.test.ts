/** IP / CIDR parsing and formatting as Go's net + k8s.io/utils/net do it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIP, familyOf, formatCIDR, inAnyCIDR, parseCIDR, parseIP } from '../../src/api/validation/ip.ts';

const canon: { input: string; want: string | undefined; family?: string }[] = [
  { input: '10.0.0.1', want: '10.0.0.1', family: 'IPv4' },
  { input: '010.000.000.001', want: '10.0.0.1', family: 'IPv4' }, // sloppy: leading zeros are decimal
  { input: '255.255.255.255', want: '255.255.255.255' },
  { input: '256.0.0.1', want: undefined },
  { input: '1.2.3', want: undefined },
  { input: '1.2.3.4.5', want: undefined },
  { input: '', want: undefined },
  { input: '::', want: '::', family: 'IPv6' },
  { input: '::1', want: '::1' },
  { input: 'FD00:0010:0096:0000:0000:0000:0000:000A', want: 'fd00:10:96::a' },
  { input: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' }, // first of equal runs
  { input: '2001:db8::', want: '2001:db8::' },
  { input: '1:2:3:4:5:6:7:8', want: '1:2:3:4:5:6:7:8' },
  { input: '1:0:3:4:5:6:7:8', want: '1:0:3:4:5:6:7:8' }, // a single zero group is not compressed
  { input: '::ffff:10.1.2.3', want: '10.1.2.3', family: 'IPv4' }, // IPv4-mapped counts as IPv4
  { input: '::10.1.2.3', want: '::a01:203', family: 'IPv6' },
  { input: '1::2::3', want: undefined },
  { input: '1:2:3:4:5:6:7:8:9', want: undefined },
  { input: 'fe80::1%eth0', want: undefined },
  { input: '12345::', want: undefined },
];

for (const c of canon) {
  test(`parse ${JSON.stringify(c.input)}`, () => {
    assert.equal(canonicalIP(c.input), c.want);
    if (c.family) assert.equal(familyOf(c.input), c.family);
  });
}

test('CIDRs: sloppy parse clears host bits; containment by family', () => {
  assert.equal(formatCIDR(parseCIDR('10.96.3.4/16')!), '10.96.0.0/16');
  assert.equal(formatCIDR(parseCIDR('fd00:10:96::1/112')!), 'fd00:10:96::/112');
  assert.equal(parseCIDR('10.0.0.0/33'), undefined);
  assert.equal(parseCIDR('10.0.0.0'), undefined);
  assert.equal(parseCIDR('fd00::/129'), undefined);
  assert.ok(inAnyCIDR('127.244.9.9', ['127.244.0.0/16']));
  assert.ok(!inAnyCIDR('127.245.0.1', ['127.244.0.0/16']));
  assert.ok(!inAnyCIDR('::ffff:127.244.0.1', ['::/0']));
  assert.ok(inAnyCIDR('fd00:10:96::ffff', ['fd00:10:96::/112']));
  assert.equal(parseIP('0.0.0.0')?.value, 0n);
});
