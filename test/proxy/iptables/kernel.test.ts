/**
 * The iptables data plane against the real kernel (root): a "node" network
 * namespace holds the rules (loaded through netnsRunner), "pods" on its
 * bridge run TCP/UDP servers, a client pod and an "outside" namespace send
 * real packets. Everything carries a unique prefix and is removed in
 * `after`, even on failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NO_PROXY_EVENTS } from '../../../src/proxy/events.ts';
import { createIptablesDataPlane, type IptablesProxier } from '../../../src/proxy/iptables/index.ts';
import type { KernelDataPlaneContext } from '../../../src/proxy/kernel.ts';
import type { ProxyState } from '../../../src/proxy/types.ts';
import { ep, fullUpdate, partialUpdate, sp, state } from './fixtures.ts';
import { Topology, type Agent } from './netns.ts';

const root = process.getuid?.() === 0;
const topo = new Topology();
const prefix = `SB${randomBytes(2).toString('hex').toUpperCase()}`;
let plane: IptablesProxier;
let client: Agent;
let outside: Agent;

const local = (ip: string, port = 8080) => ep(ip, { local: true, port });
const web = sp('default', 'web', { clusterIPs: ['10.96.0.10', 'fd00:10:96::10'], nodePort: 30080 });
const empty = sp('default', 'empty', { clusterIPs: ['10.96.0.11'] });
const sticky = sp('default', 'sticky', { clusterIPs: ['10.96.0.12'], affinityTimeoutSeconds: 10800 });
const dns = sp('default', 'dns', { clusterIPs: ['10.96.0.13'], port: 53, protocol: 'UDP' });
const etp = sp('default', 'etp', { clusterIPs: ['10.96.0.14'], nodePort: 30100, externalPolicyLocal: true });

function baseState(dnsEndpoint = '10.244.1.2'): ProxyState {
  return state([
    [web, [local('10.244.1.2'), local('10.244.1.3'), local('fd00:10:244:1::2'), local('fd00:10:244:1::3')]],
    [empty, []],
    [sticky, [local('10.244.1.2'), local('10.244.1.3')]],
    [dns, [local(dnsEndpoint)]],
    // Pod b is on this bridge, but the state says it lives on another node: Local policy must skip it.
    [etp, [local('10.244.1.2'), ep('10.244.1.3', { port: 8080 })]],
  ]);
}

before(async () => {
  if (!root) return;
  await topo.start(['a', 'b', 'c']);
  await Promise.all([topo.serve('a'), topo.serve('b')]);
  [client, outside] = await Promise.all([topo.client(topo.pod('c').ns), topo.client(topo.outside)]);
  const ctx: KernelDataPlaneContext = {
    addressing: { nodePortAddresses: () => ['192.168.77.1', 'fd00:77::1'], isLocalPod: (ip) => ip.startsWith('10.244.1.') },
    events: NO_PROXY_EVENTS,
    ipFamilies: ['IPv4', 'IPv6'],
    clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/48'],
    run: topo.nodeRunner,
    name: prefix,
  };
  plane = createIptablesDataPlane(ctx);
  await plane.sync(baseState(), fullUpdate(baseState()));
});

after(async () => {
  try {
    if (plane) await plane.close().catch(() => {});
  } finally {
    await topo.stop();
  }
});

const who = (data: string | undefined) => data?.split(' ')[0];

async function names(n: number, host: string, port: number, from = client): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await from.tcp(host, port);
    assert.ok(r.data, `connect ${i} to ${host}:${port}: ${r.err}`);
    out.push(who(r.data)!);
  }
  return out;
}

test('ClusterIP: DNAT reaches the pods and spreads over them', { skip: !root && 'needs root' }, async () => {
  const seen = await names(30, '10.96.0.10', 80);
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b'], `30 connections should reach both pods, got ${seen.join(',')}`);
  const r = await client.tcp('10.96.0.10', 80);
  assert.equal(r.data?.split(' ')[1], topo.pod('c').ip, 'a pod-to-ClusterIP connection keeps its source address');
});

test('IPv6 ClusterIP through ip6tables', { skip: !root && 'needs root' }, async () => {
  const seen = await names(20, 'fd00:10:96::10', 80);
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b']);
});

test('no endpoints: the connection is refused at once', { skip: !root && 'needs root' }, async () => {
  const r = await client.tcp('10.96.0.11', 80, 10_000);
  assert.equal(r.err, 'ECONNREFUSED');
});

test('ClientIP affinity: every connection of a client goes to the same pod', { skip: !root && 'needs root' }, async () => {
  const seen = await names(12, '10.96.0.12', 80);
  assert.equal(new Set(seen).size, 1, `sticky service spread: ${seen.join(',')}`);
});

test('NodePort from another namespace, masqueraded to the node', { skip: !root && 'needs root' }, async () => {
  const seen: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await outside.tcp('192.168.77.1', 30080);
    assert.ok(r.data, `NodePort connect: ${r.err}`);
    const [pod, src] = r.data.split(' ');
    assert.equal(src, '10.244.1.1', 'externalTrafficPolicy Cluster masquerades to the node address');
    seen.push(pod);
  }
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b']);
});

test('hairpin: a pod reaching itself through its Service is masqueraded and answered', { skip: !root && 'needs root' }, async () => {
  const self = await topo.client(topo.pod('a').ns);
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await self.tcp('10.96.0.10', 80);
    assert.ok(r.data, `hairpin connect ${i}: ${r.err}`);
    const [pod, src] = r.data.split(' ');
    if (pod === 'a') assert.equal(src, '10.244.1.1', 'a pod that reaches itself sees the node as source');
    else assert.equal(src, topo.pod('a').ip, 'no SNAT towards another pod');
    seen.push(pod);
  }
  assert.ok(seen.includes('a'), `in 20 tries pod a should have picked itself at least once: ${seen.join(',')}`);
});

test('externalTrafficPolicy Local: only local endpoints answer and see the client address', { skip: !root && 'needs root' }, async () => {
  for (let i = 0; i < 10; i++) {
    const r = await outside.tcp('192.168.77.1', 30100);
    assert.equal(r.data, 'a 192.168.77.2', `NodePort with Local policy: ${r.data ?? r.err}`);
  }
  const seen = await names(20, '10.96.0.14', 80);
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b'], 'the ClusterIP still uses every endpoint');
});

test('drift: a rule and a jump deleted by hand come back with the full resync', { skip: !root && 'needs root' }, async () => {
  const n = topo.node;
  const save = await topo.in(n, 'iptables-save', '-t', 'nat');
  const rule = save.split('\n').find((l) => l.startsWith(`-A ${prefix}-SERVICES `) && l.includes('default/web cluster IP'));
  assert.ok(rule, 'the ClusterIP rule is in KUBE-SERVICES');
  await topo.in(n, 'iptables', '-t', 'nat', ...rule.replace(/^-A /, '-D ').match(/"[^"]*"|\S+/g)!.map((t) => t.replace(/^"|"$/g, '')));
  await topo.in(n, 'iptables', '-t', 'nat', '-D', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', `${prefix}-SERVICES`);
  const broken = await client.tcp('10.96.0.10', 80, 1500);
  assert.ok(broken.err, `with the rule gone the ClusterIP must not answer, got ${broken.data}`);

  await plane.sync(baseState(), fullUpdate(baseState()));
  assert.equal(plane.lastSync[0].addedJumps, 1, 'the missing PREROUTING jump was added back');
  const seen = await names(10, '10.96.0.10', 80);
  assert.ok(seen.length === 10);
});

test('UDP: conntrack entries towards a removed endpoint are deleted, the client moves on', { skip: !root && 'needs root' }, async () => {
  const first = await client.udp('10.96.0.13', 53, 40053);
  assert.equal(who(first.data), 'a', `UDP through the ClusterIP: ${first.err}`);
  // Endpoint a is replaced by b; a keeps running, so a stale conntrack entry would keep answering from a.
  const next = baseState('10.244.1.3');
  await plane.sync(next, partialUpdate([dns.key]));
  assert.equal(plane.lastSync[0].full, false, 'an endpoint change is a partial sync');
  assert.equal(plane.lastSync[0].input.split(`:${prefix}-SVC-`).length - 1, 1, 'only the changed service chain is rewritten');
  const again = await client.udp('10.96.0.13', 53, 40053);
  assert.equal(who(again.data), 'b', `the same client socket must reach the new endpoint: ${again.data ?? again.err}`);
  await plane.sync(baseState(), partialUpdate([dns.key]));
});

test('close() removes every chain and jump it created', { skip: !root && 'needs root' }, async () => {
  await plane.close();
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const all = await topo.in(topo.node, tool);
    assert.ok(!all.includes(prefix), `${tool} still shows ${prefix}:\n${all}`);
  }
  const r = await client.tcp('10.96.0.11', 80, 1500);
  assert.notEqual(r.err, 'ECONNREFUSED', 'the REJECT rule is gone too');
});
