/**
 * Assembly: one DNS instance (API client → informers → view; forwarder;
 * metrics; wire server), and startDns, which picks the address, the upstreams
 * and the nameserver records, then runs the instance in-process (workers ≤ 1)
 * or in N node:cluster workers sharing the UDP socket and the TCP listener
 * (each worker keeps its own informers and caches; the primary only serves
 * /health, /ready and the workers' aggregated /metrics).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { RestClient, Resources, loadClientConfig } from '../client/index.ts';
import type { Service } from '../api/types.ts';
import { Forwarder, parseUpstream, upstreamsFromResolvConf, type Upstream } from './forwarder.ts';
import { DnsMetrics, startHealthServer } from './metrics.ts';
import { DEFAULT_TTL, DEFAULT_ZONE, defaultResolverOptions, type PodsMode, type ResolverOptions } from './resolver.ts';
import { DnsServer } from './server.ts';
import { watchCluster } from './watch.ts';
import type { ClusterIndex } from './view.ts';
import { canonicalIP } from './ip.ts';
import { reuseportAvailable, startWorkerPool, type Sharing } from './workers.ts';

/** Used when port 53 cannot be bound (no privilege, or taken). */
export const FALLBACK_DNS_PORT = 1053;
export const DEFAULT_METRICS_PORT = 9153;

/** Everything one instance needs; plain JSON so it can be handed to a worker process. */
export interface DnsInstanceConfig {
  kubeconfig?: string;
  context?: string;
  host: string;
  port: number;
  resolver: ResolverOptions;
  upstreams: Upstream[];
  responseCacheSize?: number;
  maxUdpPayload?: number;
  /** Already bound sockets to adopt (SO_REUSEPORT workers) instead of binding host:port. */
  fds?: { udp: number; tcp: number };
}

