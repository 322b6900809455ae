/**
 * Garbage collector (kube-controller-manager's garbagecollector, simplified
 * to the three propagation policies): a dependent whose owners are all gone is
 * deleted (background cascade); an owner being deleted with the
 * foregroundDeletion finalizer waits until its dependents are gone; one with
 * the orphan finalizer has its references removed from its dependents first.
 *
 * Level-triggered: events only enqueue keys; `reconcile` re-reads the cache.
 * It runs inside the API server process on the watch cache, and writes only
 * through the registry, like any API client.
 */
import type { KubeObject, OwnerReference } from '../../api/types.ts';
import { RESOURCES, findKind, storageKey, type ResourceInfo } from '../../api/resources.ts';
import { isNotFound } from '../../api/status.ts';
import type { Registry } from '../registry.ts';
import { KeyQueue } from './key-queue.ts';

function resourceOfKey(key: string): ResourceInfo | undefined {
  // /registry/<group|core>/<resource>/...
  const [, , g, res] = key.split('/');
  return RESOURCES.find((r) => (r.group || 'core') === g && r.resource === res);
}

function sameOwners(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata.ownerReferences ?? [];
  const y = b.metadata.ownerReferences ?? [];
  return x.length === y.length && x.every((o, i) => o.uid === y[i]!.uid);
}

export class GarbageCollector {
  /** owner uid → dependent keys */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly uidToKey = new Map<string, string>();
  private readonly queue: KeyQueue;
  private unsubscribe?: () => void;

  constructor(private readonly reg: Registry) {
    this.queue = new KeyQueue((k) => this.reconcile(k));
  }

  start(): void {
    for (const c of this.reg.cacher.list('/registry/')) this.index(c.key, undefined, c.obj);
    for (const c of this.reg.cacher.list('/registry/')) this.queue.add(c.key);
    this.unsubscribe = this.reg.cacher.watch('/registry/', this.reg.cacher.revision, {
      onEvent: (ev) => {
        this.index(ev.key, ev.prev, ev.type === 'DELETED' ? undefined : ev.obj);
        // reconcile has nothing to do for an object that is gone, or has no
        // owners and is not being deleted (most writes: e.g. pod status).
        if (ev.type !== 'DELETED' && (ev.obj.metadata.ownerReferences?.length || ev.obj.metadata.deletionTimestamp)) this.queue.add(ev.key);
        const uid = ev.obj.metadata.uid;
        if (uid) for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
        // A dependent changed or went: its owners may be waiting for it
        // (foreground, orphan), which only an owner being deleted does.
        for (const o of [...(ev.obj.metadata.ownerReferences ?? []), ...(ev.prev?.metadata.ownerReferences ?? [])]) {
          const ownerKey = this.uidToKey.get(o.uid);
          if (ownerKey && this.reg.cacher.get(ownerKey)?.obj.metadata.deletionTimestamp) this.queue.add(ownerKey);
        }
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  /** Resolves when no work is queued (for tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private index(key: string, prev: KubeObject | undefined, obj: KubeObject | undefined): void {
    // Same object, same owners (most updates): the index would not change.
    if (prev && obj && prev.metadata.uid === obj.metadata.uid && sameOwners(prev, obj)) return;
    for (const o of prev?.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(key);
    if (prev?.metadata.uid && !obj) this.uidToKey.delete(prev.metadata.uid);
    if (obj?.metadata.uid) this.uidToKey.set(obj.metadata.uid, key);
    for (const o of obj?.metadata.ownerReferences ?? []) {
      let s = this.dependents.get(o.uid);
      if (!s) this.dependents.set(o.uid, (s = new Set()));
      s.add(key);
    }
  }

  private ownerExists(dep: KubeObject, ref: OwnerReference): boolean {
    const r = findKind(ref.apiVersion, ref.kind);
    if (!r) return true; // unknown kinds: never collect on their account
    const key = storageKey(r, r.namespaced ? dep.metadata.namespace : undefined, ref.name);
    const owner = this.reg.cacher.get(key)?.obj;
    return owner !== undefined && owner.metadata.uid === ref.uid;
  }

  private async reconcile(key: string): Promise<void> {
    const r = resourceOfKey(key);
    const obj = this.reg.cacher.get(key)?.obj;
    if (!r || !obj) return;
    const name = obj.metadata.name!;
    const ns = obj.metadata.namespace;
    try {
      // Dependent side: all owners gone → delete (background).
      const refs = obj.metadata.ownerReferences ?? [];
      if (refs.length && !obj.metadata.deletionTimestamp && refs.every((ref) => !this.ownerExists(obj, ref))) {
        await this.reg.delete(r, ns, name, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
        return;
      }
      // Owner side: foreground and orphan finalizers.
      if (!obj.metadata.deletionTimestamp) return;
      const fins = obj.metadata.finalizers ?? [];
      const deps = [...(this.dependents.get(obj.metadata.uid!) ?? [])].filter((k) => this.reg.cacher.get(k));
      if (fins.includes('orphan')) {
        for (const dk of deps) {
          const dr = resourceOfKey(dk)!;
          const d = this.reg.cacher.get(dk)!.obj;
          await this.reg.guaranteedUpdate(dr, d.metadata.namespace, d.metadata.name!, {}, (cur) => {
            cur.metadata.ownerReferences = (cur.metadata.ownerReferences ?? []).filter((o) => o.uid !== obj.metadata.uid);
            if (!cur.metadata.ownerReferences.length) delete cur.metadata.ownerReferences;
            return cur;
          });
        }
        await this.removeFinalizer(r, ns, name, 'orphan');
      } else if (fins.includes('foregroundDeletion')) {
        const live = deps.filter((dk) => {
          const d = this.reg.cacher.get(dk)!.obj;
          return (d.metadata.ownerReferences ?? []).some((o) => o.uid === obj.metadata.uid);
        });
        for (const dk of live) {
          const d = this.reg.cacher.get(dk)!.obj;
          if (!d.metadata.deletionTimestamp) {
            await this.reg.delete(resourceOfKey(dk)!, d.metadata.namespace, d.metadata.name!, { propagationPolicy: 'Foreground' });
          }
        }
        if (live.length === 0) await this.removeFinalizer(r, ns, name, 'foregroundDeletion');
      }
    } catch (e) {
      if (isNotFound(e)) return;
      throw e; // conflicts and the rest are retried by the queue
    }
  }

  private async removeFinalizer(r: ResourceInfo, ns: string | undefined, name: string, f: string): Promise<void> {
    await this.reg.guaranteedUpdate(r, ns, name, {}, (cur) => {
      cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((x) => x !== f);
      if (!cur.metadata.finalizers.length) delete cur.metadata.finalizers;
      return cur;
    });
  }
}
