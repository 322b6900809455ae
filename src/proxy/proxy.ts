/**
 * The per-node proxy: informers (Services, EndpointSlices, this Node) →
 * ChangeTracker → BoundedFrequencyRunner → DataPlane, with metrics and
 * health. Mode-independent; the data plane is chosen by the caller
 * (userspace today).
 *
 * Contracts:
 * - Nothing is written to the data plane before every informer has listed:
 *   the first sync is a full one over a complete view (a partial view would
 *   briefly refuse traffic for Services whose slices were not listed yet).
 * - A sync that throws forces a full resync, retried after `retryMs`.
 * - Every syncPeriod the sync is a full one (re-binds what failed before).
 */
import type { EndpointSlice, Node, Service } from '../api/types.ts';
import { Informer, Resources, trimManagedFields, type RestClient } from '../client/index.ts';
import { BoundedFrequencyRunner, type Clock } from './bounded-frequency-runner.ts';
import { ChangeTracker, nodeTopology, sliceServiceKey, type ProxySources } from './change-tracker.ts';
import type { DataPlane, NodeAddressing } from './data-plane.ts';
import { apiProxyEvents, NO_PROXY_EVENTS, type ProxyEventRecorder } from './events.ts';
import { ProxierHealth, ServiceHealthChecks, ServiceHealthServer } from './healthcheck.ts';
import { ProxyMetrics } from './metrics.ts';
import { selectEndpoints } from './select-endpoints.ts';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME } from './service-ports.ts';
import { cidrMatcher } from './cidr.ts';
import { isLocalAddress, localAddresses } from './node-addresses.ts';
import { EMPTY_STATE, type ProxyState } from './types.ts';
import { UserspaceProxier } from './userspace/proxier.ts';
import type { BalanceMode } from './userspace/balancer.ts';
import { sharedListeners, type ListenerRegistry } from './userspace/listeners.ts';

export type ProxyMode = 'userspace' | 'nftables' | 'iptables' | 'ipvs';

