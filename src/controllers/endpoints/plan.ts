/**
 * planEndpoints: the legacy Endpoints controller's sync as a pure function
 * (kubernetes pkg/controller/endpoint/endpoints_controller.go syncService,
 * pkg/api/v1/endpoints RepackSubsets, truncateEndpoints).
 *
 * - Pods: IP present, not terminal, and not terminating unless the Service
 *   publishes not-ready addresses.
 * - One address per pod, of the Service's primary IP family only; ready pods
 *   (or all, with publishNotReadyAddresses) in `addresses`, the others in
 *   `notReadyAddresses`; hostname by the same rule as slices; nodeName and
 *   targetRef set.
 * - Subsets repacked: addresses that offer the same ports share a subset
 *   (not-ready wins over ready for one address and port); sorted.
 * - At most 1000 addresses: beyond, ready addresses are kept first,
 *   proportionally per subset, and endpoints.kubernetes.io/over-capacity:
 *   truncated is set (removed again when back under).
 * - Labels = the Service's labels, plus service.kubernetes.io/headless for a
 *   headless Service. No write when subsets, labels and the capacity
 *   annotation already match (the trigger-time annotation alone never causes
 *   a write).
 *
 * Never mutates its input.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from '../../api/types.ts';
import { canonicalizeIP } from '../shared/ip.ts';
import { ANNOTATION_OVER_CAPACITY, ANNOTATION_TRIGGER_TIME, LABEL_HEADLESS, MAX_ENDPOINTS_ADDRESSES } from '../shared/names.ts';
import { findPort, isPodReady, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../shared/pod.ts';
import { isServiceIPSet, sameStringMap } from '../shared/service.ts';

export interface EndpointsPlanInput {
  service: Service;
  /** Pods in the Service's namespace matching its selector (any order). */
  pods: readonly Pod[];
  /** The Endpoints object in the cache, if any. */
  current?: Endpoints;
  /** endpoints.kubernetes.io/last-change-trigger-time for a write; undefined removes it. */
  triggerTime?: string;
  /** Address capacity (default 1000). */
  maxCapacity?: number;
}

export type EndpointsPlan = { action: 'none' } | { action: 'create'; endpoints: Endpoints } | { action: 'update'; endpoints: Endpoints };

/** podToEndpointAddressForService: the pod IP of the Service's primary family. */
export function podEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  let family: 'IPv4' | 'IPv6' = 'IPv4';
  const fams = svc.spec.ipFamilies ?? [];
  if (fams.length > 0) family = fams[0]!;
  else if (isServiceIPSet(svc)) family = canonicalizeIP(svc.spec.clusterIP!)?.family ?? 'IPv4';
  else family = canonicalizeIP(pod.status?.podIP ?? '')?.family ?? 'IPv4';
  const ip = podIPs(pod).find((raw) => canonicalizeIP(raw)?.family === family);
  if (!ip) return undefined;
  const addr: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname!;
  if (pod.spec.nodeName) addr.nodeName = pod.spec.nodeName;
  addr.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return addr;
}

function endpointPort(sp: NonNullable<Service['spec']['ports']>[number], port: number): EndpointPort {
  const p: EndpointPort = sp.name ? { name: sp.name, port, protocol: sp.protocol ?? 'TCP' } : { port, protocol: sp.protocol ?? 'TCP' };
  if (sp.appProtocol !== undefined && sp.appProtocol !== null) p.appProtocol = sp.appProtocol;
  return p;
}

// ---------------------------------------------------------------- repacking

function portId(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? null]);
}

function addrId(a: EndpointAddress): string {
  return `${a.ip}|${a.targetRef?.uid ?? ''}`;
}

