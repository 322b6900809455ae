/**
 * Prometheus metrics with kube-proxy's names (pkg/proxy/metrics) where one
 * exists, plus per-service-port traffic counters of the userspace data plane.
 *
 * One Registry per proxy (several proxies may share a process in tests).
 * Traffic counters are plain numbers the data plane bumps; they are turned
 * into samples only when /metrics is scraped (collect), so the data path
 * pays no label lookups.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Per service port counters kept by a data plane. */
export interface ServicePortStats {
  /** kube-proxy's ServicePortName string (`namespace/name:port`). */
  servicePort: string;
  protocol: string;
  /** New connections (TCP) or flows (UDP) accepted, by traffic kind. */
  connections: { internal: number; external: number };
  /** Connections refused because no endpoint could be reached. */
  rejected: number;
  /** Connections/datagrams dropped (Local policy without a local endpoint, source range). */
  dropped: number;
  /** Failed connects to an endpoint (another one is tried). */
  endpointConnectFailures: number;
  /** Bytes from clients (in) and to clients (out), closed connections only; add `live()` for open ones. */
  bytesIn: number;
  bytesOut: number;
  /** Open connections (TCP) or flows (UDP) right now, with their byte counts so far. */
  live(): { count: number; bytesIn: number; bytesOut: number };
}

export function newServicePortStats(servicePort: string, protocol: string, live: ServicePortStats['live']): ServicePortStats {
  return { servicePort, protocol, connections: { internal: 0, external: 0 }, rejected: 0, dropped: 0, endpointConnectFailures: 0, bytesIn: 0, bytesOut: 0, live };
}

/**
 * Buckets for sync and programming latencies: kube-proxy's sync buckets
 * (exponential from 1 ms) extended down to 0.1 ms because userspace syncs
 * are that fast; network programming uses the same fine buckets up to 5 min
 * (kube-proxy's own start at 0.25 s, too coarse to see a 50 ms target).
 */
const SYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];
const PROGRAMMING_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 120, 300];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly syncDuration: Histogram;
  readonly networkProgramming: Histogram;
  readonly lastSyncTimestamp: Gauge;
  readonly lastQueuedTimestamp: Gauge;
  readonly serviceChangesPending: Gauge;
  readonly endpointChangesPending: Gauge;
  readonly serviceChangesTotal: Counter;
  readonly endpointChangesTotal: Counter;
  readonly noLocalEndpoints: Gauge<'traffic_policy'>;
  readonly healthzTotal: Counter<'code'>;
  readonly livezTotal: Counter<'code'>;
  readonly syncFailures: Counter;

  constructor(src: { stats: () => Iterable<ServicePortStats>; noLocalEndpoints?: () => { internal: number; external: number } }) {
    const stats = src.stats;
    const registers = [this.registry];
    this.syncDuration = new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds', buckets: SYNC_BUCKETS, registers });
    this.networkProgramming = new Histogram({
      name: 'kubeproxy_network_programming_duration_seconds',
      help: 'In Cluster Network Programming Latency in seconds (from endpoints.kubernetes.io/last-change-trigger-time to the data plane serving the change)',
      buckets: PROGRAMMING_BUCKETS,
      registers,
    });
    this.lastSyncTimestamp = new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers });
    this.lastQueuedTimestamp = new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', help: 'The last time a sync of proxy rules was queued', registers });
    this.serviceChangesPending = new Gauge({ name: 'kubeproxy_sync_proxy_rules_service_changes_pending', help: 'Pending proxy rules Service changes', registers });
    this.endpointChangesPending = new Gauge({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_pending', help: 'Pending proxy rules Endpoint changes', registers });
    this.serviceChangesTotal = new Counter({ name: 'kubeproxy_sync_proxy_rules_service_changes_total', help: 'Cumulative proxy rules Service changes', registers });
    this.endpointChangesTotal = new Counter({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total', help: 'Cumulative proxy rules Endpoint changes', registers });
    this.noLocalEndpoints = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total',
      help: 'Number of services with a Local traffic policy and no endpoints',
      labelNames: ['traffic_policy'],
      registers,
      collect() {
        if (!src.noLocalEndpoints) return;
        const n = src.noLocalEndpoints();
        this.set({ traffic_policy: 'internal' }, n.internal);
        this.set({ traffic_policy: 'external' }, n.external);
      },
    });
    this.healthzTotal = new Counter({ name: 'kubeproxy_proxy_healthz_total', help: 'Cumulative proxy healthz HTTP status', labelNames: ['code'], registers });
    this.livezTotal = new Counter({ name: 'kubeproxy_proxy_livez_total', help: 'Cumulative proxy livez HTTP status', labelNames: ['code'], registers });
    this.syncFailures = new Counter({ name: 'switchboard_proxy_sync_failures_total', help: 'Syncs that failed to apply (a full resync follows)', registers });

    const labels = ['service_port', 'protocol'] as const;
    const each = (fn: (s: ServicePortStats) => void) => {
      for (const s of stats()) fn(s);
    };
    new Counter({
      name: 'switchboard_proxy_connections_total',
      help: 'Connections (TCP) or flows (UDP) proxied, by service port and traffic kind (internal = ClusterIP, external = NodePort, LoadBalancer IP, externalIP)',
      labelNames: [...labels, 'traffic'],
      registers,
      collect() {
        this.reset();
        each((s) => {
          this.inc({ service_port: s.servicePort, protocol: s.protocol, traffic: 'internal' }, s.connections.internal);
          this.inc({ service_port: s.servicePort, protocol: s.protocol, traffic: 'external' }, s.connections.external);
        });
      },
    });
    new Gauge({
      name: 'switchboard_proxy_active_connections',
      help: 'Open connections (TCP) or flows (UDP) by service port',
      labelNames: labels,
      registers,
      collect() {
        this.reset();
        each((s) => this.set({ service_port: s.servicePort, protocol: s.protocol }, s.live().count));
      },
    });
    new Counter({
      name: 'switchboard_proxy_bytes_total',
      help: 'Bytes proxied by service port; direction in = from clients, out = to clients',
      labelNames: [...labels, 'direction'],
      registers,
      collect() {
        this.reset();
        each((s) => {
          const l = s.live();
          this.inc({ service_port: s.servicePort, protocol: s.protocol, direction: 'in' }, s.bytesIn + l.bytesIn);
          this.inc({ service_port: s.servicePort, protocol: s.protocol, direction: 'out' }, s.bytesOut + l.bytesOut);
        });
      },
    });
    new Counter({
      name: 'switchboard_proxy_rejected_connections_total',
      help: 'Connections refused because no endpoint could be reached',
      labelNames: labels,
      registers,
      collect() {
        this.reset();
        each((s) => this.inc({ service_port: s.servicePort, protocol: s.protocol }, s.rejected));
      },
    });
    new Counter({
      name: 'switchboard_proxy_dropped_total',
      help: 'Connections or datagrams dropped (Local traffic policy without a local endpoint, loadBalancerSourceRanges)',
      labelNames: labels,
      registers,
      collect() {
        this.reset();
        each((s) => this.inc({ service_port: s.servicePort, protocol: s.protocol }, s.dropped));
      },
    });
    new Counter({
      name: 'switchboard_proxy_endpoint_connect_failures_total',
      help: 'Failed connects to an endpoint (another endpoint is tried)',
      labelNames: labels,
      registers,
      collect() {
        this.reset();
        each((s) => this.inc({ service_port: s.servicePort, protocol: s.protocol }, s.endpointConnectFailures));
      },
    });
  }
}
