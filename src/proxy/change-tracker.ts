/**
 * Change tracking (kube-proxy's ServiceChangeTracker + EndpointsChangeTracker,
 * reduced to what a level-triggered design needs).
 *
 * Informer handlers only mark the Service `namespace/name` dirty (and note
 * the slice's last-change-trigger-time). At sync the runner calls
 * `checkout()`, which recomputes exactly the dirty Services from the current
 * informer caches and returns the new ProxyState (sharing every unchanged
 * entry with the previous one) and what changed. Previous = the state the
 * data plane last applied; current = the caches now. Changes that do not
 * alter anything the proxy uses (a label, a resourceVersion bump) produce an
 * empty update.
 *
 * `recomputeServices` is the pure core; the tracker is its small stateful
 * shell (dirty set, trigger times, counters).
 */
import type { EndpointSlice, Node, Service } from '../api/types.ts';
import { endpointsFromSlices, sameEndpoints, type EndpointsMapOptions } from './endpoints-map.ts';
import { ANNOTATION_TRIGGER_TIME, LABEL_SERVICE_NAME, LABEL_TOPOLOGY_ZONE, sameServicePort, servicePortsFromService } from './service-ports.ts';
import type { EndpointInfo, NodeTopology, ProxyState, ProxyStateUpdate, ServicePortInfo } from './types.ts';

/** Read-only access to the current cluster objects (informer caches, or plain maps in tests). */
export interface ProxySources {
  service(key: string): Service | undefined;
  /** The slices labelled for the Service `namespace/name`. */
  slices(key: string): readonly EndpointSlice[];
  /** Every Service key known (for full syncs). */
  serviceKeys(): Iterable<string>;
}

export function serviceKeyOf(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
}

/** `namespace/<kubernetes.io/service-name>` of a slice, or undefined when unlabelled. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return name ? `${slice.metadata.namespace ?? 'default'}/${name}` : undefined;
}

export function nodeTopology(nodeName: string, node: Node | undefined): NodeTopology {
  return { name: nodeName, zone: node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE] ?? '' };
}

/**
 * Recomputes the given Services from `sources` against `prev`. Pure (reads
 * sources, allocates new maps, never mutates prev). With `node` differing
 * from prev.node every endpoint's isLocal is recomputed too (callers pass
 * every Service then).
 */
export function recomputeServices(
  prev: ProxyState,
  keys: Iterable<string>,
  sources: ProxySources,
  node: NodeTopology,
  opts: EndpointsMapOptions & { full?: boolean } = {},
): { state: ProxyState; update: Omit<ProxyStateUpdate, 'triggerTimes'> } {
  const servicePorts = new Map(prev.servicePorts);
  const endpoints = new Map(prev.endpoints);
  const changed = new Set<string>();
  const deleted = new Set<string>();
  const services = new Set<string>();
  // Index previous ports by Service once.
  const prevByService = new Map<string, string[]>();
  for (const [k, sp] of prev.servicePorts) (prevByService.get(sp.service) ?? prevByService.set(sp.service, []).get(sp.service)!).push(k);
  const prevEndpointKeysByService = new Map<string, string[]>();
  for (const k of prev.endpoints.keys()) {
    const svc = k.slice(0, k.lastIndexOf(':'));
    (prevEndpointKeysByService.get(svc) ?? prevEndpointKeysByService.set(svc, []).get(svc)!).push(k);
  }
  for (const key of keys) {
    if (services.has(key)) continue;
    services.add(key);
    const svc = sources.service(key);
    const ports: ServicePortInfo[] = svc ? servicePortsFromService(svc) : [];
    const eps: Map<string, EndpointInfo[]> = endpointsFromSlices(key, sources.slices(key), node.name, opts);
    const newKeys = new Set(ports.map((p) => p.key));
    for (const old of prevByService.get(key) ?? []) {
      if (!newKeys.has(old)) {
        servicePorts.delete(old);
        deleted.add(old);
      }
    }
    for (const p of ports) {
      const before = prev.servicePorts.get(p.key);
      if (before && sameServicePort(before, p)) continue;
      servicePorts.set(p.key, p);
      changed.add(p.key);
    }
    for (const old of prevEndpointKeysByService.get(key) ?? []) {
      if (!eps.has(old)) {
        endpoints.delete(old);
        if (servicePorts.has(old)) changed.add(old);
      }
    }
    for (const [k, list] of eps) {
      const before = prev.endpoints.get(k);
      if (sameEndpoints(before, list)) continue;
      endpoints.set(k, list);
      if (servicePorts.has(k)) changed.add(k);
    }
  }
  for (const d of deleted) changed.delete(d);
  return { state: { node, servicePorts, endpoints }, update: { full: opts.full ?? false, changed, deleted, services } };
}

