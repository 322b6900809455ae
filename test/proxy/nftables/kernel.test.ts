/**
 * The nftables data plane against the real kernel, with real packets, in
 * network namespaces this test creates (root): a node namespace holding the
 * table, two server pods and a client pod on its bridge, and a client
 * outside the cluster. Everything is deleted afterwards, also on failure.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NO_PROXY_EVENTS } from '../../../src/proxy/events.ts';
import { execRunner, netnsRunner } from '../../../src/proxy/kernel.ts';
import { NftablesDataPlane, nftablesDataPlane } from '../../../src/proxy/nftables/index.ts';
import type { EndpointInfo, ProxyStateUpdate, ServicePortInfo } from '../../../src/proxy/types.ts';
import { endpoint, proxyState, servicePort } from './fixtures.ts';
import { NODE_IP, TestNode, ip6Of, type Pod } from './netns.ts';

const tn = new TestNode();
let a: Pod;
let b: Pod;
let x: Pod;
let dp: NftablesDataPlane;
const logs: string[] = [];

const web = servicePort({ name: 'web', clusterIPs: ['10.96.0.10'], nodePort: 30080 });
const empty = servicePort({ name: 'empty', clusterIPs: ['10.96.0.11'] });
const sticky = servicePort({ name: 'sticky', clusterIPs: ['10.96.0.12'], affinityTimeoutSeconds: 600 });
const dns = servicePort({ name: 'dns', clusterIPs: ['10.96.0.13'], protocol: 'UDP', port: 53, portName: 'dns' });
const self = servicePort({ name: 'self', clusterIPs: ['10.96.0.14'] });
const loc = servicePort({ name: 'loc', clusterIPs: ['10.96.0.15'], nodePort: 30090, externalPolicyLocal: true });
const locNone = servicePort({ name: 'loc-none', clusterIPs: ['10.96.0.16'], nodePort: 30091, externalPolicyLocal: true });
const web6 = servicePort({ name: 'web6', clusterIPs: ['10.96.0.17', 'fd00:30::17'] });
const epA = endpoint('10.244.1.2:8080', { isLocal: true });
const epB = endpoint('10.244.1.3:8080', { isLocal: true });
const udpA = endpoint('10.244.1.2:5353', { isLocal: true });
const udpB = endpoint('10.244.1.3:5353', { isLocal: true });

const FULL: ProxyStateUpdate = ({ full: true, changed: new Set(), deleted: new Set(), services: new Set(), triggerTimes: new Map() });
const changed = (...keys: string[]): ProxyStateUpdate => ({ full: false, changed: new Set(keys), deleted: new Set(), services: new Set(), triggerTimes: new Map() });

before(async () => {
  await tn.create();
  a = await tn.pod('a', '10.244.1.2', 'pod-a');
  b = await tn.pod('b', '10.244.1.3', 'pod-b');
  x = await tn.pod('x', '10.244.1.4');
  dp = nftablesDataPlane({
    addressing: { nodePortAddresses: () => ['127.0.0.1'], isLocalPod: () => false },
    events: NO_PROXY_EVENTS,
    ipFamilies: ['IPv4', 'IPv6'],
    clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/48'],
    run: netnsRunner(tn.node),
    name: tn.prefix,
    log: (l) => logs.push(l),
  }) as NftablesDataPlane;
});

after(async () => {
  await dp?.close().catch(() => {});
  await tn.destroy();
});

const BASE: ReadonlyArray<[ServicePortInfo, EndpointInfo[]]> = [
  [web, [epA, epB]],
  [empty, []],
  [sticky, [epA, epB]],
  [dns, [udpA]],
  [self, [epA]],
  [loc, [epA]],
  // Its only endpoint is on another node.
  [locNone, [{ ...epB, isLocal: false, nodeName: 'node2' }]],
  [web6, [epA, epB, endpoint(`[${ip6Of('10.244.1.2')}]:8080`, { isLocal: true }), endpoint(`[${ip6Of('10.244.1.3')}]:8080`, { isLocal: true })]],
];
/** The base state with some service ports' endpoints replaced. */
const stateWith = (...changes: Array<[ServicePortInfo, EndpointInfo[]]>) => {
  const over = new Map(changes);
  return proxyState(BASE.map(([sp, eps]) => [sp, over.get(sp) ?? eps]));
};
const state1 = () => stateWith();

