/**
 * The wire codec and response encoding: strict query parsing (table of bad
 * packets → FORMERR / NOTIMP / BADVERS / drop), pointer loops, long names,
 * escapes, round trips against dns-packet, and EDNS/TC sizing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { parseQuery, encodeMessage, decodeMessage, encodeResponse, Rcode, Type, Class, type RR, type Message } from '../../src/dns/index.ts';
import { queryPacket } from './helpers.ts';

const header = (o: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number } = {}) => {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(o.id ?? 7, 0);
  b.writeUInt16BE(o.flags ?? 0x0100, 2);
  b.writeUInt16BE(o.qd ?? 1, 4);
  b.writeUInt16BE(o.an ?? 0, 6);
  b.writeUInt16BE(o.ns ?? 0, 8);
  b.writeUInt16BE(o.ar ?? 0, 10);
  return b;
};
const q = (name: Buffer, type = 1, cls = 1) => {
  const t = Buffer.alloc(4);
  t.writeUInt16BE(type, 0);
  t.writeUInt16BE(cls, 2);
  return Buffer.concat([name, t]);
};
const labels = (...ls: string[]) => Buffer.concat([...ls.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
const opt = (size = 1232, version = 0, rdata = Buffer.alloc(0)) => {
  const b = Buffer.alloc(11);
  b[0] = 0;
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(size, 3);
  b.writeUInt32BE(version << 16, 5);
  b.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([b, rdata]);
};

const BAD: { name: string; packet: Buffer; want: string }[] = [
  { name: 'empty', packet: Buffer.alloc(0), want: 'drop' },
  { name: 'shorter than a header', packet: Buffer.from([1, 2, 3]), want: 'drop' },
  { name: 'a response', packet: Buffer.concat([header({ flags: 0x8000 }), q(labels('a'))]), want: 'drop' },
  { name: 'no question', packet: header({ qd: 0 }), want: 'FORMERR' },
  { name: 'two questions', packet: Buffer.concat([header({ qd: 2 }), q(labels('a')), q(labels('b'))]), want: 'FORMERR' },
  { name: 'truncated question', packet: Buffer.concat([header(), labels('web', 'default')]), want: 'FORMERR' },
  { name: 'label past the end', packet: Buffer.concat([header(), Buffer.from([40, 65, 65])]), want: 'FORMERR' },
  { name: 'pointer to itself', packet: Buffer.concat([header(), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), want: 'FORMERR' },
  { name: 'pointer forward', packet: Buffer.concat([header(), Buffer.from([0xc0, 14, 1, 97, 0, 0, 1, 0, 1])]), want: 'FORMERR' },
  { name: 'pointer loop through two labels', packet: Buffer.concat([header(), Buffer.from([1, 97, 0xc0, 12, 0, 1, 0, 1])]), want: 'FORMERR' },
  { name: 'extended label type 0x40', packet: Buffer.concat([header(), Buffer.from([0x41, 0, 0, 1, 0, 1])]), want: 'FORMERR' },
  { name: 'name longer than 255 octets', packet: Buffer.concat([header(), q(labels(...Array(5).fill('x'.repeat(63))))]), want: 'FORMERR' },
  { name: 'opcode IQUERY', packet: Buffer.concat([header({ flags: 1 << 11 }), q(labels('a'))]), want: 'NOTIMP' },
  { name: 'opcode NOTIFY', packet: Buffer.concat([header({ flags: 4 << 11 }), q(labels('a'))]), want: 'NOTIMP' },
  { name: 'opcode UPDATE', packet: Buffer.concat([header({ flags: 5 << 11 }), q(labels('a'))]), want: 'NOTIMP' },
  { name: 'too many additional records', packet: Buffer.concat([header({ ar: 3 }), q(labels('a')), opt(), opt(), opt()]), want: 'FORMERR' },
  { name: 'two OPT records', packet: Buffer.concat([header({ ar: 2 }), q(labels('a')), opt(), opt()]), want: 'FORMERR' },
  { name: 'OPT not owned by the root', packet: Buffer.concat([header({ ar: 1 }), q(labels('a')), Buffer.from([1, 97]), opt().subarray(1)]), want: 'FORMERR' },
  { name: 'OPT in the answer section', packet: Buffer.concat([header({ an: 1 }), q(labels('a')), opt()]), want: 'FORMERR' },
  { name: 'EDNS option past RDATA', packet: Buffer.concat([header({ ar: 1 }), q(labels('a')), opt(1232, 0, Buffer.from([0, 10, 0, 9, 1]))]), want: 'FORMERR' },
  { name: 'record count larger than the packet', packet: Buffer.concat([header({ ar: 1 }), q(labels('a'))]), want: 'FORMERR' },
  { name: 'EDNS version 1', packet: Buffer.concat([header({ ar: 1 }), q(labels('a')), opt(1232, 1)]), want: 'BADVERS' },
];

for (const c of BAD) {
  test(`parseQuery: ${c.name} → ${c.want}`, () => {
    const p = parseQuery(c.packet);
    if (c.want === 'drop') return assert.equal(p.kind, 'drop');
    assert.equal(p.kind, 'error');
    if (p.kind !== 'error') return;
    assert.equal(p.rcode, Rcode[c.want as keyof typeof Rcode]);
  });
}

test('parseQuery: a normal query with EDNS and a cookie option', () => {
  const cookie = Buffer.concat([Buffer.from([0, 10, 0, 8]), Buffer.alloc(8, 1)]);
  const p = parseQuery(Buffer.concat([header({ ar: 1, flags: 0x0110 }), q(labels('Web', 'Default'), 33), opt(4096, 0, cookie)]));
  assert.equal(p.kind, 'query');
  if (p.kind !== 'query') return;
  assert.deepEqual(p.query.question, { name: 'Web.Default', type: 33, class: 1 });
  assert.equal(p.query.edns?.udpSize, 4096);
  assert.equal(p.query.rd, true);
  assert.equal(p.query.cd, true);
});

test('names: binary labels are escaped and round-trip byte for byte', () => {
  const raw = labels('a.b', 'c\\d', 'sp ace\x00\xff');
  const p = parseQuery(Buffer.concat([header(), q(raw)]));
  assert.equal(p.kind, 'query');
  if (p.kind !== 'query') return;
  assert.equal(p.query.question.name, 'a\\.b.c\\\\d.sp\\032ace\\000\\255');
  const out = encodeMessage({ id: 1, qr: true, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0, question: p.query.question, answer: [], authority: [], additional: [] });
  assert.deepEqual(out.subarray(12, 12 + raw.length), raw);
});

test('encode/decode: every record kind survives a round trip through dns-packet', () => {
  const rr = (type: number, data: RR['data'], name = 'x.example'): RR => ({ name, type, class: Class.IN, ttl: 30, data });
  const m: Message = {
    id: 99, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, ad: false, cd: false, rcode: Rcode.NXDOMAIN,
    question: { name: 'x.example', type: Type.A, class: Class.IN },
    answer: [
      rr(Type.A, { kind: 'ip', ip: '10.1.2.3' }),
      rr(Type.AAAA, { kind: 'ip', ip: 'fd00:10:96::a' }),
      rr(Type.CNAME, { kind: 'name', name: 'y.example' }),
      rr(Type.SRV, { kind: 'srv', priority: 0, weight: 33, port: 53, target: 'x.example' }),
      rr(Type.MX, { kind: 'mx', preference: 10, exchange: 'mail.x.example' }),
      rr(Type.TXT, { kind: 'txt', strings: ['1.1.0', 'two'] }),
      rr(Type.PTR, { kind: 'name', name: 'web.default.svc.cluster.local' }, '20.0.96.10.in-addr.arpa'),
    ],
    authority: [rr(Type.SOA, { kind: 'soa', mname: 'ns.dns.example', rname: 'hostmaster.example', serial: 5, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }, 'example')],
    additional: [],
    edns: { udpSize: 1232, version: 0, do: true, extRcode: 0 },
  };
  const buf = encodeMessage(m);
  const d = dnsPacket.decode(buf);
  assert.equal(d.id, 99);
  assert.equal((d as { rcode?: string }).rcode, 'NXDOMAIN');
  assert.deepEqual(d.answers!.map((a) => a.type), ['A', 'AAAA', 'CNAME', 'SRV', 'MX', 'TXT', 'PTR']);
  assert.equal((d.answers![1] as { data: string }).data, 'fd00:10:96::a');
  assert.deepEqual((d.answers![3] as { data: dnsPacket.SrvData }).data, { priority: 0, weight: 33, port: 53, target: 'x.example' });
  assert.equal((d.authorities![0] as { data: dnsPacket.SoaData }).data.minimum, 5);
  const opt = d.additionals!.find((a) => a.type === 'OPT') as unknown as { udpPayloadSize: number; flags: number };
  assert.equal(opt.udpPayloadSize, 1232);
  // And our own decoder agrees with our encoder.
  const back = decodeMessage(buf);
  assert.deepEqual(back.answer, m.answer);
  assert.deepEqual(back.authority, m.authority);
  assert.equal(back.edns?.do, true);
  // Compressed: "x.example" is spelled out only in the question and the (never compressed) SRV target.
  const spelled = (b: Buffer, n: Buffer) => {
    let c = 0;
    for (let i = b.indexOf(n); i >= 0; i = b.indexOf(n, i + 1)) c++;
    return c;
  };
  assert.equal(spelled(buf, Buffer.from('\x01x\x07example\x00', 'latin1')), 2);
});

test('encodeResponse: 512 without EDNS, the client size with EDNS, TC and an empty body when too big, 64 KiB over TCP', () => {
  const answer: RR[] = Array.from({ length: 100 }, (_, i) => ({ name: 'big.default.svc.cluster.local', type: Type.A, class: Class.IN, ttl: 5, data: { kind: 'ip', ip: `127.244.0.${i}` } }));
  const parts = { rcode: 0, authoritative: true, answer, authority: [], additional: [] };
  const mk = (edns?: number) => {
    const p = parseQuery(queryPacket('big.default.svc.cluster.local', 'A', 'IN', { edns }));
    assert.equal(p.kind, 'query');
    return p.kind === 'query' ? p.query : (undefined as never);
  };
  const small = dnsPacket.decode(encodeResponse(mk(), parts, { proto: 'udp', maxUdpPayload: 1232, ra: true }));
  assert.ok((small.flags! & dnsPacket.TRUNCATED_RESPONSE) !== 0);
  assert.equal(small.answers!.length, 0);
  const fits = encodeResponse(mk(4096), parts, { proto: 'udp', maxUdpPayload: 4096, ra: true });
  assert.equal(dnsPacket.decode(fits).answers!.length, 100);
  assert.ok(fits.length <= 4096);
  const capped = dnsPacket.decode(encodeResponse(mk(4096), parts, { proto: 'udp', maxUdpPayload: 1232, ra: true }));
  assert.ok((capped.flags! & dnsPacket.TRUNCATED_RESPONSE) !== 0, 'our own limit caps the client size');
  const tcp = dnsPacket.decode(encodeResponse(mk(), parts, { proto: 'tcp', maxUdpPayload: 1232, ra: true }));
  assert.equal(tcp.answers!.length, 100);
  const huge: RR[] = Array.from({ length: 5000 }, (_, i) => ({ name: `h${i}.example`, type: Type.A, class: Class.IN, ttl: 5, data: { kind: 'ip', ip: '10.0.0.1' } }));
  const tcpHuge = encodeResponse(mk(), { ...parts, answer: huge }, { proto: 'tcp', maxUdpPayload: 1232, ra: true });
  assert.ok(tcpHuge.length <= 65535);
  assert.ok((dnsPacket.decode(tcpHuge).flags! & dnsPacket.TRUNCATED_RESPONSE) !== 0);
});
