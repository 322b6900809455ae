/**
 * The DNS wire server: UDP and TCP on one address; decode → resolve (pure) →
 * encode, plus the only I/O the resolver asks for (forwarding, and chasing an
 * ExternalName's out-of-zone target).
 *
 * - EDNS0: answers fit the client's UDP payload size (512 without EDNS,
 *   at most maxUdpPayload); a larger answer goes out empty with TC set, so the
 *   client retries over TCP, where up to 65,535 octets fit.
 * - Bad input (parseQuery): FORMERR, NOTIMP, BADVERS; responses and packets
 *   shorter than a header are dropped. Any exception while answering becomes
 *   SERVFAIL; nothing a packet contains can stop the server.
 * - Bounded memory: the response cache and the forwarder are capped; TCP has
 *   a connection cap, an idle timeout, at most 32 queries in flight per
 *   connection (reading pauses beyond that) and at most 1 MiB of answers the
 *   client has not read (the connection is closed beyond that).
 * - Response cache: in-zone UDP answers are kept as encoded bytes keyed by the
 *   query's bytes after the ID (so case, flags and EDNS size are all part of
 *   the key), oldest evicted first, and all dropped whenever the cluster view
 *   changes (its generation): a hit is one map lookup and a send, and a change
 *   is visible to the very next query.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { resolve, type Answer, type ResolverOptions } from './resolver.ts';
import type { ClusterView } from './view.ts';
import { matchQuestionCase, type Forwarder } from './forwarder.ts';
import type { DnsMetrics } from './metrics.ts';
import { Rcode, type Question } from './wire.ts';
import { parseQuery, type ParsedQuery, type QueryParse } from './parse.ts';
import { encodeErrorResponse, encodeResponse, type ResponseParts } from './respond.ts';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  view: ClusterView;
  resolver: ResolverOptions;
  forwarder?: Forwarder;
  metrics?: DnsMetrics;
  /** Largest UDP payload answered and advertised (default 1232, the DNS Flag Day 2020 size). */
  maxUdpPayload?: number;
  /** Default 512. */
  maxTcpConnections?: number;
  /** Default 10 s (CoreDNS's TCP read timeout). */
  tcpIdleMs?: number;
  /** Cached encoded answers (default 20,000, CoreDNS's cache capacity of 9,984 success + 9,984 denial; 0 disables). */
  responseCacheSize?: number;
  /** Serve UDP / TCP (default both). */
  udp?: boolean;
  tcp?: boolean;
  /** Adopt these bound sockets (UDP, TCP) instead of binding host:port. */
  fds?: { udp: number; tcp: number };
  log?: (line: string) => void;
}

type Reply = (out: Buffer | Buffer[] | undefined) => void;

interface CachedResponse {
  /** The response without its first two octets (the ID). */
  body: Buffer;
  rcode: number;
  qtype: number;
  kind: 'success' | 'denial';
}

