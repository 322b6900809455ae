/**
 * ProxyState → nftables text, pure and deterministic (service ports sorted by
 * key, elements in a fixed container order). Two renderings of one plan:
 *
 * - full (`renderNftables`, `renderFull`): one `nft -f` transaction per sync
 *   that flushes the table's rules and maps and defines everything again, so
 *   whatever drifted (a rule deleted by hand) is repaired. Affinity sets are
 *   declared, not flushed: their entries (ClientIP → endpoint) survive.
 * - incremental (`renderIncremental`): only the chains whose rules changed
 *   and the map elements that changed, for the service ports a sync names.
 *
 * The table layout is kube-proxy's nftables mode (pkg/proxy/nftables/
 * proxier.go setupNFTables): base chains per hook, dispatch through the
 * service-ips and service-nodeports verdict maps, REJECT/DROP through
 * no-endpoint-services / no-endpoint-nodeports in the filter hooks, the
 * firewall-ips map for loadBalancerSourceRanges, cluster-ips for REJECT of
 * unknown ports on a ClusterIP, and the mark-for-masquerade / masquerading
 * pair. Per-service chains are built by plan.ts.
 */
import type { SelectOptions } from '../select-endpoints.ts';
import type { IPFamily, ProxyState } from '../types.ts';
import { ipFamilyOf } from '../types.ts';
import {
  CLUSTER_CIDRS_SET,
  ELEMENT_CONTAINERS,
  MARK_MASQ_CHAIN,
  REJECT_CHAIN,
  familyWords,
  planServicePort,
  type AffinitySet,
  type Chain,
  type Element,
  type ElementContainer,
  type FamilyContext,
  type PortRules,
} from './plan.ts';

export const DEFAULT_TABLE = 'switchboard';
/** kube-proxy's default --masquerade-bit 14. */
export const DEFAULT_MASQUERADE_MARK = 0x4000;

export interface NftOptions {
  /** Table name, one table per family (default `switchboard`). */
  table?: string;
  ipFamilies: readonly IPFamily[];
  /** --cluster-cidr: pod ranges of the whole cluster (both families may be mixed; each table takes its own). */
  clusterCIDRs: readonly string[];
  /**
   * Addresses NodePorts answer on; loopback addresses are ignored (kube-proxy's
   * nftables mode does not support localhost NodePorts). Empty or absent: every
   * local address (`fib daddr type local`).
   */
  nodePortAddresses?: readonly string[];
  masqueradeMark?: number;
  select?: SelectOptions;
}

/** One family's table: its context and the rules of every service port it proxies (empty ones left out). */
export interface FamilyPlan {
  family: IPFamily;
  context: FamilyContext;
  /** Table-level definitions (hooks, helper chains, maps); a change here needs a full sync. */
  base: string;
  /** Static set contents (cluster-cidrs, nodeport-ips), filled at every full sync. */
  staticElements: string;
  ports: ReadonlyMap<string, PortRules>;
}

export interface NftPlan {
  table: string;
  families: readonly FamilyPlan[];
}

const hex = (n: number) => `0x${n.toString(16)}`;
export const nftFamily = (f: IPFamily) => (f === 'IPv4' ? 'ip' : 'ip6');

