/**
 * Readiness through the userspace proxy with real pods (sample app, HTTP
 * readiness probe every second, failureThreshold 1): a pod told to fail
 * readiness gets no new connection once the proxy has applied the change,
 * and gets traffic again when it recovers; a pod without a readiness probe
 * gets traffic as soon as its process runs; all pods unready → connections
 * refused at once; a deleted pod's open connection completes while new ones
 * go elsewhere; a deleted pod that still passes readiness (serving +
 * terminating) keeps getting traffic when nothing else is left.
 *
 * Band 202. --min-sync-period 200 ms.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/types.ts';
import { httpGet } from '../node/helpers.ts';
import { ProxyCluster, answeredBy, ask, askMany, keepAlive, outcome } from './cluster.ts';
import { endpointCount, until } from './helpers.ts';

const B = 202;
const MIN_SYNC_MS = 200;
let c: ProxyCluster;
const httpPort = [{ name: 'http', port: 80, targetPort: 'http' as const }];

before(async () => {
  c = await ProxyCluster.start({ band: B, proxy: { minSyncPeriodMs: MIN_SYNC_MS } });
});

after(async () => {
  await c?.stop();
});

const podIP = (p: Pod) => p.status!.podIP!;

test('a pod failing readiness gets no new connection once the proxy has applied it; recovering brings it back', async (t) => {
  const pods = await c.runPods(['r-1', 'r-2', 'r-3'], { labels: { app: 'r' } });
  await c.service('flip', { clusterIP: c.vip(20), selector: { app: 'r' }, ports: httpPort });
  const key = 'default/flip:http/TCP';
  await c.readyEndpoints(key, pods);

  const log: { start: number; pod: string }[] = [];
  let stop = false;
  const load = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop) {
        const start = performance.now();
        log.push({ start, pod: await outcome(c.vip(20), 80) });
      }
    }),
  );
  await until(() => log.length >= 30, 'load running before readiness fails');
  const failAt = performance.now();
  assert.equal((await httpGet(podIP(pods[1]!), 8080, '/fail')).status, 200);
  await c.readyEndpoints(key, [pods[0]!, pods[2]!]);
  const programmedAt = performance.now();
  const seen = log.length;
  await until(() => log.length >= seen + 60, 'load running after the change is applied');
  stop = true;
  await load;

  assert.deepEqual(log.filter((l) => !l.pod.startsWith('ok:')), [], 'no request failed while readiness changed');
  const afterApplied = log.filter((l) => l.start > programmedAt);
  assert.ok(afterApplied.length >= 60);
  assert.equal(answeredBy(new Map(afterApplied.map((l) => [l.pod, 1]))), 'ok:r-1,ok:r-3', 'connections opened after the proxy applied the change avoid r-2');
  const lastToR2 = Math.max(...log.filter((l) => l.pod === 'ok:r-2').map((l) => l.start));
  t.diagnostic(`readiness failed → applied by the proxy: ${(programmedAt - failAt).toFixed(0)} ms (probe period 1 s + status write + EndpointSlice + sync ≥ ${MIN_SYNC_MS} ms); last new connection to r-2 ${(lastToR2 - failAt).toFixed(0)} ms after /fail`);

  assert.equal((await httpGet(podIP(pods[1]!), 8080, '/recover')).status, 200);
  await c.readyEndpoints(key, pods);
  // 150 random picks over three pods all missing r-2: (2/3)^150 ≈ 4e-27.
  assert.equal(answeredBy(await askMany(c.vip(20), 80, 150, 10)), 'r-1,r-2,r-3');
});

test('a pod without a readiness probe is an endpoint from the moment its process runs', async () => {
  const [p] = await c.runPods(['np'], { probe: false, labels: { app: 'np' } });
  assert.equal(p!.spec.containers[0]!.readinessProbe, undefined);
  await c.service('noprobe', { clusterIP: c.vip(21), selector: { app: 'np' }, ports: httpPort });
  // Ready (and an endpoint) once the process runs, before the app listens: the first connections may meet a
  // closed port (the proxy then resets them, see traffic.test.ts); the app answers once it listens.
  await c.readyEndpoints('default/noprobe:http/TCP', [p!]);
  await until(async () => (await outcome(c.vip(21), 80)) === 'ok:np', 'the app answers through the ClusterIP');
  assert.equal(await ask(c.vip(21), 80), 'np');
});

test('all pods unready: connections are refused at once (no hang); one recovering is served again', async () => {
  const pods = await c.runPods(['d-1', 'd-2'], { labels: { app: 'd' } });
  await c.service('down', { clusterIP: c.vip(22), selector: { app: 'd' }, ports: httpPort });
  const key = 'default/down:http/TCP';
  await c.readyEndpoints(key, pods);
  assert.match(await ask(c.vip(22), 80), /^d-[12]$/);
  for (const p of pods) await httpGet(podIP(p), 8080, '/fail');
  await c.programmed(key, (p) => endpointCount(p, key) === 2 && endpointCount(p, key, (e) => e.ready || e.serving) === 0, 'both endpoints not ready, not serving');
  // A refusal is the kernel's RST from a closed port: ECONNREFUSED, never the 10 s TIMEOUT of a dropped SYN.
  for (let i = 0; i < 20; i++) assert.equal(await outcome(c.vip(22), 80), 'ECONNREFUSED');
  await httpGet(podIP(pods[0]!), 8080, '/recover');
  await c.readyEndpoints(key, [pods[0]!]);
  assert.equal(await ask(c.vip(22), 80), 'd-1');
});

test('a deleted (terminating) pod finishes its open connection; new connections go to the other pod', async () => {
  // t-1 keeps serving for 4 s after SIGTERM (its readiness fails at once, as the sample app's does while terminating).
  const [t1] = await c.runPods(['t-1'], { labels: { app: 't' }, env: { TERM_DELAY_MS: '4000' }, terminationGracePeriodSeconds: 30 });
  const [t2] = await c.runPods(['t-2'], { labels: { app: 't' } });
  await c.service('drain', { clusterIP: c.vip(23), selector: { app: 't' }, ports: httpPort });
  const key = 'default/drain:http/TCP';
  await c.readyEndpoints(key, [t1!, t2!]);

  // Kept-alive connections until one lands on t-1 (each new connection picks at random).
  let conn: Awaited<ReturnType<typeof keepAlive>> | undefined;
  for (let i = 0; i < 60 && !conn; i++) {
    const k = await keepAlive(c.vip(23), 80);
    if ((await k.request('/name')) === 't-1') conn = k;
    else k.close();
  }
  assert.ok(conn, 'a kept-alive connection to t-1');
  const closed = new Promise<void>((r) => conn!.socket.once('close', () => r()));
  // A slow request is in flight when the pod is deleted.
  const slow = conn.request('/sleep?ms=1500');
  await c.deletePod('t-1');
  await c.programmed(key, (p) => readyTerminating(p, key, podIP(t1!)), 't-1 terminating');
  assert.equal(await slow, 'slept 1500 ms');
  assert.equal(await conn.request('/name'), 't-1', 'the open connection still reaches t-1');
  assert.deepEqual([...(await askMany(c.vip(23), 80, 60, 10))], [['t-2', 60]], 'new connections skip the terminating pod');
  // t-1 exits after its delay: its server closes the idle connection, and the close travels through the proxy.
  await closed;
  await until(async () => !(await c.getPod('t-1').then(() => true, () => false)), 't-1 gone', 30_000, 50);
  await c.readyEndpoints(key, [t2!]);
});

function readyTerminating(p: import('../../src/proxy/index.ts').RunningProxy, key: string, ip: string): boolean {
  const e = (p.state().endpoints.get(key) ?? []).find((x) => x.ip === ip);
  return !!e && e.terminating && !e.ready;
}

test('nothing ready but a terminating pod still passing readiness (serving): traffic still flows to it (kube-proxy fallback)', async () => {
  // IGNORE_SIGTERM: the app keeps running and passing readiness after deletion until the grace period ends.
  const [p] = await c.runPods(['last'], { labels: { app: 'last' }, env: { IGNORE_SIGTERM: '1' }, terminationGracePeriodSeconds: 30 });
  await c.service('last', { clusterIP: c.vip(24), selector: { app: 'last' }, ports: httpPort });
  const key = 'default/last:http/TCP';
  await c.readyEndpoints(key, [p!]);
  await c.deletePod('last');
  await c.programmed(key, (x) => (x.state().endpoints.get(key) ?? []).some((e) => e.terminating && e.serving && !e.ready), 'serving + terminating');
  assert.deepEqual([...(await askMany(c.vip(24), 80, 30, 5))], [['last', 30]]);
  await c.deletePod('last', 0);
});