test('every golden file loads into the kernel', async () => {
  const dir = join(import.meta.dirname, 'testdata');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.nft'))) {
    // -c: check the whole transaction against the kernel without committing it.
    await execRunner('ip', ['netns', 'exec', tn.node, 'nft', '-c', '-f', join(dir, f)]);
  }
});

test('ClusterIP: DNAT reaches both pods from a pod, the source address is kept', async () => {
  await dp.sync(state1(), FULL);
  assert.equal(dp.last.mode, 'fresh');
  const raw = await tn.tcpRaw(x.ns, '10.96.0.10', 80, 24);
  const names = raw.map((r) => r.split(' ')[0]);
  assert.deepEqual([...new Set(names)].sort(), ['pod-a', 'pod-b'], `answers: ${names.join(',')}`);
  assert.ok(raw.every((r) => r.endsWith(' 10.244.1.4')), `peers: ${raw.join(',')}`);
});

test('ClusterIP from the node itself', async () => {
  const names = await tn.tcp(tn.node, '10.96.0.10', 80, 4);
  assert.ok(names.every((n) => n === 'pod-a' || n === 'pod-b'), names.join(','));
});

test('dual-stack: the IPv6 ClusterIP reaches both pods over IPv6 (ip6 table)', async () => {
  const raw = await tn.tcpRaw(x.ns, 'fd00:30::17', 80, 16);
  assert.deepEqual([...new Set(raw.map((r) => r.split(' ')[0]))].sort(), ['pod-a', 'pod-b'], raw.join(','));
  assert.ok(raw.every((r) => r.endsWith(` ${ip6Of('10.244.1.4')}`)), raw.join(','));
  const v4 = await tn.tcp(x.ns, '10.96.0.17', 80, 4);
  assert.ok(v4.every((n) => n === 'pod-a' || n === 'pod-b'), v4.join(','));
});

test('no endpoints: connection refused at once', async () => {
  assert.deepEqual(await tn.tcp(x.ns, '10.96.0.11', 80, 2), ['ECONNREFUSED', 'ECONNREFUSED']);
  // An unknown port on a live ClusterIP too.
  assert.deepEqual(await tn.tcp(x.ns, '10.96.0.10', 81, 1), ['ECONNREFUSED']);
});

test('session affinity: every connection of a client goes to one pod', async () => {
  const names = await tn.tcp(x.ns, '10.96.0.12', 80, 12);
  assert.equal(new Set(names).size, 1, names.join(','));
  assert.match(names[0]!, /^pod-[ab]$/);
});

test('NodePort from outside the node, masqueraded (Cluster policy)', async () => {
  const raw = await tn.tcpRaw(tn.client, NODE_IP, 30080, 12);
  const names = raw.map((r) => r.split(' ')[0]);
  assert.ok(names.every((n) => n === 'pod-a' || n === 'pod-b'), names.join(','));
  // Masqueraded: the pod sees the node's bridge address, not the client.
  assert.ok(raw.every((r) => r.endsWith(' 10.244.1.1')), raw.join(','));
});

test('hairpin: a pod reaching itself through its Service, masqueraded', async () => {
  const raw = await tn.tcpRaw(a.ns, '10.96.0.14', 80, 3);
  assert.deepEqual(raw, Array(3).fill('pod-a 10.244.1.1'));
});

test('externalTrafficPolicy Local: NodePort keeps the client address; without a local endpoint, dropped', async () => {
  assert.deepEqual(await tn.tcpRaw(tn.client, NODE_IP, 30090, 2), Array(2).fill('pod-a 192.168.77.2'));
  assert.deepEqual(await tn.tcp(tn.client, NODE_IP, 30091, 1), ['TIMEOUT']);
  // A pod of this node is short-circuited to the cluster-wide endpoints.
  assert.deepEqual(await tn.tcp(x.ns, NODE_IP, 30091, 1), ['pod-b']);
});

