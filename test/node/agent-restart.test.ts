/**
 * The agent as its own process (runAgent, as `switchboard agent` runs it):
 * kill -9 and restart adopts the running pods (no duplicate processes, no
 * orphans); while it is down the node lifecycle controller sees the Lease
 * stop, marks the node NotReady and its pods not Ready (their endpoints
 * leave the Service: EndpointSlice ready=false); pods deleted or
 * force-deleted meanwhile are cleaned up after the restart; --drain
 * terminates the pods and deregisters the node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Event, Node, Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { startNodeLifecycleController, type RunningNodeLifecycle } from '../../src/controllers/nodelifecycle/index.ts';
import { startControllers, type RunningControllers } from '../../src/controllers/index.ts';
import { condition, endpointConditions, groupAlive, isReady, killMarked, processesWith, samplePod, sampleService, spawnAgent, startEnv, waitFor, type AgentProcess, type Env } from './helpers.ts';

let env: Env;
let lifecycle: RunningNodeLifecycle;
let controllers: RunningControllers;
const agents: AgentProcess[] = [];
const marker = `sbmark${process.pid}x${Date.now()}`;

function agentOpts(drain = false) {
  return {
    kubeconfig: env.api.kubeconfig,
    nodeName: 'worker',
    mode: 'loopback',
    drain,
    dataDir: join(env.dir, 'worker'),
    agent: { leaseDurationSeconds: 2, leaseRenewIntervalMs: 300, nodeStatusUpdateMs: 1000 },
  };
}

function start(drain = false): AgentProcess {
  const a = spawnAgent(agentOpts(drain));
  agents.push(a);
  return a;
}

before(async () => {
  env = await startEnv();
  lifecycle = startNodeLifecycleController(env.client, { gracePeriodSeconds: 2, monitorPeriodMs: 250 });
  await lifecycle.synced;
  controllers = startControllers(env.client, { events: false });
  await controllers.synced;
});

after(async () => {
  lifecycle?.stop();
  controllers?.stop();
  for (const a of agents) a.child.kill('SIGKILL');
  killMarked(marker);
  await env?.stop();
});

const groupsOf = (name: string) => new Set(processesWith(`${marker}-${name}`).map((p) => p.pgid));

test('kill -9 of the agent: pods keep running; node NotReady and pods not Ready; a restarted agent adopts them without duplicates and cleans up what was deleted meanwhile', async () => {
  const a1 = start();
  await a1.ready;
  await env.client.create(Resources.services, 'default', sampleService('stay'));
  const stayEndpoint = (want: object, timeoutMs = 8000) =>
    waitFor(`stay endpoint ${JSON.stringify(want)}`, async () => JSON.stringify(await endpointConditions(env.client, 'stay', 'stay')) === JSON.stringify(want), timeoutMs);
  for (const name of ['stay', 'probed', 'deleted', 'forced']) {
    await env.create(
      samplePod(name, {
        nodeName: 'worker',
        marker: `${marker}-${name}`,
        spec: { terminationGracePeriodSeconds: 1 },
        ...(name === 'probed' ? { container: { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } } } : {}),
      }),
    );
  }
  for (const name of ['stay', 'probed', 'deleted', 'forced']) await waitFor(`${name} Ready`, async () => isReady(await env.pod(name)));
  const before = Object.fromEntries(['stay', 'probed', 'deleted', 'forced'].map((n) => [n, groupsOf(n)]));
  for (const [n, g] of Object.entries(before)) assert.equal(g.size, 1, `${n}: one process group`);
  await stayEndpoint({ ready: true, serving: true, terminating: false });
  const ipBefore = (await env.pod('stay'))!.status!.podIP;

  a1.child.kill('SIGKILL');
  await a1.exited;
  const killedAt = Date.now();
  // Heartbeats stop: the node goes NotReady (Unknown), its pods not Ready.
  const node = await waitFor('node NotReady', async () => {
    const n = await env.client.get<Node>(Resources.nodes, undefined, 'worker');
    const r = n.status?.conditions?.find((c) => c.type === 'Ready');
    return r?.status === 'Unknown' ? n : undefined;
  }, 20000);
  assert.ok(Date.now() - killedAt >= 1500, 'not before the grace period');
  const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  await waitFor('unreachable taint', async () => {
    const n = await env.client.get<Node>(Resources.nodes, undefined, 'worker');
    return ((n.spec?.taints ?? []) as { key: string }[]).some((t) => t.key === 'node.kubernetes.io/unreachable');
  }, 3000);
  for (const name of ['stay', 'probed']) await waitFor(`${name} not Ready`, async () => condition(await env.pod(name), 'Ready') === 'False', 20_000);
  // The Service stops sending traffic there, though the process still runs.
  await stayEndpoint({ ready: false, serving: false, terminating: false });
  const nodeEvents = (await env.client.list<Event>(Resources.events, 'default', { fieldSelector: 'involvedObject.name=stay' })).items;
  assert.ok(nodeEvents.some((e) => e.reason === 'NodeNotReady' && e.message === 'Node is not ready'));
  const out = await env.api.kubectl(['get', 'nodes']);
  assert.match(out.stdout, /worker\s+NotReady/);

  // The processes outlive the agent.
  for (const [n, g] of Object.entries(before)) assert.ok(groupAlive([...g][0]), `${n} still running`);
  // Meanwhile: one pod is deleted gracefully, one force-deleted.
  await env.client.delete(Resources.pods, 'default', 'deleted');
  await env.client.delete(Resources.pods, 'default', 'forced', { gracePeriodSeconds: 0 });
  assert.ok((await env.pod('deleted'))?.metadata.deletionTimestamp, 'waits for its node');
  assert.equal(await env.pod('forced'), undefined);

  const a2 = start();
  await a2.ready;
  await waitFor('node Ready again', async () => {
    const n = await env.client.get<Node>(Resources.nodes, undefined, 'worker');
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !((n.spec?.taints ?? []) as unknown[]).length;
  }, 8000);
  for (const name of ['stay', 'probed']) await waitFor(`${name} Ready again`, async () => isReady(await env.pod(name)), 20_000);
  await stayEndpoint({ ready: true, serving: true, terminating: false });
  // Same processes, no duplicates.
  for (const name of ['stay', 'probed']) assert.deepEqual(groupsOf(name), before[name], `${name}: adopted, not restarted`);
  const stay = (await env.pod('stay'))!;
  assert.equal(stay.status!.containerStatuses![0].restartCount, 0);
  assert.equal(stay.status!.podIP, ipBefore);
  // The deleted pod is terminated and its deletion confirmed; the force-deleted one's processes are gone.
  await waitFor('deleted pod removed', async () => !(await env.pod('deleted')), 20_000);
  await waitFor('orphans killed', async () => !groupAlive([...before['deleted']][0]) && !groupAlive([...before['forced']][0]), 20_000);

  // A second restart leaves everything as it is too.
  a2.child.kill('SIGKILL');
  await a2.exited;
  const a3 = start(true);
  await a3.ready;
  await new Promise((r) => setTimeout(r, 500));
  for (const name of ['stay', 'probed']) assert.deepEqual(groupsOf(name), before[name]);
  assert.equal((await env.pod('stay'))!.status!.containerStatuses![0].restartCount, 0);

  // --drain: SIGTERM terminates and deletes the pods, then deregisters the node.
  a3.child.kill('SIGTERM');
  const code = await a3.exited;
  assert.equal(code, 0, a3.output());
  const left = await env.client.list<Pod>(Resources.pods, undefined, { fieldSelector: 'spec.nodeName=worker' });
  assert.deepEqual(left.items.map((p) => p.metadata.name), []);
  await assert.rejects(env.client.get(Resources.nodes, undefined, 'worker'));
  for (const name of ['stay', 'probed']) assert.equal(groupAlive([...before[name]][0]), false, `${name} stopped`);
});
