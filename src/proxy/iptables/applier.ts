/**
 * The iptables data plane: renders each IP family's ruleset and loads it with
 * `iptables-restore --noflush` (`ip6tables-restore` for IPv6) through the
 * context's CommandRunner: one restore per family holding the filter and nat
 * tables, each table committed atomically (with the nft backend the whole
 * input is a single transaction).
 *
 * As kube-proxy (pkg/proxy/iptables/proxier.go syncProxyRules):
 * - Full sync (first sync, update.full — the periodic resync and the retry
 *   after a failure): every chain is named and so flushed and rewritten,
 *   which repairs rules deleted or changed by hand; the jumps from the
 *   built-in chains are checked (`iptables -S CHAIN`) and missing ones added
 *   in the same restore.
 * - Partial sync: the top-level chains (KUBE-SERVICES, KUBE-NODEPORTS, the
 *   filter chains) are rewritten whole; of the per-service chains only those
 *   of changed service ports.
 * - Stale per-service chains are flushed and deleted in the same restore.
 *   The applier remembers the chains it wrote, so it never needs
 *   `iptables-save` on the hot path (kube-proxy reads it back, which takes
 *   seconds at 10,000 services); only the first sync and the sync after a
 *   failure list the table, to find leftovers of an earlier run.
 * - After a successful restore, UDP conntrack entries that would keep
 *   clients on removed endpoints are deleted (conntrack.ts).
 * close() removes the jumps and every chain with this data plane's prefix.
 */
import type { DataPlane } from '../data-plane.ts';
import { execRunner, type CommandRunner, type KernelDataPlaneContext } from '../kernel.ts';
import type { ServicePortStats } from '../metrics.ts';
import type { SelectOptions } from '../select-endpoints.ts';
import type { IPFamily, ProxyState, ProxyStateUpdate } from '../types.ts';
import { EMPTY_STATE } from '../types.ts';
import { isNothingDeleted, planConntrackCleanup } from './conntrack.ts';
import { ChainNames } from './names.ts';
import { jumpRules, renderIptables, renderIptablesCleanup, type JumpRule } from './renderer.ts';

export interface IptablesDataPlaneOptions {
  masqueradeAll?: boolean;
  masqueradeBit?: number;
  select?: SelectOptions;
  /** Tool names per family (default iptables / ip6tables, i.e. whatever backend the alternatives pick). */
  tools?: Partial<Record<IPFamily, { iptables: string; restore: string; save: string }>>;
  /** How many `conntrack -D` run at once (default 4). */
  conntrackParallelism?: number;
}

