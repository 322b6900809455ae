/**
 * Node lifecycle controller: the pure plan (table-driven) and the controller
 * against a real API server with a hand-driven Lease (no agent): heartbeat
 * stops → Ready Unknown, taints, pods not Ready; heartbeat back → taints gone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node, Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { heartbeatExpired, planTaints, planUnknownConditions, podsToMarkNotReady, startNodeLifecycleController } from '../../src/controllers/nodelifecycle/index.ts';
import { microTime } from '../../src/node/index.ts';
import { condition, startEnv, waitFor, type Env } from './helpers.ts';

const node = (ready?: 'True' | 'False' | 'Unknown', taints: unknown[] = []): Node => ({
  metadata: { name: 'n1', creationTimestamp: 'T0' },
  spec: { taints },
  status: {
    conditions: ready
      ? [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: 'H', lastTransitionTime: 'T0' },
          { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: 'H', lastTransitionTime: 'T0' },
        ]
      : [],
  },
});

test('plan: conditions go Unknown with the controller reasons; never-posted ones too', () => {
  const c = planUnknownConditions(node('True'), 'NOW')!;
  assert.deepEqual(
    c.map((x) => [x.type, x.status, x.reason, x.message, x.lastHeartbeatTime, x.lastTransitionTime]),
    [
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', 'H', 'NOW'],
      ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', 'T0', 'NOW'],
      ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', 'T0', 'NOW'],
      ['Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', 'H', 'NOW'],
    ],
  );
  const n = node('True');
  n.status!.conditions = c;
  assert.equal(planUnknownConditions(n, 'LATER'), undefined, 'already Unknown: nothing to write');
});

for (const row of [
  { name: 'Ready: none', node: node('True'), want: [] },
  { name: 'Unknown: unreachable', node: node('Unknown'), want: ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'] },
  { name: 'False: not-ready', node: node('False'), want: ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute'] },
  { name: 'other taints kept', node: node('True', [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]), want: ['dedicated:NoSchedule'] },
]) {
  test(`plan taints: ${row.name}`, () => {
    const t = planTaints(row.node, 'NOW');
    assert.deepEqual((t ?? ((row.node.spec?.taints ?? []) as { key: string; effect: string }[])).map((x) => `${x.key}:${x.effect}`), row.want);
  });
}

test('plan: pods marked not ready only on a node that is not Ready, only if Ready', () => {
  const p = (name: string, ready: string, nodeName = 'n1'): Pod => ({ metadata: { name }, spec: { nodeName, containers: [] }, status: { conditions: [{ type: 'Ready', status: ready as 'True' }] } });
  const pods = [p('a', 'True'), p('b', 'False'), p('c', 'True', 'n2')];
  assert.deepEqual(podsToMarkNotReady(node('Unknown'), pods).map((x) => x.metadata.name), ['a']);
  assert.deepEqual(podsToMarkNotReady(node('True'), pods), []);
  assert.equal(heartbeatExpired(0, 40_001, 40_000), true);
  assert.equal(heartbeatExpired(0, 40_000, 40_000), false);
});

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.stop();
});

test('controller: Lease stops → NotReady, taints, pod Ready=False + event; Lease resumes and the node reports Ready → taints removed', async () => {
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await env.client.create<Node>(Resources.nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'manual' },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }] },
  });
  await env.client.create<Lease>(Resources.leases, 'kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'manual', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'manual', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
  });
  const pod = await env.client.create<Pod>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-manual' }, spec: { nodeName: 'manual', containers: [{ name: 'c', command: ['x'] }] } });
  await env.client.patch(Resources.pods, 'default', 'on-manual', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }] } }, 'strategic', 'status');
  const ctl = startNodeLifecycleController(env.client, { gracePeriodSeconds: 1, monitorPeriodMs: 100 });
  try {
    await ctl.synced;
    // Heartbeats for a while keep it Ready.
    const renew = setInterval(() => {
      void env.client.get<Lease>(Resources.leases, 'kube-node-lease', 'manual').then((l) => env.client.update(Resources.leases, 'kube-node-lease', { ...l, spec: { ...l.spec, renewTime: microTime(Date.now()) } })).catch(() => undefined);
    }, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await env.client.get<Node>(Resources.nodes, undefined, 'manual')).status!.conditions![0].status, 'True');
    clearInterval(renew);
    const stoppedAt = Date.now();
    await waitFor('Unknown', async () => (await env.client.get<Node>(Resources.nodes, undefined, 'manual')).status!.conditions!.find((c) => c.type === 'Ready')!.status === 'Unknown', 20_000);
    assert.ok(Date.now() - stoppedAt >= 900, 'after the grace period');
    await waitFor('pod not Ready', async () => condition(await env.pod('on-manual'), 'Ready') === 'False', 20_000);
    const tainted = await waitFor('taints', async () => {
      const n = await env.client.get<Node>(Resources.nodes, undefined, 'manual');
      return ((n.spec?.taints ?? []) as { key: string }[]).length === 2 ? n : undefined;
    });
    assert.ok(((tainted.spec!.taints ?? []) as { key: string }[]).every((t) => t.key === 'node.kubernetes.io/unreachable'));
    void pod;
    // The kubelet comes back: heartbeat and Ready.
    await env.client.patch(Resources.nodes, undefined, 'manual', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }] } }, 'strategic', 'status');
    await waitFor('taints removed', async () => ((await env.client.get<Node>(Resources.nodes, undefined, 'manual')).spec?.taints ?? []).length === 0, 20_000);
  } finally {
    ctl.stop();
  }
});
