/**
 * The per-node view every data-plane mode works from (kube-proxy's
 * ServicePortMap + EndpointsMap + the node's topology labels), as plain data.
 *
 * Contract: values in a ProxyState are never mutated once published; a sync
 * produces a new ProxyState that shares the unchanged entries with the old one.
 * Renderers (userspace today, nftables/iptables later) may keep references.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type IPFamily = 'IPv4' | 'IPv6';

/** kube-proxy's ServicePortName: a Service port, named by the Service port's `name` ("" when unnamed). */
export interface ServicePortName {
  namespace: string;
  name: string;
  /** The Service port's name ("" for an unnamed port). */
  port: string;
  protocol: Protocol;
}

/** One Service port as the proxy needs it (kube-proxy's BaseServicePortInfo). */
export interface ServicePortInfo {
  /** `namespace/name:port/PROTOCOL`; unique per service port; the key of the ProxyState maps. */
  key: string;
  /** `namespace/name` of the Service. */
  service: string;
  /** The Service's uid (for Events). */
  uid: string;
  spn: ServicePortName;
  /** Service port number (the port on ClusterIPs, externalIPs and LoadBalancer IPs). */
  port: number;
  /** spec.clusterIPs (primary first). Never empty: headless Services are not proxied. */
  clusterIPs: string[];
  /** 0 when the port has no nodePort. */
  nodePort: number;
  /** spec.externalIPs. */
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip whose ipMode is VIP (or unset); ipMode Proxy is left to the load balancer. */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges, trimmed (applies to LoadBalancer IPs only, never to NodePorts). */
  loadBalancerSourceRanges: string[];
  /** 0 when the Service needs no health check node port (only LoadBalancer + externalTrafficPolicy Local). */
  healthCheckNodePort: number;
  /** ClientIP affinity timeout in seconds; 0 = no session affinity. */
  affinityTimeoutSeconds: number;
  /** apiservice.ExternalPolicyLocal: externally accessible and externalTrafficPolicy Local. */
  externalPolicyLocal: boolean;
  /** spec.internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
  /** spec.trafficDistribution ("" when unset). Informational: selection follows the hints the slice controller derived from it. */
  trafficDistribution: string;
}

/** One endpoint of a service port (kube-proxy's BaseEndpointInfo). */
export interface EndpointInfo {
  ip: string;
  port: number;
  family: IPFamily;
  /** "" when the slice does not say. */
  nodeName: string;
  zone: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** nodeName equals this proxy's node. */
  isLocal: boolean;
  /** hints.forZones[].name, sorted; empty = no zone hints. */
  zoneHints: string[];
  /** hints.forNodes[].name, sorted (read only with PreferSameTrafficDistribution). */
  nodeHints: string[];
}

/** The node the proxy runs for. */
export interface NodeTopology {
  name: string;
  /** topology.kubernetes.io/zone label ("" when unlabelled). */
  zone: string;
}

export interface ProxyState {
  node: NodeTopology;
  /** By ServicePortInfo.key. */
  servicePorts: ReadonlyMap<string, ServicePortInfo>;
  /** By ServicePortInfo.key; sorted by endpointString; absent = no endpoints. Entries may exist for ports the Service does not (yet) have. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
}

/** What one sync changed (kube-proxy's UpdateServiceMapResult + UpdateEndpointsMapResult). */
export interface ProxyStateUpdate {
  /** Everything must be re-applied (first sync, node topology change, after a failed apply, periodic resync). */
  full: boolean;
  /** Service port keys added or changed (service info or endpoints). */
  changed: ReadonlySet<string>;
  /** Service port keys that no longer exist. */
  deleted: ReadonlySet<string>;
  /** `namespace/name` of every Service this sync looked at. */
  services: ReadonlySet<string>;
  /** Trigger times (ms since epoch) of the slice changes this sync applies, by `namespace/name`. */
  triggerTimes: ReadonlyMap<string, readonly number[]>;
}

export const EMPTY_STATE: ProxyState = { node: { name: '', zone: '' }, servicePorts: new Map(), endpoints: new Map() };

/** `ip:port`, with brackets for IPv6 (kube-proxy's Endpoint.String()). */
export function endpointString(ep: Pick<EndpointInfo, 'ip' | 'port'>): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

/** kube-proxy's ServicePortName.String(): `namespace/name` plus `:port` when the port is named. */
export function servicePortNameString(spn: ServicePortName): string {
  return `${spn.namespace}/${spn.name}${spn.port ? `:${spn.port}` : ''}`;
}

export function servicePortKey(spn: ServicePortName): string {
  return `${spn.namespace}/${spn.name}:${spn.port}/${spn.protocol}`;
}

/** ExternallyAccessible: the port takes traffic on a NodePort, a LoadBalancer IP or an external IP. */
export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
}

/** UsesClusterEndpoints: internal policy Cluster, or any external traffic (needed for short-circuiting even under externalTrafficPolicy Local). */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

/** UsesLocalEndpoints: internal policy Local, or external policy Local on an externally accessible port. */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp));
}

export function ipFamilyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}
