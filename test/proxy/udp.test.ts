/**
 * UDP through the userspace proxy: an echo Service keeps answering while its
 * endpoints are replaced one by one, and no reply comes from a removed pod
 * once the removal is programmed (flows to it are dropped at once: the
 * stale-conntrack lesson); idle flows expire; no endpoints → ICMP port
 * unreachable (ECONNREFUSED on a connected socket) at once.
 *
 * Band 203. Hand-written slices; switch to real pods (a UDP echo sample app,
 * replaced by a rolling update) once the node agent lands.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningProxy, UserspaceProxier } from '../../src/proxy/index.ts';
import { Cluster, endpointCount, programmed, sliceFor, udpBackend, udpClient, until, type UdpBackend } from './helpers.ts';

const B = 203;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;
const PORT = 5300;

let c: Cluster;
let proxy: RunningProxy;
const backends: UdpBackend[] = [];

before(async () => {
  c = await Cluster.start(B);
  for (let i = 1; i <= 6; i++) backends.push(await udpBackend(pod(i), PORT, `pod-${i}`));
  proxy = c.startProxy({ nodeName: 'node-1', nodePortAddresses: [`127.0.${B}.1`], udpIdleTimeoutMs: 400 });
  await proxy.synced;
});

after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await c.stop();
});

const udpSlice = (name: string, pods: number[]) => sliceFor(name, `${name}-1`, pods.map((i) => ({ ip: pod(i) })), [{ name: 'dns', port: PORT, protocol: 'UDP' }]);

test('an echo Service keeps answering while its endpoints are replaced one by one; no reply from a removed pod', async () => {
  await c.service({ metadata: { name: 'echo' }, spec: { clusterIP: vip(10), ports: [{ name: 'dns', port: 53, targetPort: PORT, protocol: 'UDP' }] } });
  let current = [1, 2, 3];
  await c.putSlice(udpSlice('echo', current));
  await programmed(proxy, (p) => endpointCount(p, 'default/echo:dns/UDP') === 3, 'three endpoints');

  const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => udpClient(vip(10), 53, `127.0.${B}.${10 + i}`)));
  const replies: { sentAt: number; from: string }[] = [];
  const removedAt = new Map<string, number>();
  let stop = false;
  let failures = 0;
  const loops = clients.map(async (cl, i) => {
    let n = 0;
    while (!stop) {
      const sentAt = performance.now();
      try {
        const r = await cl.ask(`c${i}-${n++}`, { timeoutMs: 300, attempts: 5 });
        replies.push({ sentAt, from: r.split('|')[0]! });
      } catch {
        failures++;
      }
    }
  });
  await until(() => replies.length > 100, 'traffic flowing');
  // Rolling replacement: add one new pod, then remove one old pod, three times.
  for (const [add, remove] of [
    [4, 1],
    [5, 2],
    [6, 3],
  ] as const) {
    current = [...current, add];
    await c.putSlice(udpSlice('echo', current));
    await programmed(proxy, (p) => endpointCount(p, 'default/echo:dns/UDP') === current.length, `pod-${add} added`);
    current = current.filter((x) => x !== remove);
    await c.putSlice(udpSlice('echo', current));
    await programmed(proxy, (p) => endpointCount(p, 'default/echo:dns/UDP') === current.length, `pod-${remove} removed`);
    removedAt.set(`pod-${remove}`, performance.now());
    const seen = replies.length;
    await until(() => replies.length > seen + 100, 'traffic after the removal');
  }
  stop = true;
  await Promise.all(loops);
  for (const cl of clients) cl.close();

  // A datagram in flight while its flow is torn down is lost (as with a conntrack flush); the client's retry goes to a live pod.
  assert.equal(failures, 0, 'every request was answered within 5 attempts');
  for (const [name, at] of removedAt) {
    const late = replies.filter((r) => r.from === name && r.sentAt > at);
    assert.equal(late.length, 0, `${late.length} replies from ${name} to datagrams sent after its removal was programmed`);
  }
  const lastReplies = replies.slice(-100).map((r) => r.from);
  assert.ok(lastReplies.every((f) => ['pod-4', 'pod-5', 'pod-6'].includes(f)), `final replies from ${[...new Set(lastReplies)].join(', ')}`);
  assert.ok(new Set(lastReplies).size >= 2, 'flows re-spread over the new pods');
});

test('idle UDP flows expire; the next datagram opens a new flow', async () => {
  await c.service({ metadata: { name: 'idle' }, spec: { clusterIP: vip(11), ports: [{ name: 'dns', port: 53, targetPort: PORT, protocol: 'UDP' }] } });
  await c.putSlice(udpSlice('idle', [1]));
  await programmed(proxy, (p) => endpointCount(p, 'default/idle:dns/UDP') === 1, 'programmed');
  const plane = proxy.dataPlane as UserspaceProxier;
  const cl = await udpClient(vip(11), 53, `127.0.${B}.50`);
  assert.equal(await cl.ask('hi'), 'pod-1|hi');
  assert.equal(plane.portState('default/idle:dns/UDP')!.udpFlows, 1);
  await until(() => plane.portState('default/idle:dns/UDP')!.udpFlows === 0, 'flow expired after 400 ms idle', 3000, 25);
  assert.equal(await cl.ask('again'), 'pod-1|again');
  assert.equal(plane.portState('default/idle:dns/UDP')!.udpFlows, 1);
  cl.close();
});

test('UDP without endpoints: ICMP port unreachable at once (ECONNREFUSED on a connected socket)', async () => {
  await c.service({ metadata: { name: 'void' }, spec: { clusterIP: vip(12), ports: [{ name: 'dns', port: 53, targetPort: PORT, protocol: 'UDP' }] } });
  await c.putSlice(udpSlice('void', []));
  await programmed(proxy, (p) => p.state().servicePorts.has('default/void:dns/UDP'), 'service programmed');
  const cl = await udpClient(vip(12), 53, `127.0.${B}.51`);
  const t0 = performance.now();
  await assert.rejects(cl.ask('anyone?'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  assert.ok(performance.now() - t0 < 500, `ICMP error after ${(performance.now() - t0).toFixed(0)} ms`);
  cl.close();
});

test('a listening address going away (LB IP removed) closes its flows; replies in flight are dropped, not a crash', async () => {
  await c.service({ metadata: { name: 'lbu' }, spec: { type: 'LoadBalancer', clusterIP: vip(13), ports: [{ name: 'dns', port: 53, targetPort: PORT, protocol: 'UDP' }] } });
  await c.putSlice(udpSlice('lbu', [1, 2]));
  await c.patchService('lbu', { status: { loadBalancer: { ingress: [{ ip: `127.240.${B}.1`, ipMode: 'VIP' }] } } }, 'default', 'status');
  await programmed(proxy, (p) => p.state().servicePorts.get('default/lbu:dns/UDP')?.loadBalancerIPs.length === 1 && endpointCount(p, 'default/lbu:dns/UDP') === 2, 'LB IP programmed');
  const plane = proxy.dataPlane as UserspaceProxier;
  const viaLB = await udpClient(`127.240.${B}.1`, 53, `127.0.${B}.60`);
  const viaVIP = await udpClient(vip(13), 53, `127.0.${B}.61`);
  assert.match(await viaLB.ask('a'), /^pod-[12]\|a$/);
  assert.match(await viaVIP.ask('b'), /^pod-[12]\|b$/);
  assert.equal(plane.portState('default/lbu:dns/UDP')!.udpFlows, 2);
  await c.patchService('lbu', { status: { loadBalancer: { ingress: null } } }, 'default', 'status');
  await programmed(proxy, (p) => p.state().servicePorts.get('default/lbu:dns/UDP')?.loadBalancerIPs.length === 0, 'LB IP removed');
  assert.equal(plane.portState('default/lbu:dns/UDP')!.udpFlows, 1, 'only the ClusterIP flow is left');
  assert.match(await viaVIP.ask('c'), /^pod-[12]\|c$/);
  await assert.rejects(viaLB.ask('d', { timeoutMs: 300 }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED' || e.code === 'TIMEOUT');
  viaLB.close();
  viaVIP.close();
});