/** The table-level part of one family's ruleset (everything but per-service chains and elements). */
function renderBase(family: IPFamily, opts: NftOptions): { base: string; staticElements: string; context: Omit<FamilyContext, 'node'> } {
  const { ipX, addrType } = familyWords(family);
  const mark = hex(opts.masqueradeMark ?? DEFAULT_MASQUERADE_MARK);
  const table = `${nftFamily(family)} ${opts.table ?? DEFAULT_TABLE}`;
  const cidrs = opts.clusterCIDRs.filter((c) => ipFamilyOf(c.split('/')[0]!) === family);
  const nodePortIPs = [...new Set((opts.nodePortAddresses ?? []).filter((a) => ipFamilyOf(a) === family && !isLoopback(a)))].sort();
  const noLocalhost = family === 'IPv4' ? 'ip daddr != 127.0.0.0/8' : 'ip6 daddr != ::1';
  const nodePortMatch = nodePortIPs.length ? `${ipX} daddr @nodeport-ips` : `fib daddr type local ${noLocalhost}`;
  const vmapKey = `${ipX} daddr . meta l4proto . th dport`;
  const ipMap = `type ${addrType} . inet_proto . inet_service : verdict;`;
  const portMap = 'type inet_proto . inet_service : verdict;';

  const decls: string[] = [];
  if (cidrs.length) decls.push(`set ${CLUSTER_CIDRS_SET} { type ${addrType}; flags interval; }`);
  if (nodePortIPs.length) decls.push(`set nodeport-ips { type ${addrType}; }`);
  decls.push(
    `set cluster-ips { type ${addrType}; }`,
    `map service-ips { ${ipMap} }`,
    `map service-nodeports { ${portMap} }`,
    `map no-endpoint-services { ${ipMap} }`,
    `map no-endpoint-nodeports { ${portMap} }`,
    `map firewall-ips { ${ipMap} }`,
  );
  const chains: Chain[] = [
    { name: MARK_MASQ_CHAIN, rules: [`meta mark set meta mark or ${mark}`] },
    { name: 'masquerading', rules: [`meta mark & ${mark} == 0 return`, `meta mark set meta mark xor ${mark}`, 'masquerade fully-random'] },
    { name: REJECT_CHAIN, rules: ['reject'] },
    { name: 'services', rules: [`${vmapKey} vmap @service-ips`, `${nodePortMatch} meta l4proto . th dport vmap @service-nodeports`] },
    { name: 'service-endpoints-check', rules: [`${vmapKey} vmap @no-endpoint-services`] },
    { name: 'nodeport-endpoints-check', rules: [`${nodePortIPs.length ? `${ipX} daddr @nodeport-ips` : noLocalhost} meta l4proto . th dport vmap @no-endpoint-nodeports`] },
    // Unknown port on a ClusterIP: refuse at once instead of letting it time out.
    { name: 'cluster-ips-check', rules: [`${ipX} daddr @cluster-ips reject`] },
    { name: 'firewall-check', rules: [`${vmapKey} vmap @firewall-ips`] },
  ];
  // Base chains (kube-proxy's nftablesBaseChains and nftablesJumpChains): the filter chains see
  // the pre-DNAT destination (priority dstnat-10), except filter-output-post-dnat (dstnat+10),
  // where a ClusterIP still in daddr means no service rule matched.
  const base = (name: string, type: string, hook: string, prio: number, rules: string[]): string =>
    renderChain({ name, rules: [`type ${type} hook ${hook} priority ${prio}; policy accept;`, ...rules] });
  const baseChains = [
    base('filter-prerouting', 'filter', 'prerouting', -110, ['ct state new jump firewall-check']),
    base('filter-input', 'filter', 'input', -110, ['ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']),
    base('filter-forward', 'filter', 'forward', -110, ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']),
    base('filter-output', 'filter', 'output', -110, ['ct state new jump service-endpoints-check', 'ct state new jump firewall-check']),
    base('filter-output-post-dnat', 'filter', 'output', -90, ['ct state new jump cluster-ips-check']),
    base('nat-prerouting', 'nat', 'prerouting', -100, ['jump services']),
    base('nat-output', 'nat', 'output', -100, ['jump services']),
    base('nat-postrouting', 'nat', 'postrouting', 100, ['jump masquerading']),
  ];
  const body = [...decls.map((d) => `\t${d}\n`), ...chains.map(renderChain), ...baseChains].join('');
  const staticElements = [
    ...(cidrs.length ? [`flush set ${table} ${CLUSTER_CIDRS_SET}\n`, renderElements(table, CLUSTER_CIDRS_SET, cidrs)] : []),
    ...(nodePortIPs.length ? [`flush set ${table} nodeport-ips\n`, renderElements(table, 'nodeport-ips', nodePortIPs)] : []),
  ].join('');
  return { base: body, staticElements, context: { family, hasClusterCIDRs: cidrs.length > 0, select: opts.select } };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

function renderChain(c: Chain): string {
  return `\tchain ${c.name} {\n${c.rules.map((r) => `\t\t${r}\n`).join('')}\t}\n`;
}

function renderSet(s: AffinitySet, family: IPFamily): string {
  return `\tset ${s.name} { type ${familyWords(family).addrType}; flags dynamic,timeout; timeout ${s.timeoutSeconds}s; }\n`;
}

function renderElements(table: string, container: string, items: readonly string[]): string {
  return items.length ? `add element ${table} ${container} {\n${items.map((i) => `\t${i},\n`).join('')}}\n` : '';
}

const elementText = (e: Element) => (e.value ? `${e.key} : ${e.value}` : e.key);

/** Plans every service port of `state` for every family in `opts`. */
export function planNftables(state: ProxyState, opts: NftOptions): NftPlan {
  const table = opts.table ?? DEFAULT_TABLE;
  const keys = [...state.servicePorts.keys()].sort();
  const families = opts.ipFamilies.map((family): FamilyPlan => {
    const b = renderBase(family, opts);
    const context: FamilyContext = { ...b.context, node: state.node };
    const ports = new Map<string, PortRules>();
    for (const key of keys) {
      const rules = planServicePort(state.servicePorts.get(key)!, state.endpoints.get(key) ?? [], context);
      if (rules.elements.length) ports.set(key, rules);
    }
    return { family, context, base: b.base, staticElements: b.staticElements, ports };
  });
  return { table, families };
}

/** Re-plans only `keys` of one family, sharing the untouched entries with `prev`. */
export function replanPorts(prev: FamilyPlan, state: ProxyState, keys: Iterable<string>): FamilyPlan {
  const ports = new Map(prev.ports);
  const context: FamilyContext = { ...prev.context, node: state.node };
  for (const key of keys) {
    const sp = state.servicePorts.get(key);
    const rules = sp ? planServicePort(sp, state.endpoints.get(key) ?? [], context) : undefined;
    if (rules?.elements.length) ports.set(key, rules);
    else ports.delete(key);
  }
  return { ...prev, context, ports };
}

/** Chains and affinity sets a previous full or incremental sync created that `next` no longer has. */
export interface Leftovers {
  chains: readonly string[];
  sets: readonly string[];
}

/**
 * Chains and affinity sets a full sync of `next` deletes: those of `prev`
 * that `next` does not define, and those incremental syncs left flushed
 * (`pending`) that `next` does not use again.
 */
export function leftovers(prev: FamilyPlan | undefined, next: FamilyPlan, pending: Leftovers = { chains: [], sets: [] }): Leftovers {
  const chains = new Set<string>();
  const sets = new Set<string>();
  for (const p of next.ports.values()) {
    for (const c of p.chains) chains.add(c.name);
    for (const s of p.affinitySets) sets.add(s.name);
  }
  const oldChains = new Set(pending.chains.filter((c) => !chains.has(c)));
  const oldSets = new Set(pending.sets.filter((s) => !sets.has(s)));
  for (const p of prev?.ports.values() ?? []) {
    for (const c of p.chains) if (!chains.has(c.name)) oldChains.add(c.name);
    for (const s of p.affinitySets) if (!sets.has(s.name)) oldSets.add(s.name);
  }
  return { chains: [...oldChains].sort(), sets: [...oldSets].sort() };
}

/**
 * One family's full-sync transaction: flush the table's rules and element
 * containers, define every chain again, refill the maps, then delete the
 * leftovers of the previous plan. `fresh` first deletes the table (the first
 * sync of a process: whatever an earlier run left, including base chains
 * with other priorities, goes).
 */
export function renderFamilyFull(table: string, fp: FamilyPlan, opts: { fresh?: boolean; leftovers?: Leftovers } = {}): string {
  const t = `${nftFamily(fp.family)} ${table}`;
  const out: string[] = [`add table ${t}\n`];
  if (opts.fresh) out.push(`delete table ${t}\n`, `add table ${t}\n`);
  else out.push(`flush table ${t}\n`);
  out.push(`table ${t} {\n`, fp.base);
  const seenSets = new Set<string>();
  for (const p of fp.ports.values()) {
    for (const s of p.affinitySets) {
      if (seenSets.has(s.name)) continue;
      seenSets.add(s.name);
      out.push(renderSet(s, fp.family));
    }
  }
  for (const p of fp.ports.values()) for (const c of p.chains) out.push(renderChain(c));
  out.push('}\n', fp.staticElements);
  const byContainer = new Map<ElementContainer, string[]>(ELEMENT_CONTAINERS.map((c) => [c, []]));
  const seen = new Set<string>();
  for (const p of fp.ports.values()) {
    for (const e of p.elements) {
      // Two Services claiming the same address and port: the first (by key) wins, as a map holds one verdict per key.
      const id = `${e.container}|${e.key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      byContainer.get(e.container)!.push(elementText(e));
    }
  }
  for (const c of ELEMENT_CONTAINERS) out.push(`flush ${c === 'cluster-ips' ? 'set' : 'map'} ${t} ${c}\n`);
  for (const c of ELEMENT_CONTAINERS) out.push(renderElements(t, c, byContainer.get(c)!));
  const left = opts.leftovers ?? { chains: [], sets: [] };
  for (const c of left.chains) out.push(`delete chain ${t} ${c}\n`);
  for (const s of left.sets) out.push(`delete set ${t} ${s}\n`);
  return out.join('');
}

/** The complete ruleset for `state`: one table per family, as one `nft -f` transaction. */
export function renderNftables(state: ProxyState, opts: NftOptions): string {
  const plan = planNftables(state, opts);
  return plan.families.map((fp) => renderFamilyFull(plan.table, fp)).join('');
}

const EMPTY_PORT: PortRules = { chains: [], affinitySets: [], elements: [] };

/**
 * Whether `keys` can be synced incrementally from `prev` to `next`: an
 * affinity set whose timeout changed cannot be altered in place (nor deleted
 * while a rule still uses it in the same transaction), so that takes a
 * fresh full sync.
 */
export function canSyncIncrementally(prev: FamilyPlan, next: FamilyPlan, keys: Iterable<string>): boolean {
  return prev.base === next.base && prev.staticElements === next.staticElements && sameAffinityTimeouts(prev, next, keys);
}

/** No affinity set of `keys` that `prev` created has another timeout in `next` (an existing set's timeout cannot be changed). */
export function sameAffinityTimeouts(prev: FamilyPlan | undefined, next: FamilyPlan, keys: Iterable<string>): boolean {
  if (!prev) return true;
  for (const key of keys) {
    const before = new Map((prev.ports.get(key)?.affinitySets ?? []).map((s) => [s.name, s.timeoutSeconds]));
    for (const s of next.ports.get(key)?.affinitySets ?? []) {
      const t = before.get(s.name);
      if (t !== undefined && t !== s.timeoutSeconds) return false;
    }
  }
  return true;
}

/** One family's incremental transaction, and what it left for the next full sync to delete. */
export interface IncrementalSync {
  text: string;
  /** Chains and affinity sets no longer used: flushed now, deleted at the next full sync. */
  deferred: Leftovers;
}

/**
 * One family's incremental transaction for `keys`: only the chains whose
 * rules changed and the map elements that changed. Assumes the kernel holds
 * `prev`. Shaped for nft's cost at scale (reference/machine-notes.md §1.8,
 * measured again at 10,000 services × 10 endpoints): `add rule`,
 * `add/delete element`, `delete chain` and `delete set` make nft first dump
 * every chain of the table (~110,000 here: 2 s of CPU), while `flush chain`
 * and `add chain NAME { rules }` do not. So a chain is rewritten as
 * `flush chain` + `add chain NAME { … }`, with the sets its rules name
 * declared again in the batch (`add set` of an existing set is a no-op and
 * lets nft resolve `@name` without its cache); chains and sets that are no
 * longer used are only flushed here and deleted by the next full sync.
 * Element changes (a Service added or deleted, or its first or last
 * endpoint) still pay for the dump. Returns "" when nothing changed.
 */
export function renderIncremental(table: string, prev: FamilyPlan, next: FamilyPlan, keys: Iterable<string>): IncrementalSync {
  const t = `${nftFamily(next.family)} ${table}`;
  const addrType = familyWords(next.family).addrType;
  const sets = new Map<string, string>();
  const chains: string[] = [];
  const delElements = new Map<ElementContainer, string[]>();
  const addElements = new Map<ElementContainer, string[]>();
  const goneChains: string[] = [];
  const goneSets: string[] = [];
  const push = (m: Map<ElementContainer, string[]>, c: ElementContainer, s: string) => {
    const l = m.get(c);
    if (l) l.push(s);
    else m.set(c, [s]);
  };
  for (const key of [...new Set(keys)].sort()) {
    const before = prev.ports.get(key) ?? EMPTY_PORT;
    const after = next.ports.get(key) ?? EMPTY_PORT;
    if (before === after) continue;
    const affinity = new Map(after.affinitySets.map((s) => [s.name, s]));
    const newSetNames = new Set(after.affinitySets.map((s) => s.name));
    for (const s of before.affinitySets) if (!newSetNames.has(s.name)) goneSets.push(s.name);

    const oldChains = new Map(before.chains.map((c) => [c.name, c.rules]));
    const newChainNames = new Set(after.chains.map((c) => c.name));
    for (const c of after.chains) {
      const old = oldChains.get(c.name);
      if (old && sameRules(old, c.rules)) continue;
      // A chain new to the plan may still exist, flushed, from an earlier incremental sync.
      if (!old) chains.push(`add chain ${t} ${c.name}\n`);
      chains.push(`flush chain ${t} ${c.name}\n`, `add chain ${t} ${c.name} { ${c.rules.join('; ')}; }\n`);
      for (const m of c.rules.join(' ').matchAll(/@(\S+)/g)) {
        const name = m[1]!;
        if (name === CLUSTER_CIDRS_SET) sets.set(name, `add set ${t} ${name} { type ${addrType}; flags interval; }\n`);
        const a = affinity.get(name);
        if (a) sets.set(name, `add set ${t} ${name} { type ${addrType}; flags dynamic,timeout; timeout ${a.timeoutSeconds}s; }\n`);
      }
    }
    for (const c of before.chains) if (!newChainNames.has(c.name)) goneChains.push(c.name);

    const oldEls = new Map(before.elements.map((e) => [`${e.container}|${e.key}`, e]));
    const newEls = new Map(after.elements.map((e) => [`${e.container}|${e.key}`, e]));
    for (const [id, e] of oldEls) {
      const n = newEls.get(id);
      if (!n || n.value !== e.value) push(delElements, e.container, e.key);
    }
    for (const [id, e] of newEls) {
      const o = oldEls.get(id);
      if (!o || o.value !== e.value) push(addElements, e.container, elementText(e));
    }
  }
  const out: string[] = [...[...sets.keys()].sort().map((k) => sets.get(k)!), ...chains];
  for (const c of ELEMENT_CONTAINERS) {
    const d = delElements.get(c);
    if (d) out.push(`delete element ${t} ${c} { ${d.join(', ')} }\n`);
  }
  for (const c of ELEMENT_CONTAINERS) {
    const a = addElements.get(c);
    if (a) out.push(`add element ${t} ${c} { ${a.join(', ')} }\n`);
  }
  for (const c of goneChains) out.push(`flush chain ${t} ${c}\n`);
  return { text: out.join(''), deferred: { chains: goneChains.sort(), sets: goneSets.sort() } };
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
