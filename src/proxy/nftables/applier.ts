/**
 * The nftables data plane: keeps the plan the kernel holds (never reads the
 * ruleset back — `nft list ruleset` takes 18 s at 10,000 services), and at
 * every sync sends one atomic `nft -f -` transaction through ctx.run:
 *
 * - full (update.full: first sync, after a failed apply, every syncPeriod):
 *   flush the table's rules and maps, define everything again, delete the
 *   chains and sets the previous plan had and this one has not. This repairs
 *   drift (a rule deleted by hand). The first full sync of a process — and
 *   the one after a failed full sync — deletes the table first, so nothing an
 *   earlier run left behind survives.
 * - incremental: only the chains and map elements of the changed service
 *   ports (renderIncremental); chains and sets no longer used are flushed
 *   and left for the next full sync to delete (deleting them makes nft dump
 *   the whole table first). A change to the table-level options
 *   (NodePort addresses, cluster CIDRs) or to an affinity timeout takes a
 *   full sync instead.
 *
 * After a successful apply, stale UDP conntrack entries are deleted as
 * kube-proxy does (conntrack.ts); failures there are logged, not thrown.
 * close() deletes the tables.
 */
import type { DataPlane } from '../data-plane.ts';
import { execRunner, type CommandRunner, type KernelDataPlaneContext, type KernelDataPlaneFactory } from '../kernel.ts';
import type { ServicePortStats } from '../metrics.ts';
import type { IPFamily, ProxyState, ProxyStateUpdate } from '../types.ts';
import { EMPTY_STATE } from '../types.ts';
import { planConntrackCleanup } from './conntrack.ts';
import {
  DEFAULT_TABLE,
  canSyncIncrementally,
  leftovers,
  nftFamily,
  planNftables,
  renderFamilyFull,
  renderIncremental,
  replanPorts,
  sameAffinityTimeouts,
  type FamilyPlan,
  type Leftovers,
  type NftOptions,
  type NftPlan,
} from './renderer.ts';

/** What one sync did (for logs, tests and the benchmark). */
export interface NftSyncResult {
  mode: 'full' | 'fresh' | 'incremental' | 'none';
  /** Bytes of nft text sent. */
  bytes: number;
  /** Milliseconds spent rendering and in `nft`. */
  renderMs: number;
  applyMs: number;
  conntrackDeletes: number;
}

const CONNTRACK_PARALLEL = 4;

export class NftablesDataPlane implements DataPlane {
  private readonly run: CommandRunner;
  private readonly table: string;
  private applied: NftPlan | undefined;
  private appliedOptions = '';
  private appliedState: ProxyState = EMPTY_STATE;
  private fresh = true;
  /** Per family: chains and sets incremental syncs flushed and the next full sync deletes. */
  private pending = new Map<IPFamily, Leftovers>();
  private closed = false;
  /** The last sync's result. */
  last: NftSyncResult = { mode: 'none', bytes: 0, renderMs: 0, applyMs: 0, conntrackDeletes: 0 };

  constructor(private readonly ctx: KernelDataPlaneContext) {
    this.run = ctx.run ?? execRunner;
    this.table = ctx.name ?? DEFAULT_TABLE;
  }

  /** Renderer options from the context, read at every sync (NodePort addresses follow the Node). */
  options(): NftOptions {
    return {
      table: this.table,
      ipFamilies: this.ctx.ipFamilies,
      clusterCIDRs: this.ctx.clusterCIDRs,
      nodePortAddresses: this.ctx.addressing.nodePortAddresses(),
    };
  }

