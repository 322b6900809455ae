/** ClusterIP allocator: ranges, bands, exhaustion and release (pure, table-driven). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlreadyAllocatedError, ClusterIPAllocator, NotInRangeError, RangeFullError } from '../../src/allocators/index.ts';

const bands: { cidr: string; size: number; band: number; first: string; tenth: string }[] = [
  { cidr: '10.0.0.0/28', size: 14, band: 0, first: '10.0.0.1', tenth: '10.0.0.10' },
  { cidr: '10.0.0.0/27', size: 30, band: 16, first: '10.0.0.1', tenth: '10.0.0.10' },
  { cidr: '10.0.0.0/24', size: 254, band: 16, first: '10.0.0.1', tenth: '10.0.0.10' },
  { cidr: '10.96.0.0/20', size: 4094, band: 256, first: '10.96.0.1', tenth: '10.96.0.10' },
  { cidr: '127.96.0.0/16', size: 65534, band: 256, first: '127.96.0.1', tenth: '127.96.0.10' },
  { cidr: '10.0.0.0/31', size: 0, band: 0, first: '10.0.0.1', tenth: '10.0.0.10' },
  { cidr: '10.0.0.0/32', size: 0, band: 0, first: '10.0.0.1', tenth: '10.0.0.10' },
  { cidr: 'fd00:10:96::/112', size: 65535, band: 256, first: 'fd00:10:96::1', tenth: 'fd00:10:96::a' },
  { cidr: 'fd00::/64', size: 65535, band: 256, first: 'fd00::1', tenth: 'fd00::a' },
  { cidr: 'fd00::/124', size: 15, band: 0, first: 'fd00::1', tenth: 'fd00::a' },
];
for (const b of bands) {
  test(`range ${b.cidr}: ${b.size} addresses, static band ${b.band}`, () => {
    const a = new ClusterIPAllocator(b.cidr);
    assert.equal(a.size, b.size);
    assert.equal(a.staticBand, b.band);
    assert.equal(a.nth(1), b.first);
    assert.equal(a.nth(10), b.tenth);
  });
}

test('allocate a whole /28, "range is full", release one and get it back', () => {
  const a = new ClusterIPAllocator('10.0.0.0/28');
  const taken = new Set<string>();
  for (let i = 0; i < 14; i++) taken.add(a.allocateNext((ip) => taken.has(ip)));
  assert.equal(taken.size, 14);
  assert.ok(!taken.has('10.0.0.0'), 'network address never allocated');
  assert.ok(!taken.has('10.0.0.15'), 'broadcast address never allocated');
  assert.throws(
    () => a.allocateNext((ip) => taken.has(ip)),
    (e: unknown) => e instanceof RangeFullError && e.message === 'range is full' && e.range === '10.0.0.0/28',
  );
  taken.delete('10.0.0.7');
  assert.equal(a.allocateNext((ip) => taken.has(ip)), '10.0.0.7');
});

test('dynamic allocation prefers the upper band, then falls back to the static band', () => {
  const a = new ClusterIPAllocator('10.0.0.0/24');
  const none = () => false;
  assert.equal(a.allocateNext(none, () => 0), '10.0.0.17');
  assert.equal(a.allocateNext(none, () => 0.999999), '10.0.0.254');
  const taken = new Set<string>();
  for (let i = 17; i <= 254; i++) taken.add(`10.0.0.${i}`);
  const got = a.allocateNext((ip) => taken.has(ip), () => 0.5);
  const last = Number(got.split('.')[3]);
  assert.ok(last >= 1 && last <= 16, `fell back to the static band: ${got}`);
});

const requests: { name: string; cidr: string; ip: string; taken?: string[]; want?: string; error?: RegExp; type?: Function }[] = [
  { name: 'free address', cidr: '10.0.0.0/24', ip: '10.0.0.5', want: '10.0.0.5' },
  { name: 'canonicalised', cidr: '10.0.0.0/24', ip: '010.0.0.005', want: '10.0.0.5' },
  { name: 'IPv6 canonicalised', cidr: 'fd00:10:96::/112', ip: 'FD00:10:96:0::A', want: 'fd00:10:96::a' },
  { name: 'taken', cidr: '10.0.0.0/24', ip: '10.0.0.5', taken: ['10.0.0.5'], error: /^provided IP is already allocated$/, type: AlreadyAllocatedError },
  {
    name: 'network address',
    cidr: '10.0.0.0/24',
    ip: '10.0.0.0',
    error: /^the provided IP \(10\.0\.0\.0\) is not in the valid range\. The range of valid IPs is 10\.0\.0\.0\/24$/,
    type: NotInRangeError,
  },
  { name: 'broadcast address', cidr: '10.0.0.0/24', ip: '10.0.0.255', error: /not in the valid range/, type: NotInRangeError },
  { name: 'outside', cidr: '10.0.0.0/24', ip: '10.0.1.5', error: /The range of valid IPs is 10\.0\.0\.0\/24/, type: NotInRangeError },
  { name: 'other family', cidr: '10.0.0.0/24', ip: 'fd00::5', error: /not in the valid range/, type: NotInRangeError },
  { name: 'IPv6 network address', cidr: 'fd00::/112', ip: 'fd00::', error: /not in the valid range/, type: NotInRangeError },
];
for (const r of requests) {
  test(`allocate requested: ${r.name}`, () => {
    const a = new ClusterIPAllocator(r.cidr);
    const taken = new Set(r.taken ?? []);
    if (r.want) assert.equal(a.allocate(r.ip, (ip) => taken.has(ip)), r.want);
    else assert.throws(() => a.allocate(r.ip, (ip) => taken.has(ip)), (e: unknown) => e instanceof r.type! && r.error!.test((e as Error).message));
  });
}

test('an invalid CIDR is refused at construction', () => {
  assert.throws(() => new ClusterIPAllocator('10.0.0.0'), /invalid service CIDR/);
});
