/**
 * The read-only cluster view the resolver answers from, and ClusterIndex, the
 * one implementation: indexes kept up to date from Service, EndpointSlice,
 * Namespace and (verified pod records) Pod objects. The informer shell
 * (watch.ts) feeds it events; tests feed it fixture objects directly, so the
 * table tests exercise the same indexes production uses.
 *
 * What is indexed is what CoreDNS's kubernetes plugin reads:
 * - Services by namespace/name and by cluster IP (PTR);
 * - EndpointSlices (IPv4/IPv6; FQDN slices are ignored, as CoreDNS does) by the
 *   kubernetes.io/service-name label, keeping only ready endpoints — ready is
 *   `conditions.ready` true or unset (discovery/v1; CoreDNS endpointsliceReady);
 *   publishNotReadyAddresses is already folded into `ready` by the controller;
 * - endpoint IPs (PTR) and pod IPs per namespace (pods verified).
 *
 * Contract: names and IPs are stored lower-case / canonical; every change
 * bumps `generation` (the server's response cache keys on it) and sets the
 * SOA serial from the injected clock.
 */
import type { EndpointSlice, Namespace, Pod, Service } from '../api/types.ts';
import { canonicalIP } from './ip.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface PortEntry {
  /** "" for an unnamed port. */
  name: string;
  /** -1: the slice declares no ports (CoreDNS's sentinel; gives A records but no SRV). */
  port: number;
  /** Upper-case as in the API ("TCP"). */
  protocol: string;
}

export interface ServiceEntry {
  namespace: string;
  name: string;
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  /** Canonical, "None" removed. */
  clusterIPs: readonly string[];
  /** ExternalName target as written (no trailing dot). */
  externalName?: string;
  ports: readonly PortEntry[];
}

export interface EndpointEntry {
  /** Canonical IP. */
  ip: string;
  v6: boolean;
  /** The endpoint's `hostname` field, if any. */
  hostname?: string;
  /** targetRef name when it is a Pod (endpoint_pod_names). */
  podName?: string;
  ports: readonly PortEntry[];
}

export interface EndpointOwner {
  namespace: string;
  service: string;
  endpoint: EndpointEntry;
}

export interface ClusterView {
  /** False until every informer has listed once: in-zone answers are SERVFAIL until then. */
  readonly synced: boolean;
  /** Bumps on every change. */
  readonly generation: number;
  /** SOA serial: Unix seconds of the last change. */
  readonly serial: number;
  hasNamespace(ns: string): boolean;
  service(ns: string, name: string): ServiceEntry | undefined;
  /** Ready endpoints of a Service across all its slices, in slice order. */
  endpoints(ns: string, name: string): readonly EndpointEntry[];
  /** Services with this cluster IP (canonical). */
  servicesByIP(ip: string): readonly ServiceEntry[];
  /** Ready endpoints with this IP, one per (slice, endpoint). */
  endpointsByIP(ip: string): readonly EndpointOwner[];
  /** A Pod in `ns` has this IP (status.podIPs). */
  podHasIP(ns: string, ip: string): boolean;
}

interface SliceEntry {
  svcKey: string;
  namespace: string;
  service: string;
  endpoints: EndpointEntry[];
}

const EMPTY: readonly never[] = Object.freeze([]);

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/** Plain-data form of a Service for DNS (pure). */
export function serviceEntry(svc: Service): ServiceEntry {
  const spec = svc.spec ?? {};
  const namespace = (svc.metadata.namespace ?? '').toLowerCase();
  const name = (svc.metadata.name ?? '').toLowerCase();
  const ports = (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), port: p.port, protocol: (p.protocol ?? 'TCP').toUpperCase() }));
  if (spec.type === 'ExternalName') {
    return { namespace, name, kind: 'ExternalName', clusterIPs: [], externalName: (spec.externalName ?? '').replace(/\.$/, ''), ports };
  }
  const raw = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const headless = raw.length === 0 || raw[0] === 'None';
  const clusterIPs = headless ? [] : raw.map((ip) => canonicalIP(ip)).filter((ip): ip is string => !!ip);
  return { namespace, name, kind: headless ? 'Headless' : 'ClusterIP', clusterIPs, ports };
}

