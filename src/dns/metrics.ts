/**
 * Prometheus metrics with CoreDNS's names (plugin/metrics, plugin/cache,
 * plugin/forward, plugin/kubernetes), and the HTTP endpoint that serves them
 * with /health (CoreDNS health plugin: 200 "OK" while the process runs) and
 * /ready (CoreDNS ready plugin: 200 once the caches have synced, else 503).
 *
 * The per-query metrics are plain numbers in maps keyed by small integers,
 * exported through prom-client's metric interface: a query costs a few map
 * lookups, not prom-client's label hashing and validation per increment.
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, exponentialBuckets } from 'prom-client';
import { rcodeName, Type, typeName } from './wire.ts';

/** CoreDNS's `type` label keeps these names and maps everything else to "other" (plugin/metrics/vars/report.go). */
const MONITORED = new Set<number>([
  Type.A, Type.AAAA, Type.NS, Type.PTR, Type.SRV, Type.TXT, Type.CNAME, Type.SOA, Type.MX, Type.NAPTR, Type.DS, Type.DNSKEY, Type.RRSIG,
  Type.NSEC, Type.HINFO, Type.NULL, Type.IXFR, Type.AXFR, Type.ANY, Type.SVCB, Type.HTTPS, Type.CAA, Type.DNAME, Type.OPT,
]);
export const metricType = (t: number): string => (MONITORED.has(t) ? typeName(t) : 'other');

export interface DnsMetricsOptions {
  /** The `server` label, e.g. "dns://127.96.0.10:53". */
  server: string;
  /** The `zone` label (CoreDNS: the server block's zone; "." for the default block). */
  zone?: string;
}

/** A labelled value cell; the hot path keeps a reference and bumps it. */
interface Cell {
  labels: Record<string, string>;
  value: number;
}

interface HistCell {
  labels: Record<string, string>;
  /** Per-bucket (non-cumulative) counts; the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A counter whose children are plain numbers, exported through prom-client's
 * metric interface (get()), so an increment is one property write instead of
 * prom-client's per-call label hashing and validation.
 */
class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly cells = new Map<number, Cell>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  cell(key: number, labels: () => Record<string, string>): Cell {
    let c = this.cells.get(key);
    if (!c) this.cells.set(key, (c = { labels: labels(), value: 0 }));
    return c;
  }
  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.cells.values()].map((c) => ({ labels: c.labels, value: c.value })) };
  }
}

