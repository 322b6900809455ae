/**
 * Pods: NAME READY STATUS RESTARTS AGE [IP NODE NOMINATED-NODE READINESS-GATES].
 * The status summary lives in pod-status.ts; this file adds the columns and
 * the wide cells.
 */
import type { Condition, KubeObject, Pod } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { POD } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, objectName } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';
import { summarizePod } from './pod-status.ts';

export const podPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', POD.ready),
    column('Status', 'string', POD.status),
    column('Restarts', 'string', POD.restarts),
    AGE_COLUMN,
    column('IP', 'string', POD.podIP, 1),
    column('Node', 'string', POD.nodeName, 1),
    column('Nominated Node', 'string', POD.nominatedNodeName, 1),
    column('Readiness Gates', 'string', POD.readinessGates, 1),
  ],
  printRow(obj: KubeObject, now: Date) {
    const pod = obj as Pod;
    const s = summarizePod(pod, now);
    const row = {
      cells: [
        objectName(pod),
        s.ready,
        s.status,
        s.restarts,
        translateTimestampSince(pod.metadata?.creationTimestamp, now),
        firstPodIP(pod) || '<none>',
        pod.spec?.nodeName || '<none>',
        pod.status?.nominatedNodeName || '<none>',
        readinessGates(pod),
      ],
    };
    return s.conditions ? { ...row, conditions: s.conditions } : row;
  },
};

/**
 * status.podIPs[0] as the internal object has it: v1→internal conversion makes
 * status.podIP authoritative whenever it is set, and fills podIPs from it.
 */
function firstPodIP(pod: Pod): string {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || '';
}

/** "true/total" over spec.readinessGates, or "<none>". */
function readinessGates(pod: Pod): string {
  const gates = (pod.spec?.readinessGates ?? []) as { conditionType?: string }[];
  if (gates.length === 0) return '<none>';
  const conditions: Condition[] = pod.status?.conditions ?? [];
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}