const DEFAULT_TOOLS: Record<IPFamily, { iptables: string; restore: string; save: string }> = {
  IPv4: { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save' },
  IPv6: { iptables: 'ip6tables', restore: 'ip6tables-restore', save: 'ip6tables-save' },
};

/** What one sync of one family did (for tests and the benchmark). */
export interface FamilySyncReport {
  family: IPFamily;
  full: boolean;
  /** The restore input as loaded. */
  input: string;
  deletedChains: number;
  addedJumps: number;
}

interface FamilyState {
  family: IPFamily;
  /** Per-service chains by key, as last applied; unknown (null) until the first sync or after a failure. */
  chains: Map<string, string[]> | null;
}

export class IptablesProxier implements DataPlane {
  private readonly names: ChainNames;
  private readonly run: CommandRunner;
  private readonly families: FamilyState[];
  private prev: ProxyState = EMPTY_STATE;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last sync's per-family reports. */
  lastSync: FamilySyncReport[] = [];

  constructor(
    private readonly ctx: KernelDataPlaneContext,
    private readonly opts: IptablesDataPlaneOptions = {},
  ) {
    this.names = new ChainNames(ctx.name ?? undefined);
    this.run = ctx.run ?? execRunner;
    this.families = [...new Set(ctx.ipFamilies)].map((family) => ({ family, chains: null }));
  }

  get prefix(): string {
    return this.names.prefix;
  }

  stats(): Iterable<ServicePortStats> {
    return []; // the kernel keeps the counters (iptables -L -v); nothing per connection passes through here
  }

  sync(state: ProxyState, update: ProxyStateUpdate): Promise<void> {
    const next = this.queue.then(() => this.syncNow(state, update));
    this.queue = next.catch(() => {});
    return next;
  }

  private tools(f: IPFamily) {
    return this.opts.tools?.[f] ?? DEFAULT_TOOLS[f];
  }

  private async syncNow(state: ProxyState, update: ProxyStateUpdate): Promise<void> {
    if (this.closed) return;
    const reports = await Promise.all(this.families.map((fs) => this.syncFamily(fs, state, update)));
    this.lastSync = reports;
    const prev = this.prev;
    this.prev = state;
    const keys = update.full || reports.some((r) => r.full) ? new Set([...prev.servicePorts.keys(), ...state.servicePorts.keys()]) : new Set([...update.changed, ...update.deleted]);
    await this.cleanConntrack(prev, state, keys);
  }

  private async syncFamily(fs: FamilyState, state: ProxyState, update: ProxyStateUpdate): Promise<FamilySyncReport> {
    const full = update.full || fs.chains === null;
    const tools = this.tools(fs.family);
    const leftovers = fs.chains === null ? await this.listChains(fs.family, 'nat') : undefined;
    const missing = full ? await this.missingJumps(fs.family) : [];
    const nodeIPs = this.ctx.addressing.nodePortAddresses().filter((ip) => !ip.startsWith('127.') && ip !== '::1');
    const r = renderIptables(state, {
      family: fs.family,
      names: this.names,
      clusterCIDRs: this.ctx.clusterCIDRs,
      nodeIPs,
      masqueradeAll: this.opts.masqueradeAll,
      masqueradeBit: this.opts.masqueradeBit,
      select: this.opts.select,
      changed: full ? undefined : new Set([...update.changed, ...update.deleted]),
      previousChains: fs.chains ?? undefined,
      leftoverChains: leftovers,
    });
    const input = withJumps(r.filter, missing, 'filter') + withJumps(r.nat, missing, 'nat');
    try {
      await this.run(tools.restore, ['--noflush'], input);
    } catch (e) {
      fs.chains = null; // unknown now: the next (full) sync lists the table again
      throw e;
    }
    if (full || fs.chains === null) fs.chains = r.chains;
    else {
      for (const k of update.deleted) fs.chains.delete(k);
      for (const k of update.changed) {
        const c = r.chains.get(k);
        if (c) fs.chains.set(k, c);
        else fs.chains.delete(k);
      }
    }
    if (r.deleted.length || missing.length) this.ctx.log?.(`iptables ${fs.family}: deleted ${r.deleted.length} stale chains, added ${missing.length} jumps`);
    return { family: fs.family, full, input, deletedChains: r.deleted.length, addedJumps: missing.length };
  }

  /** Chain names of one table (iptables-save; only at startup, after a failure and at close). */
  private async listChains(family: IPFamily, table: 'filter' | 'nat'): Promise<string[]> {
    const out = await this.run(this.tools(family).save, ['-t', table]);
    const chains: string[] = [];
    for (const line of out.split('\n')) {
      if (!line.startsWith(':')) continue;
      const name = line.slice(1).split(' ')[0];
      if (this.names.owns(name)) chains.push(name);
    }
    return chains;
  }

  /** The jumps of jumpRules that the kernel holds (one `iptables -S` per built-in chain). */
  private async presentJumps(family: IPFamily): Promise<JumpRule[]> {
    const jumps = jumpRules(this.names.top);
    const builtins = [...new Set(jumps.map((j) => `${j.table} ${j.chain}`))];
    const listed = new Map<string, string[]>();
    await Promise.all(
      builtins.map(async (tc) => {
        const [table, chain] = tc.split(' ');
        const out = await this.run(this.tools(family).iptables, ['-w', '-t', table, '-S', chain]);
        listed.set(tc, out.split('\n'));
      }),
    );
    return jumps.filter((j) => listed.get(`${j.table} ${j.chain}`)!.some((l) => l.startsWith(`-A ${j.chain} `) && l.endsWith(`-j ${j.target}`)));
  }

  private async missingJumps(family: IPFamily): Promise<JumpRule[]> {
    const id = (j: JumpRule) => `${j.table} ${j.chain} ${j.target}`;
    const present = new Set((await this.presentJumps(family)).map(id));
    return jumpRules(this.names.top).filter((j) => !present.has(id(j)));
  }

  private async cleanConntrack(prev: ProxyState, next: ProxyState, keys: Iterable<string>): Promise<void> {
    const cmds = this.families.flatMap((fs) => planConntrackCleanup(prev, next, keys, fs.family));
    const width = Math.max(1, this.opts.conntrackParallelism ?? 4);
    for (let i = 0; i < cmds.length; i += width) {
      await Promise.all(
        cmds.slice(i, i + width).map((args) =>
          this.run('conntrack', args).catch((e: unknown) => {
            if (!isNothingDeleted(e)) this.ctx.log?.(`conntrack ${args.join(' ')}: ${e instanceof Error ? e.message : String(e)}`);
          }),
        ),
      );
    }
  }

  /** Removes the jumps from the built-in chains and every chain with this prefix. */
  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    for (const fs of this.families) {
      const [present, filter, nat] = await Promise.all([this.presentJumps(fs.family), this.listChains(fs.family, 'filter'), this.listChains(fs.family, 'nat')]);
      if (present.length === 0 && filter.length === 0 && nat.length === 0) continue;
      const c = renderIptablesCleanup(this.names, present, { filter, nat });
      await this.run(this.tools(fs.family).restore, ['--noflush'], c.filter + c.nat);
      fs.chains = null;
    }
  }
}

/** Inserts the missing jumps (at the top, as kube-proxy's EnsureRule(Prepend)) before the table's COMMIT. */
function withJumps(table: string, missing: readonly JumpRule[], name: 'filter' | 'nat'): string {
  const lines = missing.filter((j) => j.table === name).map((j) => `-I ${j.chain} 1 ${j.spec}`);
  if (lines.length === 0) return table;
  const at = table.lastIndexOf('COMMIT\n');
  return `${table.slice(0, at)}${lines.join('\n')}\n${table.slice(at)}`;
}

export function createIptablesDataPlane(ctx: KernelDataPlaneContext, opts: IptablesDataPlaneOptions = {}): IptablesProxier {
  return new IptablesProxier(ctx, opts);
}
