/**
 * Userspace proxy, real traffic on loopback against the real API server:
 * ClusterIP, NodePort and LoadBalancer IP reach the pods with a random
 * spread; ClientIP affinity per source address; a failed connect tries
 * another endpoint; no endpoints → refused at once; ExternalName is not
 * proxied; a selectorless Service with hand-written Endpoints (mirrored to a
 * slice by the mirroring controller) reaches a server outside the cluster;
 * loadBalancerSourceRanges; externalIPs on this machine's address.
 *
 * Band 201. The "pods" are TCP servers started here on 127.244.201.x with
 * hand-written EndpointSlices; once the node agent and the EndpointSlice
 * controller land, the spread, affinity and LB tests should switch to real
 * pods (a Deployment-like set of sample-app pods behind a selector).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { startControllers } from '../../src/controllers/index.ts';
import { startLoadBalancerController } from '../../src/controllers/loadbalancer/index.ts';
import type { RunningProxy, UserspaceProxier } from '../../src/proxy/index.ts';
import { Cluster, machineAddress, chiSquareUniform, endpointCount, hello, helloMany, helloOutcome, programmed, sliceFor, tcpBackend, until, type TcpBackend } from './helpers.ts';

const B = 201;
const NODE_IP = `127.0.${B}.1`;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;
// χ² critical value for 2 degrees of freedom at p = 1e-5 (a correct uniform picker fails this once in 100,000 runs).
const CHI2_LIMIT = 23.0;

let c: Cluster;
let proxy: RunningProxy;
const backends: TcpBackend[] = [];

before(async () => {
  const outside = machineAddress();
  c = await Cluster.start(B, { externalIPCIDRs: outside ? [`${outside}/32`, '198.51.100.0/24'] : ['198.51.100.0/24'] });
  for (let i = 1; i <= 3; i++) backends.push(await tcpBackend(pod(i), 8080, `pod-${i}`));
  proxy = c.startProxy({ nodeName: 'node-1', nodePortAddresses: [NODE_IP] });
  await proxy.synced;
});

after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await c.stop();
});

async function webService(name: string, ip: string, spec: Partial<Service['spec']> = {}, eps = [1, 2, 3]): Promise<Service> {
  const svc = await c.service({ metadata: { name }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } });
  await c.putSlice(sliceFor(name, `${name}-1`, eps.map((i) => ({ ip: pod(i), nodeName: 'node-1' })), [{ name: 'http', port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, `default/${name}:http/TCP`) === eps.length, `${name} has ${eps.length} endpoints`);
  return svc;
}

function assertSpread(counts: Map<string, number>, n: number, what: string): void {
  const per = [1, 2, 3].map((i) => counts.get(`pod-${i}`) ?? 0);
  assert.equal(per.reduce((a, b) => a + b, 0), n, `${what}: every connection answered (${JSON.stringify([...counts])})`);
  const chi2 = chiSquareUniform(per);
  assert.ok(chi2 < CHI2_LIMIT, `${what}: spread ${per.join('/')} is not uniform (χ²=${chi2.toFixed(1)})`);
}

test('ClusterIP, NodePort and LoadBalancer IP each reach the pods, spread at random across 3 pods (3,000 connections)', async () => {
  const lb = startLoadBalancerController(c.newClient(), { pools: [`127.240.${B}.0/24`] });
  try {
    const svc = await webService('web', vip(10), { type: 'LoadBalancer' });
    const nodePort = svc.spec.ports![0]!.nodePort!;
    assert.ok(nodePort >= 30000);
    let lbIP = '';
    await until(async () => {
      const s = await c.getService('web');
      lbIP = s.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
      return lbIP !== '';
    }, 'LoadBalancer ingress IP assigned');
    assert.equal(lbIP, `127.240.${B}.1`);
    await programmed(proxy, (p) => p.state().servicePorts.get('default/web:http/TCP')?.loadBalancerIPs[0] === lbIP, 'proxy sees the LB IP');

    assertSpread(await helloMany(vip(10), 80, 1000), 1000, 'ClusterIP');
    assertSpread(await helloMany(NODE_IP, nodePort, 1000), 1000, 'NodePort');
    assertSpread(await helloMany(lbIP, 80, 1000), 1000, 'LoadBalancer IP');
  } finally {
    lb.stop();
  }
});

test('ClientIP session affinity: each client address sticks to one pod; different addresses spread', async () => {
  await webService('sticky', vip(11), { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } });
  const firstPods = new Set<string>();
  for (let client = 1; client <= 12; client++) {
    const src = `127.0.${B}.${100 + client}`;
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) seen.add(await hello(vip(11), 80, { localAddress: src }));
    assert.equal(seen.size, 1, `client ${src} was sent to ${[...seen].join(', ')}`);
    firstPods.add([...seen][0]!);
  }
  // 12 independent random first picks all landing on one pod of three: probability 3·(1/3)^12 ≈ 6e-6.
  assert.ok(firstPods.size >= 2, `12 client addresses all went to ${[...firstPods].join(', ')}`);
});

test('a failed connect to an endpoint tries another one; the client never sees the dead endpoint', async () => {
  // Endpoint 9 has no server: connects to it are refused and retried elsewhere.
  await webService('flaky', vip(12), {}, [1, 9]);
  const counts = await helloMany(vip(12), 80, 200);
  assert.deepEqual([...counts], [['pod-1', 200]]);
  const text = await proxy.metrics.registry.metrics();
  const failures = Number(/switchboard_proxy_endpoint_connect_failures_total\{service_port="default\/flaky:http",protocol="TCP"\} (\d+)/.exec(text)?.[1]);
  assert.ok(failures > 20, `connect failures counted: ${failures}`);
});

test('no usable endpoint: the connection is refused at once, never hangs; traffic resumes when one is ready', async () => {
  await c.service({ metadata: { name: 'empty' }, spec: { clusterIP: vip(13), ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  await c.putSlice(sliceFor('empty', 'empty-1', [{ ip: pod(1), ready: false, serving: false }], [{ name: 'http', port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/empty:http/TCP') === 1, 'empty has its unready endpoint');
  const t0 = performance.now();
  assert.equal(await helloOutcome(vip(13), 80), 'ECONNREFUSED');
  assert.ok(performance.now() - t0 < 500, `refused after ${(performance.now() - t0).toFixed(0)} ms`);
  await c.putSlice(sliceFor('empty', 'empty-1', [{ ip: pod(1) }], [{ name: 'http', port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/empty:http/TCP', (e) => e.ready) === 1, 'endpoint ready');
  assert.equal(await hello(vip(13), 80), 'pod-1');
});

test('ExternalName Services are not proxied (no ClusterIP, no listener, not in the view)', async () => {
  await c.service({ metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] } });
  // A slice wrongly labelled for it must not make it proxied either.
  await c.putSlice(sliceFor('ext', 'ext-1', [{ ip: pod(1) }], [{ port: 80 }]));
  // A later Service proves the proxy has processed everything before it.
  await webService('after-ext', vip(14));
  assert.equal([...proxy.state().servicePorts.keys()].some((k) => k.startsWith('default/ext:')), false);
});

test('selectorless Service + hand-written Endpoints to a server outside the cluster (mirrored to a slice) works', async (t) => {
  const outside = machineAddress();
  if (!outside) {
    t.skip('this machine has no non-loopback IPv4 address to stand for a server outside the cluster');
    return;
  }
  // The server outside the cluster listens on the machine's own address.
  const ext = await tcpBackend(outside, 18080 + B, 'outside');
  const ctl = startControllers(c.newClient(), { controllers: ['endpointslicemirroring'], events: false });
  try {
    await c.service({ metadata: { name: 'legacy' }, spec: { clusterIP: vip(15), ports: [{ port: 80, targetPort: ext.port }] } });
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'legacy', namespace: 'default' },
      subsets: [{ addresses: [{ ip: outside }], ports: [{ port: ext.port }] }],
    };
    await c.client.create(Resources.endpoints, 'default', ep);
    await programmed(proxy, (p) => endpointCount(p, 'default/legacy:/TCP') === 1, 'mirrored slice seen');
    assert.equal(await hello(vip(15), 80), 'outside');
  } finally {
    ctl.stop();
    await ext.close();
  }
});

test('loadBalancerSourceRanges: LB IP traffic from other sources gets no answer; NodePort is not filtered', async () => {
  const svc = await webService('ranged', vip(16), { type: 'LoadBalancer', loadBalancerSourceRanges: [`127.0.${B}.0/28`] });
  await c.patchService('ranged', { status: { loadBalancer: { ingress: [{ ip: `127.240.${B}.200`, ipMode: 'VIP' }] } } }, 'default', 'status');
  await programmed(proxy, (p) => p.state().servicePorts.get('default/ranged:http/TCP')?.loadBalancerIPs.length === 1, 'LB IP programmed');
  const lbIP = `127.240.${B}.200`;
  assert.match(await hello(lbIP, 80, { localAddress: `127.0.${B}.5` }), /^pod-/);
  assert.equal(await helloOutcome(lbIP, 80, { localAddress: `127.0.${B}.50`, timeoutMs: 300 }), 'TIMEOUT');
  assert.match(await hello(NODE_IP, svc.spec.ports![0]!.nodePort!, { localAddress: `127.0.${B}.50` }), /^pod-/);
});

test('externalIPs: an address of this machine is served (allowed by --service-external-ip-cidrs); one elsewhere is left to its machine, without an Event', async (t) => {
  const outside = machineAddress();
  if (!outside) {
    t.skip('this machine has no non-loopback IPv4 address to use as an externalIP');
    return;
  }
  await webService('extip', vip(17), { externalIPs: [outside, '198.51.100.7'] });
  await programmed(proxy, (p) => p.state().servicePorts.get('default/extip:http/TCP')?.externalIPs.length === 2, 'externalIPs programmed');
  assert.match(await hello(outside, 80), /^pod-/);
  const plane = proxy.dataPlane as UserspaceProxier;
  assert.deepEqual(plane.portState('default/extip:http/TCP')!.listeners, ['cluster|127.96.201.17:80', `externalip|${outside}:80`]);
  assert.deepEqual((await c.events('extip')).filter((e) => e.type === 'Warning'), []);
});
