/**
 * Health endpoints (kube-proxy pkg/proxy/healthcheck):
 *
 * - ProxierHealth: the proxy's own /healthz and /livez. Healthy once the
 *   first sync is applied and no queued change has waited longer than the
 *   timeout (kube-proxy: 2 × syncPeriod). /healthz is also 503 while the
 *   node is being deleted (nodeEligible false); /livez ignores that.
 * - ServiceHealthServer: for every LoadBalancer Service with
 *   externalTrafficPolicy Local, an HTTP server on its healthCheckNodePort
 *   (on the node port addresses) that answers any path with the local ready
 *   endpoint count: 200 when > 0 and the proxy is healthy, else 503, so a
 *   cloud load balancer only sends to nodes that have a local endpoint.
 * - ServiceHealthChecks: which Services get such a server, and their counts,
 *   from the proxy's state. Every kube-proxy proxier calls
 *   serviceHealthServer.SyncServices / SyncEndpoints after its sync; here
 *   the proxy core runs it after every data-plane sync, so each mode
 *   (userspace, nftables, iptables) serves healthCheckNodePorts the same way.
 */
import http from 'node:http';
import type { ListenerRegistry, Lease } from './userspace/listeners.ts';
import { ListenError } from './userspace/listeners.ts';
import type { ProxyEventRecorder, ServiceRef } from './events.ts';
import { localReadyEndpointCount } from './select-endpoints.ts';
import type { ProxyState, ProxyStateUpdate, ServicePortInfo } from './types.ts';

export class ProxierHealth {
  private lastUpdated = 0;
  private oldestQueued = 0;
  nodeEligible = true;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A change was queued for the data plane. */
  queued(): void {
    if (this.oldestQueued === 0) this.oldestQueued = this.now();
  }

  /** The data plane applied everything queued so far. */
  updated(): void {
    this.lastUpdated = this.now();
    this.oldestQueued = 0;
  }

  isHealthy(): boolean {
    if (this.lastUpdated === 0) return false;
    return this.oldestQueued === 0 || this.now() - this.oldestQueued < this.timeoutMs;
  }

  /** Body and status for /healthz (withNode) or /livez. */
  report(withNode: boolean): { code: number; body: string } {
    const ok = this.isHealthy() && (!withNode || this.nodeEligible);
    const body: Record<string, unknown> = {
      lastUpdated: this.lastUpdated ? new Date(this.lastUpdated).toISOString() : '',
      currentTime: new Date(this.now()).toISOString(),
    };
    if (withNode) body['nodeEligible'] = this.nodeEligible;
    return { code: ok ? 200 : 503, body: JSON.stringify(body) };
  }
}

export interface HealthCheckService extends ServiceRef {
  port: number;
}

interface Instance {
  svc: HealthCheckService;
  leases: Lease[];
  server: http.Server;
  /** Addresses the instance listens on (to notice a change of node port addresses). */
  addresses: string;
  sockets: Set<import('node:net').Socket>;
}