/** LessEndpointAddress: by IP bytes, then target UID (no target first). */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef ? a.targetRef.uid ?? '' : undefined;
  const ub = b.targetRef ? b.targetRef.uid ?? '' : undefined;
  if (ua === ub) return 0;
  if (ub === undefined) return 1;
  if (ua === undefined) return -1;
  return ua < ub ? -1 : 1;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts a subset list canonically (addresses by IP/UID, ports and subsets by content). */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const out = subsets.map((ss) => {
    const s: EndpointSubset = {};
    if (ss.addresses?.length) s.addresses = [...ss.addresses].sort(compareAddresses);
    if (ss.notReadyAddresses?.length) s.notReadyAddresses = [...ss.notReadyAddresses].sort(compareAddresses);
    if (ss.ports?.length) s.ports = [...ss.ports].sort((a, b) => compareStrings(portId(a), portId(b)));
    return s;
  });
  const sig = (s: EndpointSubset) => `${(s.ports ?? []).map(portId).join(',')}#${(s.addresses ?? []).map(addrId).join(',')}#${(s.notReadyAddresses ?? []).map(addrId).join(',')}`;
  return out.sort((a, b) => compareStrings(sig(a), sig(b)));
}

/**
 * RepackSubsets: expand to (address, port, ready) and regroup so that each
 * subset holds the addresses offering exactly the same ports. For one address
 * and port, not-ready wins. Subsets without ports are kept (headless).
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const NO_PORT = '<none>';
  const allAddrs = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort | undefined>();
  /** port id → (address id → ready) */
  const portAddrs = new Map<string, Map<string, boolean>>();
  const add = (addr: EndpointAddress, pid: string, ready: boolean) => {
    const id = addrId(addr);
    if (!allAddrs.has(id)) allAddrs.set(id, addr);
    let m = portAddrs.get(pid);
    if (!m) portAddrs.set(pid, (m = new Map()));
    const was = m.get(id);
    if (was === undefined || was) m.set(id, ready);
  };
  for (const ss of subsets) {
    const list = ss.ports?.length ? ss.ports : [undefined];
    for (const p of list) {
      const pid = p ? portId(p) : NO_PORT;
      if (!ports.has(pid)) ports.set(pid, p);
      for (const a of ss.addresses ?? []) add(a, pid, true);
      for (const a of ss.notReadyAddresses ?? []) add(a, pid, false);
    }
  }
  // Group ports by identical (address, ready) sets.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [pid, addrs] of portAddrs) {
    const sig = [...addrs].map(([id, r]) => `${id}=${r ? 1 : 0}`).sort().join(',');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { addrs, ports: [] }));
    const p = ports.get(pid);
    if (p) g.ports.push(p);
  }
  const final: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [id, r] of g.addrs) (r ? ready : notReady).push(allAddrs.get(id)!);
    const s: EndpointSubset = {};
    if (ready.length) s.addresses = ready;
    if (notReady.length) s.notReadyAddresses = notReady;
    if (g.ports.length) s.ports = g.ports;
    final.push(s);
  }
  return sortSubsets(final);
}

/**
 * truncateEndpoints: keep at most `max` addresses; ready ones first, each
 * subset keeping its proportional (rounded up) share. Returns whether it
 * truncated.
 */
export function truncateSubsets(subsets: EndpointSubset[], max: number): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  let truncateReady = false;
  let limit = max - totalReady;
  let numTotal = totalNotReady;
  if (totalReady > max) {
    truncateReady = true;
    limit = max;
    numTotal = totalReady;
  }
  let canBeAdded = limit;
  for (let i = 0; i < subsets.length; i++) {
    const s = { ...subsets[i]! };
    const inSubset = truncateReady ? s.addresses?.length ?? 0 : s.notReadyAddresses?.length ?? 0;
    let toBeAdded = Math.ceil((inSubset / numTotal) * limit);
    if (toBeAdded > canBeAdded) toBeAdded = canBeAdded;
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses.length;
      if (s.addresses.length === 0) delete s.addresses;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses.length;
      if (s.notReadyAddresses.length === 0) delete s.notReadyAddresses;
    }
    subsets[i] = s;
  }
  return true;
}

// ---------------------------------------------------------------- compare

