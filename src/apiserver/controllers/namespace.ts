/**
 * Namespace lifecycle (kube-controller-manager's namespace controller): when a
 * namespace is marked for deletion, delete everything in it, then remove the
 * `kubernetes` finalizer through namespaces/finalize so the namespace goes.
 * Pods are deleted gracefully, so a namespace with running pods stays
 * Terminating until their nodes confirm, as in Kubernetes.
 */
import type { Namespace } from '../../api/types.ts';
import { RESOURCES, findResource, storagePrefix } from '../../api/resources.ts';
import { isNotFound } from '../../api/status.ts';
import type { Registry } from '../registry.ts';
import { KeyQueue } from './key-queue.ts';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;

export class NamespaceController {
  private readonly queue: KeyQueue;
  private unsubscribe?: () => void;

  constructor(private readonly reg: Registry) {
    this.queue = new KeyQueue((ns) => this.reconcile(ns));
  }

  start(): void {
    for (const c of this.reg.cacher.list(storagePrefix(NAMESPACES))) this.queue.add(c.obj.metadata.name!);
    this.unsubscribe = this.reg.cacher.watch('/registry/', this.reg.cacher.revision, {
      onEvent: (ev) => {
        if (ev.key.startsWith(storagePrefix(NAMESPACES))) this.queue.add(ev.obj.metadata.name!);
        else if (ev.type === 'DELETED' && ev.obj.metadata.namespace) {
          // Content went away: a terminating namespace may now be empty.
          const ns = this.reg.getCached(NAMESPACES, undefined, ev.obj.metadata.namespace)?.obj;
          if (ns?.metadata.deletionTimestamp) this.queue.add(ev.obj.metadata.namespace);
        }
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(name: string): Promise<void> {
    const ns = this.reg.getCached(NAMESPACES, undefined, name)?.obj as Namespace | undefined;
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const r of RESOURCES) {
      if (!r.namespaced) continue;
      for (const c of this.reg.cacher.list(storagePrefix(r, name))) {
        remaining++;
        if (c.obj.metadata.deletionTimestamp) continue;
        try {
          await this.reg.delete(r, name, c.obj.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
    if (remaining > 0) {
      // Re-check once the deletions have landed; pods may take their grace period.
      const left = RESOURCES.some((r) => r.namespaced && this.reg.cacher.list(storagePrefix(r, name)).length > 0);
      if (left) return;
    }
    try {
      await this.reg.guaranteedUpdate(NAMESPACES, undefined, name, { subresource: 'finalize' }, (cur) => {
        const c = cur as Namespace;
        c.spec = { ...c.spec, finalizers: (c.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') };
        if (!c.spec.finalizers!.length) delete c.spec.finalizers;
        return c;
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