export class ServiceHealthServer {
  private readonly instances = new Map<string, Instance>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly listeners: ListenerRegistry,
    private readonly nodeName: string,
    private readonly proxyHealthy: () => boolean,
    private readonly events: ProxyEventRecorder,
    private readonly owns: (ip: string) => boolean = () => false,
  ) {}

  /** Local ready endpoint count of a Service (`namespace/name`). */
  setLocalEndpoints(key: string, n: number): void {
    this.counts.set(key, n);
  }

  /**
   * Makes exactly `wanted` (by `namespace/name`) listen, on `addresses`.
   * Services not in `consider` are left as they are (partial sync); pass
   * undefined to consider every Service.
   */
  async sync(wanted: ReadonlyMap<string, HealthCheckService>, addresses: readonly string[], consider?: ReadonlySet<string>): Promise<void> {
    const addrKey = addresses.join(',');
    for (const [key, inst] of [...this.instances]) {
      if (consider && !consider.has(key) && inst.addresses === addrKey) continue;
      const want = wanted.get(key);
      if (!want || want.port !== inst.svc.port || inst.addresses !== addrKey) {
        this.closeInstance(key, inst);
      }
    }
    const opens: Promise<void>[] = [];
    for (const [key, svc] of wanted) {
      if (consider && !consider.has(key)) continue;
      if (this.instances.has(key)) continue;
      opens.push(this.open(key, svc, addresses, addrKey));
    }
    await Promise.all(opens);
    for (const k of [...this.counts.keys()]) if (!wanted.has(k) && !this.instances.has(k)) this.counts.delete(k);
  }

  private async open(key: string, svc: HealthCheckService, addresses: readonly string[], addrKey: string): Promise<void> {
    const server = http.createServer((req, res) => {
      const n = this.counts.get(key) ?? 0;
      const healthy = this.proxyHealthy();
      res.writeHead(n > 0 && healthy ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
      res.end(
        JSON.stringify({ service: { namespace: svc.namespace, name: svc.name }, localEndpoints: n, serviceProxyHealthy: healthy }, null, 2),
      );
    });
    server.keepAliveTimeout = 5000;
    const inst: Instance = { svc, leases: [], server, addresses: addrKey, sockets: new Set() };
    this.instances.set(key, inst);
    const results = await Promise.allSettled(
      addresses.map((ip) =>
        this.listeners.acquireTcp(ip, svc.port, {
          owns: this.owns,
          onConnection: (socket) => {
            inst.sockets.add(socket);
            socket.once('close', () => inst.sockets.delete(socket));
            server.emit('connection', socket);
            socket.resume();
          },
        }),
      ),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') {
        if (this.instances.get(key) === inst) inst.leases.push(r.value);
        else r.value.release();
      } else {
        const msg = r.reason instanceof ListenError ? r.reason.message : String(r.reason);
        this.events.event(svc, 'Warning', 'FailedToStartServiceHealthcheck', `node ${this.nodeName} failed to start healthcheck "${key}" on port ${svc.port}: ${msg}`);
      }
    }
  }

  private closeInstance(key: string, inst: Instance): void {
    for (const l of inst.leases) l.release();
    for (const s of inst.sockets) s.destroy();
    inst.server.close();
    this.instances.delete(key);
  }

  async close(): Promise<void> {
    for (const [k, inst] of [...this.instances]) this.closeInstance(k, inst);
  }
}

export class ServiceHealthChecks {
  private readonly wanted = new Map<string, HealthCheckService>();

  constructor(private readonly server: ServiceHealthServer) {}

  /** After a data-plane sync: the Services `update` looked at (all of them when full), on the node port addresses. */
  async sync(state: ProxyState, update: ProxyStateUpdate, addresses: readonly string[]): Promise<void> {
    const consider = update.full ? undefined : update.services;
    const portsBySvc = new Map<string, ServicePortInfo[]>();
    for (const sp of state.servicePorts.values()) {
      if (consider && !consider.has(sp.service)) continue;
      (portsBySvc.get(sp.service) ?? portsBySvc.set(sp.service, []).get(sp.service)!).push(sp);
    }
    const keys = consider ?? new Set([...portsBySvc.keys(), ...this.wanted.keys()]);
    for (const svc of keys) {
      const ports = portsBySvc.get(svc) ?? [];
      const hc = ports.find((p) => p.healthCheckNodePort > 0);
      if (!hc) {
        this.wanted.delete(svc);
        continue;
      }
      this.wanted.set(svc, { namespace: hc.spn.namespace, name: hc.spn.name, uid: hc.uid, port: hc.healthCheckNodePort });
      this.server.setLocalEndpoints(svc, localReadyEndpointCount(ports.map((p) => state.endpoints.get(p.key) ?? [])));
    }
    await this.server.sync(this.wanted, addresses, consider);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