function refEqual(a: EndpointAddress['targetRef'], b: EndpointAddress['targetRef']): boolean {
  if (!a || !b) return !a && !b;
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.uid === b.uid && a.apiVersion === b.apiVersion && a.fieldPath === b.fieldPath;
}

function addressesEqual(a: readonly EndpointAddress[] | undefined, b: readonly EndpointAddress[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p.ip !== q.ip || (p.hostname ?? '') !== (q.hostname ?? '') || (p.nodeName ?? undefined) !== (q.nodeName ?? undefined) || !refEqual(p.targetRef, q.targetRef)) return false;
  }
  return true;
}

/** endpointSubsetsEqualIgnoreResourceVersion (after canonical sorting of both sides). */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  const x = sortSubsets([...(a ?? [])]);
  const y = sortSubsets([...(b ?? [])]);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if ((p.ports ?? []).map(portId).join(',') !== (q.ports ?? []).map(portId).join(',')) return false;
    if (!addressesEqual(p.addresses, q.addresses) || !addressesEqual(p.notReadyAddresses, q.notReadyAddresses)) return false;
  }
  return true;
}

function countAddresses(subsets: readonly EndpointSubset[] | undefined): number {
  let n = 0;
  for (const s of subsets ?? []) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  return n;
}

// ------------------------------------------------------------------- plan

function withoutLabelsAndAnnotations(m: Endpoints['metadata']): Endpoints['metadata'] {
  const { labels: _l, annotations: _a, ...rest } = m;
  return rest;
}

/** The desired subsets for the Service (repacked, untruncated). */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const pnra = Boolean(svc.spec.publishNotReadyAddresses);
  const subsets: EndpointSubset[] = [];
  const ports = svc.spec.ports ?? [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, pnra)) continue;
    const addr = podEndpointAddress(svc, pod);
    if (!addr) continue;
    const ready = pnra || isPodReady(pod);
    const entry = (p: EndpointPort[] | undefined): EndpointSubset => ({ ...(ready ? { addresses: [addr] } : { notReadyAddresses: [addr] }), ...(p ? { ports: p } : {}) });
    if (ports.length === 0) {
      // Headless Services may have no ports.
      if (svc.spec.clusterIP === 'None') subsets.push(entry(undefined));
      continue;
    }
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      subsets.push(entry([endpointPort(sp, n)]));
    }
  }
  return repackSubsets(subsets);
}

/** The write (if any) that makes the Service's Endpoints object tell the truth. */
export function planEndpoints(input: EndpointsPlanInput): EndpointsPlan {
  const svc = input.service;
  const max = input.maxCapacity ?? MAX_ENDPOINTS_ADDRESSES;
  const subsets = desiredSubsets(svc, input.pods);
  const cur = input.current;
  if (cur) {
    const labels = { ...(cur.metadata.labels ?? {}) };
    delete labels[LABEL_HEADLESS];
    const capacityOk = countAddresses(cur.subsets) <= max && !(ANNOTATION_OVER_CAPACITY in (cur.metadata.annotations ?? {}));
    // A truncated object never equals the full desired set, so it is rewritten on every sync, as in Kubernetes.
    if (subsetsEqual(cur.subsets, subsets) && sameStringMap(labels, svc.metadata.labels) && capacityOk) return { action: 'none' };
  }
  const annotations: Record<string, string> = { ...(cur?.metadata.annotations ?? {}) };
  if (input.triggerTime) annotations[ANNOTATION_TRIGGER_TIME] = input.triggerTime;
  else delete annotations[ANNOTATION_TRIGGER_TIME];
  const out = [...subsets];
  if (truncateSubsets(out, max)) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  const meta = {
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
  const endpoints: Endpoints = cur
    ? { ...cur, metadata: { ...withoutLabelsAndAnnotations(cur.metadata), ...meta }, subsets: out }
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, ...meta }, subsets: out };
  return cur ? { action: 'update', endpoints } : { action: 'create', endpoints };
}
