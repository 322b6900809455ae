/**
 * Forwarding for names outside the cluster zone: the upstream resolvers of
 * /etc/resolv.conf (or a flag), tried in order, over UDP with TCP when the
 * upstream truncates; identical in-flight questions share one upstream query;
 * answers are cached for their TTL and negative answers for the SOA's
 * negative TTL (RFC 2308: min(SOA TTL, SOA MINIMUM)), capped like CoreDNS's
 * cache plugin (3600 s success, 1800 s denial). SERVFAIL and upstream
 * failures are not cached.
 *
 * Memory is bounded: at most `maxPending` queries in flight (further
 * questions fail at once, which the server answers SERVFAIL) and at most
 * `cacheSize` cached answers (oldest evicted first).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { Rcode, Type, WireError, encodeMessage, lowerName, type Message, type Question, type RR } from './wire.ts';
import { decodeMessage } from './parse.ts';
import { joinHostPort } from '../api/validation/ip.ts';

export interface Upstream {
  host: string;
  port: number;
}

export const upstreamString = (u: Upstream): string => joinHostPort(u.host, u.port);

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:53". Throws Error for anything else. */
export function parseUpstream(s: string): Upstream {
  const v = s.trim();
  let m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(v);
  if (m) return check({ host: m[1], port: m[2] ? Number(m[2]) : 53 }, s);
  if (net.isIPv6(v)) return { host: v, port: 53 };
  m = /^([0-9.]+)(?::(\d+))?$/.exec(v);
  if (m) return check({ host: m[1], port: m[2] ? Number(m[2]) : 53 }, s);
  throw new Error(`invalid upstream "${s}": want IP or IP:PORT`);
}

function check(u: Upstream, s: string): Upstream {
  if (!net.isIP(u.host) || !(u.port >= 1 && u.port <= 65535)) throw new Error(`invalid upstream "${s}": want IP or IP:PORT`);
  return u;
}

/** The nameserver lines of a resolv.conf text. */
export function parseResolvConf(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1].replace(/%.*$/, ''); // drop an IPv6 zone index
    if (net.isIP(host)) out.push({ host, port: 53 });
  }
  return out;
}

export function upstreamsFromResolvConf(path = '/etc/resolv.conf'): Upstream[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

export interface ForwardResult {
  rcode: number;
  answer: RR[];
  authority: RR[];
  additional: RR[];
  /** Served from the cache. */
  cached: boolean;
}

/** Hooks for metrics (kept free of prom-client). */
export interface ForwarderMetrics {
  forwardRequest?(to: string): void;
  forwardResponse?(to: string, rcode: number, seconds: number): void;
  cacheHit?(kind: 'success' | 'denial'): void;
  cacheMiss?(): void;
  cacheSize?(kind: 'success' | 'denial', n: number): void;
}

export interface ForwarderOptions {
  upstreams: readonly Upstream[];
  /** Per attempt (default 2000 ms). */
  timeoutMs?: number;
  /** Cached answers (default 10,000). */
  cacheSize?: number;
  /** Upstream queries in flight (default 2,048). */
  maxPending?: number;
  maxTtl?: number;
  maxNegativeTtl?: number;
  now?: () => number;
  metrics?: ForwarderMetrics;
}

interface CacheEntry {
  rcode: number;
  answer: RR[];
  authority: RR[];
  additional: RR[];
  storedAt: number;
  ttl: number;
  kind: 'success' | 'denial';
}

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  upstream: Upstream;
  qname: string;
  qtype: number;
}

/** No upstream answered. Built without a stack trace (cheap under a flood). */
export class UpstreamError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

const TOO_MANY = 'too many upstream queries in flight';

const EDNS_SIZE = 1232;

export class Forwarder {
  readonly upstreams: readonly Upstream[];
  private readonly timeoutMs: number;
  private readonly cacheSize: number;
  private readonly maxPending: number;
  private readonly maxTtl: number;
  private readonly maxNegTtl: number;
  private readonly now: () => number;
  private readonly metrics: ForwarderMetrics;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<ForwardResult>>();
  private readonly pending = new Map<number, Pending>();
  private sockets: { udp4?: dgram.Socket; udp6?: dgram.Socket } = {};
  private preferred = 0;
  private closed = false;
  private counts = { success: 0, denial: 0 };

