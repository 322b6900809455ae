/**
 * Node health as the node lifecycle controller judges it
 * (pkg/controller/nodelifecycle tryUpdateNodeHealth, doNoScheduleTaintingPass,
 * MarkPodsNotReady), reduced to heartbeats: a node whose Lease and Ready
 * heartbeat have not moved for the grace period gets all its conditions set
 * to Unknown; a node that is not Ready gets the not-ready/unreachable taints
 * and its pods' Ready condition set to False. Pure: time and the last
 * observed heartbeat are passed in.
 */
import type { Condition, Node, Pod } from '../../api/types.ts';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

const NODE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** Conditions to write when the heartbeat is older than the grace period, or undefined when nothing changes. */
export function planUnknownConditions(node: Node, now: string): Condition[] | undefined {
  const conds = node.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown' && NODE_CONDITIONS.every((t) => conds.find((c) => c.type === t)?.status === 'Unknown')) return undefined;
  const out: Condition[] = [];
  for (const type of NODE_CONDITIONS) {
    const cur = conds.find((c) => c.type === type);
    if (!cur) {
      out.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: now,
      });
    } else if (cur.status !== 'Unknown') {
      out.push({ ...cur, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now });
    } else {
      out.push(cur);
    }
  }
  return out;
}

/** The node's taints with the lifecycle taints its Ready condition calls for (others kept, order kept). */
export function planTaints(node: Node, now: string): Taint[] | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const current = (node.spec?.taints ?? []) as Taint[];
  const want =
    ready?.status === 'False' ? TAINT_NOT_READY : ready?.status === 'Unknown' || !ready ? TAINT_UNREACHABLE : undefined;
  const others = current.filter((t) => t.key !== TAINT_NOT_READY && t.key !== TAINT_UNREACHABLE);
  const lifecycle = want
    ? (['NoSchedule', 'NoExecute'] as const).map(
        (effect) => current.find((t) => t.key === want && t.effect === effect) ?? { key: want, effect, ...(effect === 'NoExecute' ? { timeAdded: now } : {}) },
      )
    : [];
  const next = [...others, ...lifecycle];
  const same = next.length === current.length && next.every((t, i) => current[i].key === t.key && current[i].effect === t.effect);
  return same ? undefined : next;
}

/** MarkPodsNotReady: the pods of a node that is not Ready whose Ready condition is still True. */
export function podsToMarkNotReady(node: Node, pods: readonly Pod[]): Pod[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return [];
  return pods.filter((p) => p.spec.nodeName === node.metadata.name && p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
}

/**
 * Is the node's last heartbeat older than the grace period? The heartbeat
 * time is when this controller last saw the Lease's renewTime or the Ready
 * condition's lastHeartbeatTime change (its own clock, as Kubernetes does,
 * so clock skew between machines does not matter).
 */
export function heartbeatExpired(probeTimestampMs: number, nowMs: number, graceMs: number): boolean {
  return nowMs - probeTimestampMs > graceMs;
}
