/**
 * netns mode with real network namespaces (root only; CI runs as root): two
 * pods on one node each bind 0.0.0.0:8080 and answer at their own IPs from
 * the node's podCIDR; their resolv.conf is the cluster's; a restarted agent
 * adopts them and deletes a leaked namespace of its node; deleting the pods
 * removes their namespaces, veths and /etc/netns directories. Everything the
 * test creates carries a unique prefix and is removed in `after`, even on
 * failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Service } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { runtimeNames, type Agent } from '../../src/node/index.ts';
import { groupAlive, httpGet, isReady, killMarked, samplePod, startEnv, waitFor, type Env } from './helpers.ts';

const root = process.getuid?.() === 0;
const prefix = `sbt${process.pid % 100000}`;
const names = runtimeNames(prefix, 'nsnode');
const block = `10.253.${(process.pid * 7) % 250}.0/24`;
const marker = `${prefix}-netns-pods`;
let env: Env;

function cleanupHost(): void {
  killMarked(marker);
  for (const dir of ['/run/netns', '/etc/netns']) {
    for (const e of existsSync(dir) ? readdirSync(dir) : []) {
      if (!e.startsWith(`${prefix}_`)) continue;
      if (dir === '/run/netns') {
        try {
          execFileSync('ip', ['netns', 'del', e], { stdio: 'ignore' });
        } catch {
          /* already gone */
        }
      } else rmSync(`${dir}/${e}`, { recursive: true, force: true });
    }
  }
  if (existsSync(`/sys/class/net/${names.bridge}`)) execFileSync('ip', ['link', 'del', names.bridge], { stdio: 'ignore' });
}

before(async () => {
  if (!root) return;
  env = await startEnv();
});

after(async () => {
  if (!root) return;
  try {
    await env?.stop();
  } finally {
    cleanupHost();
  }
});

function netnsList(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((e) => e.startsWith(`${prefix}_`)) : [];
}

test('netns mode: pods bind 0.0.0.0:8080 in their own namespaces, answer at their own IPs, get the cluster resolv.conf; restart adopts; deletion cleans up', { skip: root ? false : 'needs root (network namespaces)' }, async () => {
  const opts = { nodeName: 'nsnode', mode: 'netns' as const, namePrefix: prefix, podCIDR: block, nodeIP: '127.0.0.1' };
  let agent: Agent = await env.startAgent(opts);
  assert.equal(agent.podCIDR, block);
  const kubeDns = await env.client.get<Service>(Resources.services, 'kube-system', 'kube-dns');
  for (const n of ['pa', 'pb']) await env.create(samplePod(n, { nodeName: 'nsnode', env: { HOST: '0.0.0.0', PORT: '8080' }, marker }));
  const pods = await Promise.all(
    ['pa', 'pb'].map((n) =>
      waitFor(`${n} Ready`, async () => {
        const p = await env.pod(n);
        return isReady(p) ? p : undefined;
      }),
    ),
  );
  const [ipa, ipb] = pods.map((p) => p.status!.podIP!);
  assert.notEqual(ipa, ipb);
  for (const ip of [ipa, ipb]) assert.ok(ip.startsWith(block.split('.').slice(0, 3).join('.') + '.'), `${ip} in ${block}`);
  assert.equal((await waitFor('pa answers', () => httpGet(ipa, 8080, '/name').catch(() => undefined))).body, 'pa\n');
  assert.equal((await waitFor('pb answers', () => httpGet(ipb, 8080, '/name').catch(() => undefined))).body, 'pb\n');
  const want = `search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${kubeDns.spec.clusterIP}\noptions ndots:5\n`;
  const nsa = agent.podNetns('default', 'pa')!;
  assert.ok(nsa.startsWith(`${prefix}_nsnode_default_pa_`));
  assert.equal(execFileSync('ip', ['netns', 'exec', nsa, 'cat', '/etc/resolv.conf'], { encoding: 'utf8' }), want);
  // What the pod's own process sees.
  const pid = agent.podPids('default', 'pa')[0];
  assert.equal(readFileSync(`/proc/${pid}/root/etc/resolv.conf`, 'utf8'), want);
  assert.match(execFileSync('ip', ['-n', nsa, 'route'], { encoding: 'utf8' }), new RegExp(`default via ${block.replace(/0\/24$/, '1')} dev eth0`));
  assert.equal(netnsList().length, 2);

  // Restart: the pods are adopted, a leaked namespace of this node is deleted.
  await agent.stop();
  const ghost = `${prefix}_nsnode_default_ghost_deadbeef`;
  execFileSync('ip', ['netns', 'add', ghost]);
  const groups = [agent.podPids('default', 'pa'), agent.podPids('default', 'pb')];
  agent = await env.startAgent(opts);
  assert.equal(existsSync(`/run/netns/${ghost}`), false, 'leaked namespace deleted');
  assert.deepEqual([agent.podPids('default', 'pa'), agent.podPids('default', 'pb')], groups, 'same processes');
  assert.equal((await httpGet(ipa, 8080, '/name')).body, 'pa\n');
  await waitFor('pa still Ready', async () => isReady(await env.pod('pa')));

  // Deletion tears the sandboxes down.
  const veths = [names.veth(pods[0].metadata.uid!), names.veth(pods[1].metadata.uid!)];
  for (const v of veths) assert.ok(existsSync(`/sys/class/net/${v}`), `${v} exists`);
  await env.client.delete(Resources.pods, 'default', 'pa');
  await env.client.delete(Resources.pods, 'default', 'pb');
  await waitFor('pods gone', async () => !(await env.pod('pa')) && !(await env.pod('pb')), 10_000);
  assert.deepEqual(netnsList(), []);
  assert.deepEqual(existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((e) => e.startsWith(`${prefix}_`)) : [], []);
  await waitFor('veths gone', () => veths.every((v) => !existsSync(`/sys/class/net/${v}`)), 20_000);
  for (const g of groups) assert.equal(groupAlive(g[0]), false);
  await agent.drain();
  assert.equal(existsSync(`/sys/class/net/${names.bridge}`), false, 'bridge removed by drain');
});
