/**
 * The forwarder against a test upstream on loopback with an injected clock
 * (TTL ageing, negative TTL from the SOA, expiry), coalescing of identical
 * questions, the in-flight cap, resolv.conf and flag parsing; and startDns's
 * address choice (port 53 taken → 1053) and runDns's banner.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Forwarder, parseResolvConf, parseUpstream, parseListen, Type, Class, Rcode, startDns } from '../../src/dns/index.ts';
import { runDns } from '../../src/cli/dns.ts';
import { startUpstream, type TestUpstream } from './helpers.ts';
import { startCluster, type DnsTestCluster } from './cluster.ts';

let upstream: TestUpstream;
before(async () => {
  upstream = await startUpstream('127.0.0.81', { 'example.com': [{ type: 'A', name: 'example.com', ttl: 60, data: '93.184.216.34' }] });
});
after(async () => upstream?.close());

const q = (name: string, type: number = Type.A) => ({ name, type, class: Class.IN });

test('forwarder: answers are cached for their TTL, which ages; then refetched', async () => {
  let now = 1_000_000;
  const f = new Forwarder({ upstreams: [{ host: upstream.host, port: upstream.port }], now: () => now });
  try {
    const seen0 = upstream.seen.length;
    const a = await f.query(q('example.com'));
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.equal(a.cached, false);
    assert.equal(a.answer[0].ttl, 60);
    now += 25_000;
    const b = await f.query(q('EXAMPLE.com'));
    assert.equal(b.cached, true, 'case-insensitive cache key');
    assert.equal(b.answer[0].ttl, 35);
    assert.equal(upstream.seen.length - seen0, 1);
    now += 36_000;
    const c = await f.query(q('example.com'));
    assert.equal(c.cached, false, 'expired after 60 s');
    assert.equal(upstream.seen.length - seen0, 2);
  } finally {
    f.close();
  }
});

test('forwarder: NXDOMAIN is cached for min(SOA TTL, SOA MINIMUM) (RFC 2308)', async () => {
  let now = 0;
  const f = new Forwarder({ upstreams: [{ host: upstream.host, port: upstream.port }], now: () => now });
  try {
    const seen0 = upstream.seen.length;
    assert.equal((await f.query(q('missing.example'))).rcode, Rcode.NXDOMAIN);
    now += 29_000;
    assert.equal((await f.query(q('missing.example'))).cached, true);
    now += 2_000;
    assert.equal((await f.query(q('missing.example'))).cached, false, 'SOA minimum is 30 s');
    assert.equal(upstream.seen.length - seen0, 2);
  } finally {
    f.close();
  }
});

test('forwarder: identical questions in flight share one upstream query', async () => {
  const f = new Forwarder({ upstreams: [{ host: upstream.host, port: upstream.port }] });
  try {
    const seen0 = upstream.seen.length;
    const rs = await Promise.all(Array.from({ length: 10 }, () => f.query(q('example.com', Type.AAAA))));
    assert.ok(rs.every((r) => r.rcode === Rcode.NOERROR));
    assert.equal(upstream.seen.length - seen0, 1);
  } finally {
    f.close();
  }
});

test('forwarder: at most maxPending queries in flight; a silent upstream times out', async () => {
  const hole = dgram.createSocket('udp4'); // reads nothing back
  await new Promise<void>((r) => hole.bind(0, '127.0.0.82', () => r()));
  const f = new Forwarder({ upstreams: [{ host: '127.0.0.82', port: hole.address().port }], maxPending: 3, timeoutMs: 200 });
  try {
    let settled = 0;
    const slow = [1, 2, 3].map((i) => f.query(q(`slow${i}.example`)).then(() => 'ok', (e: Error) => e.message).finally(() => settled++));
    const rejected = await f.query(q('one-too-many.example')).then(() => 'ok', (e: Error) => e.message);
    assert.match(rejected, /too many/);
    assert.equal(settled, 0, 'rejected at once, while the three are still waiting for the upstream');
    assert.ok(f.inFlight <= 3);
    for (const r of await Promise.all(slow)) assert.match(r, /timed out/);
  } finally {
    f.close();
    hole.close();
  }
});

test('resolv.conf and flag parsing', () => {
  assert.deepEqual(parseResolvConf('# c\nsearch a b\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:5\n'), [
    { host: '10.0.0.1', port: 53 },
    { host: 'fe80::1', port: 53 },
  ]);
  assert.deepEqual(parseUpstream('1.1.1.1'), { host: '1.1.1.1', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('[::1]:53'), { host: '::1', port: 53 });
  assert.throws(() => parseUpstream('dns.google'), /invalid upstream/);
  assert.deepEqual(parseListen('127.96.0.10:53'), { host: '127.96.0.10', port: 53 });
  assert.deepEqual(parseListen(':1053'), { host: undefined, port: 1053 });
  assert.deepEqual(parseListen('127.0.0.5'), { host: '127.0.0.5' });
  assert.deepEqual(parseListen('[fd00::1]:53'), { host: 'fd00::1', port: 53 });
  assert.throws(() => parseListen('localhost:53'), /invalid listen/);
});

test('startDns: port 53 taken → the fallback port, printed; kube-dns IP as the default host', async () => {
  let cluster: DnsTestCluster | undefined;
  const squatter = dgram.createSocket('udp4');
  try {
    cluster = await startCluster();
    const logs: string[] = [];
    // Port 53 on this address is taken (or not permitted): the server must fall back, and say so.
    await new Promise<void>((r, j) => {
      squatter.once('error', j);
      squatter.bind(53, '127.0.0.83', () => r());
    }).catch(() => undefined);
    const dns = await startDns({ kubeconfig: cluster.kubeconfig, listen: '127.0.0.83', metricsListen: '127.0.0.83:0', upstream: ['127.0.0.1:9'], log: (l) => logs.push(l) });
    try {
      assert.equal(dns.host, '127.0.0.83');
      assert.notEqual(dns.port, 53);
      assert.equal(dns.port, 1053);
      assert.ok(logs.some((l) => l.includes('could not bind') && l.includes('port 53')), logs.join('\n'));
    } finally {
      await dns.stop();
    }
    // Without --listen: the kube-dns Service's ClusterIP.
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    let d2;
    try {
      d2 = await runDns({ kubeconfig: cluster.kubeconfig, metricsListen: '127.0.0.84:0', upstream: ['127.0.0.1:9'], log: () => {} });
    } finally {
      process.stdout.write = write;
    }
    try {
      assert.equal(d2.host, '127.96.0.10');
      assert.ok(out.join('').includes(`listening on 127.96.0.10:${d2.port}`), out.join(''));
      await d2.ready;
    } finally {
      await d2.stop();
    }
  } finally {
    squatter.close();
    await cluster?.stop();
  }
});
