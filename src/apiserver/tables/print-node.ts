/**
 * Nodes: NAME STATUS ROLES AGE VERSION [INTERNAL-IP EXTERNAL-IP OS-IMAGE
 * KERNEL-VERSION CONTAINER-RUNTIME]. Mirrors printNode and findNodeRoles.
 */
import type { KubeObject, Node } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { NODE } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, objectName, sortedSet } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_LABEL_ROLE = 'kubernetes.io/role';

export const nodePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', NODE.status),
    column('Roles', 'string', NODE.roles),
    AGE_COLUMN,
    column('Version', 'string', NODE.kubeletVersion),
    column('Internal-IP', 'string', NODE.addresses, 1),
    column('External-IP', 'string', NODE.addresses, 1),
    column('OS-Image', 'string', NODE.osImage, 1),
    column('Kernel-Version', 'string', NODE.kernelVersion, 1),
    column('Container-Runtime', 'string', NODE.containerRuntimeVersion, 1),
  ],
  printRow(obj: KubeObject, now: Date) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    const roles = findNodeRoles(node).join(',');
    return {
      cells: [
        objectName(node),
        nodeStatus(node),
        roles === '' ? '<none>' : roles,
        translateTimestampSince(node.metadata?.creationTimestamp, now),
        info.kubeletVersion ?? '',
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

/**
 * Only the Ready condition counts (the last one, if repeated): "Ready" when
 * True, "NotReady" for False or Unknown, "Unknown" when absent; then
 * ",SchedulingDisabled" for a cordoned node.
 */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from node-role.kubernetes.io/<role> keys and the legacy kubernetes.io/role value, sorted. */
export function findNodeRoles(node: Node): string[] {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role !== '') roles.push(role);
    } else if (k === NODE_LABEL_ROLE && v !== '') {
      roles.push(v);
    }
  }
  return sortedSet(roles);
}

/** The first address of that type, or "<none>". */
function nodeAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}
