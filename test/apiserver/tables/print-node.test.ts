import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, Lease, Namespace, Node } from '../../../src/api/types.ts';
import { cellsOf, meta } from './helpers.ts';

const INFO = {
  kubeletVersion: 'v1.33.1',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  kernelVersion: '6.1.0-18-amd64',
  containerRuntimeVersion: 'containerd://1.7.13',
};

function node(opts: { labels?: Record<string, string>; conditions?: Condition[]; unschedulable?: boolean; info?: Record<string, string>; addresses?: { type: string; address: string }[] }): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { ...meta('node-1', { labels: opts.labels }), namespace: undefined },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: { conditions: opts.conditions, nodeInfo: opts.info ?? INFO, addresses: opts.addresses ?? [] },
  };
}

const READY = [{ type: 'MemoryPressure', status: 'False' as const }, { type: 'Ready', status: 'True' as const }];

/** NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME. */
const rows: { name: string; node: Node; want: string[] }[] = [
  {
    name: 'ready control plane with addresses',
    node: node({
      labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' },
      conditions: READY,
      addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '192.168.1.10' }, { type: 'ExternalIP', address: '203.0.113.10' }, { type: 'InternalIP', address: '192.168.1.11' }],
    }),
    want: ['node-1', 'Ready', 'control-plane', '10m', 'v1.33.1', '192.168.1.10', '203.0.113.10', INFO.osImage, INFO.kernelVersion, INFO.containerRuntimeVersion],
  },
  {
    name: 'not ready worker, several roles sorted, legacy role label',
    node: node({
      labels: { 'node-role.kubernetes.io/worker': 'true', 'node-role.kubernetes.io/': '', 'kubernetes.io/role': 'ingress', 'node-role.kubernetes.io/gpu': '' },
      conditions: [{ type: 'Ready', status: 'False' }],
    }),
    want: ['node-1', 'NotReady', 'gpu,ingress,worker', '10m', 'v1.33.1', '<none>', '<none>', INFO.osImage, INFO.kernelVersion, INFO.containerRuntimeVersion],
  },
  {
    name: 'Ready=Unknown (kubelet stopped posting) is NotReady',
    node: node({ conditions: [{ type: 'Ready', status: 'Unknown' }] }),
    want: ['node-1', 'NotReady', '<none>', '10m', 'v1.33.1', '<none>', '<none>', INFO.osImage, INFO.kernelVersion, INFO.containerRuntimeVersion],
  },
  {
    name: 'no Ready condition is Unknown; cordoned; empty node info',
    node: node({ unschedulable: true, info: {} }),
    want: ['node-1', 'Unknown,SchedulingDisabled', '<none>', '10m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    name: 'ready and cordoned',
    node: node({ conditions: READY, unschedulable: true }),
    want: ['node-1', 'Ready,SchedulingDisabled', '<none>', '10m', 'v1.33.1', '<none>', '<none>', INFO.osImage, INFO.kernelVersion, INFO.containerRuntimeVersion],
  },
];

for (const row of rows) {
  test(`node: ${row.name}`, () => assert.deepEqual(cellsOf('nodes', '', row.node), row.want));
}

function ns(phase?: 'Active' | 'Terminating'): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta('team-a'), ...(phase ? { status: { phase } } : {}) };
}

const nsRows: { name: string; ns: Namespace; want: string[] }[] = [
  { name: 'active', ns: ns('Active'), want: ['team-a', 'Active', '10m'] },
  { name: 'terminating', ns: ns('Terminating'), want: ['team-a', 'Terminating', '10m'] },
  { name: 'no status prints empty', ns: ns(), want: ['team-a', '', '10m'] },
];
for (const row of nsRows) {
  test(`namespace: ${row.name}`, () => assert.deepEqual(cellsOf('namespaces', '', row.ns), row.want));
}

function lease(holder?: string): Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('kube-scheduler'), spec: holder === undefined ? {} : { holderIdentity: holder } };
}

const leaseRows: { name: string; lease: Lease; want: string[] }[] = [
  { name: 'held', lease: lease('node-1_3f9c2a'), want: ['kube-scheduler', 'node-1_3f9c2a', '10m'] },
  { name: 'unheld prints empty', lease: lease(), want: ['kube-scheduler', '', '10m'] },
];
for (const row of leaseRows) {
  test(`lease: ${row.name}`, () => assert.deepEqual(cellsOf('leases', 'coordination.k8s.io', row.lease), row.want));
}