class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly cells = new Map<number, HistCell>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  cell(key: number, labels: () => Record<string, string>): HistCell {
    let c = this.cells.get(key);
    if (!c) this.cells.set(key, (c = { labels: labels(), counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    return c;
  }
  observe(c: HistCell, v: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    c.counts[i]++;
    c.sum += v;
    c.count++;
  }
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const c of this.cells.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += c.counts[i];
        values.push({ labels: { ...c.labels, le }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

const PLUGINS: Record<string, number> = { kubernetes: 0, forward: 1, '': 2 };

export class DnsMetrics {
  readonly registry = new Registry();
  private readonly server: string;
  private readonly zone: string;
  private readonly requests: FastCounter;
  private readonly responses: FastCounter;
  private readonly duration: FastHistogram;
  private readonly cacheHits: FastCounter;
  private readonly cacheMisses: FastCounter;
  private readonly cacheEntries: Gauge<string>;
  private readonly fwdRequests: Counter<string>;
  private readonly fwdResponses: Counter<string>;
  private readonly fwdDuration: Histogram<string>;
  private readonly programming: Histogram<string>;
  private readonly dropped: Counter<string>;

  constructor(o: DnsMetricsOptions) {
    this.server = o.server;
    this.zone = o.zone ?? '.';
    const registers = [this.registry];
    this.requests = new FastCounter('coredns_dns_requests_total', 'Counter of DNS requests made per zone, protocol and family.');
    this.responses = new FastCounter('coredns_dns_responses_total', 'Counter of response status codes.');
    this.duration = new FastHistogram('coredns_dns_request_duration_seconds', 'Histogram of the time (in seconds) each request took per zone.', exponentialBuckets(0.00025, 2, 16));
    this.cacheHits = new FastCounter('coredns_cache_hits_total', 'The count of cache hits.');
    this.cacheMisses = new FastCounter('coredns_cache_misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.');
    for (const m of [this.requests, this.responses, this.duration, this.cacheHits, this.cacheMisses]) {
      this.registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
    }
    this.cacheEntries = new Gauge({ name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: ['server', 'type', 'zones', 'view'], registers });
    this.fwdRequests = new Counter({ name: 'coredns_forward_requests_total', help: 'Counter of requests made per upstream.', labelNames: ['to'], registers });
    this.fwdResponses = new Counter({ name: 'coredns_forward_responses_total', help: 'Counter of responses received per upstream.', labelNames: ['to', 'rcode'], registers });
    this.fwdDuration = new Histogram({
      name: 'coredns_proxy_request_duration_seconds',
      help: 'Histogram of the time each request took.',
      labelNames: ['proxy_name', 'to', 'rcode'],
      buckets: exponentialBuckets(0.00025, 2, 16),
      registers,
    });
    this.programming = new Histogram({
      name: 'coredns_kubernetes_dns_programming_duration_seconds',
      help: 'Histogram of the time (in seconds) it took to program a dns instance.',
      labelNames: ['service_kind'],
      buckets: exponentialBuckets(0.001, 2, 20),
      registers,
    });
    this.dropped = new Counter({ name: 'switchboard_dns_dropped_total', help: 'Packets dropped without an answer (shorter than a header, or responses).', labelNames: ['server', 'reason'], registers });
  }

  request(proto: 'udp' | 'tcp', family: 1 | 2, qtype: number): void {
    const key = (qtype << 3) | (family << 1) | (proto === 'udp' ? 0 : 1);
    this.requests.cell(key, () => ({ server: this.server, zone: this.zone, view: '', proto, family: String(family), type: metricType(qtype) })).value++;
  }

  /** A response sent; `plugin` is CoreDNS's label for who wrote it ("kubernetes", "forward", "" for errors). */
  response(rcode: number, plugin: string, qtype: number, seconds: number): void {
    const pi = PLUGINS[plugin] ?? 2;
    this.responses.cell((rcode << 2) | pi, () => ({ server: this.server, zone: this.zone, view: '', rcode: rcodeName(rcode), plugin })).value++;
    this.duration.observe(
      this.duration.cell(MONITORED.has(qtype) ? qtype : -1, () => ({ server: this.server, zone: this.zone, view: '', type: metricType(qtype) })),
      seconds,
    );
  }

  cacheHit(kind: 'success' | 'denial'): void {
    this.cacheHits.cell(kind === 'success' ? 0 : 1, () => ({ server: this.server, type: kind, zones: this.zone, view: '' })).value++;
  }

  cacheMiss(): void {
    this.cacheMisses.cell(0, () => ({ server: this.server, zones: this.zone, view: '' })).value++;
  }

  cacheSize(kind: 'success' | 'denial', n: number): void {
    this.cacheEntries.set({ server: this.server, type: kind, zones: this.zone, view: '' }, n);
  }

  forwardRequest(to: string): void {
    this.fwdRequests.inc({ to });
  }

  forwardResponse(to: string, rcode: number, seconds: number): void {
    this.fwdResponses.inc({ to, rcode: rcodeName(rcode) });
    this.fwdDuration.observe({ proxy_name: 'forward', to, rcode: rcodeName(rcode) }, seconds);
  }

  programmed(serviceKind: string, seconds: number): void {
    this.programming.observe({ service_kind: serviceKind }, seconds);
  }

  drop(reason: string): void {
    this.dropped.inc({ server: this.server, reason });
  }
}

export interface HealthServerOptions {
  host: string;
  port: number;
  ready: () => boolean;
  /** The exposition text and its content type. */
  metrics: () => Promise<{ text: string; contentType: string }>;
}

/** Serves /health, /ready and /metrics. Resolves with the bound address. */
export function startHealthServer(o: HealthServerOptions): Promise<{ server: http.Server; host: string; port: number }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    } else if (path === '/ready') {
      const ok = o.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'OK' : 'not ready: caches have not synced');
    } else if (path === '/metrics') {
      o.metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics: ${e instanceof Error ? e.message : String(e)}`),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const a = server.address() as { address: string; port: number };
      resolve({ server, host: a.address, port: a.port });
    });
  });
}