test('incremental sync: an endpoint removed stops getting traffic', async () => {
  const s = stateWith([web, [epB]], [sticky, [epB]]);
  await dp.sync(s, changed(web.key, sticky.key));
  assert.equal(dp.last.mode, 'incremental');
  assert.deepEqual([...new Set(await tn.tcp(x.ns, '10.96.0.10', 80, 8))], ['pod-b']);
  // With session affinity too (the rewritten chains name the affinity sets).
  assert.deepEqual([...new Set(await tn.tcp(x.ns, '10.96.0.12', 80, 4))], ['pod-b']);
  // Back to both, and the empty Service gets an endpoint: it stops refusing.
  const s2 = stateWith([empty, [epA]]);
  await dp.sync(s2, changed(web.key, empty.key));
  assert.deepEqual(await tn.tcp(x.ns, '10.96.0.11', 80, 1), ['pod-a']);
  await dp.sync(state1(), changed(empty.key));
  assert.deepEqual(await tn.tcp(x.ns, '10.96.0.11', 80, 1), ['ECONNREFUSED']);
});

test('drift: a dispatch rule deleted by hand is back after the periodic full resync', async () => {
  const list = await execRunner('ip', ['netns', 'exec', tn.node, 'nft', '-a', 'list', 'chain', 'ip', tn.prefix, 'services']);
  const handle = /vmap @service-ips # handle (\d+)/.exec(list)?.[1];
  assert.ok(handle, list);
  await execRunner('ip', ['netns', 'exec', tn.node, 'nft', 'delete', 'rule', 'ip', tn.prefix, 'services', 'handle', handle]);
  // Without dispatch, the ClusterIP is just an address in @cluster-ips: refused.
  assert.deepEqual(await tn.tcp(x.ns, '10.96.0.10', 80, 1), ['ECONNREFUSED']);
  await dp.sync(state1(), FULL);
  assert.equal(dp.last.mode, 'full');
  const names = await tn.tcp(x.ns, '10.96.0.10', 80, 4);
  assert.ok(names.every((n) => n === 'pod-a' || n === 'pod-b'), names.join(','));
  // The full sync also deleted the chains the incremental syncs only flushed: the table holds exactly the plan's.
  const chains = await execRunner('ip', ['netns', 'exec', tn.node, 'nft', 'list', 'chains', 'ip']);
  // (ns1/empty's endpoint chain, flushed when it lost its endpoint in the previous test, is gone.)
  const endpointChains = [...chains.matchAll(/chain endpoint-\w+-(\S+)/g)].map((m) => m[1]).sort();
  assert.deepEqual(endpointChains, [
    'ns1/dns/udp/dns__10.244.1.2/5353',
    'ns1/loc-none/tcp/p80__10.244.1.3/8080',
    'ns1/loc/tcp/p80__10.244.1.2/8080',
    'ns1/self/tcp/p80__10.244.1.2/8080',
    'ns1/sticky/tcp/p80__10.244.1.2/8080',
    'ns1/sticky/tcp/p80__10.244.1.3/8080',
    'ns1/web/tcp/p80__10.244.1.2/8080',
    'ns1/web/tcp/p80__10.244.1.3/8080',
    'ns1/web6/tcp/p80__10.244.1.2/8080',
    'ns1/web6/tcp/p80__10.244.1.3/8080',
  ]);
});

test('UDP: when the endpoint is replaced, conntrack cleanup sends the same flow to the new pod', async () => {
  assert.equal(await tn.udp(x.ns, '10.96.0.13', 53, 40053), 'pod-a');
  assert.equal(await tn.udp(x.ns, '10.96.0.13', 53, 40053), 'pod-a');
  const s = stateWith([dns, [udpB]]);
  await dp.sync(s, changed(dns.key));
  assert.ok(dp.last.conntrackDeletes > 0);
  // pod-a is still up: without the cleanup the flow's conntrack entry would keep sending there.
  assert.equal(await tn.udp(x.ns, '10.96.0.13', 53, 40053), 'pod-b');
  assert.deepEqual(logs, []);
});

test('close() deletes the table', async () => {
  await dp.close();
  const tables = await execRunner('ip', ['netns', 'exec', tn.node, 'nft', 'list', 'tables']);
  assert.doesNotMatch(tables, new RegExp(tn.prefix), 'neither the ip nor the ip6 table is left');
});
