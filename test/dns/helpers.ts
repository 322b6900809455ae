/**
 * DNS test helpers: queries built and answers read with dns-packet (an
 * independent codec), the pure path (parseQuery → resolve → encodeResponse),
 * real `dig` runs parsed into the same shape, and a tiny upstream server.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { execFile } from 'node:child_process';
import dnsPacket from 'dns-packet';
import { parseQuery, resolve, encodeResponse, defaultResolverOptions, type ClusterView, type ResolverOptions } from '../../src/dns/index.ts';
import type { Case, Want } from './fixture.ts';

export const TYPES: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255, TYPE65280: 65280,
};
export const CLASSES: Record<string, number> = { IN: 1, CH: 3, HS: 4, ANY: 255 };

/** A query packet; unknown types and classes are patched in after encoding. */
export function queryPacket(name: string, type: string | number, cls: string | number = 'IN', o: { id?: number; edns?: number; rd?: boolean } = {}): Buffer {
  const buf = dnsPacket.encode({
    type: 'query',
    id: o.id ?? 4242,
    flags: o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: name.replace(/\.$/, '') || '.', class: 'IN' }],
    ...(o.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: o.edns } as dnsPacket.Answer] } : {}),
  });
  // The question's type and class sit right after the name.
  let off = 12;
  while (buf[off] !== 0) off += buf[off] + 1;
  buf.writeUInt16BE(typeof type === 'number' ? type : TYPES[type], off + 1);
  buf.writeUInt16BE(typeof cls === 'number' ? cls : CLASSES[cls], off + 3);
  return buf;
}

function dataString(a: dnsPacket.Answer): string {
  const d = (a as { data?: unknown }).data;
  switch (a.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return String(d).replace(/\.$/, '');
    case 'SRV': {
      const s = d as dnsPacket.SrvData;
      return `${s.priority ?? 0} ${s.weight ?? 0} ${s.port} ${s.target.replace(/\.$/, '')}`;
    }
    case 'TXT':
      return (d as Buffer[]).map((b) => b.toString()).join(' ');
    case 'SOA': {
      const s = d as dnsPacket.SoaData;
      return `${s.mname} ${s.rname}`;
    }
    default:
      return JSON.stringify(d);
  }
}

export function rrString(a: dnsPacket.Answer): string {
  return `${a.name.replace(/\.$/, '')} ${a.type} ${dataString(a)}`;
}

export interface Got {
  rcode: string;
  aa: boolean;
  tc: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
  ttls: number[];
  forward?: boolean;
  chase?: string;
}

export function readResponse(buf: Buffer): Got {
  const m = dnsPacket.decode(buf);
  const flags = m.flags ?? 0;
  return {
    rcode: (m as { rcode?: string }).rcode ?? 'NOERROR',
    aa: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
    tc: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0,
    answer: (m.answers ?? []).map(rrString),
    authority: (m.authorities ?? []).map(rrString),
    additional: (m.additionals ?? []).filter((a) => a.type !== 'OPT').map(rrString),
    ttls: [...(m.answers ?? []), ...(m.authorities ?? [])].map((a) => (a as { ttl?: number }).ttl ?? -1),
  };
}

export function caseOptions(c: Case, base: Partial<ResolverOptions> = {}): ResolverOptions {
  return defaultResolverOptions({ nameservers: ['127.96.0.10'], ...base, ...(c.opts ?? {}) });
}

/** The pure path: packet → parseQuery → resolve → encodeResponse → dns-packet decode. */
export function askPure(view: ClusterView, o: ResolverOptions, name: string, type: string, cls = 'IN'): Got {
  const p = parseQuery(queryPacket(name, type, cls));
  if (p.kind !== 'query') throw new Error(`query for ${name} did not parse: ${p.kind}`);
  const a = resolve(p.query.question, view, o);
  if (a.forward) return { rcode: 'NOERROR', aa: false, tc: false, answer: [], authority: [], additional: [], ttls: [], forward: true };
  const got = readResponse(encodeResponse(p.query, a, { proto: 'udp', maxUdpPayload: 1232, ra: true }));
  if (a.chase) got.chase = a.chase.name;
  return got;
}

const sorted = (xs: string[]) => [...xs].sort();

/** Compares a response with a table row; returns a list of differences (empty when it matches). */
export function diff(c: Case, got: Got, qname = c.q[0].replace(/\.$/, '')): string[] {
  const w: Want = c.want;
  const errs: string[] = [];
  const expand = (xs: string[]) => xs.map((x) => (x.startsWith('@ ') ? `${qname}${x.slice(1)}` : x));
  if (w.forward) {
    if (!got.forward) errs.push('want forwarded');
    return errs;
  }
  if (got.forward) return ['forwarded, want an answer'];
  if (got.rcode !== w.rcode) errs.push(`rcode ${got.rcode}, want ${w.rcode}`);
  if (w.answer) {
    const a = sorted(got.answer);
    const b = sorted(expand(w.answer));
    if (JSON.stringify(a) !== JSON.stringify(b)) errs.push(`answer ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);
  }
  if (w.additional) {
    const a = sorted(got.additional);
    const b = sorted(expand(w.additional));
    if (JSON.stringify(a) !== JSON.stringify(b)) errs.push(`additional ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);
  }
  if (w.soa !== undefined) {
    const hasSoa = got.authority.some((r) => r.split(' ')[1] === 'SOA');
    if (hasSoa !== w.soa) errs.push(`authority ${JSON.stringify(got.authority)}, want ${w.soa ? 'the zone SOA' : 'none'}`);
  }
  if (w.chase !== undefined && got.chase !== w.chase) errs.push(`chase ${got.chase}, want ${w.chase}`);
  if (w.ttl !== undefined && got.ttls.some((t) => t !== w.ttl)) errs.push(`ttls ${JSON.stringify(got.ttls)}, want ${w.ttl}`);
  if (['NOERROR', 'NXDOMAIN'].includes(w.rcode) && !w.chase && !got.aa) errs.push('AA not set');
  return errs;
}

