/** Pod status planning: phase (getPhase), conditions, transition times (table-driven, pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/types.ts';
import { planPodStatus, podPhase, comparableStatus, type ContainerView, type PodView } from '../../src/node/index.ts';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never', names = ['a'], init: string[] = []): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { restartPolicy, containers: names.map((name) => ({ name, image: `img-${name}` })), initContainers: init.map((name) => ({ name })) },
});
const running = (name: string, ready = true): ContainerView => ({ name, restartCount: 0, state: { running: { startedAt: 't' } }, lastState: {}, ready, started: true });
const exited = (name: string, exitCode: number): ContainerView => ({ name, restartCount: 0, state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } }, lastState: {}, ready: false, started: false });
const crashLoop = (name: string): ContainerView => ({ name, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } }, ready: false, started: false });
const creating = (name: string): ContainerView => ({ name, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, started: false });

for (const row of [
  { name: 'creating', pod: pod('Always'), c: [creating('a')], terminal: false, want: 'Pending' },
  { name: 'running', pod: pod('Always'), c: [running('a')], terminal: false, want: 'Running' },
  { name: 'one unknown container', pod: pod('Always', ['a', 'b']), c: [running('a')], terminal: false, want: 'Pending' },
  { name: 'crash loop is Running', pod: pod('Always'), c: [crashLoop('a')], terminal: false, want: 'Running' },
  { name: 'Always, exited 0, restarting', pod: pod('Always'), c: [exited('a', 0)], terminal: false, want: 'Running' },
  { name: 'Never, all 0', pod: pod('Never', ['a', 'b']), c: [exited('a', 0), exited('b', 0)], terminal: false, want: 'Succeeded' },
  { name: 'Never, one failed', pod: pod('Never', ['a', 'b']), c: [exited('a', 0), exited('b', 2)], terminal: false, want: 'Failed' },
  { name: 'OnFailure, failed, restarting', pod: pod('OnFailure'), c: [exited('a', 1)], terminal: false, want: 'Running' },
  { name: 'terminal after deletion, exit 0', pod: pod('Always'), c: [exited('a', 0)], terminal: true, want: 'Succeeded' },
  { name: 'terminal after deletion, SIGKILL', pod: pod('Always'), c: [exited('a', 137)], terminal: true, want: 'Failed' },
  { name: 'init running', pod: pod('Always', ['a'], ['i']), i: [{ ...running('i'), ready: false }], c: [creating('a')], terminal: false, want: 'Pending' },
  { name: 'init failed, Never', pod: pod('Never', ['a'], ['i']), i: [exited('i', 1)], c: [creating('a')], terminal: false, want: 'Failed' },
] as { name: string; pod: Pod; i?: ContainerView[]; c: ContainerView[]; terminal: boolean; want: string }[]) {
  test(`phase: ${row.name}`, () => assert.equal(podPhase(row.pod, row.i ?? [], row.c, row.terminal), row.want));
}

const view = (v: Partial<PodView>): PodView => ({ sandboxReady: true, podIPs: ['127.244.0.2'], hostIPs: ['127.0.0.1'], startTime: '2025-01-01T00:00:00Z', init: [], containers: [], terminal: false, ...v });

test('conditions: order, reasons and messages of a pod with an unready container', () => {
  const s = planPodStatus(pod('Always', ['b', 'a']), view({ containers: [running('b', false), running('a', true)] }), 'NOW');
  assert.deepEqual(
    s.conditions!.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']),
    [
      ['PodReadyToStartContainers', 'True', '', ''],
      ['Initialized', 'True', '', ''],
      ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [b]'],
      ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [b]'],
      ['PodScheduled', 'True', '', ''],
    ],
  );
  assert.deepEqual(s.containerStatuses!.map((c) => c.name), ['a', 'b'], 'sorted by name, as the kubelet');
  assert.equal(s.containerStatuses![0].image, 'img-a');
  assert.equal(s.podIP, '127.244.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '127.244.0.2' }]);
  assert.equal((s as Record<string, unknown>)['qosClass'], 'BestEffort');
});

test('conditions: lastTransitionTime is kept while the status holds, and moves when it flips', () => {
  const p = pod('Always');
  p.status = planPodStatus(p, view({ containers: [running('a', false)] }), 'T1');
  const same = planPodStatus(p, view({ containers: [running('a', false)] }), 'T2');
  assert.ok(same.conditions!.every((c) => c.lastTransitionTime === 'T1'));
  assert.equal(comparableStatus(same), comparableStatus(p.status));
  const flipped = planPodStatus(p, view({ containers: [running('a', true)] }), 'T3');
  assert.equal(flipped.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, 'T3');
  assert.equal(flipped.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime, 'T1');
  assert.notEqual(comparableStatus(flipped), comparableStatus(p.status));
});

test('conditions: readiness gates and conditions owned by others are kept', () => {
  const p = pod('Always');
  p.spec['readinessGates'] = [{ conditionType: 'example.com/lb' }];
  p.status = { conditions: [{ type: 'example.com/lb', status: 'False', lastTransitionTime: 'T0' }] };
  const s = planPodStatus(p, view({ containers: [running('a')] }), 'T1');
  const ready = s.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ReadinessGatesNotReady', 'the status of pod readiness gate "example.com/lb" is not "True", but False']);
  assert.equal(s.conditions!.find((c) => c.type === 'ContainersReady')!.status, 'True');
  assert.deepEqual(s.conditions!.at(-1), { type: 'example.com/lb', status: 'False', lastTransitionTime: 'T0' });
});

test('terminal pods: PodCompleted / PodFailed, sandbox gone', () => {
  const ok = planPodStatus(pod('Never'), view({ sandboxReady: false, containers: [exited('a', 0)] }), 'T');
  assert.equal(ok.phase, 'Succeeded');
  assert.deepEqual(ok.conditions!.filter((c) => c.reason).map((c) => [c.type, c.status, c.reason]), [
    ['Initialized', 'True', 'PodCompleted'],
    ['Ready', 'False', 'PodCompleted'],
    ['ContainersReady', 'False', 'PodCompleted'],
  ]);
  const failed = planPodStatus(pod('Never'), view({ sandboxReady: false, containers: [exited('a', 1)] }), 'T');
  assert.equal(failed.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodFailed');
});

test('init containers: Initialized False with the incomplete ones', () => {
  const s = planPodStatus(pod('Always', ['a'], ['i1', 'i2']), view({ init: [exited('i1', 0), running('i2', false)], containers: [creating('a')] }), 'T');
  const init = s.conditions!.find((c) => c.type === 'Initialized')!;
  assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i2]']);
  assert.deepEqual(s.initContainerStatuses!.map((c) => c.name), ['i1', 'i2']);
});
