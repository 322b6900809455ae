/**
 * The Node object the agent registers and keeps up to date (kubelet
 * kubelet_node_status.go and nodestatus setters): labels, podCIDR, addresses,
 * capacity and allocatable, the four conditions with the kubelet's reasons
 * and messages, daemonEndpoints (where `kubectl logs` is served), nodeInfo.
 * Pure: machine facts are passed in.
 */
import type { Condition, Node } from '../api/types.ts';
import { canonicalJSON } from './pod-status.ts';

export const KUBELET_VERSION = 'v1.33.0';

export interface MachineFacts {
  hostname: string;
  cpus: number;
  memoryBytes: number;
  ephemeralBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
}

export interface NodePlanInput {
  name: string;
  labels: Record<string, string>;
  podCIDR: string;
  /** Dual-stack: every pod range of the node, primary first (default [podCIDR]). */
  podCIDRs?: string[];
  internalIP: string;
  kubeletPort: number;
  maxPods: number;
  machine: MachineFacts;
  ready: boolean;
  notReadyMessage?: string;
  now: string;
  /** The node as the API has it (for transition times), if any. */
  old?: Node;
}

function cond(type: string, status: boolean, reason: string, message: string, now: string, old?: Node): Condition {
  const s = status ? 'True' : 'False';
  const prev = old?.status?.conditions?.find((c) => c.type === type);
  return {
    type,
    status: s,
    lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    reason,
    message,
  };
}

function ki(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function nodeLabels(name: string, zone: string | undefined, region: string | undefined, arch: string, extra: Record<string, string> = {}): Record<string, string> {
  const l: Record<string, string> = {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
  if (zone) l['topology.kubernetes.io/zone'] = zone;
  if (region) l['topology.kubernetes.io/region'] = region;
  return { ...l, ...extra };
}

export function planNodeStatus(i: NodePlanInput): NonNullable<Node['status']> & Record<string, unknown> {
  const m = i.machine;
  const capacity = {
    cpu: String(m.cpus),
    'ephemeral-storage': ki(m.ephemeralBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(m.memoryBytes),
    pods: String(i.maxPods),
  };
  // Default eviction thresholds (memory.available<100Mi, nodefs.available<10%) come off allocatable.
  const allocatable = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(m.ephemeralBytes * 0.9)),
    memory: ki(Math.max(0, m.memoryBytes - 100 * 1024 * 1024)),
  };
  return {
    addresses: [
      { type: 'InternalIP', address: i.internalIP },
      { type: 'Hostname', address: i.name },
    ],
    allocatable,
    capacity,
    conditions: [
      cond('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', i.now, i.old),
      cond('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', i.now, i.old),
      cond('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', i.now, i.old),
      i.ready
        ? cond('Ready', true, 'KubeletReady', 'kubelet is posting ready status', i.now, i.old)
        : cond('Ready', false, 'KubeletNotReady', i.notReadyMessage ?? 'kubelet is not ready', i.now, i.old),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: {
      architecture: m.architecture,
      bootID: m.bootID,
      containerRuntimeVersion: 'switchboard://0.1.0',
      kernelVersion: m.kernelVersion,
      kubeProxyVersion: '',
      kubeletVersion: KUBELET_VERSION,
      machineID: m.machineID,
      operatingSystem: 'linux',
      osImage: m.osImage,
      systemUUID: m.systemUUID,
    },
  };
}

export function planNode(i: NodePlanInput): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: i.name,
      labels: i.labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: i.podCIDR, podCIDRs: i.podCIDRs ?? [i.podCIDR] },
    status: planNodeStatus(i),
  };
}

/**
 * Does the API's node differ from the plan in anything but heartbeat times?
 * (The kubelet patches node status only on a change or every 5 minutes; the
 * Lease is the heartbeat.)
 */
export function nodeStatusDiffers(planned: Node['status'], actual: Node['status']): boolean {
  const strip = (s: Node['status']) =>
    canonicalJSON({
      ...s,
      conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
      images: undefined,
      phase: undefined,
    });
  return strip(planned) !== strip(actual);
}
