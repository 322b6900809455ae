/**
 * Reflector + indexed cache + event handlers (client-go's SharedInformer,
 * reduced to what the components need).
 *
 * The reflector lists, then watches from the list's resourceVersion. When the
 * watch breaks it resumes from the last resourceVersion it saw; when the
 * server says 410 Gone (or the resume fails) it relists with back-off and
 * delivers the difference between the cache and the new list as ordinary
 * add/update/delete events, so a handler never misses a change and never sees
 * one twice.
 */
import type { KubeObject } from '../api/types.ts';
import { ApiError } from '../api/status.ts';
import type { ResourceRef, RestClient, WatchEventOf } from './rest.ts';

export type IndexFunc<T> = (obj: T) => string[];

/**
 * An informer transform that drops metadata.managedFields, which no component
 * here reads and which often outweighs the rest of an object. Kubernetes does
 * the same for its caches: kube-controller-manager for every shared informer
 * (cmd/kube-controller-manager/app/controllermanager.go,
 * CreateControllerContext: informers.WithTransform(trim)) and kube-scheduler
 * for its pod informer (pkg/scheduler/scheduler.go, newPodInformer).
 * Mutates and returns the freshly decoded object (nobody else holds it yet).
 */
export function trimManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

/** A thread-safe-by-construction (single event loop) store with indexes. */
export class Cache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, { fn: IndexFunc<T>; map: Map<string, Set<string>> }>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndex('namespace', (o) => [o.metadata.namespace ?? '']);
    for (const [name, fn] of Object.entries(indexers)) this.addIndex(name, fn);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    const map = new Map<string, Set<string>>();
    this.indexes.set(name, { fn, map });
    for (const [k, o] of this.items) for (const v of fn(o)) (map.get(v) ?? map.set(v, new Set()).get(v)!).add(k);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`no index named ${name}`);
    return [...(idx.map.get(value) ?? [])].map((k) => this.items.get(k)!).filter(Boolean);
  }

  byNamespace(ns: string): T[] {
    return this.byIndex('namespace', ns);
  }

  set(o: T): T | undefined {
    const k = objectKey(o);
    const old = this.items.get(k);
    if (old) this.unindex(k, old);
    this.items.set(k, o);
    for (const { fn, map } of this.indexes.values()) for (const v of fn(o)) (map.get(v) ?? map.set(v, new Set()).get(v)!).add(k);
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(k: string, o: T): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const v of fn(o)) {
        const s = map.get(v);
        s?.delete(k);
        if (s && s.size === 0) map.delete(v);
      }
    }
  }
}

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /** First relist back-off (doubles to maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Page size for lists (0 = no paging). */
  pageSize?: number;
  /**
   * Applied to every object from a list or a watch before it is cached or
   * handed to a handler (client-go's SharedInformer.SetTransform): a
   * component drops here what it never reads, e.g. trimManagedFields.
   */
  transform?: (obj: T) => T;
  log?: (line: string) => void;
}

export class Informer<T extends KubeObject> {
  readonly cache: Cache<T>;
  private readonly handlers: InformerHandlers<T>[] = [];
  private running = false;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopCurrent?: () => void;
  private lastRv = '';
  private wake?: () => void;
  /** Counts for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, relistsAfterGone: 0 };

  constructor(
    private readonly client: RestClient,
    private readonly ref: ResourceRef,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.cache = new Cache<T>(opts.indexers);
  }

  addHandler(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    // Late handlers see the current state as adds (as client-go does).
    if (this.synced) for (const o of this.cache.list()) h.onAdd?.(o);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** The resourceVersion the cache reflects. */
  get resourceVersion(): string {
    return this.lastRv;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.stopCurrent?.();
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const base = this.opts.backoffMs ?? 200;
    const max = this.opts.maxBackoffMs ?? 10_000;
    let backoff = base;
    let needList = true;
    while (this.running) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          backoff = base;
        }
        const gone = await this.watchOnce();
        if (gone) {
          this.stats.relistsAfterGone++;
          needList = true;
        }
        backoff = base;
      } catch (e) {
        if (!this.running) break;
        if (e instanceof ApiError && e.code === 410) needList = true;
        this.opts.log?.(`informer ${this.ref.resource}: ${e instanceof Error ? e.message : String(e)}; retrying in ${backoff} ms`);
        await this.sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }

  /** Lists everything and turns the difference with the cache into events. */
  private async relist(): Promise<void> {
    this.stats.lists++;
    const items: T[] = [];
    let cont = '';
    let rv = '';
    do {
      const page = await this.client.list<T>(this.ref, this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize ?? 500,
        continue: cont || undefined,
      });
      items.push(...page.items);
      cont = page.metadata.continue ?? '';
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    const seen = new Set<string>();
    for (const o of items) {
      seen.add(objectKey(o));
      this.apply('ADDED', o);
    }
    for (const k of this.cache.keys()) {
      if (!seen.has(k)) this.apply('DELETED', this.cache.get(k)!);
    }
    this.lastRv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Watches until the stream ends. Returns true when the server said 410 Gone. */
  private async watchOnce(): Promise<boolean> {
    this.stats.watches++;
    let gone = false;
    const stream = this.client.watch<T>(
      this.ref,
      this.opts.namespace,
      {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.lastRv,
        allowWatchBookmarks: true,
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (ev: WatchEventOf<T>) => {
        if (ev.type === 'ERROR') {
          const st = ev.object as unknown as { code?: number };
          if (st.code === 410) gone = true;
          stream.stop();
          return;
        }
        if (ev.type === 'BOOKMARK') {
          this.lastRv = ev.object.metadata.resourceVersion ?? this.lastRv;
          return;
        }
        this.apply(ev.type, ev.object);
        this.lastRv = ev.object.metadata.resourceVersion ?? this.lastRv;
      },
    );
    this.stopCurrent = () => stream.stop();
    await stream.done;
    this.stopCurrent = undefined;
    return gone;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', decoded: T): void {
    const obj = this.opts.transform ? this.opts.transform(decoded) : decoded;
    const key = objectKey(obj);
    if (type === 'DELETED') {
      const old = this.cache.delete(key);
      if (old) for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return; // relist of an unchanged object
    this.cache.set(obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}
