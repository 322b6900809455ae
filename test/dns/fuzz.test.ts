/**
 * Fuzz: 100,000 random and mutated packets over UDP and a few thousand TCP
 * frames (including broken framing) at a live server, plus 200,000 more
 * straight into its answer path; every answer must be a well-formed DNS
 * response, no exception may escape, the caches and in-flight tables must stay
 * within their caps, and afterwards the server must still answer the table
 * correctly. The seed is printed; DNS_FUZZ_SEED=n reproduces a run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { ClusterIndex, DnsMetrics, DnsServer, Forwarder, defaultResolverOptions } from '../../src/dns/index.ts';
import { CASES, NAMESPACES, PODS, SERVICES, SLICES } from './fixture.ts';
import { diff, dig, queryPacket, readResponse, startUpstream, udpQuery, until, type TestUpstream } from './helpers.ts';
import { prng } from '../helpers/prng.ts';

const SEED = Number(process.env['DNS_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const UDP_PACKETS = 100_000;
const TCP_FRAMES = 4_000;
const DIRECT_PACKETS = 50_000;

const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'CNAME', 'SOA', 'NS', 'MX', 'ANY', 'AXFR', 'IXFR', 'TYPE65280'];
const NAMES = [
  ...CASES.map((c) => c.q[0]),
  'example.com',
  'nothing.example',
  'a.b.c.d.e.f.g.h.cluster.local',
  '1-2-3-4.default.pod.cluster.local',
  'x'.repeat(63) + '.cluster.local',
];

function seedPacket(): Buffer {
  const edns = rnd() < 0.5 ? pick([512, 1232, 4096, 65535, 0, 100]) : undefined;
  return queryPacket(pick(NAMES), pick(TYPES), rnd() < 0.9 ? 'IN' : pick(['CH', 'HS', 'ANY']), { id: int(65536), edns: edns || undefined, rd: rnd() < 0.8 });
}

function mutate(p: Buffer): Buffer {
  let b = Buffer.from(p);
  const ops = 1 + int(4);
  for (let i = 0; i < ops; i++) {
    switch (int(10)) {
      case 0: // flip bits
        for (let j = 0, n = 1 + int(8); j < n && b.length; j++) b[int(b.length)] ^= 1 << int(8);
        break;
      case 1: // random bytes
        for (let j = 0, n = 1 + int(6); j < n && b.length; j++) b[int(b.length)] = int(256);
        break;
      case 2: // truncate
        b = b.subarray(0, int(b.length + 1));
        break;
      case 3: // append garbage
        b = Buffer.concat([b, Buffer.from(Array.from({ length: int(300) }, () => int(256)))]);
        break;
      case 4: // header counts
        if (b.length >= 12) b.writeUInt16BE(pick([0, 1, 2, 3, 255, 65535, int(65536)]), 4 + 2 * int(4));
        break;
      case 5: // compression pointer loops and forward pointers in the question
        if (b.length >= 14) {
          const at = 12 + int(Math.max(1, b.length - 13));
          b[at] = 0xc0 | int(0x40);
          b[at + 1] = pick([12, at & 0xff, (at + 2) & 0xff, int(256)]);
        }
        break;
      case 6: // over-long name: many labels
        b = Buffer.concat([b.subarray(0, 12), Buffer.from(Array.from({ length: 40 }, () => [8, ...Buffer.from('abcdefgh')]).flat()), Buffer.from([0, 0, 1, 0, 1]), b.subarray(12)]);
        break;
      case 7: // flags: QR, opcodes, Z, rcode bits
        if (b.length >= 4) b.writeUInt16BE(int(65536), 2);
        break;
      case 8: // qtype / qclass somewhere after the name
        if (b.length >= 16) b.writeUInt16BE(int(65536), b.length - 4 - 2 * int(3));
        break;
      default: // label length bytes
        if (b.length > 13) b[12 + int(b.length - 12)] = pick([0, 63, 64, 127, 191, 255]);
    }
  }
  return b;
}

function fuzzPacket(): Buffer {
  const r = rnd();
  if (r < 0.15) return Buffer.from(Array.from({ length: int(600) }, () => int(256)));
  if (r < 0.2) return Buffer.from(Array.from({ length: int(14) }, () => int(256)));
  if (r < 0.25) return seedPacket();
  return mutate(seedPacket());
}

let view: ClusterIndex;
let upstream: TestUpstream;
let forwarder: Forwarder;
let server: DnsServer;
let addr: { host: string; port: number };
const CACHE_CAP = 2000;
const PENDING_CAP = 256;

before(async () => {
  view = ClusterIndex.from({ namespaces: NAMESPACES, services: SERVICES, endpointSlices: SLICES, pods: PODS });
  upstream = await startUpstream('127.0.0.78', { 'example.com': [{ type: 'A', name: 'example.com', ttl: 60, data: '93.184.216.34' }] });
  forwarder = new Forwarder({ upstreams: [{ host: upstream.host, port: upstream.port }], timeoutMs: 500, maxPending: PENDING_CAP, cacheSize: 1000 });
  server = new DnsServer({
    host: '127.0.0.79',
    port: 0,
    view,
    resolver: defaultResolverOptions({ nameservers: ['127.96.0.10'] }),
    forwarder,
    metrics: new DnsMetrics({ server: 'dns://fuzz' }),
    responseCacheSize: CACHE_CAP,
    maxTcpConnections: 64,
    tcpIdleMs: 2000,
  });
  addr = await server.start();
});

after(async () => {
  await server?.stop();
  forwarder?.close();
  await upstream?.close();
});

test(`fuzz (seed ${SEED}): ${DIRECT_PACKETS} packets straight into the answer path: one well-formed reply or none, never a throw`, async () => {
  let replies = 0;
  let pending = 0;
  for (let i = 0; i < DIRECT_PACKETS; i++) {
    const p = fuzzPacket();
    let calls = 0;
    pending++;
    server.process(p, rnd() < 0.8 ? 'udp' : 'tcp', 1, (out) => {
      calls++;
      pending--;
      assert.equal(calls, 1, 'reply called once');
      if (!out) return;
      replies++;
      const buf = Array.isArray(out) ? Buffer.concat(out) : out;
      assert.ok(buf.length >= 12 && buf.length <= 65535);
      assert.equal(buf.readUInt16BE(0), p.readUInt16BE(0), 'the reply carries the query ID');
      assert.ok(buf[2] & 0x80, 'QR set');
      dnsPacket.decode(buf); // well-formed for an independent decoder
    });
    if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  await until(() => pending === 0, 'forwarded replies', 10_000, 20);
  assert.ok(replies > DIRECT_PACKETS / 2, `${replies} replies`);
  assert.ok(forwarder.inFlight <= PENDING_CAP);
});

test(`fuzz (seed ${SEED}): ${UDP_PACKETS} packets over UDP and ${TCP_FRAMES} TCP frames, then it still answers correctly`, async () => {
  const clients = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.80', () => r()));
      return s;
    }),
  );
  let responses = 0;
  let malformed = 0;
  for (const c of clients) {
    c.on('message', (m) => {
      responses++;
      try {
        dnsPacket.decode(m);
        if (!(m[2] & 0x80)) malformed++;
      } catch {
        malformed++;
      }
    });
  }
  const seen0 = server.stats.udpQueries;
  const WINDOW = 256;
  for (let i = 0; i < UDP_PACKETS; i++) {
    pick(clients).send(fuzzPacket(), addr.port, addr.host);
    // Keep at most a window in flight so the kernel's socket buffers do not simply drop the flood
    // (the server and this sender share the event loop).
    if (i % WINDOW === WINDOW - 1) {
      const t0 = Date.now();
      while (server.stats.udpQueries - seen0 < i + 1 - WINDOW && Date.now() - t0 < 1000) await new Promise((r) => setImmediate(r));
    }
  }
  await until(() => server.stats.udpQueries - seen0 >= UDP_PACKETS * 0.98, 'server read the flood', 10_000, 20).catch(() => 0);
  const delivered = server.stats.udpQueries - seen0;

  // TCP: well-formed and broken frames, connections dropped mid-frame.
  let tcpReplies = 0;
  await Promise.all(
    Array.from({ length: 20 }, (_, k) =>
      new Promise<void>((resolvePromise) => {
        const s = net.connect(addr.port, addr.host);
        s.on('data', (d) => (tcpReplies += d.length > 0 ? 1 : 0));
        s.on('error', () => resolvePromise());
        s.on('close', () => resolvePromise());
        s.on('connect', () => {
          for (let i = 0; i < TCP_FRAMES / 20; i++) {
            const p = fuzzPacket();
            const len = Buffer.alloc(2);
            len.writeUInt16BE(rnd() < 0.95 ? p.length : int(65536));
            s.write(Buffer.concat([len, p]));
          }
          if (k % 4 === 0) s.write(Buffer.from([0xff, 0xff, 1, 2, 3])); // a frame that never completes
          setTimeout(() => s.destroy(), 300);
        });
      }),
    ),
  );
  for (const c of clients) c.close();
  await until(() => forwarder.inFlight === 0, 'forwarded queries settle', 20_000, 20);

  assert.ok(delivered >= UDP_PACKETS * 0.98, `server read ${delivered} of ${UDP_PACKETS}`);
  assert.ok(responses > UDP_PACKETS / 3, `${responses} UDP responses`);
  assert.equal(malformed, 0, 'every UDP response decodes');
  assert.ok(tcpReplies > 0);
  // Bounded: caches and tables within their caps, no TCP connection left behind.
  assert.ok((server as unknown as { cache: Map<string, unknown> }).cache.size <= CACHE_CAP);
  assert.ok(forwarder.cachedEntries <= 1000);
  await until(() => (server as unknown as { conns: Set<unknown> }).conns.size === 0, 'TCP connections closed', 20_000, 20);

  // Still answers correctly.
  const sample = CASES.filter((x) => x.wire && !x.opts);
  // A few digs at a time: dozens of dig processes at once only measure the machine.
  const results: Awaited<ReturnType<typeof dig>>[] = [];
  for (let i = 0; i < sample.length; i += 6) results.push(...(await Promise.all(sample.slice(i, i + 6).map((c) => dig(addr, c.q[0], c.q[1])))));
  sample.forEach((c, i) => assert.deepEqual(diff(c, results[i], c.q[0].replace(/\.$/, '')), [], `${c.name}\n${results[i].raw}`));
  const fwd = readResponse(await udpQuery(addr, queryPacket('example.com', 'A')));
  assert.deepEqual(fwd.answer, ['example.com A 93.184.216.34']);
});

test('a query from source port 0 (only a spoofed packet has one) is dropped, not thrown', () => {
  const onUdp = (server as unknown as { onUdp(s: unknown, m: Buffer, r: object): void }).onUdp.bind(server);
  const sock = (server as unknown as { udp: unknown }).udp;
  const errors = server.stats.errors;
  assert.doesNotThrow(() => onUdp(sock, queryPacket('web.default.svc.cluster.local', 'A'), { address: '127.0.0.1', port: 0, family: 'IPv4', size: 50 }));
  assert.equal(server.stats.errors, errors + 1);
});