/** Ready endpoints of a slice (pure); undefined for slices DNS ignores. */
export function sliceEntry(slice: EndpointSlice): SliceEntry | undefined {
  const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (!service) return undefined;
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return undefined;
  const namespace = (slice.metadata.namespace ?? '').toLowerCase();
  const svc = service.toLowerCase();
  const declared = slice.ports ?? [];
  const ports: PortEntry[] = declared.length
    ? declared.map((p) => ({ name: (p.name ?? '').toLowerCase(), port: typeof p.port === 'number' ? p.port : -1, protocol: (p.protocol ?? 'TCP').toUpperCase() }))
    : [{ name: '', port: -1, protocol: '' }];
  const endpoints: EndpointEntry[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    const podName = ep.targetRef?.kind === 'Pod' ? ep.targetRef.name : undefined;
    for (const a of ep.addresses ?? []) {
      const ip = canonicalIP(a);
      if (!ip) continue;
      const v6 = ip.includes(':');
      if (v6 !== (slice.addressType === 'IPv6')) continue;
      const e: EndpointEntry = { ip, v6, ports };
      if (ep.hostname) e.hostname = ep.hostname.toLowerCase();
      if (podName) e.podName = podName.toLowerCase();
      endpoints.push(e);
    }
  }
  return { svcKey: `${namespace}/${svc}`, namespace, service: svc, endpoints };
}

