/**
 * Userspace proxy with --balance round-robin: exact rotation over 3 pods, and
 * ClientIP affinity that expires after timeoutSeconds (deterministic here:
 * after expiry the rotation moves on, so the client lands on the next pod).
 *
 * Band 207. Hand-written slices; switch to real pods once the node agent lands.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningProxy } from '../../src/proxy/index.ts';
import { Cluster, endpointCount, hello, helloMany, programmed, sliceFor, tcpBackend, until, type TcpBackend } from './helpers.ts';

const B = 207;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;

let c: Cluster;
let proxy: RunningProxy;
const backends: TcpBackend[] = [];

before(async () => {
  c = await Cluster.start(B);
  for (let i = 1; i <= 3; i++) backends.push(await tcpBackend(pod(i), 8080, `pod-${i}`));
  proxy = c.startProxy({ nodeName: 'node-1', nodePortAddresses: [`127.0.${B}.1`], balance: 'round-robin' });
  await proxy.synced;
});

after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await c.stop();
});

test('round-robin is exact: 3,000 connections give each of 3 pods exactly 1,000, in strict rotation', async () => {
  await c.service({ metadata: { name: 'rr' }, spec: { clusterIP: vip(10), ports: [{ port: 80, targetPort: 8080 }] } });
  await c.putSlice(sliceFor('rr', 'rr-1', [1, 2, 3].map((i) => ({ ip: pod(i) })), [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/rr:/TCP') === 3, 'three endpoints');
  // Sequential connections show the rotation itself.
  const order: string[] = [];
  for (let i = 0; i < 9; i++) order.push(await hello(vip(10), 80));
  for (let i = 3; i < 9; i++) assert.equal(order[i], order[i - 3], `rotation broken: ${order.join(' ')}`);
  assert.equal(new Set(order.slice(0, 3)).size, 3);
  // Concurrent connections: counts are exact.
  const counts = await helloMany(vip(10), 80, 2991, 50);
  for (const name of order) counts.set(name, (counts.get(name) ?? 0) + 1);
  const per = [1, 2, 3].map((i) => counts.get(`pod-${i}`) ?? 0);
  assert.deepEqual(per, [1000, 1000, 1000], JSON.stringify([...counts]));
});

test('ClientIP affinity with a short timeout expires; within the timeout it holds', async () => {
  await c.service({
    metadata: { name: 'short' },
    spec: { clusterIP: vip(11), ports: [{ port: 80, targetPort: 8080 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 1 } } },
  });
  await c.putSlice(sliceFor('short', 'short-1', [1, 2, 3].map((i) => ({ ip: pod(i) })), [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/short:/TCP') === 3, 'three endpoints');
  const src = `127.0.${B}.77`;
  const first = await hello(vip(11), 80, { localAddress: src });
  for (let i = 0; i < 5; i++) assert.equal(await hello(vip(11), 80, { localAddress: src }), first, 'sticky within the timeout');
  // Affinity is refreshed by every new connection (iptables `recent --rcheck --seconds`), so wait out a full timeout of silence.
  const last = Date.now();
  await until(() => Date.now() - last > 1100, 'affinity timeout elapsed', 3000, 50);
  const after = await hello(vip(11), 80, { localAddress: src });
  assert.notEqual(after, first, 'after the timeout the round-robin rotation moves the client on');
  // Another client meanwhile is independent of the first.
  const other = await hello(vip(11), 80, { localAddress: `127.0.${B}.78` });
  assert.notEqual(other, after);
});
