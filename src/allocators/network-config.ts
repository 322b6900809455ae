/**
 * The cluster's address plan: service CIDRs per family, the node port range,
 * the externalIPs allow-list and the pod ranges endpoint validation needs.
 * Defaults follow DESIGN.md (loopback mode: services 127.96.0.0/16, pods
 * 127.244.0.0/16; kernel mode: 10.96.0.0/16 [+ fd00:10:96::/112], pods
 * 10.244.0.0/16).
 */
import { parseCIDR, parseIP, type IPFamily } from '../api/validation/ip.ts';
import { ClusterIPAllocator } from './ip-allocator.ts';
import { DEFAULT_NODE_PORT_RANGE, NodePortAllocator, type PortRange } from './port-allocator.ts';

export type { IPFamily };

export interface ClusterNetworkConfig {
  /** --service-cluster-ip-range: one CIDR per configured family. */
  serviceCIDRs: { ipv4?: string; ipv6?: string };
  /** The family a Service gets when it asks for none (--service-cluster-ip-range[0]). */
  primaryFamily: IPFamily;
  /** --service-node-port-range. */
  nodePortRange: PortRange;
  /** --service-external-ip-cidrs: where externalIPs may come from; empty refuses them all. */
  externalIPCIDRs: string[];
  /** Pod address ranges. */
  podCIDRs: string[];
  /** Loopback mode: pod IPs are loopback addresses (inside podCIDRs) and are valid endpoints. */
  loopback: boolean;
  /** The API server's own addresses, allowed (even if loopback) in the endpoints of default/kubernetes. */
  apiServerIPs: string[];
}

export function loopbackNetworkConfig(): ClusterNetworkConfig {
  return {
    serviceCIDRs: { ipv4: '127.96.0.0/16' },
    primaryFamily: 'IPv4',
    nodePortRange: { ...DEFAULT_NODE_PORT_RANGE },
    externalIPCIDRs: [],
    podCIDRs: ['127.244.0.0/16'],
    loopback: true,
    apiServerIPs: ['127.0.0.1'],
  };
}

export function kernelNetworkConfig(opts: { dualStack?: boolean } = {}): ClusterNetworkConfig {
  return {
    serviceCIDRs: opts.dualStack ? { ipv4: '10.96.0.0/16', ipv6: 'fd00:10:96::/112' } : { ipv4: '10.96.0.0/16' },
    primaryFamily: 'IPv4',
    nodePortRange: { ...DEFAULT_NODE_PORT_RANGE },
    externalIPCIDRs: [],
    podCIDRs: opts.dualStack ? ['10.244.0.0/16', 'fd00:10:244::/56'] : ['10.244.0.0/16'],
    loopback: false,
    apiServerIPs: [],
  };
}

/** Problems with a config (for flag parsing); empty when usable. */
export function networkConfigErrors(c: ClusterNetworkConfig): string[] {
  const errs: string[] = [];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const v = c.serviceCIDRs[fam];
    if (v === undefined) continue;
    const p = parseCIDR(v);
    if (!p) errs.push(`service CIDR "${v}" is not a CIDR`);
    else if (p.family !== (fam === 'ipv4' ? 'IPv4' : 'IPv6')) errs.push(`service CIDR "${v}" is not ${fam === 'ipv4' ? 'IPv4' : 'IPv6'}`);
    else if (new ClusterIPAllocator(v).size < 10) errs.push(`service CIDR "${v}" is too small: kube-dns needs its tenth address (use /28 or larger)`);
  }
  const primary = c.primaryFamily === 'IPv4' ? c.serviceCIDRs.ipv4 : c.serviceCIDRs.ipv6;
  if (!primary) errs.push(`no service CIDR for the primary family ${c.primaryFamily}`);
  try {
    new NodePortAllocator(c.nodePortRange);
  } catch (e) {
    errs.push(e instanceof Error ? e.message : String(e));
  }
  for (const x of [...c.externalIPCIDRs, ...c.podCIDRs]) if (!parseCIDR(x)) errs.push(`"${x}" is not a CIDR`);
  for (const x of c.apiServerIPs) if (!parseIP(x)) errs.push(`"${x}" is not an IP address`);
  return errs;
}

/** The configured families, primary first. */
export function configuredFamilies(c: ClusterNetworkConfig): IPFamily[] {
  const fams: IPFamily[] = [];
  if (c.serviceCIDRs.ipv4) fams.push('IPv4');
  if (c.serviceCIDRs.ipv6) fams.push('IPv6');
  return fams.sort((a, b) => (a === c.primaryFamily ? -1 : b === c.primaryFamily ? 1 : 0));
}

export function serviceCIDRList(c: ClusterNetworkConfig): string[] {
  return [c.serviceCIDRs.ipv4, c.serviceCIDRs.ipv6].filter((x): x is string => Boolean(x));
}

/** The allocators for a config. Throws Error on an invalid CIDR or port range. */
export interface ServiceAllocators {
  ip: Partial<Record<IPFamily, ClusterIPAllocator>>;
  ports: NodePortAllocator;
  primaryFamily: IPFamily;
}

export function allocatorsFor(c: ClusterNetworkConfig): ServiceAllocators {
  const ip: Partial<Record<IPFamily, ClusterIPAllocator>> = {};
  if (c.serviceCIDRs.ipv4) ip.IPv4 = new ClusterIPAllocator(c.serviceCIDRs.ipv4);
  if (c.serviceCIDRs.ipv6) ip.IPv6 = new ClusterIPAllocator(c.serviceCIDRs.ipv6);
  return { ip, ports: new NodePortAllocator(c.nodePortRange), primaryFamily: c.primaryFamily };
}