export interface ProxyOptions {
  /** This node's name (endpoints with this nodeName are local; the Node object gives zone and addresses). */
  nodeName: string;
  /** --min-sync-period (default 1000 ms, as kube-proxy; 0 = sync on every change). */
  minSyncPeriodMs?: number;
  /** --sync-period: periodic full resync (default 30 s). */
  syncPeriodMs?: number;
  /** userspace load balancing (default random, as kube-proxy's iptables/nftables modes). */
  balance?: BalanceMode;
  /**
   * --nodeport-addresses: addresses NodePorts and health check node ports
   * listen on. Default: 127.0.0.1 plus the Node's InternalIP/ExternalIP
   * addresses that are on this machine.
   */
  nodePortAddresses?: string[];
  /** --cluster-cidr for the LocalTrafficDetector (default: the Node's spec.podCIDRs). */
  podCIDRs?: string[];
  /** UDP flow idle timeout (default 30 s). */
  udpIdleTimeoutMs?: number;
  /** Connect timeout per endpoint attempt (default 250, 500, 1000, 2000 ms). */
  connectTimeoutsMs?: number[];
  /** How long a dropped TCP connection is held before it is closed silently (default 30 s). */
  dropHoldMs?: number;
  /** PreferSameTrafficDistribution gate: honour node hints (default off). */
  preferSameTrafficDistribution?: boolean;
  /** Listener registry (default: the process-wide one). */
  listeners?: ListenerRegistry;
  /** Record Events through the API (default true). */
  events?: boolean;
  /** Replaces the data plane (later modes; tests). Default: the userspace proxier. */
  dataPlane?: (ctx: { addressing: NodeAddressing; events: ProxyEventRecorder; healthy: () => boolean }) => DataPlane;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningProxy {
  readonly nodeName: string;
  readonly metrics: ProxyMetrics;
  readonly health: ProxierHealth;
  readonly dataPlane: DataPlane;
  /** Resolves after the first full sync has been applied. */
  readonly synced: Promise<void>;
  /** The view the data plane last applied. */
  state(): ProxyState;
  /** The node port addresses in use. */
  nodePortAddresses(): readonly string[];
  /** Resolves once no change is pending and no sync is running. */
  settled(): Promise<void>;
  /** Number of syncs applied. */
  syncs(): number;
  stop(): Promise<void>;
}

export function startProxy(client: RestClient, opts: ProxyOptions): RunningProxy {
  const log = opts.log;
  const nodeName = opts.nodeName;
  if (!nodeName) throw new Error('the proxy needs a node name (--node-name)');
  const minSync = opts.minSyncPeriodMs ?? 1000;
  const syncPeriod = opts.syncPeriodMs ?? 30_000;
  const clock = opts.clock;
  const now = () => clock?.now() ?? Date.now();
  const events = opts.events === false ? NO_PROXY_EVENTS : apiProxyEvents(client, nodeName, { log });
  const tracker = new ChangeTracker(now());
  const health = new ProxierHealth(2 * syncPeriod, now);

  const services = new Informer<Service>(client, Resources.services, { labelSelector: `!${LABEL_SERVICE_PROXY_NAME}`, transform: trimManagedFields, log });
  const slices = new Informer<EndpointSlice>(client, Resources.endpointSlices, {
    labelSelector: `!${LABEL_SERVICE_PROXY_NAME},!${LABEL_HEADLESS}`,
    indexers: { service: (s) => [sliceServiceKey(s) ?? ''].filter(Boolean) },
    transform: trimManagedFields,
    log,
  });
  const nodes = new Informer<Node>(client, Resources.nodes, { fieldSelector: `metadata.name=${nodeName}`, transform: trimManagedFields, log });
  const sources: ProxySources = {
    service: (k) => services.cache.get(k),
    slices: (k) => slices.cache.byIndex('service', k),
    serviceKeys: () => services.cache.keys(),
  };

  // Node-derived inputs (recomputed on Node events).
  let portAddresses: readonly string[] = opts.nodePortAddresses ?? ['127.0.0.1'];
  let isLocalPod: (ip: string) => boolean = cidrMatcher(opts.podCIDRs ?? []);
  let podCIDRKey = (opts.podCIDRs ?? []).join(',');
  const addressing: NodeAddressing = { nodePortAddresses: () => portAddresses, isLocalPod: (ip) => isLocalPod(ip) };
  const refreshNode = (node: Node | undefined): boolean => {
    let changed = false;
    if (!opts.nodePortAddresses) {
      const local = new Set(localAddresses());
      const fromNode = (node?.status?.addresses ?? [])
        .filter((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isLocalAddress(a.address, local))
        .map((a) => a.address);
      const next = [...new Set(['127.0.0.1', ...fromNode])];
      if (next.join(',') !== portAddresses.join(',')) {
        portAddresses = next;
        changed = true;
      }
    }
    if (!opts.podCIDRs) {
      const cidrs = node?.spec?.podCIDRs?.length ? node.spec.podCIDRs : node?.spec?.podCIDR ? [node.spec.podCIDR] : [];
      const key = cidrs.join(',');
      if (key !== podCIDRKey) {
        podCIDRKey = key;
        isLocalPod = cidrMatcher(cidrs);
        changed = true;
      }
    }
    health.nodeEligible = !node?.metadata.deletionTimestamp;
    return changed;
  };
  let current: ProxyState = EMPTY_STATE;
  /** The state the data plane has applied (current may be ahead while a sync runs). */
  let applied: ProxyState = EMPTY_STATE;
  const metrics = new ProxyMetrics({
    stats: () => dataPlane.stats(),
    // kubeproxy_sync_proxy_rules_no_local_endpoints_total, computed at scrape time from the applied view.
    noLocalEndpoints: () => {
      let internal = 0;
      let external = 0;
      for (const sp of applied.servicePorts.values()) {
        if (!sp.internalPolicyLocal && !sp.externalPolicyLocal) continue;
        const sel = selectEndpoints(sp, applied.endpoints.get(sp.key) ?? [], applied.node, { preferSameTrafficDistribution: opts.preferSameTrafficDistribution });
        if (!sel.hasAnyEndpoints || (sel.localEndpoints?.length ?? 0) > 0) continue;
        if (sp.internalPolicyLocal) internal++;
        if (sp.externalPolicyLocal) external++;
      }
      return { internal, external };
    },
  });
  const dataPlane: DataPlane = opts.dataPlane
    ? opts.dataPlane({ addressing, events, healthy: () => health.isHealthy() })
    : new UserspaceProxier({
        nodeName,
        addressing,
        balance: opts.balance,
        listeners: opts.listeners,
        events,
        udpIdleTimeoutMs: opts.udpIdleTimeoutMs,
        connectTimeoutsMs: opts.connectTimeoutsMs,
        dropHoldMs: opts.dropHoldMs,
        select: { preferSameTrafficDistribution: opts.preferSameTrafficDistribution },
        log,
      });

  // healthCheckNodePort servers (LoadBalancer, externalTrafficPolicy Local), in every mode: sockets of this process.
  const serviceHealth = new ServiceHealthChecks(
    new ServiceHealthServer(opts.listeners ?? sharedListeners, nodeName, () => health.isHealthy(), events, (ip) => addressing.isLocalPod(ip)),
  );

  let informersSynced = false;
  let resolveSynced!: () => void;
  const synced = new Promise<void>((r) => (resolveSynced = r));
  let firstSyncDone = false;
  let lastFull = 0;
  let syncCount = 0;
  let running = false;
  let stopped = false;
  const settleWaiters: (() => void)[] = [];
  const checkSettled = () => {
    if (running || tracker.hasPending() || !firstSyncDone) return;
    for (const w of settleWaiters.splice(0)) w();
  };

  const sync = async (): Promise<void> => {
    if (!informersSynced || stopped) return;
    running = true;
    const t0 = performance.now();
    try {
      if (now() - lastFull >= syncPeriod) tracker.markFull();
      const node = nodeTopology(nodeName, nodes.cache.get(nodeName));
      const { state, update } = tracker.checkout(current, sources, node, { preferSameTrafficDistribution: opts.preferSameTrafficDistribution });
      current = state;
      metrics.serviceChangesPending.set(0);
      metrics.endpointChangesPending.set(0);
      try {
        await dataPlane.sync(state, update);
      } catch (e) {
        tracker.markFull();
        metrics.syncFailures.inc();
        log?.(`proxy ${nodeName}: sync failed, full resync follows: ${e instanceof Error ? e.message : String(e)}`);
        runner.retryAfter(1000);
        return;
      }
      applied = state;
      await serviceHealth.sync(state, update, portAddresses);
      if (update.full) lastFull = now();
      syncCount++;
      const done = Date.now();
      metrics.syncDuration.observe((performance.now() - t0) / 1000);
      metrics.lastSyncTimestamp.set(done / 1000);
      for (const times of update.triggerTimes.values()) for (const t of times) metrics.networkProgramming.observe(Math.max(0, done - t) / 1000);
      health.updated();
      if (tracker.hasPending()) health.queued();
      if (!firstSyncDone) {
        firstSyncDone = true;
        resolveSynced();
      }
    } finally {
      running = false;
      checkSettled();
    }
  };

  const runner = new BoundedFrequencyRunner(sync, {
    minIntervalMs: minSync,
    maxIntervalMs: Math.max(minSync, syncPeriod),
    burst: 2,
    clock,
    onError: (e) => log?.(`proxy ${nodeName}: ${e instanceof Error ? e.message : String(e)}`),
  });
  const queued = () => {
    health.queued();
    metrics.lastQueuedTimestamp.set(Date.now() / 1000);
    const p = tracker.pending;
    metrics.serviceChangesPending.set(p.services);
    metrics.endpointChangesPending.set(p.endpoints);
    runner.run();
  };

  services.addHandler({
    onAdd: (s) => tracker.onService(undefined, s) && (metrics.serviceChangesTotal.inc(), queued()),
    onUpdate: (o, s) => tracker.onService(o, s) && (metrics.serviceChangesTotal.inc(), queued()),
    onDelete: (s) => tracker.onService(s, undefined) && (metrics.serviceChangesTotal.inc(), queued()),
  });
  slices.addHandler({
    onAdd: (s) => tracker.onSlice(undefined, s) && (metrics.endpointChangesTotal.inc(), queued()),
    onUpdate: (o, s) => tracker.onSlice(o, s) && (metrics.endpointChangesTotal.inc(), queued()),
    onDelete: (s) => tracker.onSlice(s, undefined) && (metrics.endpointChangesTotal.inc(), queued()),
  });
  const onNode = (n: Node | undefined, zoneBefore: string | undefined) => {
    const addressingChanged = refreshNode(n);
    const zoneAfter = n?.metadata.labels?.['topology.kubernetes.io/zone'];
    if (addressingChanged || zoneBefore !== zoneAfter) {
      tracker.markFull();
      queued();
    }
  };
  nodes.addHandler({
    onAdd: (n) => onNode(n, undefined),
    onUpdate: (o, n) => onNode(n, o.metadata.labels?.['topology.kubernetes.io/zone']),
    onDelete: (n) => onNode(undefined, n.metadata.labels?.['topology.kubernetes.io/zone']),
  });

  refreshNode(undefined);
  for (const i of [services, slices, nodes]) i.start();
  void Promise.all([services.waitForSync(), slices.waitForSync(), nodes.waitForSync()]).then(() => {
    if (stopped) return;
    informersSynced = true;
    tracker.markFull();
    runner.start();
    runner.run();
  });

  return {
    nodeName,
    metrics,
    health,
    dataPlane,
    synced,
    state: () => applied,
    nodePortAddresses: () => portAddresses,
    settled: () =>
      new Promise<void>((resolve) => {
        settleWaiters.push(resolve);
        checkSettled();
      }),
    syncs: () => syncCount,
    async stop() {
      stopped = true;
      runner.stop();
      for (const i of [services, slices, nodes]) i.stop();
      await dataPlane.close();
      await serviceHealth.close();
      for (const w of settleWaiters.splice(0)) w();
    },
  };
}
