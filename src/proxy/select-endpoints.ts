/**
 * Endpoint selection shared by every data-plane mode (kube-proxy
 * pkg/proxy/topology.go CategorizeEndpoints, and the verdicts the iptables
 * and nftables proxiers derive from it). Pure and deterministic: the output
 * lists keep the input order (sorted by endpoint string).
 *
 * Rules (reference: kubernetes-behaviour.md §4.2):
 * - Cluster set: ready endpoints, filtered by topology; when none, the
 *   serving+terminating ones (topology ignored).
 * - Topology: when every ready endpoint has a zone hint and at least one is
 *   hinted for this node's zone, keep only those hinted for the zone; else no
 *   filtering (also when the node has no zone label). Node hints
 *   (PreferSameNode, behind PreferSameTrafficDistribution) are tried first.
 *   The hints come from the EndpointSlice controller (topology-mode Auto or
 *   spec.trafficDistribution PreferClose); the proxy reads only the hints.
 * - Local set: local ready endpoints; when none, local serving+terminating.
 * - Verdicts: no usable endpoint anywhere → REJECT; endpoints exist but the
 *   policy's set is empty (Local with none on this node) → DROP.
 */
import type { EndpointInfo, NodeTopology, ServicePortInfo } from './types.ts';
import { endpointString, usesClusterEndpoints, usesLocalEndpoints } from './types.ts';

export type TopologyMode = '' | 'PreferSameZone' | 'PreferSameNode';

export interface EndpointSelection {
  /** Usable endpoints for Cluster traffic policy (topology applied); null when the port never uses Cluster policy. */
  clusterEndpoints: readonly EndpointInfo[] | null;
  /** Usable endpoints for Local traffic policy; null when the port never uses Local policy. */
  localEndpoints: readonly EndpointInfo[] | null;
  /** Union of the two (every endpoint this node may send to). */
  allReachable: readonly EndpointInfo[];
  /** Some usable endpoint exists somewhere in the cluster (may be true while allReachable is empty). */
  hasAnyEndpoints: boolean;
  /** The topology mode applied to the cluster set. */
  topologyMode: TopologyMode;
}

export interface SelectOptions {
  /** PreferSameTrafficDistribution gate (node hints); default off as in 1.33. */
  preferSameTrafficDistribution?: boolean;
}

const usable = (e: EndpointInfo) => e.ready;
const servingTerminating = (e: EndpointInfo) => e.serving && e.terminating;

/** topologyModeFromHints: which hints (if any) apply on this node. */
export function topologyModeFromHints(endpoints: readonly EndpointInfo[], node: NodeTopology, opts: SelectOptions = {}): TopologyMode {
  let hasReady = false;
  let allNodeHints = true;
  let forNode = false;
  let allZoneHints = true;
  let forZone = false;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    hasReady = true;
    if (ep.nodeHints.length === 0) allNodeHints = false;
    else if (ep.nodeHints.includes(node.name)) forNode = true;
    if (ep.zoneHints.length === 0) allZoneHints = false;
    else if (ep.zoneHints.includes(node.zone)) forZone = true;
  }
  if (!hasReady) return '';
  if (opts.preferSameTrafficDistribution && allNodeHints && forNode) return 'PreferSameNode';
  if (allZoneHints && forZone && node.zone !== '') return 'PreferSameZone';
  return '';
}

function availableForTopology(ep: EndpointInfo, mode: TopologyMode, node: NodeTopology): boolean {
  if (mode === 'PreferSameNode') return ep.nodeHints.includes(node.name);
  if (mode === 'PreferSameZone') return ep.zoneHints.includes(node.zone);
  return true;
}

