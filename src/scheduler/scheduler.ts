/**
 * A minimal scheduler: binds pods without spec.nodeName (schedulerName
 * default-scheduler) to a node chosen by planScheduling, and marks the ones
 * that fit nowhere PodScheduled=False/Unschedulable with a FailedScheduling
 * event, retrying when nodes change and every retryMs. Level-triggered: a
 * reconcile reads the caches and is safe to rerun. Binding is a merge patch of
 * spec.nodeName (the API here has no pods/binding), then the PodScheduled
 * condition on pods/status, then a Scheduled event.
 */
import type { Node, Pod } from '../api/types.ts';
import { isConflict, isInvalid, isNotFound } from '../api/status.ts';
import { Informer, Resources, WorkQueue, objectKey, trimManagedFields, type RestClient } from '../client/index.ts';
import { newEventRecorder, podRef } from '../node/index.ts';
import { planScheduling } from './plan.ts';

export interface SchedulerOptions {
  /** Pods whose spec.schedulerName is this (default "default-scheduler"). */
  schedulerName?: string;
  /** Unschedulable pods are retried this often even without node changes (default 10 s). */
  retryMs?: number;
  workers?: number;
  log?: (line: string) => void;
}

export interface RunningScheduler {
  stop(): void;
  synced: Promise<void>;
  /** Pods bound so far (metrics). */
  readonly bound: number;
}

function iso(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function startScheduler(client: RestClient, opts: SchedulerOptions = {}): RunningScheduler {
  const name = opts.schedulerName ?? 'default-scheduler';
  const log = opts.log ?? (() => undefined);
  const pods = new Informer<Pod>(client, Resources.pods, {
    log,
    indexers: { node: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
    // kube-scheduler's pod informer drops managedFields (pkg/scheduler/scheduler.go, newPodInformer).
    transform: trimManagedFields,
  });
  const nodes = new Informer<Node>(client, Resources.nodes, { log });
  const events = newEventRecorder(client, { component: name }, { log });
  /** Pods bound but not yet seen bound in the cache (count them where they went). */
  const assumed = new Map<string, { uid: string; node: string }>();
  let bound = 0;

  const wanted = (p: Pod) =>
    !p.spec.nodeName &&
    String(p.spec['schedulerName'] ?? 'default-scheduler') === name &&
    !p.metadata.deletionTimestamp &&
    p.status?.phase !== 'Succeeded' &&
    p.status?.phase !== 'Failed';

  const podCount = (node: string) => {
    let n = 0;
    for (const p of pods.cache.byIndex('node', node)) if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') n++;
    for (const [key, a] of assumed) {
      const cur = pods.cache.get(key);
      if (a.node === node && (!cur || cur.metadata.uid !== a.uid || !cur.spec.nodeName)) n++;
    }
    return n;
  };

  const reconcile = async (key: string) => {
    const pod = pods.cache.get(key);
    if (!pod) return void assumed.delete(key);
    const a = assumed.get(key);
    if (a && (a.uid !== pod.metadata.uid || pod.spec.nodeName)) assumed.delete(key);
    if (!wanted(pod) || assumed.has(key)) return;
    const plan = planScheduling(pod, nodes.cache.list(), podCount);
    const ns = pod.metadata.namespace!;
    const podName = pod.metadata.name!;
    if ('node' in plan) {
      assumed.set(key, { uid: pod.metadata.uid!, node: plan.node });
      try {
        await client.patch(Resources.pods, ns, podName, { metadata: { uid: pod.metadata.uid }, spec: { nodeName: plan.node } }, 'merge');
      } catch (e) {
        assumed.delete(key);
        if (isNotFound(e) || isConflict(e) || isInvalid(e)) return;
        throw e;
      }
      bound++;
      await client
        .patch(
          Resources.pods,
          ns,
          podName,
          { status: { conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(), reason: null, message: null }] } },
          'strategic',
          'status',
        )
        .catch((e: unknown) => log(`scheduler: ${key}: PodScheduled: ${e instanceof Error ? e.message : String(e)}`));
      events.event(podRef(pod), 'Normal', 'Scheduled', `Successfully assigned ${ns}/${podName} to ${plan.node}`);
      return;
    }
    const cur = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (!(cur?.status === 'False' && cur.reason === 'Unschedulable' && cur.message === plan.unschedulable)) {
      await client
        .patch(
          Resources.pods,
          ns,
          podName,
          {
            status: {
              conditions: [
                { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : iso(), reason: 'Unschedulable', message: plan.unschedulable },
              ],
            },
          },
          'strategic',
          'status',
        )
        .catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
    }
    events.event(podRef(pod), 'Warning', 'FailedScheduling', plan.unschedulable);
    queue.addAfter(key, opts.retryMs ?? 10_000);
  };

  const queue = new WorkQueue(reconcile, { workers: opts.workers ?? 4, log });
  const requeueAll = () => {
    for (const p of pods.cache.list()) if (wanted(p)) queue.add(objectKey(p));
  };
  pods.addHandler({
    onAdd: (p) => wanted(p) && queue.add(objectKey(p)),
    onUpdate: (_o, p) => {
      if (wanted(p)) queue.add(objectKey(p));
      else if (assumed.has(objectKey(p)) && p.spec.nodeName) assumed.delete(objectKey(p));
    },
    onDelete: (p) => {
      assumed.delete(objectKey(p));
      // A freed slot may fit a waiting pod.
      if (p.spec.nodeName) requeueAll();
    },
  });
  nodes.addHandler({ onAdd: requeueAll, onUpdate: requeueAll, onDelete: requeueAll });
  pods.start();
  nodes.start();
  const synced = Promise.all([pods.waitForSync(), nodes.waitForSync()]).then(() => undefined);
  return {
    synced,
    get bound() {
      return bound;
    },
    stop() {
      queue.stop();
      pods.stop();
      nodes.stop();
    },
  };
}