// ------------------------------------------------------------------ dig

export interface DigResult extends Got {
  raw: string;
  /** The transport dig reports it used ("UDP" / "TCP"). */
  transport: string;
}

/** Runs Debian's dig and parses its output into the table's shape. */
export function dig(server: { host: string; port: number }, name: string, type: string, extra: string[] = []): Promise<DigResult> {
  const args = [`@${server.host}`, '-p', String(server.port), name, type, '+norecurse', '+nocookie', '+time=3', '+tries=3', ...extra];
  return new Promise((resolvePromise, reject) => {
    execFile('dig', args, { maxBuffer: 16 << 20 }, (err, stdout) => {
      if (err && !stdout) return reject(err);
      const out = String(stdout);
      const section = (title: string) => {
        const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
        if (!m) return [];
        return m[1]
          .split('\n')
          .filter((l) => l && !l.startsWith(';'))
          .map((l) => {
            const [owner, ttl, , type, ...data] = l.split(/\s+/);
            let d = data.join(' ');
            if (type === 'TXT') d = d.replace(/^"|"$/g, '');
            if (type === 'SOA') d = data.slice(0, 2).join(' ');
            d = d
              .split(' ')
              .map((x) => x.replace(/\.$/, ''))
              .join(' ');
            return { s: `${owner.replace(/\.$/, '')} ${type} ${d}`, ttl: Number(ttl) };
          });
      };
      const status = /status: (\w+)/.exec(out)?.[1] ?? 'NONE';
      const flags = /;; flags: ([a-z ]*);/.exec(out)?.[1].split(' ') ?? [];
      const ans = section('ANSWER');
      const auth = section('AUTHORITY');
      resolvePromise({
        raw: out,
        transport: /\((UDP|TCP)\)/.exec(out)?.[1] ?? '',
        rcode: status,
        aa: flags.includes('aa'),
        tc: flags.includes('tc'),
        answer: ans.map((x) => x.s),
        authority: auth.map((x) => x.s),
        additional: section('ADDITIONAL').map((x) => x.s),
        ttls: [...ans, ...auth].map((x) => x.ttl),
      });
    });
  });
}

// ------------------------------------------------------------------ upstream

export interface TestUpstream {
  host: string;
  port: number;
  /** Questions received ("name TYPE"). */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A tiny authoritative upstream (dns-packet) on loopback: `records` maps a
 * lower-case name to answers; other names get NXDOMAIN with an SOA whose
 * minimum is 30 s. Names starting with "big" answer 100 TXT records (only
 * over TCP; over UDP it sets TC).
 */
export async function startUpstream(host: string, records: Record<string, dnsPacket.Answer[]>): Promise<TestUpstream> {
  const seen: string[] = [];
  const answer = (msg: Buffer, tcp: boolean): Buffer | undefined => {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = q.questions?.[0];
    if (!question) return undefined;
    seen.push(`${question.name} ${question.type}`);
    const name = question.name.toLowerCase();
    const base = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [question] };
    if (name.startsWith('big')) {
      if (!tcp) return dnsPacket.encode({ ...base, flags: base.flags | dnsPacket.TRUNCATED_RESPONSE });
      const answers = Array.from({ length: 100 }, (_, i) => ({ type: 'TXT' as const, name: question.name, ttl: 60, data: `record number ${i} `.padEnd(40, 'x') }));
      return dnsPacket.encode({ ...base, answers });
    }
    const rrs = (records[name] ?? []).filter((r) => r.type === question.type || r.type === 'CNAME').map((r) => ({ ...r, name: r.name.toLowerCase() === name ? question.name : r.name }));
    if (records[name]) return dnsPacket.encode({ ...base, answers: rrs, ...(rrs.length ? {} : { authorities: [soa()] }) });
    return dnsPacket.encode({ ...base, flags: base.flags | 3 /* NXDOMAIN */, authorities: [soa()] });
  };
  const soa = (): dnsPacket.Answer => ({ type: 'SOA', name: 'example', ttl: 300, data: { mname: 'ns.example', rname: 'admin.example', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 30 } });
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const out = answer(msg, false);
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(0, host, () => r()));
  const port = udp.address().port;
  const tcp = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('error', () => s.destroy());
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (out) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          s.write(Buffer.concat([len, out]));
        }
      }
    });
  });
  await new Promise<void>((r, j) => {
    tcp.once('error', j);
    tcp.listen(port, host, () => r());
  });
  return {
    host,
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        udp.close();
        tcp.close(() => r());
      }),
  };
}

/** Sends one UDP query and resolves with the raw response (rejects after `ms`). */
export function udpQuery(server: { host: string; port: number }, packet: Buffer, ms = 2000): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const s = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('timeout'));
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolvePromise(m);
    });
    s.send(packet, server.port, server.host);
  });
}

/** Sends one query over TCP and resolves with the raw response. */
export function tcpQuery(server: { host: string; port: number }, packet: Buffer, ms = 3000): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const s = net.connect(server.port, server.host);
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('timeout'));
    }, ms);
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(packet.length);
      s.write(Buffer.concat([len, packet]));
    });
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(t);
        s.destroy();
        resolvePromise(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
}

/** Polls `fn` until it returns true (or throws after `ms`). */
export async function until(fn: () => Promise<boolean> | boolean, what: string, ms = 10_000, every = 5): Promise<number> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
  return performance.now() - t0;
}
