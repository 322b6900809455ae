/**
 * Promises about where traffic goes:
 * - ClientIP session affinity keeps a client on one pod (the same pods
 *   without affinity spread the same client's connections);
 * - topology-aware routing (trafficDistribution: PreferClose) keeps traffic
 *   in the client's zone while that zone has endpoints, and falls back to
 *   the other zones when it has none.
 *
 * Zones in loopback mode: two extra nodes, each a `switchboard agent --zone Z
 * --node-ip 127.93.K.N` process with its own userspace proxy. A node's proxy
 * applies the topology hints for its own zone, and with --node-ip its
 * NodePorts listen on that node's address only — so a client is "in zone a"
 * when it connects to node a's address on the NodePort, exactly as a client
 * in a real cluster enters through its local node. (ClusterIPs are one
 * address per Service on one machine; the first proxy to bind one serves it,
 * so ClusterIP traffic cannot be told apart by zone in loopback mode.)
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sample, samplePod, service, startCluster, until, waitReady, type Cluster } from './harness.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ name: 'topo' });
});
after(async () => {
  await c?.stop();
});

test('ClientIP session affinity keeps a client on one pod', async () => {
  const pods = ['aff-1', 'aff-2', 'aff-3'];
  await c.apply(
    service('sticky', { selector: { app: 'aff' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ port: 8080, targetPort: 'http' }] }),
    service('spread', { selector: { app: 'aff' }, ports: [{ port: 8080, targetPort: 'http' }] }),
    ...pods.map((p) => samplePod(p, { labels: { app: 'aff' }, probe: true })),
  );
  await waitReady(c, pods);
  const ip = async (svc: string) => (await c.k8s(['get', 'svc', svc, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const [sticky, spread] = [await ip('sticky'), await ip('spread')];
  // Wait until the proxy knows all three endpoints (the unsticky Service shows them).
  const seen = new Set<string>();
  await until('all three pods behind the Service', async () => {
    for (const p of await sample(spread, 8080, 6)) seen.add(p);
    return seen.size === 3;
  });
  const stickyAnswers = await sample(sticky, 8080, 30);
  const spreadAnswers = await sample(spread, 8080, 30);
  assert.equal(new Set(stickyAnswers).size, 1, `one pod for every connection with ClientIP affinity: ${stickyAnswers.join(' ')}`);
  assert.ok(new Set(spreadAnswers).size > 1, `without affinity the same client reaches several pods: ${spreadAnswers.join(' ')}`);
});

test('topology-aware routing keeps traffic in the client zone while that zone has endpoints', async () => {
  const [a, b] = await Promise.all([c.startAgent('zone-a', 'a'), c.startAgent('zone-b', 'b')]);
  const pods = { a: ['topo-a1', 'topo-a2'], b: ['topo-b1', 'topo-b2'] };
  await c.apply(
    service('topo', { type: 'NodePort', selector: { app: 'topo' }, trafficDistribution: 'PreferClose', ports: [{ port: 8080, targetPort: 'http' }] }),
    ...pods.a.map((p) => samplePod(p, { labels: { app: 'topo' }, probe: true, nodeName: 'zone-a' })),
    ...pods.b.map((p) => samplePod(p, { labels: { app: 'topo' }, probe: true, nodeName: 'zone-b' })),
  );
  await waitReady(c, [...pods.a, ...pods.b]);
  const nodePort = Number(await c.k8s(['get', 'svc', 'topo', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  // The EndpointSlice controller hints every ready endpoint for its own zone.
  type Slices = { items: { endpoints?: { zone?: string; conditions?: { ready?: boolean }; hints?: { forZones?: { name: string }[] } }[] }[] };
  await until('four ready endpoints, each hinted for its zone', async () => {
    const eps = (await c.getJson<Slices>(['endpointslices', '-l', 'kubernetes.io/service-name=topo'])).items.flatMap((s) => s.endpoints ?? []);
    return eps.length === 4 && eps.every((e) => e.conditions?.ready && e.zone && e.hints?.forZones?.map((z) => z.name).join() === e.zone);
  });
  // Each node's proxy sends its clients to its own zone's pods only (and to both of them).
  for (const [node, own] of [[a, pods.a], [b, pods.b]] as const) {
    const answers = await until(`node ${node.name} (${node.nodeIP}:${nodePort}) answering`, () => sample(node.nodeIP, nodePort, 30), 30_000);
    assert.ok(answers.every((p) => own.includes(p)), `clients entering in zone ${node.zone} stay in zone ${node.zone}: ${answers.join(' ')}`);
    assert.deepEqual(new Set(answers), new Set(own), `both pods of zone ${node.zone} serve: ${answers.join(' ')}`);
  }
  // Zone a loses its endpoints: its clients now go to zone b rather than failing.
  await c.k8s(['delete', 'pod', ...pods.a, '--grace-period=1']);
  const after = await until('zone a traffic falling back to zone b', async () => {
    const s = await sample(a.nodeIP, nodePort, 10);
    return s.every((p) => pods.b.includes(p)) ? s : undefined;
  }, 30_000);
  assert.ok(after.every((p) => pods.b.includes(p)), after.join(' '));
  // Zone b is unaffected.
  const bAnswers = await sample(b.nodeIP, nodePort, 10);
  assert.ok(bAnswers.every((p) => pods.b.includes(p)), bAnswers.join(' '));
});