  async sync(state: ProxyState, update: ProxyStateUpdate): Promise<void> {
    if (this.closed) return;
    const t0 = performance.now();
    const opts = this.options();
    const optsKey = JSON.stringify(opts);
    const keys = update.full ? undefined : new Set([...update.changed, ...update.deleted]);
    let next: NftPlan;
    let text: string;
    let mode: NftSyncResult['mode'];
    const prev = this.applied;
    const incremental =
      keys !== undefined && prev !== undefined && optsKey === this.appliedOptions ? this.planIncremental(prev, state, keys) : undefined;
    if (incremental) {
      ({ next, text } = incremental);
      mode = text ? 'incremental' : 'none';
    } else {
      next = planNftables(state, opts);
      const fresh = this.fresh || !prev || next.families.some((fp) => !sameAffinityTimeouts(familyOf(prev, fp.family), fp, fp.ports.keys()));
      text = next.families
        .map((fp) => renderFamilyFull(next.table, fp, { fresh, leftovers: fresh ? undefined : leftovers(familyOf(prev, fp.family), fp, this.pending.get(fp.family)) }))
        .join('');
      mode = fresh ? 'fresh' : 'full';
    }
    const t1 = performance.now();
    if (text) {
      try {
        await this.run('nft', ['-f', '-'], text);
      } catch (e) {
        // The transaction was rolled back; a failed full sync may mean the table is not what we think: start over.
        if (mode !== 'incremental') this.fresh = true;
        throw e;
      }
    }
    const t2 = performance.now();
    this.applied = next;
    this.appliedOptions = optsKey;
    this.fresh = false;
    this.pending = incremental ? incremental.pending : new Map();
    const cleanupKeys = keys ?? new Set([...this.appliedState.servicePorts.keys(), ...state.servicePorts.keys()]);
    const deletes = planConntrackCleanup(this.appliedState, state, cleanupKeys, this.ctx.ipFamilies);
    this.appliedState = state;
    await this.deleteConntrack(deletes);
    this.last = { mode, bytes: text.length, renderMs: t1 - t0, applyMs: t2 - t1, conntrackDeletes: deletes.length };
  }

  private planIncremental(prev: NftPlan, state: ProxyState, keys: ReadonlySet<string>): { next: NftPlan; text: string; pending: Map<IPFamily, Leftovers> } | undefined {
    const families: FamilyPlan[] = [];
    const texts: string[] = [];
    const pending = new Map<IPFamily, Leftovers>();
    for (const fp of prev.families) {
      const nfp = replanPorts(fp, state, keys);
      if (!canSyncIncrementally(fp, nfp, keys)) return undefined;
      families.push(nfp);
      const inc = renderIncremental(prev.table, fp, nfp, keys);
      texts.push(inc.text);
      const before = this.pending.get(fp.family) ?? { chains: [], sets: [] };
      // Whatever the new plan uses again is no longer pending deletion.
      pending.set(fp.family, leftovers(undefined, nfp, { chains: [...before.chains, ...inc.deferred.chains], sets: [...before.sets, ...inc.deferred.sets] }));
    }
    return { next: { table: prev.table, families }, text: texts.join(''), pending };
  }

  /** Runs the deletions, a few at a time (the first sync after a start may name every UDP Service). */
  private async deleteConntrack(cmds: readonly string[][]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < cmds.length) {
        const args = cmds[next++]!;
        try {
          await this.run('conntrack', args);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          // conntrack exits non-zero when nothing matched (kube-proxy ignores "0 flow entries have been deleted").
          if (!msg.includes('0 flow entries')) this.ctx.log?.(`conntrack ${args.join(' ')}: ${msg}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNTRACK_PARALLEL, cmds.length) }, worker));
  }

  /** Kernel mode has no per-connection view in user space: no userspace traffic counters (kube-proxy exports none either). */
  stats(): Iterable<ServicePortStats> {
    return [];
  }

  /** Deletes this data plane's tables (kube-proxy CleanupLeftovers). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const text = this.ctx.ipFamilies.map((f) => `add table ${nftFamily(f)} ${this.table}\ndelete table ${nftFamily(f)} ${this.table}\n`).join('');
    await this.run('nft', ['-f', '-'], text);
  }
}

function familyOf(plan: NftPlan | undefined, family: IPFamily): FamilyPlan | undefined {
  return plan?.families.find((f) => f.family === family);
}

export const nftablesDataPlane: KernelDataPlaneFactory = (ctx) => new NftablesDataPlane(ctx);
