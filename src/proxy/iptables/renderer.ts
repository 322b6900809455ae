/**
 * ProxyState → iptables-restore input for one IP family (kube-proxy's
 * pkg/proxy/iptables/proxier.go syncProxyRules, minus the I/O). Pure and
 * deterministic: service ports in key order, endpoints in the state's order
 * (sorted by ip:port), chain names hashed as kube-proxy does.
 *
 * The output is meant for `iptables-restore --noflush`: every chain it names
 * with a `:CHAIN - [0:0]` line is flushed (or created) and refilled; chains
 * it does not name are left alone. So a full sync names every chain, and a
 * partial sync (kube-proxy's MinimizeIPTablesRestore, on by default since
 * 1.27) names the top-level chains (rewritten whole each time) plus the
 * chains of the service ports that changed. Chains no longer used are
 * flushed and deleted (`-X`) in the same transaction.
 *
 * The jumps from the built-in chains (PREROUTING → KUBE-SERVICES …) are not
 * part of the ruleset: `--noflush` cannot "ensure" a rule; the applier adds
 * the missing ones (see jumpRules).
 */
import type { SelectOptions } from '../select-endpoints.ts';
import type { IPFamily, ProxyState } from '../types.ts';
import { ipFamilyOf } from '../types.ts';
import { ChainNames, type TopChains } from './names.ts';
import { servicePortInFamily, writeServicePort, type RuleBuffers, type ServiceRuleContext } from './service-rules.ts';

export interface IptablesRenderOptions {
  family: IPFamily;
  /** Chain prefix (kube-proxy: KUBE); ignored when `names` is given. */
  prefix?: string;
  /** Reused chain-name memo (same prefix) so repeated syncs do not rehash. */
  names?: ChainNames;
  /** --cluster-cidr, any family: traffic to a ClusterIP from outside is masqueraded; pods short-circuit externalTrafficPolicy Local. */
  clusterCIDRs?: readonly string[];
  /** The node's IPs (for the KUBE-FW rule admitting LB IPs as source when a source range holds the node). */
  nodeIPs?: readonly string[];
  /** --masquerade-all. */
  masqueradeAll?: boolean;
  /** --iptables-masquerade-bit (default 14 → mark 0x4000). */
  masqueradeBit?: number;
  /** nf_conntrack_tcp_be_liberal is set: no DROP of INVALID packets in KUBE-FORWARD. */
  conntrackTCPLiberal?: boolean;
  select?: SelectOptions;
  /** Over this many endpoints, per-endpoint comments are left out (kube-proxy's largeClusterEndpointsThreshold). */
  largeClusterEndpointsThreshold?: number;
  /** Partial sync: only these service port keys get their own chains rewritten. Absent: full sync. */
  changed?: ReadonlySet<string>;
  /** Per-service chains by key as last applied: those no longer used are flushed and deleted. */
  previousChains?: ReadonlyMap<string, readonly string[]>;
  /** More chains to delete unless in use (leftovers of an earlier run, found at startup). Full sync only. */
  leftoverChains?: Iterable<string>;
}

export interface IptablesRuleset {
  /** `*filter … COMMIT` */
  filter: string;
  /** `*nat … COMMIT` */
  nat: string;
  /** The per-service chains of every key whose chains were written (all keys on a full sync). */
  chains: Map<string, string[]>;
  /** Chains this ruleset deletes. */
  deleted: string[];
}

export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export function masqueradeMark(bit = 14): string {
  return `0x${(1 << bit).toString(16)}`;
}

/** A jump from a built-in chain into ours (kube-proxy's iptablesJumpChains). */
export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  /** The rule spec, as `iptables -S` prints it after `-A CHAIN `. */
  spec: string;
  target: string;
}

/** kube-proxy's iptablesJumpChains, in its order (each is prepended, so the last ends up first). */
export function jumpRules(top: TopChains): JumpRule[] {
  const newOnly = '-m conntrack --ctstate NEW ';
  const j = (table: JumpRule['table'], chain: string, target: string, comment: string, extra = ''): JumpRule => ({
    table,
    chain,
    target,
    spec: `${extra}-m comment --comment "${comment}" -j ${target}`,
  });
  return [
    j('filter', 'INPUT', top.externalServices, 'kubernetes externally-visible service portals', newOnly),
    j('filter', 'FORWARD', top.externalServices, 'kubernetes externally-visible service portals', newOnly),
    j('filter', 'INPUT', top.nodePorts, 'kubernetes health check service ports'),
    j('filter', 'FORWARD', top.services, 'kubernetes service portals', newOnly),
    j('filter', 'OUTPUT', top.services, 'kubernetes service portals', newOnly),
    j('filter', 'FORWARD', top.forward, 'kubernetes forwarding rules'),
    j('filter', 'INPUT', top.proxyFirewall, 'kubernetes load balancer firewall', newOnly),
    j('filter', 'OUTPUT', top.proxyFirewall, 'kubernetes load balancer firewall', newOnly),
    j('filter', 'FORWARD', top.proxyFirewall, 'kubernetes load balancer firewall', newOnly),
    j('nat', 'OUTPUT', top.services, 'kubernetes service portals'),
    j('nat', 'PREROUTING', top.services, 'kubernetes service portals'),
    j('nat', 'POSTROUTING', top.postrouting, 'kubernetes postrouting rules'),
  ];
}

