/**
 * The real server against a real API server: the table's wire sample through
 * Debian's dig and Node's dns.Resolver; changes showing up (create → resolvable,
 * endpoint not ready → leaves the headless answer, delete → NXDOMAIN); TC and
 * the TCP retry with a 1,000-endpoint headless Service; forwarding and its
 * cache against a test upstream on loopback; /health, /ready, /metrics; and
 * the same through two node:cluster workers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import http from 'node:http';
import dnsPacket from 'dns-packet';
import { Resources } from '../../src/client/index.ts';
import type { EndpointSlice, Service } from '../../src/api/types.ts';
import { startDns, type RunningDns } from '../../src/dns/index.ts';
import { CASES, DNS_IP, headless, clusterIP, slice } from './fixture.ts';
import { diff, dig, queryPacket, readResponse, startUpstream, tcpQuery, udpQuery, until, type TestUpstream } from './helpers.ts';
import { loadFixture, startCluster, type DnsTestCluster } from './cluster.ts';

let cluster: DnsTestCluster;
let upstream: TestUpstream;
let dns: RunningDns;
let addr: { host: string; port: number };

const UPSTREAM_RECORDS: Record<string, dnsPacket.Answer[]> = {
  'example.com': [
    { type: 'A', name: 'example.com', ttl: 60, data: '93.184.216.34' },
    { type: 'AAAA', name: 'example.com', ttl: 60, data: '2606:2800:220:1:248:1893:25c8:1946' },
  ],
  'www.example.org': [
    { type: 'CNAME', name: 'www.example.org', ttl: 120, data: 'example.com' },
    { type: 'A', name: 'example.com', ttl: 60, data: '93.184.216.34' },
  ],
};

const resolver = () => {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  r.setServers([`${addr.host}:${addr.port}`]);
  return r;
};
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

before(async () => {
  cluster = await startCluster();
  await loadFixture(cluster.client);
  upstream = await startUpstream('127.0.0.77', UPSTREAM_RECORDS);
  dns = await startDns({ kubeconfig: cluster.kubeconfig, listen: '127.0.0.66:0', metricsListen: '127.0.0.66:0', upstream: [`${upstream.host}:${upstream.port}`], log: () => {} });
  addr = { host: dns.host, port: dns.port };
  await dns.ready;
});

after(async () => {
  await dns?.stop();
  await upstream?.close();
  await cluster?.stop();
});

test('startDns reads the kube-dns ClusterIP for ns.dns and listens where told', async () => {
  assert.deepEqual(dns.nameservers, [DNS_IP]);
  assert.equal(dns.host, '127.0.0.66');
  assert.ok(dns.port > 0);
});

const wireCases = CASES.filter((c) => c.wire);
test('the wire sample covers at least 20 table cases', () => assert.ok(wireCases.length >= 20, `${wireCases.length}`));

for (const c of wireCases) {
  test(`dig: ${c.name} (${c.q.join(' ')})`, async () => {
    const got = await dig(addr, c.q[0], c.q[1]);
    assert.deepEqual(diff(c, got, c.q[0].replace(/\.$/, '')), [], got.raw);
  });
}

test('Node dns.Resolver: A, AAAA, SRV, PTR, TXT, CNAME; ENOTFOUND for NXDOMAIN and ENODATA for NODATA', async () => {
  const r = resolver();
  assert.deepEqual(await r.resolve4('web.default.svc.cluster.local'), ['127.96.0.20']);
  assert.deepEqual(await r.resolve6('dual.default.svc.cluster.local'), ['fd00:10:96::30']);
  assert.deepEqual((await r.resolve4('db.default.svc.cluster.local')).sort(), ['127.244.0.1', '127.244.0.2', '127.244.0.4']);
  assert.deepEqual(await r.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
  assert.deepEqual((await r.resolveSrv('_mysql._tcp.db.default.svc.cluster.local')).map((s) => s.name).sort(), ['127-244-0-4.db.default.svc.cluster.local', 'db-0.db.default.svc.cluster.local', 'db-1.db.default.svc.cluster.local']);
  assert.deepEqual(await r.reverse('127.96.0.20'), ['web.default.svc.cluster.local']);
  assert.deepEqual(await r.reverse('127.244.0.1'), ['db-0.db.default.svc.cluster.local']);
  assert.deepEqual(await r.resolveTxt('dns-version.cluster.local'), [['1.1.0']]);
  assert.deepEqual(await r.resolveCname('ext.default.svc.cluster.local'), ['example.com']);
  assert.equal(await code(r.resolve4('nosuch.default.svc.cluster.local')), 'ENOTFOUND');
  assert.equal(await code(r.resolve4('example.com.default.svc.cluster.local')), 'ENOTFOUND');
  assert.equal(await code(r.resolve6('web.default.svc.cluster.local')), 'ENODATA');
  assert.equal(await code(r.resolve4('empty-headless.default.svc.cluster.local')), 'ENOTFOUND');
});

test('changes show up: create → resolvable, endpoint not ready → leaves the answer, delete → NXDOMAIN', async () => {
  const r = resolver();
  const name = 'late.default.svc.cluster.local';
  assert.equal(await code(r.resolve4(name)), 'ENOTFOUND');
  await cluster.client.create(Resources.services, 'default', headless('default', 'late', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]));
  const sl = slice('default', 'late', 'a', [{ ip: '127.244.9.1' }, { ip: '127.244.9.2' }], [{ name: 'http', port: 80 }]);
  const created = await cluster.client.create<EndpointSlice>(Resources.endpointSlices, 'default', sl);
  await until(async () => (await code(r.resolve4(name))) === 'OK', `${name} resolvable`, 15_000, 2);
  assert.deepEqual((await r.resolve4(name)).sort(), ['127.244.9.1', '127.244.9.2']);
  await cluster.client.update(Resources.endpointSlices, 'default', { ...created, endpoints: [created.endpoints[0], { ...created.endpoints[1], conditions: { ready: false } }] });
  await until(async () => (await r.resolve4(name)).length === 1, 'the not-ready endpoint leaves', 20_000, 2);
  assert.deepEqual(await r.resolve4(name), ['127.244.9.1']);
  assert.equal(await code(r.resolve4(`127-244-9-2.late.default.svc.cluster.local`)), 'ENOTFOUND');
  await cluster.client.delete(Resources.services, 'default', 'late');
  await until(async () => (await code(r.resolve4(name))) === 'ENOTFOUND', `${name} gone`, 20_000, 2);
  // A ClusterIP Service appears with its VIP even before it has endpoints.
  await cluster.client.create<Service>(Resources.services, 'default', clusterIP('default', 'late-vip', '127.96.0.99', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]));
  await until(async () => (await code(r.resolve4('late-vip.default.svc.cluster.local'))) === 'OK', 'late-vip resolvable', 20_000, 2);
  assert.deepEqual(await r.reverse('127.96.0.99'), ['late-vip.default.svc.cluster.local']);
  await cluster.client.delete(Resources.services, 'default', 'late-vip');
});

test('a 1,000-endpoint headless Service: TC over UDP, the full answer over TCP (dig and Node retry by themselves)', async () => {
  await cluster.client.create(Resources.services, 'default', headless('default', 'big', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]));
  const eps = Array.from({ length: 1000 }, (_, i) => ({ ip: `127.244.${100 + Math.floor(i / 250)}.${(i % 250) + 1}` }));
  await cluster.client.create(Resources.endpointSlices, 'default', slice('default', 'big', 'a', eps, [{ name: 'http', port: 80 }]));
  const name = 'big.default.svc.cluster.local';
  await until(async () => readResponse(await tcpQuery(addr, queryPacket(name, 'A'))).answer.length === 1000, 'all 1000 endpoints visible', 20_000, 10);
  const udp = readResponse(await udpQuery(addr, queryPacket(name, 'A', 'IN', { edns: 1232 })));
  assert.equal(udp.tc, true);
  assert.equal(udp.answer.length, 0);
  const plain = readResponse(await udpQuery(addr, queryPacket(name, 'A')));
  assert.equal(plain.tc, true, 'no EDNS: 512 octets');
  const ignored = await dig(addr, name, 'A', ['+ignore']);
  assert.equal(ignored.tc, true);
  assert.equal(ignored.transport, 'UDP');
  const full = await dig(addr, name, 'A');
  assert.equal(full.transport, 'TCP', 'dig retried over TCP');
  assert.equal(full.answer.length, 1000);
  assert.equal(new Set(full.answer).size, 1000);
  const viaNode = await resolver().resolve4(name);
  assert.equal(viaNode.length, 1000);
  // SRV over TCP: 1000 records with their addresses in the additional section.
  const srv = readResponse(await tcpQuery(addr, queryPacket(`_http._tcp.${name}`, 'SRV')));
  assert.equal(srv.answer.length, 1000);
  assert.ok(srv.answer[0].includes(' SRV 0 1 80 '), 'weight floor(100/1000) is raised to 1');
  await cluster.client.delete(Resources.services, 'default', 'big');
});

test('forwarding: outside names go to the upstream, answers and negative answers are cached for their TTL', async () => {
  const r = resolver();
  const before = upstream.seen.length;
  assert.deepEqual(await r.resolve4('example.com'), ['93.184.216.34']);
  const a = await dig(addr, 'Example.COM', 'A');
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(a.answer, ['Example.COM A 93.184.216.34'], 'owner names take the query case');
  assert.ok(a.ttls[0] <= 60 && a.ttls[0] >= 58, `ttl ${a.ttls[0]}`);
  assert.equal(a.aa, false);
  assert.equal(upstream.seen.length - before, 1, 'the second query came from the cache');
  const nx = await dig(addr, 'nothing.example', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  await dig(addr, 'nothing.example', 'A');
  assert.equal(upstream.seen.filter((s) => s.startsWith('nothing.example')).length, 1, 'negative answer cached (SOA minimum 30 s)');
  const cname = await dig(addr, 'www.example.org', 'A');
  assert.deepEqual(cname.answer, ['www.example.org CNAME example.com', 'example.com A 93.184.216.34']);
  // An upstream answer too big for UDP: the upstream sets TC, the forwarder retries it over TCP.
  const big = await dig(addr, 'big.example', 'TXT');
  assert.equal(big.answer.length, 100);
  assert.equal(big.transport, 'TCP');
  // Search-path junk never reaches the upstream.
  await dig(addr, 'example.com.default.svc.cluster.local', 'A');
  assert.ok(!upstream.seen.some((s) => s.includes('svc.cluster.local')));
});

test('ExternalName out of the zone: CNAME plus the upstream answer for the target', async () => {
  const got = await dig(addr, 'ext.default.svc.cluster.local', 'A');
  assert.equal(got.rcode, 'NOERROR');
  assert.deepEqual(got.answer, ['ext.default.svc.cluster.local CNAME example.com', 'example.com A 93.184.216.34']);
  assert.deepEqual(await resolver().resolve4('ext.default.svc.cluster.local'), ['93.184.216.34']);
});

test('bad questions over the wire: REFUSED for AXFR (UDP and TCP), NOTIMP for ANY, FORMERR for two questions', async () => {
  assert.equal((await dig(addr, 'cluster.local', 'AXFR')).rcode !== 'NOERROR', true);
  assert.equal(readResponse(await tcpQuery(addr, queryPacket('cluster.local', 'AXFR'))).rcode, 'REFUSED');
  assert.equal(readResponse(await udpQuery(addr, queryPacket('web.default.svc.cluster.local', 'ANY'))).rcode, 'NOTIMP');
  const two = dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'A', name: 'a.example' }, { type: 'A', name: 'b.example' }] });
  assert.equal(readResponse(await udpQuery(addr, two)).rcode, 'FORMERR');
});

const httpGet = (path: string) =>
  new Promise<{ status: number; body: string }>((resolvePromise, reject) => {
    http.get({ host: dns.metrics.host, port: dns.metrics.port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

test('/health, /ready and /metrics with CoreDNS metric names', async () => {
  assert.deepEqual(await httpGet('/health'), { status: 200, body: 'OK' });
  assert.equal((await httpGet('/ready')).status, 200);
  const m = (await httpGet('/metrics')).body;
  for (const name of ['coredns_dns_requests_total', 'coredns_dns_responses_total', 'coredns_dns_request_duration_seconds_bucket', 'coredns_cache_hits_total', 'coredns_cache_misses_total', 'coredns_forward_requests_total']) {
    assert.ok(m.includes(name), `${name} missing`);
  }
  assert.match(m, /coredns_dns_requests_total\{[^}]*proto="udp"[^}]*type="A"\} [1-9]/);
  assert.match(m, /coredns_dns_responses_total\{[^}]*rcode="NXDOMAIN"[^}]*\} [1-9]/);
  assert.match(m, /coredns_cache_hits_total\{[^}]*type="success"[^}]*\} [1-9]/);
});

test('two worker processes, sharing the address by SO_REUSEPORT and by node:cluster', { concurrency: 2 }, async (t) => {
  await Promise.all([
    t.test('reuseport: both workers see changes; metrics are aggregated', () => twoWorkers('reuseport', '127.0.0.67')),
    t.test('cluster: both workers see changes; metrics are aggregated', () => twoWorkers('cluster', '127.0.0.68')),
  ]);
});

async function twoWorkers(sharing: 'reuseport' | 'cluster', ip: string): Promise<void> {
  const multi = await startDns({ kubeconfig: cluster.kubeconfig, listen: `${ip}:0`, metricsListen: `${ip}:0`, upstream: [`${upstream.host}:${upstream.port}`], workers: 2, sharing, log: () => {} });
  const svcName = `w2-${sharing}`;
  try {
    assert.equal(multi.workers, 2);
    assert.equal(multi.sharing, sharing);
    assert.equal(multi.pids().length, 2);
    const maddr = { host: multi.host, port: multi.port };
    await multi.ready;
    const r = new Resolver({ timeout: 3000, tries: 2 });
    r.setServers([`${maddr.host}:${maddr.port}`]);
    assert.deepEqual(await r.resolve4('web.default.svc.cluster.local'), ['127.96.0.20']);
    await cluster.client.create(Resources.services, 'default', clusterIP('default', svcName, sharing === 'cluster' ? '127.96.0.97' : '127.96.0.98', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]));
    // Many queries from fresh sockets land on both workers; all must see the new Service.
    await until(async () => {
      const rs = await Promise.all(Array.from({ length: 20 }, () => udpQuery(maddr, queryPacket(`${svcName}.default.svc.cluster.local`, 'A')).then(readResponse)));
      return rs.every((x) => x.rcode === 'NOERROR' && x.answer.length === 1);
    }, 'w2 visible in every worker', 5000, 5);
    const tcps = await Promise.all(Array.from({ length: 6 }, () => tcpQuery(maddr, queryPacket(`${svcName}.default.svc.cluster.local`, 'A')).then(readResponse)));
    for (const t of tcps) assert.equal(t.answer.length, 1, 'every TCP connection is answered');
    const m = await new Promise<string>((resolvePromise, reject) =>
      http.get({ host: multi.metrics.host, port: multi.metrics.port, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolvePromise(body));
      }).on('error', reject),
    );
    const total = [...m.matchAll(/^coredns_dns_requests_total\{[^}]*\} (\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
    assert.ok(total >= 22, `aggregated request count ${total}`);
    await cluster.client.delete(Resources.services, 'default', svcName);
  } finally {
    await multi.stop();
  }
}