export interface TrackerCounters {
  /** kubeproxy_sync_proxy_rules_service_changes_total */
  serviceChanges: number;
  /** kubeproxy_sync_proxy_rules_endpoint_changes_total */
  endpointChanges: number;
}

export class ChangeTracker {
  private dirty = new Set<string>();
  private pendingServiceChanges = 0;
  private pendingEndpointChanges = 0;
  private triggerTimes = new Map<string, number[]>();
  private fullPending = true;
  readonly totals: TrackerCounters = { serviceChanges: 0, endpointChanges: 0 };

  /**
   * @param startedAt trigger times at or before this are not reported
   *   (kube-proxy's trackerStartTime: a restart must not report old changes).
   */
  constructor(private readonly startedAt: number = Date.now()) {}

  /** A Service was added, updated or deleted. Returns true when a sync is needed. */
  onService(oldObj: Service | undefined, newObj: Service | undefined): boolean {
    const o = oldObj ?? newObj;
    if (!o) return false;
    // Skip no-op updates quickly (resourceVersion-only changes still recompute cheaply; this saves the runner a wake-up).
    if (oldObj && newObj && JSON.stringify(oldObj.spec) === JSON.stringify(newObj.spec) && JSON.stringify(oldObj.status) === JSON.stringify(newObj.status) && oldObj.metadata.uid === newObj.metadata.uid) {
      return false;
    }
    this.dirty.add(serviceKeyOf(o));
    this.pendingServiceChanges++;
    this.totals.serviceChanges++;
    return true;
  }

  /** An EndpointSlice was added, updated or deleted. */
  onSlice(oldObj: EndpointSlice | undefined, newObj: EndpointSlice | undefined): boolean {
    const keys = new Set<string>();
    for (const s of [oldObj, newObj]) {
      const k = s && sliceServiceKey(s);
      if (k) keys.add(k);
    }
    if (keys.size === 0) return false;
    for (const k of keys) this.dirty.add(k);
    this.pendingEndpointChanges++;
    this.totals.endpointChanges++;
    if (newObj) {
      const t = Date.parse(newObj.metadata.annotations?.[ANNOTATION_TRIGGER_TIME] ?? '');
      const k = sliceServiceKey(newObj);
      if (k && !Number.isNaN(t) && t > this.startedAt) (this.triggerTimes.get(k) ?? this.triggerTimes.set(k, []).get(k)!).push(t);
    }
    return true;
  }

  /** Everything must be recomputed at the next sync (node topology change, failed apply, periodic resync). */
  markFull(): void {
    this.fullPending = true;
  }

  get pending(): { services: number; endpoints: number; full: boolean } {
    return { services: this.pendingServiceChanges, endpoints: this.pendingEndpointChanges, full: this.fullPending };
  }

  hasPending(): boolean {
    return this.fullPending || this.dirty.size > 0;
  }

  /**
   * Takes the pending changes: the new state and the update to apply. If the
   * apply fails, call `markFull()` so the next sync redoes everything.
   */
  checkout(prev: ProxyState, sources: ProxySources, node: NodeTopology, opts: EndpointsMapOptions = {}): { state: ProxyState; update: ProxyStateUpdate } {
    const full = this.fullPending || prev.node.name !== node.name || prev.node.zone !== node.zone;
    let keys: Iterable<string>;
    if (full) {
      const all = new Set<string>(sources.serviceKeys());
      for (const sp of prev.servicePorts.values()) all.add(sp.service);
      for (const d of this.dirty) all.add(d);
      keys = all;
    } else {
      keys = this.dirty;
    }
    const { state, update } = recomputeServices(prev, keys, sources, node, { ...opts, full });
    const triggerTimes = this.triggerTimes;
    this.dirty = new Set();
    this.triggerTimes = new Map();
    this.fullPending = false;
    this.pendingServiceChanges = 0;
    this.pendingEndpointChanges = 0;
    return { state, update: { ...update, triggerTimes } };
  }
}
