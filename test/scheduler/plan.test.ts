/** Scheduling decisions and FitError messages (table-driven, pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../src/api/types.ts';
import { planScheduling, tolerates } from '../../src/scheduler/index.ts';

const node = (name: string, o: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; taints?: unknown[]; pods?: string } = {}): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
  spec: { unschedulable: o.unschedulable, taints: o.taints },
  status: { allocatable: { pods: o.pods ?? '110' }, conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
});
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }], ...spec } });
const counts = (m: Partial<Record<string, number>>) => (n: string) => m[n] ?? 0;

for (const row of [
  { name: 'fewest pods wins', nodes: [node('a'), node('b'), node('c')], counts: { a: 3, b: 1, c: 2 }, pod: pod(), want: { node: 'b' } },
  { name: 'tie: by name', nodes: [node('b'), node('a')], counts: {}, pod: pod(), want: { node: 'a' } },
  { name: 'nodeSelector', nodes: [node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } })], counts: { b: 5 }, pod: pod({ nodeSelector: { zone: 'z2' } }), want: { node: 'b' } },
  { name: 'not Ready is skipped', nodes: [node('a', { ready: 'Unknown' }), node('b')], counts: { b: 9 }, pod: pod(), want: { node: 'b' } },
  { name: 'cordoned is skipped', nodes: [node('a', { unschedulable: true }), node('b')], counts: { b: 9 }, pod: pod(), want: { node: 'b' } },
  {
    name: 'required node affinity',
    nodes: [node('a', { labels: { disk: 'hdd' } }), node('b', { labels: { disk: 'ssd' } })],
    counts: { b: 3 },
    pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } } }),
    want: { node: 'b' },
  },
  {
    name: 'tolerated taint',
    nodes: [node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })],
    counts: {},
    pod: pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }),
    want: { node: 'a' },
  },
  { name: 'no nodes', nodes: [], counts: {}, pod: pod(), want: { unschedulable: 'no nodes available to schedule pods' } },
  {
    name: 'nothing fits: the FitError histogram',
    nodes: [node('a', { labels: { zone: 'z1' } }), node('b', { ready: 'Unknown', labels: { zone: 'z9' } }), node('c', { unschedulable: true }), node('d', { labels: { zone: 'z9' }, pods: '1' })],
    counts: { d: 1 },
    pod: pod({ nodeSelector: { zone: 'z9' } }),
    want: {
      unschedulable:
        "0/4 nodes are available: 1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
    },
  },
] as { name: string; nodes: Node[]; counts: Partial<Record<string, number>>; pod: Pod; want: unknown }[]) {
  test(`schedule: ${row.name}`, () => assert.deepEqual(planScheduling(row.pod, row.nodes, counts(row.counts)), row.want));
}

for (const row of [
  { t: { operator: 'Exists' }, taint: { key: 'k', effect: 'NoSchedule' }, want: true },
  { t: { key: 'k', operator: 'Exists' }, taint: { key: 'k', value: 'v', effect: 'NoExecute' }, want: true },
  { t: { key: 'k', value: 'v' }, taint: { key: 'k', value: 'w', effect: 'NoSchedule' }, want: false },
  { t: { key: 'k', value: 'v', effect: 'NoExecute' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: false },
  { t: { value: 'v' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: false },
] as { t: Parameters<typeof tolerates>[0]; taint: Parameters<typeof tolerates>[1]; want: boolean }[]) {
  test(`tolerates ${JSON.stringify(row.t)} ${JSON.stringify(row.taint)}`, () => assert.equal(tolerates(row.t, row.taint), row.want));
}
