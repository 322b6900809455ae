/**
 * Writes pod status (the kubelet's status manager): level-triggered per pod
 * key. A reconcile plans the status from the pod worker's view against the
 * newest copy of the pod it knows (the informer's, or the response to its own
 * last write if that is newer, so a stale cache never makes it write twice),
 * and PATCHes pods/status with a strategic merge patch only when something
 * the agent owns differs. Conditions merge by type, so conditions other
 * writers own (readiness gates, DisruptionTarget) survive. A change is
 * written at once, not on a timer.
 */
import type { Pod, PodStatus } from '../api/types.ts';
import { isNotFound } from '../api/status.ts';
import { Resources, WorkQueue, type Cache, type RestClient } from '../client/index.ts';
import { comparableStatus, planPodStatus, type PodView } from './pod-status.ts';

interface Provider {
  uid: string;
  view(): PodView;
}

function rvNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export class StatusManager {
  private readonly providers = new Map<string, Provider>();
  private readonly latest = new Map<string, Pod>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly readinessAt = new Map<string, number>();
  private readonly queue: WorkQueue;
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  /** Probe result → status write completed, in ms (metrics). */
  readonly writeLatencies: number[] = [];
  writes = 0;

  constructor(
    private readonly client: RestClient,
    private readonly cache: Cache<Pod>,
    log: (l: string) => void,
    workers = 8,
  ) {
    this.queue = new WorkQueue((k) => this.reconcile(k), { workers, baseDelayMs: 50, maxDelayMs: 5000, log });
  }

  register(key: string, uid: string, view: () => PodView): void {
    this.providers.set(key, { uid, view });
    this.changed(key);
  }

  unregister(key: string, uid: string): void {
    if (this.providers.get(key)?.uid !== uid) return;
    this.providers.delete(key);
    this.latest.delete(key);
    this.readinessAt.delete(key);
    for (const w of this.waiters.get(key) ?? []) w();
    this.waiters.delete(key);
  }

  /**
   * Marks a pod's status dirty. Changes made in the same turn of the event
   * loop (a pod accepted, its sandbox and containers started) are written
   * together, one macrotask later, instead of as a stale first write the
   * second one must queue behind.
   */
  changed(key: string): void {
    this.dirty.add(key);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const k of keys) this.queue.add(k);
    });
  }

  noteReadinessChange(key: string, atMs: number): void {
    if (!this.readinessAt.has(key)) this.readinessAt.set(key, atMs);
  }

  /** Resolves after the pod's status has been written (or found up to date), at most after timeoutMs. */
  flush(key: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.waiters.set(key, list);
      this.queue.add(key);
    });
  }

  stop(): void {
    this.queue.stop();
    for (const ws of this.waiters.values()) for (const w of ws) w();
    this.waiters.clear();
  }

  private base(key: string, uid: string): Pod | undefined {
    const cached = this.cache.get(key);
    const mine = this.latest.get(key);
    let base = cached;
    if (mine && (!cached || rvNewer(mine.metadata.resourceVersion, cached.metadata.resourceVersion))) base = mine;
    if (base && base.metadata.uid !== uid) return cached?.metadata.uid === uid ? cached : undefined;
    return base;
  }

  private async reconcile(key: string): Promise<void> {
    const waiting = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    try {
      await this.sync(key);
      for (const w of waiting) w();
    } catch (e) {
      this.waiters.set(key, [...waiting, ...(this.waiters.get(key) ?? [])]);
      throw e;
    }
  }

  private async sync(key: string): Promise<void> {
    const p = this.providers.get(key);
    if (!p) return;
    const pod = this.base(key, p.uid);
    if (!pod) return;
    const desired = planPodStatus(pod, p.view(), iso(Date.now()));
    if (comparableStatus(desired) === comparableStatus(pod.status)) {
      this.readinessAt.delete(key);
      return;
    }
    const since = this.readinessAt.get(key);
    this.readinessAt.delete(key);
    const status: Record<string, unknown> = {
      ...desired,
      reason: desired.reason ?? null,
      message: desired.message ?? null,
      conditions: (desired.conditions ?? []).map((c) => ({ reason: null, message: null, ...c })),
      '$setElementOrder/conditions': (desired.conditions ?? []).map((c) => ({ type: c.type })),
    };
    try {
      const res = await this.client.patch<Pod>(Resources.pods, pod.metadata.namespace, pod.metadata.name!, { status }, 'strategic', 'status');
      this.writes++;
      if (since !== undefined) this.writeLatencies.push(Date.now() - since);
      if (this.providers.get(key)?.uid === p.uid) this.latest.set(key, res);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }
}

export type { PodStatus };