/** CategorizeEndpoints for one service port on one node. */
export function selectEndpoints(
  sp: ServicePortInfo,
  endpoints: readonly EndpointInfo[],
  node: NodeTopology,
  opts: SelectOptions = {},
): EndpointSelection {
  if (endpoints.length === 0) {
    return {
      clusterEndpoints: usesClusterEndpoints(sp) ? [] : null,
      localEndpoints: usesLocalEndpoints(sp) ? [] : null,
      allReachable: [],
      hasAnyEndpoints: false,
      topologyMode: '',
    };
  }
  let topologyMode: TopologyMode = '';
  let cluster: EndpointInfo[] | null = null;
  let hasAny = false;
  if (usesClusterEndpoints(sp)) {
    topologyMode = topologyModeFromHints(endpoints, node, opts);
    cluster = endpoints.filter((e) => usable(e) && availableForTopology(e, topologyMode, node));
    // No ready endpoint anywhere (topology would have been ignored otherwise): fall back to serving+terminating.
    if (cluster.length === 0) cluster = endpoints.filter(servingTerminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!usesLocalEndpoints(sp)) return { clusterEndpoints: cluster, localEndpoints: null, allReachable: cluster ?? [], hasAnyEndpoints: hasAny, topologyMode };

  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (servingTerminating(e)) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  let local: EndpointInfo[] = [];
  let usedServingTerminating = false;
  if (localReady) local = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) {
    usedServingTerminating = true;
    local = endpoints.filter((e) => e.isLocal && servingTerminating(e));
  }
  if (!cluster) return { clusterEndpoints: null, localEndpoints: local, allReachable: local, hasAnyEndpoints: hasAny, topologyMode };
  if (topologyMode === '' && !usedServingTerminating) {
    // cluster holds every ready endpoint, so it is a superset of local.
    return { clusterEndpoints: cluster, localEndpoints: local, allReachable: cluster, hasAnyEndpoints: hasAny, topologyMode };
  }
  const member = new Set<EndpointInfo>([...cluster, ...local]);
  const seen = new Set<string>();
  const all: EndpointInfo[] = [];
  for (const e of endpoints) {
    const id = endpointString(e);
    if (seen.has(id) || !member.has(e)) continue;
    seen.add(id);
    all.push(e);
  }
  return { clusterEndpoints: cluster, localEndpoints: local, allReachable: all, hasAnyEndpoints: hasAny, topologyMode };
}

/** Where traffic to a service port is headed. */
export type TrafficKind = 'internal' | 'external';

export type Verdict =
  | { action: 'forward'; endpoints: readonly EndpointInfo[] }
  /** No usable endpoint in the cluster: REJECT (connection refused / ICMP port unreachable). */
  | { action: 'reject' }
  /** Endpoints exist, but none this traffic may use from this node (Local policy): DROP. */
  | { action: 'drop' };

/**
 * The verdict for one packet class, as the kube-proxy iptables/nftables
 * proxiers program it:
 * - internal (ClusterIP): internalTrafficPolicy Local → local set, else cluster set;
 * - external (NodePort, LoadBalancer IP, externalIP): externalTrafficPolicy
 *   Local → local set, except traffic from a pod on this node, which is
 *   short-circuited to the cluster set (LocalTrafficDetector); else cluster set.
 */
export function verdictFor(sp: ServicePortInfo, sel: EndpointSelection, kind: TrafficKind, fromLocalPod = false): Verdict {
  if (!sel.hasAnyEndpoints) return { action: 'reject' };
  let eps: readonly EndpointInfo[] | null;
  if (kind === 'internal') eps = sp.internalPolicyLocal ? sel.localEndpoints : sel.clusterEndpoints;
  else eps = sp.externalPolicyLocal && !fromLocalPod ? sel.localEndpoints : sel.clusterEndpoints;
  if (!eps || eps.length === 0) return { action: 'drop' };
  return { action: 'forward', endpoints: eps };
}

/**
 * Local ready endpoints of a Service for its health check node port
 * (EndpointsMap.LocalReadyEndpoints: unique IPs over all its ports; terminating
 * endpoints do not count, so a draining node fails the check).
 */
export function localReadyEndpointCount(endpointLists: Iterable<readonly EndpointInfo[]>): number {
  const ips = new Set<string>();
  for (const list of endpointLists) for (const e of list) if (e.isLocal && e.ready) ips.add(e.ip);
  return ips.size;
}
