/**
 * The scheduler with real agents: pods applied with kubectl and no nodeName
 * land on Ready nodes matching their nodeSelector, spread by pod count; a pod
 * that fits nowhere stays Pending with PodScheduled=False and a
 * FailedScheduling event, and is scheduled once a fitting node appears.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import type { Event } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { startScheduler, type RunningScheduler } from '../../src/scheduler/index.ts';
import { isReady, samplePod, startEnv, waitFor, type Env } from '../node/helpers.ts';

let env: Env;
let scheduler: RunningScheduler;

before(async () => {
  env = await startEnv();
  await env.startAgent({ nodeName: 'node-a', zone: 'zone-a' });
  await env.startAgent({ nodeName: 'node-b', zone: 'zone-b' });
  scheduler = startScheduler(env.client, { retryMs: 1000 });
  await scheduler.synced;
});

after(async () => {
  scheduler?.stop();
  await env?.stop();
});

test('pods without nodeName spread over the Ready nodes; a nodeSelector nobody matches waits Pending with FailedScheduling until a node fits', async () => {
  const docs = ['s1', 's2', 's3', 's4'].map((n) => stringify(samplePod(n)));
  const r = await env.api.kubectl(['apply', '-f', '-'], { input: docs.join('---\n') });
  assert.equal(r.code, 0, r.stderr);
  const placed = await Promise.all(
    ['s1', 's2', 's3', 's4'].map((n) =>
      waitFor(`${n} Ready`, async () => {
        const p = await env.pod(n);
        return isReady(p) ? p : undefined;
      }),
    ),
  );
  const perNode = new Map<string, number>();
  for (const p of placed) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perNode), { 'node-a': 2, 'node-b': 2 });
  const sched = placed[0].status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.equal(sched.status, 'True');
  const ev = (await env.client.list<Event>(Resources.events, 'default', { fieldSelector: 'involvedObject.name=s1,reason=Scheduled' })).items;
  assert.equal(ev[0]?.message, `Successfully assigned default/s1 to ${placed[0].spec.nodeName}`);
  assert.equal(ev[0]?.source?.component, 'default-scheduler');

  await env.create(samplePod('picky', { spec: { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-c' } } }));
  const pending = await waitFor('picky Unschedulable', async () => {
    const p = await env.pod('picky');
    return p?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable') ? p : undefined;
  });
  const msg = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
  assert.equal(pending.status!.phase, 'Pending');
  assert.equal(pending.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message, msg);
  const failed = await waitFor('FailedScheduling', async () => (await env.client.list<Event>(Resources.events, 'default', { fieldSelector: 'involvedObject.name=picky,reason=FailedScheduling' })).items[0]);
  assert.equal(failed.type, 'Warning');
  assert.equal(failed.message, msg);
  const out = await env.api.kubectl(['get', 'pod', 'picky']);
  assert.match(out.stdout, /picky\s+0\/1\s+Pending/);

  await env.startAgent({ nodeName: 'node-c', zone: 'zone-c' });
  const p = await waitFor('picky Ready on node-c', async () => {
    const x = await env.pod('picky');
    return isReady(x) ? x : undefined;
  }, 8000);
  assert.equal(p.spec.nodeName, 'node-c');
  for (const n of ['s1', 's2', 's3', 's4', 'picky']) await env.client.delete(Resources.pods, 'default', n, { gracePeriodSeconds: 0 });
});
