/**
 * Promise: a Service's ClusterIP and DNS name stay the same while every pod
 * behind it is replaced one by one, and with readiness probes and graceful
 * termination not one request fails.
 *
 * Why it holds (as in Kubernetes): a new pod joins the EndpointSlice as ready
 * only once its readiness probe passes; a deleted pod becomes `terminating`
 * at once (the EndpointSlice controller marks it, the proxy stops choosing
 * it), while the app keeps serving for TERM_DELAY_MS after SIGTERM — the
 * preStop-sleep pattern — so requests already routed to it still complete.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { describe, get, samplePod, service, startCluster, startTraffic, until, waitReady, type Cluster } from './harness.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ name: 'roll' });
});
after(async () => {
  await c?.stop();
});

const pod = (name: string) =>
  samplePod(name, { labels: { app: 'web' }, probe: true, env: { TERM_DELAY_MS: '3000' }, terminationGracePeriodSeconds: 15 });

test('ClusterIP and DNS name stay the same while every pod is replaced one by one; no request fails', async () => {
  await c.apply(service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] }), pod('web-1'), pod('web-2'), pod('web-3'));
  await waitReady(c, ['web-1', 'web-2', 'web-3']);
  const clusterIP = (await c.k8s(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const name = 'web.default.svc.cluster.local';
  const dns = c.resolver();
  assert.deepEqual(await dns.resolve4(name), [clusterIP], 'the name resolves to the ClusterIP');
  // All three serve through the ClusterIP before the change starts.
  const seen = new Set<string>();
  await until('all three pods answering on the ClusterIP', async () => {
    seen.add((await get(clusterIP, 8080)).pod);
    return seen.size === 3;
  });

  const traffic = startTraffic(clusterIP, 8080);
  const addresses: string[] = [];
  for (const old of ['web-1', 'web-2', 'web-3']) {
    const next = `${old}-v2`;
    await c.apply(pod(next));
    await waitReady(c, [next]);
    // kubectl delete waits until the pod is gone: SIGTERM, TERM_DELAY_MS of serving, exit.
    await c.k8s(['delete', 'pod', old]);
    addresses.push((await c.k8s(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim(), ...(await dns.resolve4(name)));
  }
  // Traffic goes on until every new pod has answered.
  await until('every new pod answering', () => ['web-1-v2', 'web-2-v2', 'web-3-v2'].every((p) => traffic.stats.byPod[p]), 60_000);
  await traffic.more(50);
  const stats = await traffic.stop();

  assert.deepEqual(new Set(addresses), new Set([clusterIP]), `ClusterIP and DNS answer stayed ${clusterIP}: ${addresses.join(', ')}`);
  assert.equal(stats.failed, 0, describe(stats));
  assert.ok(stats.ok > 100, `traffic flowed throughout: ${describe(stats)}`);
  for (const old of ['web-1', 'web-2', 'web-3']) assert.ok(stats.byPod[old], `old pod ${old} served before it went: ${describe(stats)}`);
  const tail = traffic.answers.slice(-40);
  assert.ok(tail.every((p) => p.endsWith('-v2')), `only new pods answer at the end: ${tail.join(' ')}`);
});
