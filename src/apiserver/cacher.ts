/**
 * The watch cache (Kubernetes' "cacher"): one in-memory copy of every stored
 * object, kept current by a single storage watch, plus a ring of recent
 * events from which watchers start at a resourceVersion. Reads and watches are
 * served from here; writes go to the store and the handler waits for the
 * cache to reach the write's revision before answering, so a client always
 * reads its own writes.
 *
 * Objects in the cache are frozen and carry their resourceVersion; their JSON
 * text is computed once and shared by every reader and watcher.
 */
import type { Store, WatchEvent, WatchHandle } from '../storage/index.ts';
import type { KubeObject } from '../api/types.ts';
import { gone } from '../api/status.ts';

export interface CachedObject {
  readonly key: string;
  readonly rv: number;
  readonly obj: KubeObject;
  /**
   * The stored text the object was decoded from: the registry's encoding of
   * `obj` (JSON without resourceVersion), so an update can compare against it
   * without encoding the current object again.
   */
  readonly value: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  readonly type: WatchEventType;
  readonly key: string;
  readonly rv: number;
  /** The object after the event (for DELETED: the last state, with the delete's RV). */
  readonly obj: KubeObject;
  /** The object before the event, for MODIFIED and DELETED. */
  readonly prev?: KubeObject;
}

export interface CacheWatcher {
  /** Receives events in revision order. */
  onEvent(ev: CacheEvent): void;
}

const jsonCache = new WeakMap<object, string>();

/** The JSON text of a cached (frozen) object, computed once. */
export function jsonOf(obj: object): string {
  let s = jsonCache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    jsonCache.set(obj, s);
  }
  return s;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

function decode(value: string, rv: number): KubeObject {
  const obj = JSON.parse(value) as KubeObject;
  // Fresh from the parse, so set in place (last key, as the encoding left it out).
  if (obj.metadata && typeof obj.metadata === 'object') obj.metadata.resourceVersion = String(rv);
  else obj.metadata = { resourceVersion: String(rv) };
  return deepFreeze(obj);
}

interface Subscription {
  prefix: string;
  w: CacheWatcher;
}

export class Cacher {
  private readonly objects = new Map<string, CachedObject>();
  private sortedKeys: string[] | null = null;
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0;
  private rev = 0;
  /** Events with rv <= this are no longer in the ring. */
  private oldestRetained = 0;
  private readonly subs = new Set<Subscription>();
  private readonly waiters: { rev: number; resolve: () => void }[] = [];
  private handle?: WatchHandle;

  constructor(
    private readonly store: Store,
    private readonly capacity = 100_000,
  ) {}

  async start(): Promise<void> {
    const list = await this.store.list('/registry/');
    for (const kv of list.items) {
      this.objects.set(kv.key, { key: kv.key, rv: kv.modRevision, obj: decode(kv.value, kv.modRevision), value: kv.value });
    }
    this.rev = list.revision;
    this.oldestRetained = list.revision;
    this.handle = this.store.watch('/registry/', list.revision, (evs) => this.apply(evs));
  }

  stop(): void {
    this.handle?.close();
  }

  get revision(): number {
    return this.rev;
  }

  get(key: string): CachedObject | undefined {
    return this.objects.get(key);
  }

  /** Objects whose key starts with prefix, sorted by key. */
  list(prefix: string): CachedObject[] {
    return this.page(prefix, '', Infinity, () => true).items;
  }

  /**
   * One page of a list: objects under prefix with key > after that pass
   * `keep`, at most `limit` of them, found by binary search on the sorted
   * keys (a page costs its own size, not the whole list). `more` tells
   * whether a further match exists; `rest` counts the keys after the page
   * (all of them, matching or not).
   */
  page(prefix: string, after: string, limit: number, keep: (o: KubeObject) => boolean): { items: CachedObject[]; more: boolean; rest: number } {
    if (!this.sortedKeys) this.sortedKeys = [...this.objects.keys()].sort();
    const keys = this.sortedKeys;
    const from = after > prefix ? after : prefix;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < from || (after && keys[mid] === after)) lo = mid + 1;
      else hi = mid;
    }
    const out: CachedObject[] = [];
    let i = lo;
    for (; i < keys.length && keys[i]!.startsWith(prefix); i++) {
      const c = this.objects.get(keys[i]!)!;
      if (!keep(c.obj)) continue;
      if (out.length === limit) return { items: out, more: true, rest: this.countFrom(i, prefix) };
      out.push(c);
    }
    return { items: out, more: false, rest: 0 };
  }

  /** Keys under prefix from sorted index i on. */
  private countFrom(i: number, prefix: string): number {
    const keys = this.sortedKeys!;
    let lo = i;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]!.startsWith(prefix) || keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo - i;
  }

  /** Resolves once the cache has applied every event up to rev. */
  waitFor(rev: number): Promise<void> {
    if (this.rev >= rev) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ rev, resolve }));
  }

  /**
   * Subscribes to events for keys under prefix with rv > fromRv. Throws 410
   * Gone when fromRv is older than the retained window.
   */
  watch(prefix: string, fromRv: number, w: CacheWatcher): () => void {
    if (fromRv < this.oldestRetained) {
      throw gone(`too old resource version: ${fromRv} (${this.oldestRetained + 1})`);
    }
    // Replay retained events after fromRv, then go live. Both happen
    // synchronously, so no event can fall between them.
    let lo = this.ringStart;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ring[mid]!.rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.ring.length; i++) {
      const ev = this.ring[i]!;
      if (ev.key.startsWith(prefix)) w.onEvent(ev);
    }
    const sub = { prefix, w };
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  private apply(evs: readonly WatchEvent[]): void {
    for (const e of evs) {
      const prev = this.objects.get(e.kv.key);
      let ev: CacheEvent;
      if (e.type === 'put') {
        const obj = decode(e.kv.value, e.kv.modRevision);
        if (!prev) this.sortedKeys = null;
        this.objects.set(e.kv.key, { key: e.kv.key, rv: e.kv.modRevision, obj, value: e.kv.value });
        ev = { type: prev ? 'MODIFIED' : 'ADDED', key: e.kv.key, rv: e.revision, obj, prev: prev?.obj };
      } else {
        if (!prev) continue;
        this.objects.delete(e.kv.key);
        this.sortedKeys = null;
        const last = deepFreeze({ ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(e.revision) } }) as KubeObject;
        ev = { type: 'DELETED', key: e.kv.key, rv: e.revision, obj: last, prev: prev.obj };
      }
      this.ring.push(ev);
      for (const s of this.subs) if (ev.key.startsWith(s.prefix)) s.w.onEvent(ev);
      this.rev = Math.max(this.rev, e.revision);
    }
    if (evs.length) this.rev = Math.max(this.rev, evs[evs.length - 1]!.revision);
    this.trim();
    if (this.waiters.length) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const wt = this.waiters[i]!;
        if (wt.rev <= this.rev) {
          this.waiters.splice(i, 1);
          wt.resolve();
        }
      }
    }
  }

  private trim(): void {
    const live = this.ring.length - this.ringStart;
    if (live <= this.capacity) return;
    const drop = live - this.capacity;
    this.ringStart += drop;
    this.oldestRetained = this.ring[this.ringStart - 1]!.rv;
    // Keep older events of the same revision out too: a revision is atomic.
    while (this.ringStart < this.ring.length && this.ring[this.ringStart]!.rv === this.oldestRetained) this.ringStart++;
    if (this.ringStart > this.capacity) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
  }
}