  constructor(o: ForwarderOptions) {
    this.upstreams = o.upstreams;
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.cacheSize = o.cacheSize ?? 10_000;
    this.maxPending = o.maxPending ?? 2048;
    this.maxTtl = o.maxTtl ?? 3600;
    this.maxNegTtl = o.maxNegativeTtl ?? 1800;
    this.now = o.now ?? Date.now;
    this.metrics = o.metrics ?? {};
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get cachedEntries(): number {
    return this.cache.size;
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new UpstreamError('forwarder closed'));
    }
    this.pending.clear();
    this.sockets.udp4?.close();
    this.sockets.udp6?.close();
    this.sockets = {};
  }

  /**
   * The upstream answer to a question (from the cache when fresh). Rejects
   * with UpstreamError when no upstream answered or too many are in flight.
   */
  query(q: Question, opts: { do?: boolean } = {}): Promise<ForwardResult> {
    const key = `${lowerName(q.name)}|${q.type}|${q.class}|${opts.do ? 1 : 0}`;
    const hit = this.fromCache(key);
    if (hit) return Promise.resolve(hit);
    this.metrics.cacheMiss?.();
    const running = this.inflight.get(key);
    if (running) return running;
    if (this.pending.size >= this.maxPending) return Promise.reject(new UpstreamError(TOO_MANY));
    const p = this.fetch(q, !!opts.do).then(
      (m) => {
        this.inflight.delete(key);
        this.store(key, m);
        return { rcode: m.rcode, answer: m.answer, authority: m.authority, additional: m.additional, cached: false };
      },
      (e: unknown) => {
        this.inflight.delete(key);
        throw e;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  private fromCache(key: string): ForwardResult | undefined {
    const e = this.cache.get(key);
    if (!e) return undefined;
    const elapsed = Math.floor((this.now() - e.storedAt) / 1000);
    if (elapsed >= e.ttl) {
      this.cache.delete(key);
      this.counts[e.kind]--;
      return undefined;
    }
    this.metrics.cacheHit?.(e.kind);
    const age = (rrs: RR[]) => rrs.map((rr) => ({ ...rr, ttl: Math.max(0, Math.min(rr.ttl, e.ttl) - elapsed) }));
    return { rcode: e.rcode, answer: age(e.answer), authority: age(e.authority), additional: age(e.additional), cached: true };
  }

  private store(key: string, m: Message): void {
    let ttl: number;
    let kind: 'success' | 'denial';
    if (m.rcode === Rcode.NOERROR && m.answer.length > 0) {
      kind = 'success';
      ttl = Math.min(this.maxTtl, ...m.answer.map((r) => r.ttl));
    } else if (m.rcode === Rcode.NXDOMAIN || (m.rcode === Rcode.NOERROR && m.answer.length === 0)) {
      kind = 'denial';
      // RFC 2308 §5: negative TTL = min(SOA TTL, SOA MINIMUM); no SOA → not cached.
      const soa = m.authority.find((r) => r.type === Type.SOA);
      if (!soa || soa.data.kind !== 'soa') return;
      ttl = Math.min(this.maxNegTtl, soa.ttl, soa.data.minimum);
    } else return; // SERVFAIL, REFUSED, …: not cached
    if (!(ttl > 0)) return;
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      const old = this.cache.get(oldest)!;
      this.counts[old.kind]--;
      this.cache.delete(oldest);
    }
    const prev = this.cache.get(key);
    if (prev) this.counts[prev.kind]--;
    this.cache.delete(key);
    this.cache.set(key, { rcode: m.rcode, answer: m.answer, authority: m.authority, additional: m.additional, storedAt: this.now(), ttl, kind });
    this.counts[kind]++;
    this.metrics.cacheSize?.('success', this.counts.success);
    this.metrics.cacheSize?.('denial', this.counts.denial);
  }

  private async fetch(q: Question, dnssecOk: boolean): Promise<Message> {
    if (this.upstreams.length === 0) throw new UpstreamError('no upstream resolvers configured');
    let lastErr: Error = new UpstreamError('no upstream answered');
    // Each upstream once, starting with the last one that answered; a single upstream gets a second try.
    const attempts = Math.max(2, this.upstreams.length);
    for (let i = 0; i < attempts; i++) {
      if (this.closed) throw new UpstreamError('forwarder closed');
      const idx = (this.preferred + i) % this.upstreams.length;
      const up = this.upstreams[idx];
      const to = upstreamString(up);
      const t0 = performance.now();
      this.metrics.forwardRequest?.(to);
      try {
        let m = await this.udpExchange(up, q, dnssecOk);
        if (m.tc) m = await this.tcpExchange(up, q, dnssecOk);
        this.metrics.forwardResponse?.(to, m.rcode, (performance.now() - t0) / 1000);
        this.preferred = idx;
        return m;
      } catch (e) {
        lastErr = e instanceof Error ? e : new UpstreamError(String(e));
        if (lastErr.message === TOO_MANY) throw lastErr;
      }
    }
    throw lastErr instanceof UpstreamError ? lastErr : new UpstreamError(lastErr.message);
  }

  private request(id: number, q: Question, dnssecOk: boolean): Buffer {
    return encodeMessage({
      id,
      qr: false,
      opcode: 0,
      aa: false,
      tc: false,
      rd: true,
      ra: false,
      ad: false,
      cd: false,
      rcode: 0,
      question: q,
      answer: [],
      authority: [],
      additional: [],
      edns: { udpSize: EDNS_SIZE, version: 0, do: dnssecOk, extRcode: 0 },
    });
  }

  private socket(v6: boolean): dgram.Socket {
    const k = v6 ? 'udp6' : 'udp4';
    let s = this.sockets[k];
    if (s) return s;
    s = dgram.createSocket(k);
    s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    s.on('error', () => {
      /* ICMP errors and the like: the pending query times out */
    });
    s.bind(0);
    s.unref();
    this.sockets[k] = s;
    return s;
  }

  private onMessage(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    if (buf.length < 12) return;
    const p = this.pending.get(buf.readUInt16BE(0));
    if (!p) return;
    // Only the upstream we asked, answering the question we asked (RFC 5452 §9.1).
    if (rinfo.port !== p.upstream.port || net.isIPv6(rinfo.address) !== net.isIPv6(p.upstream.host)) return;
    if (rinfo.address !== p.upstream.host && !(net.isIPv6(rinfo.address) && rinfo.address.toLowerCase() === p.upstream.host.toLowerCase())) return;
    let m: Message;
    try {
      m = decodeMessage(buf);
    } catch {
      return;
    }
    if (!m.qr || !m.question || lowerName(m.question.name) !== p.qname || m.question.type !== p.qtype) return;
    this.pending.delete(buf.readUInt16BE(0));
    clearTimeout(p.timer);
    p.resolve(m);
  }

  private udpExchange(up: Upstream, q: Question, dnssecOk: boolean): Promise<Message> {
    if (this.pending.size >= this.maxPending) return Promise.reject(new UpstreamError(TOO_MANY));
    let id = randomInt(0, 0x10000);
    for (let n = 0; this.pending.has(id) && n < 64; n++) id = randomInt(0, 0x10000);
    if (this.pending.has(id)) return Promise.reject(new UpstreamError(TOO_MANY));
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UpstreamError(`upstream ${upstreamString(up)} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, upstream: up, qname: lowerName(q.name), qtype: q.type });
      this.socket(net.isIPv6(up.host)).send(this.request(id, q, dnssecOk), up.port, up.host, (err) => {
        if (!err) return;
        if (this.pending.get(id)?.timer === timer) {
          this.pending.delete(id);
          clearTimeout(timer);
          reject(new UpstreamError(`upstream ${upstreamString(up)}: ${err.message}`));
        }
      });
    });
  }

  private tcpExchange(up: Upstream, q: Question, dnssecOk: boolean): Promise<Message> {
    const id = randomInt(0, 0x10000);
    const req = this.request(id, q, dnssecOk);
    return new Promise<Message>((resolve, reject) => {
      const sock = net.connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      const done = (e?: Error, m?: Message) => {
        sock.destroy();
        if (e) reject(e);
        else resolve(m!);
      };
      sock.setTimeout(this.timeoutMs, () => done(new UpstreamError(`upstream ${upstreamString(up)} timed out over TCP`)));
      sock.on('error', (e) => done(new UpstreamError(`upstream ${upstreamString(up)}: ${e.message}`)));
      sock.on('connect', () => {
        const len = Buffer.allocUnsafe(2);
        len.writeUInt16BE(req.length);
        sock.write(Buffer.concat([len, req]));
      });
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length > 65537) return done(new UpstreamError('oversized TCP response'));
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        try {
          const m = decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          if (m.id !== id || !m.question || lowerName(m.question.name) !== lowerName(q.name)) return done(new UpstreamError('mismatched TCP response'));
          done(undefined, m);
        } catch (e) {
          done(new UpstreamError(e instanceof WireError ? `malformed upstream response: ${e.message}` : String(e)));
        }
      });
      sock.on('end', () => done(new UpstreamError(`upstream ${upstreamString(up)} closed the TCP connection`)));
    });
  }
}

/** Owner names equal to the question (any case) take the client's spelling. */
export function matchQuestionCase(rrs: RR[], q: Question): RR[] {
  const lower = lowerName(q.name);
  return rrs.map((rr) => (rr.name !== q.name && lowerName(rr.name) === lower ? { ...rr, name: q.name } : rr));
}

