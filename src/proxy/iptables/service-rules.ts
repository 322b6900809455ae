/**
 * The rules of one service port in one IP family, in kube-proxy's layout
 * (pkg/proxy/iptables/proxier.go syncProxyRules, the loop "Build rules for
 * each service-port", and writeServiceToEndpointRules). Pure.
 *
 * Dispatch (nat table):
 *   KUBE-SERVICES   -d clusterIP --dport P      → KUBE-SVC (or KUBE-SVL for internalTrafficPolicy Local)
 *                   -d externalIP|LB IP --dport P → KUBE-EXT (LB IP: KUBE-FW with loadBalancerSourceRanges)
 *   KUBE-NODEPORTS  --dport nodePort            → KUBE-EXT
 *   KUBE-EXT        Cluster policy: mark for masquerade, → KUBE-SVC;
 *                   Local policy: pods (-s clusterCIDR) and the node itself (addrtype LOCAL, masqueraded)
 *                   short-circuit to KUBE-SVC, the rest → KUBE-SVL
 *   KUBE-SVC/SVL    off-cluster sources to the clusterIP are masqueraded; ClientIP affinity
 *                   (`recent --rcheck`); then `statistic --probability 1/(n-i)` per endpoint
 *   KUBE-SEP        hairpin masquerade (-s endpoint), `recent --set`, DNAT
 * Verdicts (filter table): no usable endpoint → REJECT; endpoints but none
 * for this traffic (Local policy) → DROP; LB traffic not allowed by the
 * source ranges → DROP in KUBE-PROXY-FIREWALL.
 *
 * Which endpoints and which verdict come from selectEndpoints + verdictFor,
 * the selection every data-plane mode shares.
 */
import { cidrMatcher } from '../cidr.ts';
import { selectEndpoints, verdictFor, type SelectOptions } from '../select-endpoints.ts';
import type { EndpointInfo, IPFamily, NodeTopology, ServicePortInfo } from '../types.ts';
import { endpointString, externallyAccessible, ipFamilyOf, servicePortNameString } from '../types.ts';
import type { ChainNames } from './names.ts';

/** Everything per-sync the service rules depend on besides the service port itself. */
export interface ServiceRuleContext {
  family: IPFamily;
  names: ChainNames;
  node: NodeTopology;
  /** Pod ranges of this family (LocalTrafficDetector, detect-local-mode ClusterCIDR: the first one). */
  clusterCIDR: string | undefined;
  /** The node's own IPs of this family (a source range holding one also admits LB IPs as source, see KUBE-FW). */
  nodeIPs: readonly string[];
  masqueradeAll: boolean;
  /** kube-proxy's largeClusterMode: no comments in KUBE-SVC/SVL/SEP rules. */
  largeClusterMode: boolean;
  select?: SelectOptions;
}

/** Output buffers (lines without newlines). */
export interface RuleBuffers {
  filterRules: string[];
  /** Rules of KUBE-SERVICES and KUBE-NODEPORTS (always rewritten). */
  natTopRules: string[];
  /** The per-service chains written this time: each `:CHAIN - [0:0]` line followed by the chain's rules (the renderer hoists the chain lines). */
  natBlocks: string[];
}

/** One service port, seen from one family: null when the Service has no clusterIP of that family. */
export interface FamilyServicePort {
  sp: ServicePortInfo;
  clusterIP: string;
  externalIPs: string[];
  loadBalancerIPs: string[];
  sourceRanges: string[];
  endpoints: EndpointInfo[];
}

export function servicePortInFamily(sp: ServicePortInfo, endpoints: readonly EndpointInfo[], family: IPFamily): FamilyServicePort | null {
  const inFamily = (ip: string) => ipFamilyOf(ip) === family;
  const clusterIP = sp.clusterIPs.find(inFamily);
  if (!clusterIP) return null;
  return {
    sp,
    clusterIP,
    externalIPs: sp.externalIPs.filter(inFamily),
    loadBalancerIPs: sp.loadBalancerIPs.filter(inFamily),
    sourceRanges: sp.loadBalancerSourceRanges.filter((c) => inFamily(c.split('/')[0])),
    endpoints: endpoints.filter((e) => e.family === family),
  };
}

