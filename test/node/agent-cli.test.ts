/**
 * `switchboard agent` as a user runs it (node bin/switchboard.js agent …):
 * kill -9 and start it again: the pods keep their processes (no
 * duplicates), restart counts and addresses; a pod deleted through kubectl
 * while the agent runs is terminated; SIGTERM stops the agent and leaves the
 * remaining pod running for the next one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Resources } from '../../src/client/index.ts';
import { groupAlive, isReady, killMarked, processesWith, ROOT, samplePod, startEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
const children: ChildProcess[] = [];
const marker = `sbcli${process.pid}x${Date.now()}`;

before(async () => {
  env = await startEnv();
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  killMarked(marker);
  await env?.stop();
});

/** Starts `switchboard agent` and resolves once it printed its ready line. */
async function startCli(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const args = ['bin/switchboard.js', 'agent', '--kubeconfig', env.api.kubeconfig, '--node-name', 'cli-node', '--data-dir', join(env.dir, 'cli-node'), '--proxy-mode', 'none'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await Promise.race([
    waitFor('switchboard agent: ready', () => out.includes('switchboard agent: ready — node cli-node (loopback mode'), 30_000),
    exited.then((code) => {
      throw new Error(`switchboard agent exited with ${code}: ${out}`);
    }),
  ]);
  return { child, output: () => out, exited };
}

const groups = (name: string) => [...new Set(processesWith(`${marker}-${name}`).map((p) => p.pgid))];

test('switchboard agent: kill -9 and restart keeps the pods as they are; deletions and SIGTERM behave', async () => {
  let agent = await startCli();
  for (const name of ['one', 'two']) await env.create(samplePod(name, { nodeName: 'cli-node', marker: `${marker}-${name}`, spec: { terminationGracePeriodSeconds: 1 } }));
  for (const name of ['one', 'two']) await waitFor(`${name} Ready`, async () => isReady(await env.pod(name)), 15_000);
  const before = { one: groups('one'), two: groups('two') };
  assert.equal(before.one.length, 1);
  assert.equal(before.two.length, 1);
  const ips = { one: (await env.pod('one'))!.status!.podIP, two: (await env.pod('two'))!.status!.podIP };

  agent.child.kill('SIGKILL');
  await agent.exited;
  assert.deepEqual(groups('one'), before.one, 'the pod outlives its agent');
  agent = await startCli();
  // The new agent has looked at its pods by the time it says it is ready; give it a moment to act on them anyway
  // (a duplicate would show up as a second process group).
  await waitFor('Node Ready', async () => {
    const out = await env.api.kubectl(['get', 'node', 'cli-node']);
    return /cli-node\s+Ready\s/.test(out.stdout);
  }, 10_000, 200);
  await new Promise((r) => setTimeout(r, 1000));
  for (const name of ['one', 'two'] as const) {
    assert.deepEqual(groups(name), before[name], `${name} adopted, not started again`);
    const p = (await env.pod(name))!;
    assert.equal(p.status!.containerStatuses![0].restartCount, 0);
    assert.equal(p.status!.podIP, ips[name]);
    assert.ok(isReady(p));
  }
  const out = await env.api.kubectl(['get', 'pods', '-o', 'wide']);
  assert.match(out.stdout, /one\s+1\/1\s+Running\s+0\s+\S+\s+127\.244\.\S+\s+cli-node/);

  // A deletion while the adopted agent runs: terminated and confirmed.
  const del = await env.api.kubectl(['delete', 'pod', 'two']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(await env.pod('two'), undefined);
  assert.equal(groupAlive(before.two[0]!), false);

  // SIGTERM (no --drain): the agent exits 0 and the pod keeps running.
  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.output());
  assert.match(agent.output(), /SIGTERM: stopping \(pods keep running\)/);
  assert.ok(groupAlive(before.one[0]!));
  assert.ok((await env.pod('one'))?.status, 'pod still in the API');
  await env.client.delete(Resources.pods, 'default', 'one', { gracePeriodSeconds: 0 });
});
