/**
 * Helpers for the proxy tests that write EndpointSlices by hand (metrics,
 * change tracking, renderers): TCP backends standing for pods on
 * 127.244.B.x, hand-written slices, a proxy against the real test API server,
 * waiting on conditions. The end-to-end tests with real pods use cluster.ts.
 *
 * Every test file uses its own band B (third octet) for ClusterIPs
 * (127.96.B.x), pod IPs (127.244.B.x), node addresses (127.0.B.x) and LB
 * pools (127.240.B.0/24), so files running at the same time never collide.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { EndpointSlice, Service } from '../../src/api/types.ts';
import { isNotFound } from '../../src/api/status.ts';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackNetworkConfig } from '../../src/allocators/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import { openStore } from '../../src/storage/index.ts';

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000, every = 10): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// ------------------------------------------------------------------ backends

export interface TcpBackend {
  name: string;
  ip: string;
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Source addresses seen. */
  sources: string[];
  open: Set<net.Socket>;
  close(): Promise<void>;
}

/**
 * A "pod": on each connection it sends `<name>\n`, then echoes every byte.
 */
export async function tcpBackend(ip: string, port: number, name: string): Promise<TcpBackend> {
  const open = new Set<net.Socket>();
  const b: TcpBackend = {
    name,
    ip,
    port,
    accepted: 0,
    sources: [],
    open,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
  const server = net.createServer({ allowHalfOpen: false }, (s) => {
    b.accepted++;
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  return b;
}

// ------------------------------------------------------------------- clients

export interface ConnectOptions {
  localAddress?: string;
  timeoutMs?: number;
}

/** Connects, reads the backend's name line, closes. Rejects with the socket error (code ECONNREFUSED, ECONNRESET…). */
export function hello(host: string, port: number, o: ConnectOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress: o.localAddress });
    let buf = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(`no answer from ${host}:${port} in ${o.timeoutMs ?? 5000} ms`), { code: 'TIMEOUT' }));
    }, o.timeoutMs ?? 5000);
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        clearTimeout(t);
        s.destroy();
        resolve(buf.slice(0, i));
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      if (!buf.includes('\n')) reject(Object.assign(new Error(`closed without an answer from ${host}:${port}`), { code: 'EOF' }));
    });
  });
}

// ------------------------------------------------------------ API objects

export interface EndpointSpec {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  nodeName?: string;
  zone?: string;
  zoneHints?: string[];
}

export function sliceFor(
  service: string,
  name: string,
  endpoints: EndpointSpec[],
  ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[],
  opts: { namespace?: string; triggerTime?: string } = {},
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'proxy-test' },
      ...(opts.triggerTime ? { annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': opts.triggerTime } } : {}),
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.nodeName ? { nodeName: e.nodeName } : {}),
      ...(e.zone ? { zone: e.zone } : {}),
      ...(e.zoneHints ? { hints: { forZones: e.zoneHints.map((z) => ({ name: z })) } } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

export interface ClusterApi {
  url: string;
  dir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/**
 * A real API server (HTTPS, token) for one test file: service CIDR
 * 127.96.B.0/24 and no bootstrap `kubernetes`/`kube-dns` Services, so proxies
 * of concurrently running clusters never contend for the same ClusterIP.
 */
export async function startClusterApi(band: number, opts: { externalIPCIDRs?: string[] } = {}): Promise<ClusterApi> {
  const dir = mkdtempSync(join(tmpdir(), `sb-proxy-${band}-`));
  const store = await openStore({ kind: 'memory' });
  const pki = ensurePki(dir, []);
  const network = { ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: `127.96.${band}.0/24` }, externalIPCIDRs: opts.externalIPCIDRs ?? [] };
  const server = new ApiServer({ store, pki, port: 0, network, bootstrapServices: false, bookmarkIntervalMs: 1000 });
  const url = await server.start();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  return {
    url,
    dir,
    kubeconfig,
    async stop() {
      await server.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export class Cluster {
  readonly proxies: RunningProxy[] = [];
  private constructor(
    readonly api: ClusterApi,
    readonly client: RestClient,
  ) {}

  static async start(band: number, opts: { externalIPCIDRs?: string[] } = {}): Promise<Cluster> {
    const api = await startClusterApi(band, opts);
    const client = new RestClient(loadClientConfig(api.kubeconfig));
    return new Cluster(api, client);
  }

  newClient(): RestClient {
    return new RestClient(loadClientConfig(this.api.kubeconfig));
  }

  async service(svc: Partial<Service> & { metadata: Service['metadata']; spec: Service['spec'] }): Promise<Service> {
    return this.client.create<Service>(Resources.services, svc.metadata.namespace ?? 'default', { apiVersion: 'v1', kind: 'Service', ...svc });
  }

  async getService(name: string, namespace = 'default'): Promise<Service> {
    return this.client.get<Service>(Resources.services, namespace, name);
  }

  async patchService(name: string, patch: unknown, namespace = 'default', sub?: string): Promise<Service> {
    return this.client.patch<Service>(Resources.services, namespace, name, patch, 'merge', sub);
  }

  async deleteService(name: string, namespace = 'default'): Promise<void> {
    await this.client.delete(Resources.services, namespace, name);
  }

  /** Creates or replaces a slice. */
  async putSlice(slice: EndpointSlice): Promise<EndpointSlice> {
    const ns = slice.metadata.namespace ?? 'default';
    try {
      const cur = await this.client.get<EndpointSlice>(Resources.endpointSlices, ns, slice.metadata.name!);
      return await this.client.update<EndpointSlice>(Resources.endpointSlices, ns, { ...slice, metadata: { ...slice.metadata, resourceVersion: cur.metadata.resourceVersion } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      return this.client.create<EndpointSlice>(Resources.endpointSlices, ns, slice);
    }
  }

  async deleteSlice(name: string, namespace = 'default'): Promise<void> {
    await this.client.delete(Resources.endpointSlices, namespace, name);
  }

  async events(name: string, namespace = 'default'): Promise<{ reason?: string; message?: string; type?: string }[]> {
    const list = await this.client.list<{ metadata: { name?: string }; involvedObject: { name?: string }; reason?: string; message?: string; type?: string }>(Resources.events, namespace);
    return list.items.filter((e) => e.involvedObject.name === name).map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
  }

  startProxy(opts: Partial<ProxyOptions> & { nodeName: string }): RunningProxy {
    const p = startProxy(this.newClient(), { minSyncPeriodMs: 0, ...opts });
    this.proxies.push(p);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.stop()));
    this.client.close();
    await this.api.stop();
  }
}

/** Waits until the proxy has applied a view where `pred` holds. */
export async function programmed(proxy: RunningProxy, pred: (p: RunningProxy) => boolean, what: string, ms = 10_000): Promise<void> {
  await until(() => pred(proxy), `${proxy.nodeName}: ${what}`, ms, 5);
  await proxy.settled();
}

/** Number of endpoints the proxy has applied for a service port key. */
export function endpointCount(proxy: RunningProxy, key: string, pred: (e: { ready: boolean; serving: boolean; terminating: boolean }) => boolean = () => true): number {
  return (proxy.state().endpoints.get(key) ?? []).filter(pred).length;
}

/** Chi-square statistic of observed counts against a uniform expectation. */
export function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const exp = total / counts.length;
  return counts.reduce((a, c) => a + (c - exp) ** 2 / exp, 0);
}
