/**
 * Promises about readiness:
 * - a slow-starting app (START_DELAY_MS) without a readiness probe is Ready
 *   as soon as its process runs, so a rollout that waits for Ready removes
 *   the old pod too early and requests fail while the new one warms up; the
 *   same app with a probe stays out of the Service until it answers, and no
 *   request fails;
 * - a pod whose readiness starts failing stops receiving traffic, and gets it
 *   back when it recovers.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { describe, get, samplePod, service, sliceEndpoints, startCluster, startTraffic, until, waitReady, type Cluster } from './harness.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ name: 'ready' });
});
after(async () => {
  await c?.stop();
});

async function clusterIP(svc: string): Promise<string> {
  return (await c.k8s(['get', 'svc', svc, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
}

test('a slow-starting app: requests fail during warm-up without a readiness probe, none fail with one', async () => {
  // The same app both ways: it listens START_DELAY_MS after it starts; only the probe differs.
  const pod = (svc: string, name: string, probe: boolean, startDelayMs: number) =>
    samplePod(name, { labels: { app: svc }, probe, env: { START_DELAY_MS: String(startDelayMs), TERM_DELAY_MS: '5000' }, terminationGracePeriodSeconds: 15 });
  const cases = [
    { svc: 'slow-noprobe', probe: false },
    { svc: 'slow-probe', probe: true },
  ];
  await c.apply(...cases.flatMap(({ svc, probe }) => [service(svc, { selector: { app: svc }, ports: [{ port: 8080, targetPort: 'http' }] }), pod(svc, `${svc}-v1`, probe, 0)]));
  const ips = await Promise.all(cases.map(({ svc }) => clusterIP(svc)));
  await Promise.all(cases.map(({ svc }, i) => until(`${svc}-v1 answering`, async () => (await get(ips[i]!, 8080)).pod === `${svc}-v1`)));

  const traffic = cases.map((_, i) => startTraffic(ips[i]!, 8080));
  // A rollout as a controller does it: start the new pod, wait for Ready, delete the old one. The new pods
  // listen 15 s after they start: without a probe, Ready comes at once and the old pod is gone long before
  // the new one answers (even on a busy machine the path API → controller → proxy takes a few seconds).
  await c.apply(...cases.map(({ svc, probe }) => pod(svc, `${svc}-v2`, probe, 15_000)));
  const deletedAt: number[] = [];
  await Promise.all(
    cases.map(async ({ svc }, i) => {
      await waitReady(c, [`${svc}-v2`]);
      deletedAt[i] = Date.now();
      await c.k8s(['delete', 'pod', `${svc}-v1`, '--wait=false']);
    }),
  );
  // Both end on the new pod once it has warmed up.
  await Promise.all(cases.map(({ svc }, i) => until(`${svc}-v2 answering`, () => traffic[i]!.answers.slice(-20).filter((p) => p === `${svc}-v2`).length === 20, 90_000)));
  const [noProbe, withProbe] = await Promise.all(traffic.map((t) => t.stop()));
  const report = `without a probe: ${describe(noProbe!)}; with a probe: ${describe(withProbe!)}`;
  assert.ok(noProbe!.failed > 0, `requests fail while the app without a probe warms up — ${report}`);
  const when = withProbe!.failures.map((f) => `${f.error} ${f.at - deletedAt[1]!} ms after deleting v1`).join(', ');
  const proxyLog = c.output().split('\n').filter((l) => l.includes('default/slow-probe')).slice(-10).join('\n');
  assert.equal(withProbe!.failed, 0, `no request fails when the app has a probe — ${report}; ${when}\n${proxyLog}`);
});

test('a pod whose readiness fails stops getting traffic and gets it back after it recovers', async () => {
  const pod = (name: string) => samplePod(name, { labels: { app: 'flaky' }, probe: true });
  await c.apply(service('flaky', { selector: { app: 'flaky' }, ports: [{ port: 8080, targetPort: 'http' }] }), pod('flaky-a'), pod('flaky-b'));
  await waitReady(c, ['flaky-a', 'flaky-b']);
  const ip = await clusterIP('flaky');
  const podIP = (await c.k8s(['get', 'pod', 'flaky-a', '-o', 'jsonpath={.status.podIP}'])).trim();
  const traffic = startTraffic(ip, 8080);
  await until('both pods answering', () => traffic.stats.byPod['flaky-a'] && traffic.stats.byPod['flaky-b']);

  assert.equal((await get(podIP, 8080, '/fail')).status, 200);
  await until('flaky-a not ready in its EndpointSlice', async () => (await sliceEndpoints(c, 'flaky')).get(podIP) === false);
  // Once the proxy has the change, flaky-a gets nothing: 30 answers in a row
  // from flaky-b (a 1 in 2^30 chance while both are chosen), then 100 more.
  let mark = 0;
  await until('traffic leaving flaky-a', () => {
    const a = traffic.answers.lastIndexOf('flaky-a');
    mark = traffic.answers.length;
    return traffic.answers.length - a > 30;
  });
  await traffic.more(100);
  const whileFailing = traffic.answers.slice(mark);
  assert.ok(!whileFailing.includes('flaky-a'), `no traffic to the unready pod: ${whileFailing.join(' ')}`);
  assert.match(await c.k8s(['get', 'pod', 'flaky-a']), /flaky-a\s+0\/1\s+Running/, 'kubectl shows the pod running but not ready');

  assert.equal((await get(podIP, 8080, '/recover')).status, 200);
  await until('flaky-a ready again in its EndpointSlice', async () => (await sliceEndpoints(c, 'flaky')).get(podIP) === true);
  const before = traffic.answers.length;
  await until('traffic reaching flaky-a again', () => traffic.answers.slice(before).includes('flaky-a'));
  const stats = await traffic.stop();
  // The unready pod kept serving what it had; failing readiness only took it out of rotation.
  assert.equal(stats.failed, 0, describe(stats));
});
