/**
 * The nftables rules of one service port in one IP family, as plain data
 * (chains with their rules, affinity sets, map/set elements). Pure and
 * deterministic: the same inputs give the same output, in the same order.
 *
 * Layout: kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go,
 * syncProxyRules and writeServiceToEndpointRules), with one deliberate change
 * for load time — see `endpointDispatch`.
 *
 * The endpoint sets and the REJECT / DROP verdicts come from the shared
 * selectEndpoints + verdictFor (src/proxy/select-endpoints.ts); nothing here
 * re-decides which endpoint may be used.
 */
import { selectEndpoints, verdictFor, type SelectOptions, type Verdict } from '../select-endpoints.ts';
import type { EndpointInfo, IPFamily, NodeTopology, ServicePortInfo } from '../types.ts';
import { endpointString, externallyAccessible, ipFamilyOf } from '../types.ts';
import { endpointNames, servicePortChains } from './names.ts';

/** Table-level maps and sets that hold per-service elements. */
export type ElementContainer =
  | 'cluster-ips'
  | 'service-ips'
  | 'service-nodeports'
  | 'no-endpoint-services'
  | 'no-endpoint-nodeports'
  | 'firewall-ips';

export const ELEMENT_CONTAINERS: readonly ElementContainer[] = [
  'cluster-ips',
  'service-ips',
  'service-nodeports',
  'no-endpoint-services',
  'no-endpoint-nodeports',
  'firewall-ips',
];

export interface Element {
  container: ElementContainer;
  /** `10.96.0.10 . tcp . 80`, `tcp . 30080` or a bare address (cluster-ips). */
  key: string;
  /** The verdict of a map element (`goto service-…`, `drop`); "" for a set element. */
  value: string;
}

export interface Chain {
  name: string;
  rules: readonly string[];
}

export interface AffinitySet {
  name: string;
  timeoutSeconds: number;
}

/** Everything one service port contributes to one family's table. */
export interface PortRules {
  /** In dependency order: a chain appears after every chain its rules jump to. */
  chains: readonly Chain[];
  affinitySets: readonly AffinitySet[];
  elements: readonly Element[];
}

/** What a family's table needs to know beyond the service port. */
export interface FamilyContext {
  family: IPFamily;
  node: NodeTopology;
  /** --cluster-cidr ranges of this family: masquerade ClusterIP traffic from outside them; short-circuit external traffic from inside them. */
  hasClusterCIDRs: boolean;
  select?: SelectOptions;
}

export const MARK_MASQ_CHAIN = 'mark-for-masquerade';
export const REJECT_CHAIN = 'reject-chain';
export const CLUSTER_CIDRS_SET = 'cluster-cidrs';

export function familyWords(family: IPFamily): { ipX: 'ip' | 'ip6'; addrType: string } {
  return family === 'IPv4' ? { ipX: 'ip', addrType: 'ipv4_addr' } : { ipX: 'ip6', addrType: 'ipv6_addr' };
}

const EMPTY: PortRules = { chains: [], affinitySets: [], elements: [] };

/**
 * Endpoint choice without a set per service.
 *
 * kube-proxy writes `numgen random mod k vmap { 0 : goto ep0, 1 : goto ep1, … }`,
 * one anonymous verdict map per service. On this machine's kernel the cost of
 * committing many anonymous sets grows with the square of their number: 10,000
 * services took 45–150 s to load (reference/machine-notes.md §1.8). A short
 * chain of goto rules with falling probabilities — 1/k, 1/(k−1), …, 1/2, then
 * the last endpoint unconditionally (iptables' `statistic --probability`
 * ladder) — picks each endpoint with probability 1/k, needs no set, and loads
 * linearly (5.3 s for the same 10,000 services). The lookup of the service
 * itself stays one O(1) map lookup (@service-ips); only the k ≤ a few dozen
 * endpoint rules of the chosen service are walked.
 */
export function endpointDispatch(endpointChains: readonly string[]): string[] {
  const k = endpointChains.length;
  return endpointChains.map((chain, i) => (i === k - 1 ? `goto ${chain}` : `numgen random mod ${k - i} 0 goto ${chain}`));
}

function verdictValue(v: Verdict): string {
  return v.action === 'reject' ? `goto ${REJECT_CHAIN}` : 'drop';
}

/**
 * The rules of one service port in one family (empty when the port has no
 * ClusterIP of this family: a single-stack Service is proxied by its own
 * family's table only, as kube-proxy's per-family proxiers do).
 */
