/**
 * The node lifecycle controller (heartbeats only, no eviction): watches
 * Nodes, their Leases in kube-node-lease and the pods, and every
 * monitorPeriod reconciles each node: heartbeat older than the grace period →
 * conditions Unknown ("Kubelet stopped posting node status."), a NodeNotReady
 * event; not Ready → not-ready/unreachable taints and its pods' Ready
 * condition False with a NodeNotReady event each, so their endpoints leave
 * the Services; Ready again → taints removed (the agent rewrites its pods'
 * status itself).
 */
import type { Lease, Node, Pod } from '../../api/types.ts';
import { isNotFound } from '../../api/status.ts';
import { Informer, Resources, WorkQueue, trimManagedFields, type RestClient } from '../../client/index.ts';
import { newEventRecorder, nodeRef, podRef } from '../../node/index.ts';
import { heartbeatExpired, planTaints, planUnknownConditions, podsToMarkNotReady } from './plan.ts';

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period in seconds (default 40). */
  gracePeriodSeconds?: number;
  /** --node-monitor-period (default 5 s). */
  monitorPeriodMs?: number;
  /** Add the not-ready/unreachable taints (default true). */
  taints?: boolean;
  log?: (line: string) => void;
}

export interface RunningNodeLifecycle {
  stop(): void;
  synced: Promise<void>;
}

interface Health {
  probeMs: number;
  leaseRenew?: string;
  heartbeat?: string;
}

function iso(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function startNodeLifecycleController(client: RestClient, opts: NodeLifecycleOptions = {}): RunningNodeLifecycle {
  const graceMs = (opts.gracePeriodSeconds ?? 40) * 1000;
  const log = opts.log ?? (() => undefined);
  const nodes = new Informer<Node>(client, Resources.nodes, { transform: trimManagedFields, log });
  const leases = new Informer<Lease>(client, Resources.leases, { namespace: 'kube-node-lease', transform: trimManagedFields, log });
  const pods = new Informer<Pod>(client, Resources.pods, { log, transform: trimManagedFields, indexers: { node: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
  const events = newEventRecorder(client, { component: 'node-controller' }, { log });
  const health = new Map<string, Health>();

  const observe = (name: string, lease?: Lease, node?: Node) => {
    const h = health.get(name) ?? { probeMs: Date.now() };
    if (!health.has(name)) health.set(name, h);
    if (lease) {
      const r = lease.spec?.renewTime;
      if (r && r !== h.leaseRenew) {
        if (h.leaseRenew !== undefined) h.probeMs = Date.now();
        h.leaseRenew = r;
      }
    }
    if (node) {
      const hb = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
      if (hb && hb !== h.heartbeat) {
        if (h.heartbeat !== undefined) h.probeMs = Date.now();
        h.heartbeat = hb;
      }
    }
  };

  const reconcile = async (name: string) => {
    let node = nodes.cache.get(name);
    if (!node) return void health.delete(name);
    observe(name, leases.cache.get(`kube-node-lease/${name}`), node);
    const h = health.get(name)!;
    if (heartbeatExpired(h.probeMs, Date.now(), graceMs)) {
      const conditions = planUnknownConditions(node, iso());
      if (conditions) {
        try {
          node = await client.patch<Node>(
            Resources.nodes,
            undefined,
            name,
            { status: { conditions, '$setElementOrder/conditions': conditions.map((c) => ({ type: c.type })) } },
            'strategic',
            'status',
          );
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        log(`node ${name}: no heartbeat for ${Math.round((Date.now() - h.probeMs) / 1000)} s: Ready=Unknown`);
        events.event(nodeRef(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
    }
    if (opts.taints !== false) {
      const taints = planTaints(node, iso());
      if (taints) {
        await client.patch(Resources.nodes, undefined, name, { spec: { taints } }, 'merge').catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
    for (const p of podsToMarkNotReady(node, pods.cache.byIndex('node', name))) {
      const ready = p.status!.conditions!.find((c) => c.type === 'Ready')!;
      try {
        await client.patch(
          Resources.pods,
          p.metadata.namespace,
          p.metadata.name!,
          { status: { conditions: [{ ...ready, status: 'False', lastTransitionTime: iso() }] } },
          'strategic',
          'status',
        );
        events.event(podRef(p), 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  };

  const queue = new WorkQueue(reconcile, { workers: 4, log });
  nodes.addHandler({
    onAdd: (n) => queue.add(n.metadata.name!),
    onUpdate: (_o, n) => queue.add(n.metadata.name!),
    onDelete: (n) => health.delete(n.metadata.name!),
  });
  leases.addHandler({
    onAdd: (l) => observe(l.metadata.name!, l),
    onUpdate: (_o, l) => observe(l.metadata.name!, l),
  });
  pods.addHandler({
    onUpdate: (_o, p) => {
      // A pod that turns Ready on a node that is not (MarkPodsNotReady on pod updates).
      if (p.spec.nodeName && nodes.cache.get(p.spec.nodeName)?.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') queue.add(p.spec.nodeName);
    },
  });
  for (const i of [nodes, leases, pods]) i.start();
  const synced = Promise.all([nodes.waitForSync(), leases.waitForSync(), pods.waitForSync()]).then(() => undefined);
  const timer = setInterval(() => {
    for (const n of nodes.cache.keys()) queue.add(n);
  }, opts.monitorPeriodMs ?? 5000);
  return {
    synced,
    stop() {
      clearInterval(timer);
      queue.stop();
      for (const i of [nodes, leases, pods]) i.stop();
    },
  };
}
