/**
 * Where a pod goes (kube-scheduler, reduced to the filters a Service
 * walkthrough needs): a node passes NodeUnschedulable, TaintToleration
 * (a node that is not Ready counts as carrying the node lifecycle
 * controller's not-ready/unreachable taint even before the controller adds
 * it), NodeAffinity (nodeSelector and required node affinity) and the pod
 * count limit; among the nodes that pass, the one running the fewest pods
 * wins (ties: by name). The failure message is the scheduler's FitError text.
 * Pure.
 */
import type { Node, Pod } from '../api/types.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export type SchedulePlan = { node: string } | { unschedulable: string };

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const REASON_UNSCHEDULABLE = "node(s) were unschedulable";
const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const REASON_TOO_MANY_PODS = 'Too many pods';

/** v1helper.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The node's taints, plus the lifecycle taint a not-Ready node will get. */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...((node.spec?.taints ?? []) as Taint[])];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    const key = ready?.status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if (!taints.some((t) => t.key === key && t.effect === 'NoSchedule')) taints.push({ key, effect: 'NoSchedule' });
  }
  return taints;
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || (r.values ?? []).length !== 1) return false;
      const a = Number(value);
      const b = Number(r.values![0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function matchTerm(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => matchRequirement(r, labels[r.key])) &&
    fields.every((r) => matchRequirement(r, r.key === 'metadata.name' ? node.metadata.name : undefined))
  );
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (NodeAffinity filter). */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const affinity = pod.spec['affinity'] as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } | undefined;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => matchTerm(t, node))) return false;
  return true;
}

/** The first filter a node fails, as the reason the FitError counts, or undefined when it fits. */
export function filterNode(pod: Pod, node: Node, podsOnNode: number): string | undefined {
  const tolerations = (pod.spec['tolerations'] ?? []) as Toleration[];
  if (node.spec?.unschedulable && !tolerations.some((t) => tolerates(t, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }))) return REASON_UNSCHEDULABLE;
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  if (!matchesNodeAffinity(pod, node)) return REASON_AFFINITY;
  const max = Number(node.status?.allocatable?.['pods'] ?? node.status?.capacity?.['pods'] ?? Infinity);
  if (Number.isFinite(max) && podsOnNode + 1 > max) return REASON_TOO_MANY_PODS;
  return undefined;
}

/** Picks a node, or explains why none fits (framework.FitError.Error). */
export function planScheduling(pod: Pod, nodes: readonly Node[], podCount: (node: string) => number): SchedulePlan {
  if (nodes.length === 0) return { unschedulable: 'no nodes available to schedule pods' };
  const reasons = new Map<string, number>();
  let best: { name: string; count: number } | undefined;
  for (const n of [...nodes].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
    const count = podCount(n.metadata.name!);
    const why = filterNode(pod, n, count);
    if (why) {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      continue;
    }
    if (!best || count < best.count) best = { name: n.metadata.name!, count };
  }
  if (best) return { node: best.name };
  const histogram = [...reasons].map(([r, c]) => `${c} ${r}`).sort();
  return {
    unschedulable: `0/${nodes.length} nodes are available: ${histogram.join(', ')}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`,
  };
}
