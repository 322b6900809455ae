/**
 * Several nodes on one machine: three proxies in this process for node-a,
 * node-b and node-c (zones zone-a/b/c), each with its own node address for
 * NodePorts and its own pod CIDR. A client "on" a node binds a source
 * address in that node's pod CIDR; the shared listeners hand its connection
 * to that node's proxy (kube-proxy's LocalTrafficDetector), as traffic from a
 * pod goes through its own node's kube-proxy rules.
 *
 * internalTrafficPolicy Local, externalTrafficPolicy Local with the health
 * check node port (200/503 with the local endpoint count), the pod
 * short-circuit for externalTrafficPolicy Local, and topology hints
 * (all-or-nothing) with trafficDistribution PreferClose.
 *
 * Band 204. Hand-written slices; once the node agent lands, run one agent per
 * node and let the EndpointSlice controller write nodeName, zone and hints.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Node } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import type { RunningProxy } from '../../src/proxy/index.ts';
import { Cluster, endpointCount, helloMany, helloOutcome, programmed, sliceFor, tcpBackend, type TcpBackend } from './helpers.ts';

const B = 204;
const NODES = [
  { name: 'node-a', zone: 'zone-a', cidr: `127.244.${B}.0/26`, pod: `127.244.${B}.1`, client: `127.244.${B}.50`, address: `127.0.${B}.1` },
  { name: 'node-b', zone: 'zone-b', cidr: `127.244.${B}.64/26`, pod: `127.244.${B}.65`, client: `127.244.${B}.110`, address: `127.0.${B}.2` },
  { name: 'node-c', zone: 'zone-c', cidr: `127.244.${B}.128/26`, pod: `127.244.${B}.129`, client: `127.244.${B}.170`, address: `127.0.${B}.3` },
] as const;
const OUTSIDE = `127.0.${B}.200`; // an external client: on no node
const vip = (i: number) => `127.96.${B}.${i}`;

let c: Cluster;
const proxies = new Map<string, RunningProxy>();
const backends: TcpBackend[] = [];

before(async () => {
  c = await Cluster.start(B);
  for (const n of NODES) {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'topology.kubernetes.io/zone': n.zone, 'kubernetes.io/hostname': n.name } },
      spec: { podCIDR: n.cidr, podCIDRs: [n.cidr] },
    };
    await c.client.create(Resources.nodes, undefined, node);
    backends.push(await tcpBackend(n.pod, 8080, n.name));
  }
  for (const n of NODES) proxies.set(n.name, c.startProxy({ nodeName: n.name, nodePortAddresses: [n.address] }));
  await Promise.all([...proxies.values()].map((p) => p.synced));
  for (const [name, p] of proxies) {
    const zone = NODES.find((n) => n.name === name)!.zone;
    await programmed(p, (x) => x.state().node.zone === zone, `zone label seen`);
  }
});

after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await c.stop();
});

async function onAll(key: string, n: number): Promise<void> {
  for (const p of proxies.values()) await programmed(p, (x) => endpointCount(x, key) === n, `${key} has ${n} endpoints`);
}

const only = (counts: Map<string, number>) => [...counts.keys()].sort().join(',');

test('internalTrafficPolicy Local: ClusterIP traffic stays on the client\'s node; a node without a local endpoint drops it', async () => {
  await c.service({ metadata: { name: 'itp' }, spec: { clusterIP: vip(10), internalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] } });
  await c.putSlice(sliceFor('itp', 'itp-1', [NODES[0], NODES[1]].map((n) => ({ ip: n.pod, nodeName: n.name, zone: n.zone })), [{ port: 8080 }]));
  await onAll('default/itp:/TCP', 2);
  assert.equal(only(await helloMany(vip(10), 80, 60, 10, { localAddress: NODES[0].client })), 'node-a');
  assert.equal(only(await helloMany(vip(10), 80, 60, 10, { localAddress: NODES[1].client })), 'node-b');
  // node-c has endpoints elsewhere but none local: DROP (no answer), not REJECT.
  assert.equal(await helloOutcome(vip(10), 80, { localAddress: NODES[2].client, timeoutMs: 300 }), 'TIMEOUT');
  const text = await proxies.get('node-c')!.metrics.registry.metrics();
  assert.match(text, /kubeproxy_sync_proxy_rules_no_local_endpoints_total\{traffic_policy="internal"\} 1/);
});

function healthCheck(address: string, port: number): Promise<{ code: number; body: { localEndpoints: number; service: { name: string } } }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: address, port, path: '/healthz', agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

test('externalTrafficPolicy Local: NodePort traffic only to the node\'s own endpoints; health check node port reports them', async () => {
  const svc = await c.service({
    metadata: { name: 'etp' },
    spec: { type: 'LoadBalancer', clusterIP: vip(11), externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] },
  });
  const nodePort = svc.spec.ports![0]!.nodePort!;
  const hcPort = svc.spec.healthCheckNodePort!;
  assert.ok(hcPort >= 30000, `healthCheckNodePort allocated (${hcPort})`);
  await c.putSlice(sliceFor('etp', 'etp-1', [NODES[0], NODES[1]].map((n) => ({ ip: n.pod, nodeName: n.name, zone: n.zone })), [{ port: 8080 }]));
  await onAll('default/etp:/TCP', 2);

  assert.equal(only(await helloMany(NODES[0].address, nodePort, 60, 10, { localAddress: OUTSIDE })), 'node-a');
  assert.equal(only(await helloMany(NODES[1].address, nodePort, 60, 10, { localAddress: OUTSIDE })), 'node-b');
  assert.equal(await helloOutcome(NODES[2].address, nodePort, { localAddress: OUTSIDE, timeoutMs: 300 }), 'TIMEOUT');
  // A pod on node-c reaching node-c's NodePort is short-circuited to the cluster-wide endpoints.
  assert.equal(only(await helloMany(NODES[2].address, nodePort, 60, 10, { localAddress: NODES[2].client })), 'node-a,node-b');
  // Internal (ClusterIP) traffic is not affected by externalTrafficPolicy.
  assert.equal(only(await helloMany(vip(11), 80, 60, 10, { localAddress: NODES[2].client })), 'node-a,node-b');

  const a = await healthCheck(NODES[0].address, hcPort);
  assert.equal(a.code, 200);
  assert.equal(a.body.localEndpoints, 1);
  assert.equal(a.body.service.name, 'etp');
  const cc = await healthCheck(NODES[2].address, hcPort);
  assert.equal(cc.code, 503);
  assert.equal(cc.body.localEndpoints, 0);

  // node-a's endpoint starts terminating: it still serves node-a's external traffic (fallback) but the health check fails, so a load balancer drains the node.
  await c.putSlice(
    sliceFor(
      'etp',
      'etp-1',
      [
        { ip: NODES[0].pod, nodeName: 'node-a', zone: 'zone-a', ready: false, serving: true, terminating: true },
        { ip: NODES[1].pod, nodeName: 'node-b', zone: 'zone-b' },
      ],
      [{ port: 8080 }],
    ),
  );
  await programmed(proxies.get('node-a')!, (x) => endpointCount(x, 'default/etp:/TCP', (e) => e.terminating) === 1, 'terminating seen');
  assert.equal((await healthCheck(NODES[0].address, hcPort)).code, 503);
  assert.equal(only(await helloMany(NODES[0].address, nodePort, 20, 5, { localAddress: OUTSIDE })), 'node-a');
});

test('topology hints: a node uses only endpoints hinted for its zone; one endpoint without a hint turns hints off (all-or-nothing)', async () => {
  await c.service({ metadata: { name: 'topo' }, spec: { clusterIP: vip(12), trafficDistribution: 'PreferClose', ports: [{ port: 80, targetPort: 8080 }] } });
  const eps = (hintAll: boolean) => NODES.map((n, i) => ({ ip: n.pod, nodeName: n.name, zone: n.zone, ...(hintAll || i > 0 ? { zoneHints: [n.zone] } : {}) }));
  await c.putSlice(sliceFor('topo', 'topo-1', eps(true), [{ port: 8080 }]));
  await onAll('default/topo:/TCP', 3);
  for (const n of NODES) assert.equal(only(await helloMany(vip(12), 80, 60, 10, { localAddress: n.client })), n.name, `client on ${n.name}`);
  assert.equal(proxies.size, 3);

  // node-a's endpoint loses its hint: every node ignores hints and spreads over all three.
  await c.putSlice(sliceFor('topo', 'topo-1', eps(false), [{ port: 8080 }]));
  for (const p of proxies.values()) await programmed(p, (x) => (x.state().endpoints.get('default/topo:/TCP') ?? []).some((e) => e.zoneHints.length === 0), 'hint removed');
  assert.equal(only(await helloMany(vip(12), 80, 150, 10, { localAddress: NODES[1].client })), 'node-a,node-b,node-c');
});