/** kube-proxy's computeProbability: fmt.Sprintf("%0.10f", 1.0/float64(n)). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

const q = (s: string) => `"${s}"`;

/**
 * Writes the rules of one service port. `writeChains` false (a partial sync
 * of an unchanged service) still writes its KUBE-SERVICES / KUBE-NODEPORTS /
 * filter rules, which are rewritten whole on every sync, but not its own
 * chains. Returns the per-service chains the port uses (when written; else
 * an empty list).
 */
export function writeServicePort(out: RuleBuffers, f: FamilyServicePort, c: ServiceRuleContext, writeChains: boolean): string[] {
  const { sp } = f;
  const n = c.names;
  const top = n.top;
  const proto = sp.spn.protocol.toLowerCase();
  const spn = servicePortNameString(sp.spn);
  const port = String(sp.port);
  const match = `-m ${proto} -p ${proto}`;

  const sel = selectEndpoints(sp, f.endpoints, c.node, c.select);
  const internal = verdictFor(sp, sel, 'internal');
  const external = verdictFor(sp, sel, 'external', false);
  const shortCircuit = verdictFor(sp, sel, 'external', true);
  const hasEndpoints = sel.hasAnyEndpoints;

  const clusterChain = n.svc(spn, proto);
  const localChain = n.svl(spn, proto);
  const extChain = n.ext(spn, proto);
  const fwChain = n.fw(spn, proto);
  const usesClusterChain = (sel.clusterEndpoints?.length ?? 0) > 0;
  const usesLocalChain = (sel.localEndpoints?.length ?? 0) > 0;
  const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
  const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
  const usesExtChain = hasEndpoints && externallyAccessible(sp);
  const usesFwChain = hasEndpoints && f.loadBalancerIPs.length > 0 && f.sourceRanges.length > 0;
  const lbChain = usesFwChain ? fwChain : extChain;

  const target = (v: typeof internal) => (v.action === 'reject' ? 'REJECT' : 'DROP');
  const filterComment = (v: typeof internal) => q(v.action === 'reject' ? `${spn} has no endpoints` : `${spn} has no local endpoints`);

  // Capture the clusterIP.
  if (internal.action === 'forward') {
    out.natTopRules.push(`-A ${top.services} -m comment --comment ${q(`${spn} cluster IP`)} ${match} -d ${f.clusterIP} --dport ${port} -j ${internalChain}`);
  } else {
    out.filterRules.push(`-A ${top.services} -m comment --comment ${filterComment(internal)} ${match} -d ${f.clusterIP} --dport ${port} -j ${target(internal)}`);
  }

  // Capture externalIPs.
  for (const ip of f.externalIPs) {
    if (hasEndpoints) out.natTopRules.push(`-A ${top.services} -m comment --comment ${q(`${spn} external IP`)} ${match} -d ${ip} --dport ${port} -j ${extChain}`);
    if (external.action !== 'forward') {
      out.filterRules.push(`-A ${top.externalServices} -m comment --comment ${filterComment(external)} ${match} -d ${ip} --dport ${port} -j ${target(external)}`);
    }
  }

  // Capture load-balancer ingress.
  for (const ip of f.loadBalancerIPs) {
    if (hasEndpoints) out.natTopRules.push(`-A ${top.services} -m comment --comment ${q(`${spn} loadbalancer IP`)} ${match} -d ${ip} --dport ${port} -j ${lbChain}`);
    if (usesFwChain) {
      out.filterRules.push(`-A ${top.proxyFirewall} -m comment --comment ${q(`${spn} traffic not accepted by ${fwChain}`)} ${match} -d ${ip} --dport ${port} -j DROP`);
    }
  }
  if (external.action !== 'forward') {
    for (const ip of f.loadBalancerIPs) {
      out.filterRules.push(`-A ${top.externalServices} -m comment --comment ${filterComment(external)} ${match} -d ${ip} --dport ${port} -j ${target(external)}`);
    }
  }

  // Capture nodeports (never subject to loadBalancerSourceRanges).
  if (sp.nodePort !== 0) {
    if (hasEndpoints) out.natTopRules.push(`-A ${top.nodePorts} -m comment --comment ${spn} ${match} --dport ${sp.nodePort} -j ${extChain}`);
    if (external.action !== 'forward') {
      out.filterRules.push(
        `-A ${top.externalServices} -m comment --comment ${filterComment(external)} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -j ${target(external)}`,
      );
    }
  }

  // healthCheckNodePorts are accepted whether or not the node has local endpoints.
  if (sp.healthCheckNodePort !== 0) {
    out.filterRules.push(`-A ${top.nodePorts} -m comment --comment ${q(`${spn} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
  }

  if (!writeChains) return [];
  // Per chain: its `:CHAIN` line, then its rules (the renderer moves the chain lines up front).
  const chains: string[] = [];
  const block = (chain: string, rules: string[]) => {
    out.natBlocks.push(`:${chain} - [0:0]`, ...rules);
    chains.push(chain);
  };
  const comment = (text: string) => (c.largeClusterMode ? '' : ` -m comment --comment ${text}`);

  for (const ep of sel.allReachable) {
    const sep = n.sep(spn, proto, endpointString(ep));
    const head = `-A ${sep}${comment(spn)}`;
    const recent = sp.affinityTimeoutSeconds > 0 ? ` -m recent --name ${sep} --set` : '';
    // Hairpin: a pod reaching itself through the Service is masqueraded so the reply comes back through the node.
    block(sep, [`${head} -s ${ep.ip} -j ${top.markMasq}`, `${head}${recent} ${match} -j DNAT --to-destination ${endpointString(ep)}`]);
  }

  const dispatch = (chain: string, eps: readonly EndpointInfo[]) => {
    const rules: string[] = [];
    // Internal traffic: masquerade what comes from outside the cluster (it may have been routed here by another node).
    if (chain === internalChain && internal.action === 'forward') {
      const head = `-A ${chain} -m comment --comment ${q(`${spn} cluster IP`)} ${match} -d ${f.clusterIP} --dport ${port}`;
      if (c.masqueradeAll) rules.push(`${head} -j ${top.markMasq}`);
      else if (c.clusterCIDR) rules.push(`${head} ! -s ${c.clusterCIDR} -j ${top.markMasq}`);
    }
    if (sp.affinityTimeoutSeconds > 0) {
      for (const ep of eps) {
        const sep = n.sep(spn, proto, endpointString(ep));
        rules.push(`-A ${chain}${comment(q(`${spn} -> ${endpointString(ep)}`))} -m recent --name ${sep} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${sep}`);
      }
    }
    eps.forEach((ep, i) => {
      const sep = n.sep(spn, proto, endpointString(ep));
      const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : '';
      rules.push(`-A ${chain}${comment(q(`${spn} -> ${endpointString(ep)}`))}${stat} -j ${sep}`);
    });
    block(chain, rules);
  };
  if (usesClusterChain) dispatch(clusterChain, sel.clusterEndpoints!);
  if (usesLocalChain) dispatch(localChain, sel.localEndpoints!);

  // External traffic.
  if (usesExtChain) {
    const rules: string[] = [];
    if (!sp.externalPolicyLocal) {
      rules.push(`-A ${extChain} -m comment --comment ${q(`masquerade traffic for ${spn} external destinations`)} -j ${top.markMasq}`);
    } else if (shortCircuit.action === 'forward') {
      // Pods and the node itself skip the Local policy (as if they went out to the load balancer and back).
      if (c.clusterCIDR) rules.push(`-A ${extChain} -m comment --comment ${q(`pod traffic for ${spn} external destinations`)} -s ${c.clusterCIDR} -j ${clusterChain}`);
      rules.push(`-A ${extChain} -m comment --comment ${q(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${top.markMasq}`);
      rules.push(`-A ${extChain} -m comment --comment ${q(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${clusterChain}`);
    }
    if (external.action === 'forward') rules.push(`-A ${extChain} -j ${externalPolicyChain}`);
    block(extChain, rules);
  }

  // Firewall chain (loadBalancerSourceRanges); what falls through is dropped by KUBE-PROXY-FIREWALL.
  if (usesFwChain) {
    const head = `-A ${fwChain} -m comment --comment ${q(`${spn} loadbalancer IP`)}`;
    const inRange = cidrMatcher(f.sourceRanges);
    const rules = f.sourceRanges.map((cidr) => `${head} -s ${cidr} -j ${extChain}`);
    // A VIP bound on the node itself loops requests from the node back with the VIP as source.
    if (c.nodeIPs.some(inRange)) for (const ip of f.loadBalancerIPs) rules.push(`${head} -s ${ip} -j ${extChain}`);
    rules.push(`-A ${fwChain} -m comment --comment ${q(`other traffic to ${spn} will be dropped by ${top.proxyFirewall}`)}`);
    block(fwChain, rules);
  }
  return chains;
}
