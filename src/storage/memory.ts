/**
 * In-memory Store for tests and throwaway servers. Same semantics as the
 * durable backends (shared planner and watch hub); nothing survives close.
 */
import { compareKeys } from './keys.ts';
import { planTxn, validateOps } from './plan-txn.ts';
import {
  StorageError,
  type KeyValue,
  type ListResult,
  type Store,
  type TxnOp,
  type TxnResult,
  type WatchEvent,
  type WatchHandle,
} from './types.ts';
import { WatchHub } from './watch-hub.ts';

export interface MemoryStoreOptions {
  /**
   * Most events kept for watch history (default 10000). Older revisions are
   * compacted automatically, whole revisions at a time.
   */
  readonly maxEvents?: number;
}

interface RevisionEvents {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

export class MemoryStore implements Store {
  private readonly kv = new Map<string, KeyValue>();
  private readonly hub = new WatchHub();
  private readonly maxEvents: number;
  /** history[head..] are the retained revisions, oldest first. */
  private history: RevisionEvents[] = [];
  private head = 0;
  private eventCount = 0;
  private revision = 0;
  private compacted = 0;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 10000;
    if (!(this.maxEvents >= 1)) throw new StorageError('Internal', `maxEvents must be >= 1, got ${this.maxEvents}`);
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return this.kv.get(key);
  }

  async list(prefix: string): Promise<ListResult> {
    this.checkOpen();
    const items: KeyValue[] = [];
    for (const kv of this.kv.values()) if (kv.key.startsWith(prefix)) items.push(kv);
    items.sort((a, b) => compareKeys(a.key, b.key));
    return { items, revision: this.revision };
  }

  async txn(ops: readonly TxnOp[]): Promise<TxnResult> {
    this.checkOpen();
    validateOps(ops);
    const revision = this.revision + 1;
    const plan = planTxn(ops, revision, (k) => this.kv.get(k));
    if (plan.writes.size === 0) return { revision: this.revision, results: [] };
    for (const [key, kv] of plan.writes) {
      if (kv) this.kv.set(key, kv);
      else this.kv.delete(key);
    }
    this.revision = revision;
    this.history.push({ revision, events: plan.events });
    this.eventCount += plan.events.length;
    this.trimHistory();
    this.hub.publish(revision, plan.events);
    return { revision, results: plan.results };
  }

  watch(prefix: string, afterRevision: number, onEvents: (events: readonly WatchEvent[]) => void): WatchHandle {
    this.checkOpen();
    if (afterRevision < this.compacted) {
      throw new StorageError(
        'Compacted',
        `revision ${afterRevision} has been compacted; oldest watchable is ${this.compacted}`,
        this.compacted + 1,
      );
    }
    const history: WatchEvent[] = [];
    for (let i = this.firstAfter(afterRevision); i < this.history.length; i++) {
      for (const e of this.history[i].events) if (e.kv.key.startsWith(prefix)) history.push(e);
    }
    return this.hub.add(prefix, afterRevision, this.revision, history, onEvents);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    this.compactTo(Math.min(revision, this.revision));
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll();
  }

  /** Index in history of the first revision > rev. */
  private firstAfter(rev: number): number {
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid].revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compactTo(revision: number): void {
    if (revision <= this.compacted) return;
    const end = this.firstAfter(revision);
    for (let i = this.head; i < end; i++) this.eventCount -= this.history[i].events.length;
    this.head = end;
    this.compacted = revision;
    // Drop the dead prefix now and then so trimming stays amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.history.length) {
      this.history = this.history.slice(this.head);
      this.head = 0;
    }
  }

  private trimHistory(): void {
    if (this.eventCount <= this.maxEvents) return;
    let i = this.head;
    let count = this.eventCount;
    // Keep at least the newest revision even if it alone exceeds the bound.
    while (count > this.maxEvents && i < this.history.length - 1) count -= this.history[i++].events.length;
    if (i > this.head) this.compactTo(this.history[i - 1].revision);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('Closed', 'Store is closed');
  }
}