function podIPs(pod: Pod): string[] {
  const ips = new Set<string>();
  for (const p of pod.status?.podIPs ?? []) {
    const c = canonicalIP(p.ip);
    if (c) ips.add(c);
  }
  const primary = pod.status?.podIP ? canonicalIP(pod.status.podIP) : undefined;
  if (primary) ips.add(primary);
  return [...ips];
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export interface ClusterIndexOptions {
  /** Clock for the SOA serial (ms since the epoch). */
  now?: () => number;
}

/** Fixture objects for ClusterIndex.from (tests, benchmarks). */
export interface ClusterObjects {
  namespaces?: readonly (Namespace | string)[];
  services?: readonly Service[];
  endpointSlices?: readonly EndpointSlice[];
  pods?: readonly Pod[];
}

export class ClusterIndex implements ClusterView {
  synced = false;
  generation = 0;
  serial: number;
  private readonly now: () => number;
  private readonly namespaces = new Set<string>();
  private readonly services = new Map<string, ServiceEntry>();
  private readonly servicesIP = new Map<string, Set<string>>();
  private readonly slices = new Map<string, SliceEntry>();
  private readonly slicesBySvc = new Map<string, Set<string>>();
  private readonly slicesByIP = new Map<string, Set<string>>();
  private readonly endpointsCache = new Map<string, readonly EndpointEntry[]>();
  private readonly pods = new Map<string, { namespace: string; ips: string[] }>();
  private readonly podsByIP = new Map<string, Set<string>>();

  constructor(opts: ClusterIndexOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.serial = Math.floor(this.now() / 1000);
  }

  /** An index holding these objects, marked synced. */
  static from(objs: ClusterObjects, opts: ClusterIndexOptions = {}): ClusterIndex {
    const ix = new ClusterIndex(opts);
    for (const n of objs.namespaces ?? []) ix.upsertNamespace(typeof n === 'string' ? { metadata: { name: n } } : n);
    for (const s of objs.services ?? []) ix.upsertService(s);
    for (const s of objs.endpointSlices ?? []) ix.upsertEndpointSlice(s);
    for (const p of objs.pods ?? []) ix.upsertPod(p);
    ix.markSynced();
    return ix;
  }

  markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.changed();
  }

  private changed(): void {
    this.generation++;
    this.serial = Math.max(this.serial, Math.floor(this.now() / 1000));
  }

  // ---- writes (from informer handlers)

  upsertNamespace(ns: Namespace): void {
    const name = (ns.metadata.name ?? '').toLowerCase();
    if (this.namespaces.has(name)) return;
    this.namespaces.add(name);
    this.changed();
  }

  deleteNamespace(ns: Namespace): void {
    if (this.namespaces.delete((ns.metadata.name ?? '').toLowerCase())) this.changed();
  }

  upsertService(svc: Service): void {
    const key = keyOf(svc).toLowerCase();
    const old = this.services.get(key);
    if (old) for (const ip of old.clusterIPs) removeFrom(this.servicesIP, ip, key);
    const e = serviceEntry(svc);
    this.services.set(key, e);
    for (const ip of e.clusterIPs) addTo(this.servicesIP, ip, key);
    this.changed();
  }

  deleteService(svc: Service): void {
    const key = keyOf(svc).toLowerCase();
    const old = this.services.get(key);
    if (!old) return;
    for (const ip of old.clusterIPs) removeFrom(this.servicesIP, ip, key);
    this.services.delete(key);
    this.changed();
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const key = keyOf(slice).toLowerCase();
    this.dropSlice(key);
    const e = sliceEntry(slice);
    if (e) {
      this.slices.set(key, e);
      addTo(this.slicesBySvc, e.svcKey, key);
      for (const ep of e.endpoints) addTo(this.slicesByIP, ep.ip, key);
      this.endpointsCache.delete(e.svcKey);
    }
    this.changed();
  }

  deleteEndpointSlice(slice: EndpointSlice): void {
    if (this.dropSlice(keyOf(slice).toLowerCase())) this.changed();
  }

  private dropSlice(key: string): boolean {
    const old = this.slices.get(key);
    if (!old) return false;
    this.slices.delete(key);
    removeFrom(this.slicesBySvc, old.svcKey, key);
    for (const ep of old.endpoints) removeFrom(this.slicesByIP, ep.ip, key);
    this.endpointsCache.delete(old.svcKey);
    return true;
  }

  upsertPod(pod: Pod): void {
    const key = keyOf(pod).toLowerCase();
    this.dropPod(key);
    const ips = podIPs(pod);
    if (ips.length) {
      this.pods.set(key, { namespace: (pod.metadata.namespace ?? '').toLowerCase(), ips });
      for (const ip of ips) addTo(this.podsByIP, ip, key);
    }
    this.changed();
  }

  deletePod(pod: Pod): void {
    if (this.dropPod(keyOf(pod).toLowerCase())) this.changed();
  }

  private dropPod(key: string): boolean {
    const old = this.pods.get(key);
    if (!old) return false;
    this.pods.delete(key);
    for (const ip of old.ips) removeFrom(this.podsByIP, ip, key);
    return true;
  }

  // ---- reads (ClusterView)

  hasNamespace(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  service(ns: string, name: string): ServiceEntry | undefined {
    return this.services.get(`${ns}/${name}`);
  }

  endpoints(ns: string, name: string): readonly EndpointEntry[] {
    const svcKey = `${ns}/${name}`;
    const cached = this.endpointsCache.get(svcKey);
    if (cached) return cached;
    const keys = this.slicesBySvc.get(svcKey);
    if (!keys) return EMPTY;
    // Slice order by name keeps answers deterministic.
    const out = [...keys].sort().flatMap((k) => this.slices.get(k)!.endpoints);
    this.endpointsCache.set(svcKey, out);
    return out;
  }

  servicesByIP(ip: string): readonly ServiceEntry[] {
    const keys = this.servicesIP.get(ip);
    if (!keys) return EMPTY;
    return [...keys].sort().map((k) => this.services.get(k)!);
  }

  endpointsByIP(ip: string): readonly EndpointOwner[] {
    const keys = this.slicesByIP.get(ip);
    if (!keys) return EMPTY;
    const out: EndpointOwner[] = [];
    for (const k of [...keys].sort()) {
      const s = this.slices.get(k)!;
      for (const ep of s.endpoints) if (ep.ip === ip) out.push({ namespace: s.namespace, service: s.service, endpoint: ep });
    }
    return out;
  }

  podHasIP(ns: string, ip: string): boolean {
    for (const k of this.podsByIP.get(ip) ?? []) if (this.pods.get(k)?.namespace === ns) return true;
    return false;
  }

  /** Counts for logs and tests. */
  counts(): { namespaces: number; services: number; endpointSlices: number; pods: number } {
    return { namespaces: this.namespaces.size, services: this.services.size, endpointSlices: this.slices.size, pods: this.pods.size };
  }
}
