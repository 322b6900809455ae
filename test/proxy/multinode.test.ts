/**
 * Several nodes on one machine: three node agents (node-a/b/c in zones
 * zone-a/b/c, each with its own pod CIDR claimed through the API and its own
 * node address) running one sample-app pod each, and three proxies in this
 * process. A client "on" a node binds a source address in that node's pod
 * CIDR; the shared listeners hand its connection to that node's proxy
 * (kube-proxy's LocalTrafficDetector), as traffic from a pod goes through
 * its own node's rules. The EndpointSlice controller writes nodeName, zone
 * and hints from the real pods and Nodes.
 *
 * internalTrafficPolicy Local; topology hints (trafficDistribution
 * PreferClose) with the fallback when a zone has no endpoint left;
 * externalTrafficPolicy Local with the health check node port (200/503 with
 * the local endpoint count), the pod short-circuit, and a terminating local
 * endpoint.
 *
 * Band 204.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Pod } from '../../src/api/types.ts';
import { ProxyCluster, answeredBy, askMany, outcome } from './cluster.ts';
import { endpointCount } from './helpers.ts';

const B = 204;
const NODES = [
  { name: 'node-a', zone: 'zone-a' },
  { name: 'node-b', zone: 'zone-b' },
  { name: 'node-c', zone: 'zone-c' },
];
const OUTSIDE = `127.1.${B}.200`; // an external client: in no node's pod CIDR
const httpPort = [{ name: 'http', port: 80, targetPort: 'http' as const }];

let c: ProxyCluster;
let pa: Pod, pb: Pod, pc: Pod;

before(async () => {
  c = await ProxyCluster.start({ band: B, nodes: NODES });
  // pa keeps passing readiness after deletion (IGNORE_SIGTERM) for the terminating case at the end.
  [pa] = await c.runPods(['pa'], { node: 'node-a', labels: { app: 'mn', ab: 'yes' }, env: { IGNORE_SIGTERM: '1' }, terminationGracePeriodSeconds: 30 });
  [pb] = await c.runPods(['pb'], { node: 'node-b', labels: { app: 'mn', ab: 'yes' } });
  [pc] = await c.runPods(['pc'], { node: 'node-c', labels: { app: 'mn' } });
});

after(async () => {
  await c?.stop();
});

const from = (node: string) => ({ localAddress: c.clientOn(node) });

test("internalTrafficPolicy Local: ClusterIP traffic stays on the client's node; a node without a local endpoint drops it", async () => {
  const key = 'default/itp:http/TCP';
  await c.service('itp', { clusterIP: c.vip(20), internalTrafficPolicy: 'Local', selector: { ab: 'yes' }, ports: httpPort });
  await c.readyEndpoints(key, [pa, pb]);
  assert.equal(answeredBy(await askMany(c.vip(20), 80, 60, 10, from('node-a'))), 'pa');
  assert.equal(answeredBy(await askMany(c.vip(20), 80, 60, 10, from('node-b'))), 'pb');
  // node-c has endpoints elsewhere but none local: DROP (no answer), not REJECT.
  assert.equal(await outcome(c.vip(20), 80, { ...from('node-c'), timeoutMs: 500 }), 'TIMEOUT');
  const text = await c.proxy('node-c').metrics.registry.metrics();
  assert.match(text, /kubeproxy_sync_proxy_rules_no_local_endpoints_total\{traffic_policy="internal"\} 1/);
});

test('topology hints (PreferClose): each node uses its own zone\'s pod; a zone left without one falls back to all', async () => {
  const key = 'default/topo:http/TCP';
  await c.service('topo', { clusterIP: c.vip(21), trafficDistribution: 'PreferClose', selector: { app: 'mn' }, ports: httpPort });
  await c.readyEndpoints(key, [pa, pb, pc]);
  await c.programmed(key, (p) => (p.state().endpoints.get(key) ?? []).every((e) => e.zoneHints.length === 1), 'zone hints from the controller');
  for (const [n, pod] of [['node-a', 'pa'], ['node-b', 'pb'], ['node-c', 'pc']] as const) {
    assert.equal(answeredBy(await askMany(c.vip(21), 80, 60, 10, from(n))), pod, `client on ${n}`);
  }
  // zone-c loses its only pod: node-c has no endpoint hinted for its zone, so it ignores hints (kube-proxy topology.go).
  await c.deletePodAndWait('pc', 0);
  await c.readyEndpoints(key, [pa, pb]);
  assert.equal(answeredBy(await askMany(c.vip(21), 80, 60, 10, from('node-c'))), 'pa,pb');
  assert.equal(answeredBy(await askMany(c.vip(21), 80, 60, 10, from('node-a'))), 'pa', 'zone-a still keeps to itself');
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

test("externalTrafficPolicy Local: NodePort traffic only to the node's own pods; the health check node port reports them", async () => {
  const key = 'default/etp:http/TCP';
  const svc = await c.service('etp', { type: 'LoadBalancer', clusterIP: c.vip(22), externalTrafficPolicy: 'Local', selector: { ab: 'yes' }, ports: httpPort });
  const nodePort = svc.spec.ports![0]!.nodePort!;
  const hcPort = svc.spec.healthCheckNodePort!;
  assert.ok(hcPort >= 30000, `healthCheckNodePort allocated (${hcPort})`);
  await c.readyEndpoints(key, [pa, pb]);
  const [A, Bn, C] = [0, 1, 2].map((i) => c.nodeAddress(i)) as [string, string, string];

  assert.equal(answeredBy(await askMany(A, nodePort, 60, 10, { localAddress: OUTSIDE })), 'pa');
  assert.equal(answeredBy(await askMany(Bn, nodePort, 60, 10, { localAddress: OUTSIDE })), 'pb');
  assert.equal(await outcome(C, nodePort, { localAddress: OUTSIDE, timeoutMs: 500 }), 'TIMEOUT');
  // A pod on node-c reaching node-c's NodePort is short-circuited to the cluster-wide endpoints.
  assert.equal(answeredBy(await askMany(C, nodePort, 60, 10, from('node-c'))), 'pa,pb');
  // Internal (ClusterIP) traffic is not affected by externalTrafficPolicy.
  assert.equal(answeredBy(await askMany(c.vip(22), 80, 60, 10, from('node-c'))), 'pa,pb');

  const a = await healthCheck(A, hcPort);
  assert.equal(a.code, 200);
  assert.equal(a.body.localEndpoints, 1);
  assert.equal(a.body.service.name, 'etp');
  const cc = await healthCheck(C, hcPort);
  assert.equal(cc.code, 503);
  assert.equal(cc.body.localEndpoints, 0);

  // pa is deleted but keeps passing readiness (serving + terminating): it still serves node-a's external traffic
  // (fallback) but the health check fails, so a load balancer drains the node.
  await c.deletePod('pa');
  await c.programmed(key, (p) => endpointCount(p, key, (e) => e.terminating && e.serving) === 1, 'pa serving + terminating', ['node-a']);
  assert.equal((await healthCheck(A, hcPort)).code, 503);
  assert.equal(answeredBy(await askMany(A, nodePort, 20, 5, { localAddress: OUTSIDE })), 'pa');
});