export function planServicePort(sp: ServicePortInfo, allEndpoints: readonly EndpointInfo[], fc: FamilyContext): PortRules {
  const clusterIP = sp.clusterIPs.find((ip) => ipFamilyOf(ip) === fc.family);
  if (clusterIP === undefined) return EMPTY;
  const { ipX } = familyWords(fc.family);
  const proto = sp.spn.protocol.toLowerCase();
  const ofFamily = (ip: string) => ipFamilyOf(ip) === fc.family;
  const externalIPs = sp.externalIPs.filter(ofFamily);
  const lbIPs = sp.loadBalancerIPs.filter(ofFamily);
  const sourceRanges = sp.loadBalancerSourceRanges.filter((c) => ofFamily(c.split('/')[0]!));
  const endpoints = allEndpoints.filter((e) => e.family === fc.family);

  const sel = selectEndpoints(sp, endpoints, fc.node, fc.select);
  const internal = verdictFor(sp, sel, 'internal');
  const external = verdictFor(sp, sel, 'external');
  const names = servicePortChains(sp.spn);
  const clusterEps = sel.clusterEndpoints ?? [];
  const localEps = sel.localEndpoints ?? [];
  const usesClusterChain = clusterEps.length > 0;
  const usesLocalChain = localEps.length > 0;
  const internalChain = sp.internalPolicyLocal ? names.local : names.cluster;
  const externalPolicyChain = sp.externalPolicyLocal ? names.local : names.cluster;
  // The external chain exists whenever there are endpoints anywhere: its short-circuit
  // rules matter even when this node has none for external traffic.
  const usesExternalChain = sel.hasAnyEndpoints && externallyAccessible(sp);
  const usesFirewall = lbIPs.length > 0 && sourceRanges.length > 0;
  const affinity = sp.affinityTimeoutSeconds > 0;

  const chains: Chain[] = [];
  const affinitySets: AffinitySet[] = [];
  const elements: Element[] = [];
  const epNames = new Map<EndpointInfo, ReturnType<typeof endpointNames>>();
  for (const ep of sel.allReachable) epNames.set(ep, endpointNames(sp.spn, ep));

  // Endpoint chains: hairpin masquerade, affinity bookkeeping, DNAT.
  for (const ep of sel.allReachable) {
    const n = epNames.get(ep)!;
    const rules = [`${ipX} saddr ${ep.ip} jump ${MARK_MASQ_CHAIN}`];
    if (affinity) {
      rules.push(`update @${n.affinitySet} { ${ipX} saddr }`);
      affinitySets.push({ name: n.affinitySet, timeoutSeconds: sp.affinityTimeoutSeconds });
    }
    rules.push(`meta l4proto ${proto} dnat to ${endpointString(ep)}`);
    chains.push({ name: n.chain, rules });
  }

  const policyChain = (name: string, eps: readonly EndpointInfo[]): Chain => {
    const rules: string[] = [];
    if (name === internalChain && internal.action === 'forward' && fc.hasClusterCIDRs) {
      // Off-cluster traffic to a ClusterIP may have been routed here from anywhere: masquerade it
      // so the reply comes back through this node (LocalTrafficDetector.IfNotLocalNFT).
      rules.push(`${ipX} daddr ${clusterIP} ${proto} dport ${sp.port} ${ipX} saddr != @${CLUSTER_CIDRS_SET} jump ${MARK_MASQ_CHAIN}`);
    }
    const chainsOf = eps.map((e) => epNames.get(e)!);
    if (affinity) for (const n of chainsOf) rules.push(`${ipX} saddr @${n.affinitySet} goto ${n.chain}`);
    rules.push(...endpointDispatch(chainsOf.map((n) => n.chain)));
    return { name, rules };
  };
  if (usesClusterChain) chains.push(policyChain(names.cluster, clusterEps));
  if (usesLocalChain) chains.push(policyChain(names.local, localEps));

  if (usesExternalChain) {
    const rules: string[] = [];
    if (!sp.externalPolicyLocal) {
      // Cluster policy: the endpoint may be on another node, so the reply must come back through this one.
      rules.push(`jump ${MARK_MASQ_CHAIN}`);
    } else {
      if (fc.hasClusterCIDRs && usesClusterChain) {
        // Pod traffic to an external address is subject to neither policy (as if it went out to the load balancer and back).
        rules.push(`${ipX} saddr @${CLUSTER_CIDRS_SET} goto ${names.cluster}`);
      }
      // Traffic from the node itself has a local source address (the LB IP may be local): masquerade and use the cluster set.
      rules.push(`fib saddr type local jump ${MARK_MASQ_CHAIN}`);
      if (usesClusterChain) rules.push(`fib saddr type local goto ${names.cluster}`);
    }
    if (external.action === 'forward') rules.push(`goto ${externalPolicyChain}`);
    chains.push({ name: names.external, rules });
  }

  if (usesFirewall) {
    const sources = sourceRanges.length === 1 ? sourceRanges[0] : `{ ${sourceRanges.join(', ')} }`;
    chains.push({ name: names.firewall, rules: [`${ipX} saddr != ${sources} drop`] });
  }

  // Elements. Keys: address . protocol . port (service-ips and friends), protocol . nodePort.
  const ipKey = (ip: string) => `${ip} . ${proto} . ${sp.port}`;
  elements.push({ container: 'cluster-ips', key: clusterIP, value: '' });
  if (internal.action === 'forward') elements.push({ container: 'service-ips', key: ipKey(clusterIP), value: `goto ${internalChain}` });
  else elements.push({ container: 'no-endpoint-services', key: ipKey(clusterIP), value: verdictValue(internal) });
  for (const ip of [...externalIPs, ...lbIPs]) {
    if (usesExternalChain) elements.push({ container: 'service-ips', key: ipKey(ip), value: `goto ${names.external}` });
    // No endpoints at all (REJECT) or none for external traffic (DROP what the external chain did not short-circuit).
    if (external.action !== 'forward') elements.push({ container: 'no-endpoint-services', key: ipKey(ip), value: verdictValue(external) });
  }
  if (usesFirewall) for (const ip of lbIPs) elements.push({ container: 'firewall-ips', key: ipKey(ip), value: `goto ${names.firewall}` });
  if (sp.nodePort !== 0) {
    // NodePorts are not subject to loadBalancerSourceRanges (kube-proxy: "for better or for worse").
    const key = `${proto} . ${sp.nodePort}`;
    if (usesExternalChain) elements.push({ container: 'service-nodeports', key, value: `goto ${names.external}` });
    if (external.action !== 'forward') elements.push({ container: 'no-endpoint-nodeports', key, value: verdictValue(external) });
  }
  return { chains, affinitySets, elements: dedupElements(elements) };
}

/** The same address may be both an externalIP and a LoadBalancer IP: one element per (container, key). */
function dedupElements(elements: Element[]): Element[] {
  const seen = new Set<string>();
  return elements.filter((e) => {
    const id = `${e.container}|${e.key}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