const TCP_INFLIGHT = 32;
const TCP_MAX_UNREAD = 1 << 20;
export const DEFAULT_RESPONSE_CACHE = 20_000;

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly conns = new Set<net.Socket>();
  private readonly cache = new Map<string, CachedResponse>();
  private cacheGen = -1;
  private readonly maxUdp: number;
  private readonly cacheMax: number;
  private readonly ra: boolean;
  address?: { host: string; port: number };
  /** Counters for tests. */
  readonly stats = { udpQueries: 0, tcpQueries: 0, cacheHits: 0, dropped: 0, errors: 0 };

  constructor(private readonly o: DnsServerOptions) {
    this.maxUdp = Math.max(512, Math.min(65535, o.maxUdpPayload ?? 1232));
    this.cacheMax = o.responseCacheSize ?? DEFAULT_RESPONSE_CACHE;
    this.ra = !!o.forwarder && o.forwarder.upstreams.length > 0;
  }

  async start(): Promise<{ host: string; port: number }> {
    const v6 = net.isIPv6(this.o.host);
    let port = this.o.port;
    if (this.o.udp !== false) {
      // Replies go to the address a query came from, always an IP: skip dgram's per-send dns.lookup + nextTick.
      const lookup = (address: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void) => cb(null, address, v6 ? 6 : 4);
      const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', lookup });
      s.on('message', (msg, rinfo) => this.onUdp(s, msg, rinfo));
      s.on('error', (e) => {
        if (this.stats.errors++ < 10) this.o.log?.(`dns: udp socket: ${e.message}`);
      });
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.bind(this.o.fds ? { fd: this.o.fds.udp } : { port, address: this.o.host, exclusive: false }, () => {
          s.off('error', rej);
          res();
        });
      });
      try {
        s.setRecvBufferSize(8 << 20);
        s.setSendBufferSize(8 << 20);
      } catch {
        /* capped by net.core.rmem_max; the default is fine */
      }
      port = s.address().port;
      this.udp = s;
    }
    if (this.o.tcp !== false) {
      const srv = net.createServer((sock) => this.onTcp(sock));
      srv.on('error', (e) => this.o.log?.(`dns: tcp server: ${e.message}`));
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(this.o.fds ? { fd: this.o.fds.tcp } : { port, host: this.o.host }, () => {
          srv.off('error', rej);
          res();
        });
      }).catch((e: unknown) => {
        this.udp?.close();
        throw e;
      });
      port = (srv.address() as net.AddressInfo)?.port ?? port;
      this.tcp = srv;
    }
    this.address = { host: this.o.host, port };
    return this.address;
  }

  async stop(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const t = this.tcp;
    this.tcp = undefined;
    if (t) await new Promise<void>((r) => t.close(() => r()));
  }

  // ------------------------------------------------------------ transports

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.udpQueries++;
    const family = rinfo.family === 'IPv6' ? 2 : 1;
    this.process(msg, 'udp', family, (out) => {
      if (!out) return;
      // No callback: a callback costs a nextTick per packet; send errors surface as 'error' events.
      // send() throws for source port 0 (a spoofed packet) or a socket closed meanwhile: never let that escape.
      try {
        sock.send(out, rinfo.port, rinfo.address);
      } catch {
        this.stats.errors++;
      }
    });
  }

  private onTcp(sock: net.Socket): void {
    const max = this.o.maxTcpConnections ?? 512;
    if (this.conns.size >= max) {
      sock.destroy();
      return;
    }
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(this.o.tcpIdleMs ?? 10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    const family = sock.remoteFamily === 'IPv6' ? 2 : 1;
    let buf: Buffer = Buffer.alloc(0);
    let inflight = 0;
    let paused = false;
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      // Complete frames are consumed at once, so at most one partial frame (< 64 KiB) is held.
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        this.stats.tcpQueries++;
        inflight++;
        if (inflight >= TCP_INFLIGHT && !paused) {
          paused = true;
          sock.pause();
        }
        this.process(msg, 'tcp', family, (out) => {
          inflight--;
          if (paused && inflight < TCP_INFLIGHT / 2) {
            paused = false;
            sock.resume();
          }
          if (!out || sock.destroyed) return;
          const parts = Array.isArray(out) ? out : [out];
          const total = parts.reduce((n, b) => n + b.length, 0);
          const len2 = Buffer.allocUnsafe(2);
          len2.writeUInt16BE(total);
          sock.write(Buffer.concat([len2, ...parts]));
          // A client that asks but never reads would make the write buffer grow without end.
          if (sock.writableLength > TCP_MAX_UNREAD) sock.destroy();
        });
      }
      if (buf.length === 0) buf = Buffer.alloc(0);
    });
  }

  // ------------------------------------------------------------ answering

  /**
   * Answers one packet; `reply` is called exactly once (undefined: no answer).
   * Exposed for in-process use and tests.
   */
  process(buf: Buffer, proto: 'udp' | 'tcp', family: 1 | 2, reply: Reply): void {
    const t0 = performance.now();
    const metrics = this.o.metrics;
    // Fast path: a cached in-zone UDP answer for exactly these octets (ID aside).
    if (proto === 'udp' && this.cacheMax > 0 && buf.length >= 12 && buf.length <= 512) {
      const gen = this.o.view.generation;
      if (gen !== this.cacheGen) {
        this.cache.clear();
        this.cacheGen = gen;
      }
      const hit = this.cache.get(buf.toString('latin1', 2, buf.length));
      if (hit) {
        this.stats.cacheHits++;
        const id = Buffer.allocUnsafe(2);
        id[0] = buf[0];
        id[1] = buf[1];
        if (metrics) {
          metrics.request(proto, family, hit.qtype);
          metrics.cacheHit(hit.kind);
          metrics.response(hit.rcode, 'kubernetes', hit.qtype, (performance.now() - t0) / 1000);
        }
        reply([id, hit.body]);
        return;
      }
    }
    let parsed: QueryParse;
    try {
      parsed = parseQuery(buf);
    } catch {
      parsed = { kind: 'drop', reason: 'parser error' };
    }
    if (parsed.kind === 'drop') {
      this.stats.dropped++;
      metrics?.drop(parsed.reason);
      reply(undefined);
      return;
    }
    if (parsed.kind === 'error') {
      const qtype = parsed.question?.type ?? 0;
      metrics?.request(proto, family, qtype);
      let out: Buffer | undefined;
      try {
        out = this.encodeError(parsed);
      } catch {
        out = undefined;
      }
      metrics?.response(parsed.rcode, '', qtype, (performance.now() - t0) / 1000);
      reply(out);
      return;
    }
    const q = parsed.query;
    metrics?.request(proto, family, q.question.type);
    let a: Answer;
    try {
      a = resolve(q.question, this.o.view, this.o.resolver);
    } catch (e) {
      this.o.log?.(`dns: resolving ${q.question.name}: ${e instanceof Error ? e.message : String(e)}`);
      a = { rcode: Rcode.SERVFAIL, authoritative: false, answer: [], authority: [], additional: [] };
    }
    if (a.forward) {
      this.forward(q, proto, t0, reply);
      return;
    }
    if (a.chase) {
      this.chase(q, a, a.chase, proto, t0, reply);
      return;
    }
    const out = this.encodeSafe(q, a, proto);
    if (metrics && a.rcode !== Rcode.SERVFAIL && this.cacheMax > 0 && proto === 'udp') metrics.cacheMiss();
    if (proto === 'udp' && this.cacheMax > 0 && a.rcode !== Rcode.SERVFAIL && buf.length <= 512 && this.cacheGen === this.o.view.generation) {
      // Full: drop the oldest entry (Map iteration is insertion order).
      if (this.cache.size >= this.cacheMax) this.cache.delete(this.cache.keys().next().value as string);
      const kind = a.rcode === Rcode.NOERROR && a.answer.length > 0 ? 'success' : 'denial';
      this.cache.set(buf.toString('latin1', 2, buf.length), { body: out.subarray(2), rcode: a.rcode, qtype: q.question.type, kind });
    }
    metrics?.response(a.rcode, a.rcode === Rcode.SERVFAIL ? '' : 'kubernetes', q.question.type, (performance.now() - t0) / 1000);
    reply(out);
  }

  private forward(q: ParsedQuery, proto: 'udp' | 'tcp', t0: number, reply: Reply): void {
    const fw = this.o.forwarder;
    const done = (parts: ResponseParts, plugin: string) => {
      this.o.metrics?.response(parts.rcode, plugin, q.question.type, (performance.now() - t0) / 1000);
      reply(this.encodeSafe(q, parts, proto));
    };
    if (!fw || fw.upstreams.length === 0) {
      done({ rcode: Rcode.REFUSED, authoritative: false, answer: [], authority: [], additional: [] }, '');
      return;
    }
    fw.query(q.question, { do: q.edns?.do }).then(
      (r) => done({ rcode: r.rcode, authoritative: false, answer: matchQuestionCase(r.answer, q.question), authority: r.authority, additional: r.additional }, 'forward'),
      () => done({ rcode: Rcode.SERVFAIL, authoritative: false, answer: [], authority: [], additional: [] }, ''),
    );
  }

  /** An in-zone CNAME to an outside name: append what the upstream says about the target. */
  private chase(q: ParsedQuery, a: Answer, target: Question, proto: 'udp' | 'tcp', t0: number, reply: Reply): void {
    const done = (parts: ResponseParts) => {
      this.o.metrics?.response(parts.rcode, 'kubernetes', q.question.type, (performance.now() - t0) / 1000);
      reply(this.encodeSafe(q, parts, proto));
    };
    const fw = this.o.forwarder;
    if (!fw || fw.upstreams.length === 0) {
      done(a);
      return;
    }
    fw.query(target, { do: q.edns?.do }).then(
      (r) => {
        const ok = r.rcode === Rcode.NOERROR || r.rcode === Rcode.NXDOMAIN;
        done({
          rcode: ok ? r.rcode : Rcode.NOERROR,
          authoritative: true,
          answer: ok ? [...a.answer, ...r.answer] : a.answer,
          authority: ok && r.answer.length === 0 ? r.authority : [],
          additional: [],
        });
      },
      // The upstream is unreachable: the CNAME alone still lets the client chase it.
      () => done(a),
    );
  }

  private encodeSafe(q: ParsedQuery, a: ResponseParts, proto: 'udp' | 'tcp'): Buffer {
    try {
      return encodeResponse(q, a, { proto, maxUdpPayload: this.maxUdp, ra: this.ra });
    } catch (e) {
      this.o.log?.(`dns: encoding the answer to ${q.question.name}: ${e instanceof Error ? e.message : String(e)}`);
      return encodeResponse(q, { rcode: Rcode.SERVFAIL, authoritative: false, answer: [], authority: [], additional: [] }, { proto, maxUdpPayload: this.maxUdp, ra: this.ra });
    }
  }

  private encodeError(p: Extract<QueryParse, { kind: 'error' }>): Buffer {
    return encodeErrorResponse(p, { maxUdpPayload: this.maxUdp, ra: this.ra });
  }

}
