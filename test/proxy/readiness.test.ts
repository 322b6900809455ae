/**
 * Readiness through the userspace proxy: an endpoint that turns unready
 * stops getting new connections within the sync window; an endpoint without
 * conditions (a pod without a readiness probe is published ready) gets
 * traffic at once; all endpoints unready → refused at once; a terminating
 * endpoint's open connection completes, even after the endpoint is removed;
 * serving+terminating endpoints are used when nothing is ready.
 *
 * Band 202. Readiness is flipped on hand-written EndpointSlices; once the
 * node agent and the EndpointSlice controller land, the first and fourth
 * tests should fail a real pod's readiness probe (sample app) and delete a
 * real pod instead.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RunningProxy } from '../../src/proxy/index.ts';
import { Cluster, endpointCount, hello, helloMany, helloOutcome, programmed, sliceFor, tcpBackend, until, type EndpointSpec, type TcpBackend } from './helpers.ts';

const B = 202;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;
const MIN_SYNC_MS = 200;

let c: Cluster;
let proxy: RunningProxy;
const backends: TcpBackend[] = [];

before(async () => {
  c = await Cluster.start(B);
  for (let i = 1; i <= 3; i++) backends.push(await tcpBackend(pod(i), 8080, `pod-${i}`));
  proxy = c.startProxy({ nodeName: 'node-1', nodePortAddresses: [`127.0.${B}.1`], minSyncPeriodMs: MIN_SYNC_MS });
  await proxy.synced;
});

after(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await c.stop();
});

async function service(name: string, ip: string, eps: EndpointSpec[]): Promise<void> {
  await c.service({ metadata: { name }, spec: { clusterIP: ip, ports: [{ port: 80, targetPort: 8080 }] } });
  await c.putSlice(sliceFor(name, `${name}-1`, eps, [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, `default/${name}:/TCP`) === eps.length, `${name} programmed`);
}

test('an endpoint turning unready gets no new connection once the sync window has passed', async () => {
  await service('flip', vip(10), [1, 2, 3].map((i) => ({ ip: pod(i) })));
  const log: { t: number; pod: string }[] = [];
  let stop = false;
  const load = (async () => {
    while (!stop) {
      const r = await helloOutcome(vip(10), 80);
      log.push({ t: performance.now(), pod: r });
    }
  })();
  await until(() => log.length >= 30, 'load running before the flip');
  const flippedAt = performance.now();
  await c.putSlice(sliceFor('flip', 'flip-1', [{ ip: pod(1) }, { ip: pod(2), ready: false, serving: false }, { ip: pod(3) }], [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/flip:/TCP', (e) => e.ready) === 2, 'pod-2 unready');
  const programmedAt = performance.now();
  const seen = log.length;
  await until(() => log.length >= seen + 50, 'load running after programming');
  stop = true;
  await load;
  const lastToPod2 = Math.max(...log.filter((l) => l.pod === 'ok:pod-2').map((l) => l.t));
  const after = log.filter((l) => l.t > programmedAt);
  assert.ok(after.length > 20, `load kept running (${after.length} connections after programming)`);
  assert.ok(after.every((l) => l.pod === 'ok:pod-1' || l.pod === 'ok:pod-3'), `after programming: ${[...new Set(after.map((l) => l.pod))].join(', ')}`);
  const window = lastToPod2 - flippedAt;
  assert.ok(window < MIN_SYNC_MS + 1000, `pod-2 still got a new connection ${window.toFixed(0)} ms after the API write (sync window ${MIN_SYNC_MS} ms)`);
  assert.ok(programmedAt - flippedAt < MIN_SYNC_MS + 1000, `programmed ${(programmedAt - flippedAt).toFixed(0)} ms after the write`);
  assert.ok(log.every((l) => l.pod.startsWith('ok:')), 'no connection failed during the flip');
});

test('an endpoint without conditions (pod without a readiness probe) gets traffic as soon as it is published', async () => {
  await c.service({ metadata: { name: 'noprobe' }, spec: { clusterIP: vip(11), ports: [{ port: 80, targetPort: 8080 }] } });
  const s = sliceFor('noprobe', 'noprobe-1', [{ ip: pod(1) }], [{ port: 8080 }]);
  delete s.endpoints[0]!.conditions;
  await c.putSlice(s);
  await programmed(proxy, (p) => endpointCount(p, 'default/noprobe:/TCP', (e) => e.ready) === 1, 'published');
  assert.equal(await hello(vip(11), 80), 'pod-1');
});

test('all endpoints unready: connections are refused at once', async () => {
  await service('down', vip(12), [1, 2].map((i) => ({ ip: pod(i) })));
  assert.match(await hello(vip(12), 80), /^pod-/);
  await c.putSlice(sliceFor('down', 'down-1', [1, 2].map((i) => ({ ip: pod(i), ready: false, serving: false })), [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/down:/TCP', (e) => e.ready) === 0, 'all unready');
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    assert.equal(await helloOutcome(vip(12), 80), 'ECONNREFUSED');
    assert.ok(performance.now() - t0 < 500, `refusal took ${(performance.now() - t0).toFixed(1)} ms`);
  }
});

test('a terminating endpoint finishes its open connection, even after it is removed; new connections go elsewhere', async () => {
  await service('drain', vip(13), [1, 2].map((i) => ({ ip: pod(i) })));
  // Open connections until one lands on pod-1.
  let sock: net.Socket | undefined;
  for (let i = 0; i < 50 && !sock; i++) {
    const s = net.connect({ host: vip(13), port: 80 });
    const first = await new Promise<string>((resolve, reject) => {
      s.once('data', (d) => resolve(d.toString()));
      s.once('error', reject);
    });
    if (first === 'pod-1\n') sock = s;
    else s.destroy();
  }
  assert.ok(sock, 'a connection to pod-1');
  const echo = (msg: string) =>
    new Promise<string>((resolve, reject) => {
      sock!.once('data', (d) => resolve(d.toString()));
      sock!.once('error', reject);
      sock!.write(msg);
    });
  assert.equal(await echo('before'), 'before');

  // pod-1 starts terminating (still serving, as during a graceful shutdown).
  await c.putSlice(sliceFor('drain', 'drain-1', [{ ip: pod(1), ready: false, serving: true, terminating: true }, { ip: pod(2) }], [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/drain:/TCP', (e) => e.terminating) === 1, 'pod-1 terminating');
  const counts = await helloMany(vip(13), 80, 100);
  assert.deepEqual([...counts], [['pod-2', 100]], 'new connections skip the terminating endpoint');
  assert.equal(await echo('during'), 'during');

  // pod-1 is gone from the slice altogether: the established connection still works and ends cleanly.
  await c.putSlice(sliceFor('drain', 'drain-1', [{ ip: pod(2) }], [{ port: 8080 }]));
  await programmed(proxy, (p) => endpointCount(p, 'default/drain:/TCP') === 1, 'pod-1 removed');
  assert.equal(await echo('after-removal'), 'after-removal');
  const ended = new Promise<void>((resolve) => sock!.once('end', () => resolve()));
  sock.end();
  await ended;
});

test('no ready endpoint but serving+terminating ones: traffic still flows to them (kube-proxy fallback)', async () => {
  await service('last', vip(14), [
    { ip: pod(1), ready: false, serving: true, terminating: true },
    { ip: pod(3), ready: false, serving: false, terminating: true },
  ]);
  const counts = await helloMany(vip(14), 80, 50);
  assert.deepEqual([...counts], [['pod-1', 50]]);
});