export function filterTopChains(top: TopChains): string[] {
  return [top.services, top.externalServices, top.forward, top.nodePorts, top.proxyFirewall];
}

export function natTopChains(top: TopChains): string[] {
  return [top.services, top.nodePorts, top.postrouting, top.markMasq];
}

export function renderIptables(state: ProxyState, opts: IptablesRenderOptions): IptablesRuleset {
  const names = opts.names ?? new ChainNames(opts.prefix);
  const top = names.top;
  const family = opts.family;
  const mark = masqueradeMark(opts.masqueradeBit);
  const keys = [...state.servicePorts.keys()].sort();

  let totalEndpoints = 0;
  for (const k of keys) totalEndpoints += state.endpoints.get(k)?.length ?? 0;
  const ctx: ServiceRuleContext = {
    family,
    names,
    node: state.node,
    clusterCIDR: (opts.clusterCIDRs ?? []).find((c) => ipFamilyOf(c.split('/')[0]) === family),
    nodeIPs: (opts.nodeIPs ?? []).filter((ip) => ipFamilyOf(ip) === family),
    masqueradeAll: opts.masqueradeAll ?? false,
    largeClusterMode: totalEndpoints > (opts.largeClusterEndpointsThreshold ?? LARGE_CLUSTER_ENDPOINTS_THRESHOLD),
    select: opts.select,
  };

  const out: RuleBuffers = { filterRules: [], natTopRules: [], natBlocks: [] };
  const chains = new Map<string, string[]>();
  for (const key of keys) {
    const f = servicePortInFamily(state.servicePorts.get(key)!, state.endpoints.get(key) ?? [], family);
    if (!f) continue;
    const write = !opts.changed || opts.changed.has(key);
    const used = writeServicePort(out, f, ctx, write);
    if (write) chains.set(key, used);
  }

  // Stale chains: those a rewritten or vanished key used before and uses no more (chains never span keys).
  const deleted: string[] = [];
  if (opts.previousChains) {
    for (const [key, prev] of opts.previousChains) {
      const now = chains.get(key);
      if (now === undefined && state.servicePorts.has(key) && opts.changed && !opts.changed.has(key)) continue; // unchanged
      const keep = new Set(now ?? []);
      for (const c of prev) if (!keep.has(c)) deleted.push(c);
    }
  }
  if (opts.leftoverChains && !opts.changed) {
    const active = new Set<string>();
    for (const list of chains.values()) for (const c of list) active.add(c);
    const already = new Set(deleted);
    for (const c of opts.leftoverChains) if (names.isServiceChain(c) && !active.has(c) && !already.has(c)) deleted.push(c);
  }
  deleted.sort();

  const filter = [
    '*filter',
    ...filterTopChains(top).map((c) => `:${c} - [0:0]`),
    ...out.filterRules,
    ...(opts.conntrackTCPLiberal ? [] : [`-A ${top.forward} -m conntrack --ctstate INVALID -j DROP`]),
    `-A ${top.forward} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A ${top.forward} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');

  // Every chain is declared before any rule, in descending name order. iptables-nft 1.8.9 with --noflush is
  // sensitive to the order of new chains: hash order took 55 s for 20,000 chains + 20,000 rules, descending
  // order 7 s, and declaring each chain right before its rules was slower still (minutes at 3,000 services).
  // Stale chains are declared (flushed) here as well and deleted at the end.
  const chainLines = [...out.natBlocks.filter((l) => l.startsWith(':')), ...deleted.map((c) => `:${c} - [0:0]`)].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));

  // NodePorts on every local address but loopback (IPv6 never; IPv4 would need route_localnet).
  const notLoopback = family === 'IPv6' ? '! -d ::1/128' : '! -d 127.0.0.0/8';
  const nat = [
    '*nat',
    ...natTopChains(top).map((c) => `:${c} - [0:0]`),
    ...chainLines,
    `-A ${top.postrouting} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${top.postrouting} -j MARK --xor-mark ${mark}`,
    `-A ${top.postrouting} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    `-A ${top.markMasq} -j MARK --or-mark ${mark}`,
    ...out.natTopRules,
    ...out.natBlocks.filter((l) => !l.startsWith(':')),
    `-A ${top.services} -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ${notLoopback} -j ${top.nodePorts}`,
    ...deleted.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
  return { filter, nat, chains, deleted };
}

/**
 * The restore input that removes everything a data plane of this prefix made
 * (kube-proxy's CleanupLeftovers): the jumps from built-in chains that exist
 * (`present`, as found with `iptables -S`), then every chain of ours, flushed
 * and deleted.
 */
export function renderIptablesCleanup(
  names: ChainNames,
  present: readonly JumpRule[],
  chains: { filter: readonly string[]; nat: readonly string[] },
): { filter: string; nat: string } {
  const table = (t: 'filter' | 'nat') => {
    const own = [...new Set(chains[t])].filter((c) => names.owns(c)).sort();
    return [
      `*${t}`,
      ...own.map((c) => `:${c} - [0:0]`),
      ...present.filter((j) => j.table === t).map((j) => `-D ${j.chain} ${j.spec}`),
      ...own.map((c) => `-X ${c}`),
      'COMMIT',
      '',
    ].join('\n');
  };
  return { filter: table('filter'), nat: table('nat') };
}