export interface DnsInstance {
  server: DnsServer;
  view: ClusterIndex;
  metrics: DnsMetrics;
  forwarder: Forwarder;
  address: { host: string; port: number };
  /** Resolves once the informers have synced. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

const serverLabel = (host: string, port: number) => `dns://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** One server in this process. It answers at once (SERVFAIL in the zone until the caches sync). */
export async function startDnsInstance(cfg: DnsInstanceConfig, log: (line: string) => void = () => {}): Promise<DnsInstance> {
  const client = new RestClient(loadClientConfig(cfg.kubeconfig, cfg.context));
  client.userAgent = 'switchboard-dns/0.1';
  const metrics = new DnsMetrics({ server: serverLabel(cfg.host, cfg.port) });
  const watch = watchCluster(client, { pods: cfg.resolver.pods === 'verified', log, onProgrammed: (k, s) => metrics.programmed(k, s) });
  const forwarder = new Forwarder({ upstreams: cfg.upstreams, metrics });
  const server = new DnsServer({
    host: cfg.host,
    port: cfg.port,
    view: watch.view,
    resolver: cfg.resolver,
    forwarder,
    metrics,
    responseCacheSize: cfg.responseCacheSize,
    maxUdpPayload: cfg.maxUdpPayload,
    fds: cfg.fds,
    log,
  });
  let address: { host: string; port: number };
  try {
    address = await server.start();
  } catch (e) {
    watch.stop();
    client.close();
    throw e;
  }
  // A failed list is retried by the informer; the promise only ever resolves.
  const synced = watch.synced;
  return {
    server,
    view: watch.view,
    metrics,
    forwarder,
    address,
    synced,
    async stop() {
      await server.stop();
      forwarder.close();
      watch.stop();
      client.close();
    },
  };
}

// ------------------------------------------------------------------ startDns

export interface DnsOptions {
  /** Kubeconfig path (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  /**
   * "ADDR:PORT", "ADDR", ":PORT" or "[v6]:PORT". Default: the kube-dns
   * Service's ClusterIP, port 53 when it may bind it, else 1053, else a free port.
   * An explicit port is used as given.
   */
  listen?: string;
  /** Cluster domain (default cluster.local). */
  zone?: string;
  /** Answer TTL in seconds, 0–3600 (default 5). */
  ttl?: number;
  /** Upstream resolvers "IP" or "IP:PORT" (default: the nameservers of /etc/resolv.conf). */
  upstream?: string[];
  /** resolv.conf to read upstreams from (default /etc/resolv.conf). */
  resolvConf?: string;
  /** Pod records: disabled (default), insecure, verified. */
  pods?: PodsMode;
  /** /health, /ready, /metrics address (default: the DNS address, port 9153; a free port if taken). */
  metricsListen?: string;
  /** Server processes (default 1 = in this process; N > 1 starts N worker processes). */
  workers?: number;
  /** How workers share the address (default cluster; see workers.ts). */
  sharing?: Sharing;
  /** Encoded-answer cache entries per process (default 20,000; 0 disables). */
  responseCacheSize?: number;
  endpointPodNames?: boolean;
  log?: (line: string) => void;
}

export interface RunningDns {
  /** Where DNS answers (UDP and TCP). */
  host: string;
  port: number;
  /** Where /health, /ready and /metrics answer. */
  metrics: { host: string; port: number };
  zone: string;
  upstreams: readonly Upstream[];
  /** The addresses served for ns.dns.<zone> (the kube-dns cluster IPs). */
  nameservers: readonly string[];
  workers: number;
  /** How the workers share the address (workers > 1). */
  sharing?: Sharing;
  /** The processes answering (this one, or the workers). */
  pids(): number[];
  /** Resolves when every server has synced its caches. */
  ready: Promise<void>;
  isReady(): boolean;
  stop(): Promise<void>;
}

/** Splits a listen string; missing parts are undefined. Throws Error when malformed. */
export function parseListen(s: string): { host?: string; port?: number } {
  const v = s.trim();
  let host: string | undefined;
  let port: string | undefined;
  const br = /^\[([^\]]+)\](?::(\d*))?$/.exec(v);
  if (br) [host, port] = [br[1], br[2]];
  else if (net.isIPv6(v)) host = v;
  else {
    const i = v.lastIndexOf(':');
    if (i >= 0) [host, port] = [v.slice(0, i), v.slice(i + 1)];
    else host = v;
  }
  if (host === '') host = undefined;
  if (host !== undefined && !net.isIP(host)) throw new Error(`invalid listen address "${s}": want ADDR:PORT with an IP address`);
  if (port === '' || port === undefined) return { host };
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid listen address "${s}": bad port`);
  return { host, port: n };
}

/** Binds UDP and TCP on host:port and releases them; resolves with the port bound, or the bind error. */
function probe(host: string, port: number): Promise<{ port: number } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const u = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    u.once('error', (error: NodeJS.ErrnoException) => {
      u.close();
      resolve({ error });
    });
    u.bind({ port, address: host, exclusive: true }, () => {
      const p = u.address().port;
      const t = net.createServer();
      t.once('error', (error: NodeJS.ErrnoException) => {
        u.close();
        resolve({ error });
      });
      t.listen({ port: p, host, exclusive: true }, () => {
        t.close(() => {
          u.close();
          resolve({ port: p });
        });
      });
    });
  });
}

async function kubeDnsIPs(client: RestClient, log: (l: string) => void): Promise<string[]> {
  try {
    const svc = await client.get<Service>(Resources.services, 'kube-system', 'kube-dns');
    const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
    return ips.filter((ip) => ip !== 'None').map((ip) => canonicalIP(ip)).filter((ip): ip is string => !!ip);
  } catch (e) {
    log(`dns: cannot read kube-system/kube-dns (${e instanceof Error ? e.message : String(e)}); serving on 127.0.0.1`);
    return [];
  }
}

function validate(o: DnsOptions): { zone: string; ttl: number; pods: PodsMode; workers: number } {
  const zone = (o.zone ?? DEFAULT_ZONE).toLowerCase().replace(/^\.+|\.+$/g, '');
  if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(zone)) throw new Error(`invalid zone "${o.zone}"`);
  const ttl = o.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new Error(`invalid ttl ${o.ttl}: want 0-3600 seconds`);
  const pods = o.pods ?? 'disabled';
  if (!['disabled', 'insecure', 'verified'].includes(pods)) throw new Error(`invalid pods mode "${pods}": want disabled, insecure or verified`);
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`invalid workers ${o.workers}: want 1-64`);
  return { zone, ttl, pods, workers };
}

/** Starts the cluster DNS server; resolves once it listens (it may still be syncing: see `ready`). */
export async function startDns(o: DnsOptions = {}): Promise<RunningDns> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { zone, ttl, pods, workers } = validate(o);
  const client = new RestClient(loadClientConfig(o.kubeconfig, o.context));
  const nameservers = await kubeDnsIPs(client, log);
  client.close();

  // Address: explicit port as given; otherwise 53, then 1053, then any free port.
  // The kube-dns IP may not be local (kernel mode without the address added): then 127.0.0.1.
  const want = o.listen ? parseListen(o.listen) : {};
  let host = want.host ?? nameservers.find((ip) => !ip.includes(':')) ?? nameservers[0] ?? '127.0.0.1';
  const candidates = want.port !== undefined ? [want.port] : [53, FALLBACK_DNS_PORT, 0];
  let port = -1;
  const failures: string[] = [];
  const tryHost = async (h: string) => {
    for (const p of candidates) {
      const r = await probe(h, p);
      if ('port' in r) return r.port;
      failures.push(`${h} port ${p}: ${r.error.code ?? r.error.message}`);
      if (r.error.code === 'EADDRNOTAVAIL') return -1;
    }
    return -1;
  };
  port = await tryHost(host);
  if (port < 0 && want.host === undefined && host !== '127.0.0.1' && failures.some((f) => f.endsWith('EADDRNOTAVAIL'))) {
    host = '127.0.0.1';
    port = await tryHost(host);
  }
  if (port < 0) throw new Error(`dns: cannot listen (${failures.join('; ')})`);
  if (failures.length) log(`dns: could not bind ${failures.join('; ')}; listening on ${host} port ${port}`);

  const configured = o.upstream?.length ? o.upstream.map(parseUpstream) : upstreamsFromResolvConf(o.resolvConf);
  // Never forward to ourselves (a resolv.conf that points at the cluster DNS would loop).
  const upstreams = configured.filter((u) => !(canonicalIP(u.host) === canonicalIP(host) && u.port === port));
  if (upstreams.length === 0) log('dns: no upstream resolvers: names outside the cluster zone are REFUSED');
  const resolver = defaultResolverOptions({
    zone,
    ttl,
    pods,
    nameservers: nameservers.length ? nameservers : [host],
    forward: upstreams.length > 0,
    endpointPodNames: o.endpointPodNames,
  });
  const cfg: DnsInstanceConfig = { kubeconfig: o.kubeconfig, context: o.context, host, port, resolver, upstreams, responseCacheSize: o.responseCacheSize };
  const mWant = o.metricsListen ? parseListen(o.metricsListen) : {};
  const mHost = mWant.host ?? host;
  const mPort = mWant.port ?? DEFAULT_METRICS_PORT;

  const health = async (ready: () => boolean, metrics: () => Promise<{ text: string; contentType: string }>) => {
    try {
      return await startHealthServer({ host: mHost, port: mPort, ready, metrics });
    } catch (e) {
      if (o.metricsListen && mWant.port !== undefined) throw e;
      log(`dns: metrics port ${mHost}:${mPort} unavailable (${(e as NodeJS.ErrnoException).code ?? String(e)}); using a free port`);
      return startHealthServer({ host: mHost, port: 0, ready, metrics });
    }
  };

  if (workers <= 1) {
    const inst = await startDnsInstance(cfg, log);
    let synced = false;
    const ready = inst.synced.then(() => {
      synced = true;
    });
    let h: Awaited<ReturnType<typeof health>>;
    try {
      h = await health(() => synced, async () => ({ text: await inst.metrics.registry.metrics(), contentType: inst.metrics.registry.contentType }));
    } catch (e) {
      await inst.stop();
      throw e;
    }
    return {
      host,
      port: inst.address.port,
      metrics: { host: h.host, port: h.port },
      zone,
      upstreams,
      nameservers: resolver.nameservers,
      workers: 1,
      pids: () => [process.pid],
      ready,
      isReady: () => synced,
      async stop() {
        await new Promise<void>((r) => h.server.close(() => r()));
        h.server.closeAllConnections();
        await inst.stop();
      },
    };
  }
  const sharing: Sharing = o.sharing ?? 'cluster';
  if (sharing === 'reuseport' && !reuseportAvailable()) throw new Error('dns: sharing "reuseport" needs Linux and perl with SO_REUSEPORT');
  const pool = await startWorkerPool(cfg, workers, sharing, log);
  let h: Awaited<ReturnType<typeof health>>;
  try {
    h = await health(pool.isReady, async () => ({ text: await pool.metrics(), contentType: 'text/plain; version=0.0.4; charset=utf-8' }));
  } catch (e) {
    await pool.stop();
    throw e;
  }
  return {
    host,
    port,
    metrics: { host: h.host, port: h.port },
    zone,
    upstreams,
    nameservers: resolver.nameservers,
    workers,
    sharing,
    pids: pool.pids,
    ready: pool.ready,
    isReady: pool.isReady,
    async stop() {
      await new Promise<void>((r) => h.server.close(() => r()));
      h.server.closeAllConnections();
      await pool.stop();
    },
  };
}

