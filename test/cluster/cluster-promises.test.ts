/**
 * The promises of a Kubernetes Service (issue 9) on a 3-node, 3-zone cluster
 * with the nftables data plane, with traffic sent continuously during each
 * change by test/cluster/traffic.mjs — run inside the client namespace
 * (outside the cluster: its packets to a ClusterIP are DNATed on node1) or
 * inside the pod `probe` on node2 — and every failed request counted (a
 * refused or reset connection, a timeout, a status other than 200). The
 * bodies are in promises.ts; scenario.ts/scenario-features.ts already cover
 * NodePort on every node, LB IP + ClusterIP + NodePort, ClientIP affinity,
 * PreferClose in the steady state and a non-continuous readiness flip.
 * Root only (network namespaces), like cluster-nftables.test.ts.
 *
 * 1. Rolling replacement: the ClusterIP and kube-dns's answer for the name
 *    stay the same while the three pods (one per node) are replaced one by
 *    one, and not one request fails, from outside or from a pod on node2.
 *    Why: the ClusterIP belongs to the Service, not to its pods; a new pod
 *    joins the EndpointSlice as ready only when its readiness probe passes; a
 *    deleted pod becomes `terminating` at once (not ready, so no proxy
 *    chooses it for new connections) while the app keeps serving for
 *    TERM_DELAY_MS after SIGTERM (the preStop-sleep pattern), longer than
 *    the change takes to reach every node's table; connections already
 *    DNATed to it complete.
 * 2. Slow start: the same app that listens 15 s after it starts replaces a
 *    serving pod, the way a rollout does (wait for Ready, delete the old
 *    one). Without a readiness probe requests fail (connection refused), with
 *    one none fail. Why: in kernel mode a pod without a probe is Ready as
 *    soon as its process runs, so the old pod leaves and the only endpoint
 *    is one where nothing listens yet; with a probe Ready waits for the app.
 * 3. Readiness flip under traffic: /fail on one of two pods takes it out of
 *    rotation (150 counted requests after the proxies caught up, none to it),
 *    /recover brings it back, and no request fails. Why: the probe turns the
 *    endpoint not-ready, the proxies leave it out of the Service's chain; the
 *    app itself still answers what reached it.
 * 4. ExternalName: kube-dns answers the name with a CNAME, asked at
 *    10.96.0.10 and through the pod's own resolv.conf (short name + search
 *    path). Only CNAME questions are asked, so nothing is chased upstream.
 * 5. Selectorless Service: hand-written Endpoints pointing at a server in the
 *    client namespace (172.30.U.250, outside the cluster) are mirrored into an
 *    EndpointSlice; a pod reaches the server through the ClusterIP, the short
 *    name and the full name.
 * 6. Headless: kube-dns answers the name with the pods' IPs and each pod's
 *    hostname.subdomain with its IP; no node's nftables table has any chain or
 *    element for the Service (a Service with the same pods and a ClusterIP,
 *    created with it, is there — so the tables were read after the proxies saw
 *    both).
 * 7. Topology (trafficDistribution PreferClose), under traffic from zone a
 *    (client via node1) and zone b (probe on node2): each stays on its own
 *    zone's pod; when zone b's pod is deleted, zone b's traffic spills to
 *    zones a and c while zone a's stays home, and no request fails. Why: the
 *    EndpointSlice controller hints every endpoint for its own zone; a proxy
 *    keeps only the endpoints hinted for its zone when there is one, else
 *    ignores the hints (kube-proxy topology.go CategorizeEndpoints).
 */
import { test } from 'node:test';
import { createTestCluster } from './harness.ts';
import { externalName, headless, readinessFlip, rollingReplacement, selectorless, setup, slowStart, topology } from './promises.ts';

const root = process.getuid?.() === 0;

test('Service promises on a 3-node nftables cluster, with continuous traffic and every failed request counted', { skip: root ? false : 'needs root (network namespaces)', timeout: 480_000 }, async (t) => {
  const c = await createTestCluster({ dataplane: 'nftables', nodes: 3, zones: ['a', 'b', 'c'] });
  t.after(() => c.cleanup());
  const s = await setup(c);
  await t.test('ExternalName resolves as a CNAME from inside a pod', () => externalName(s));
  await t.test('a selectorless Service with hand-written Endpoints reaches a server outside the cluster', (tt) => selectorless(tt, s));
  await t.test('a headless Service: the name gives the pod IPs, each hostname resolves, no VIP in any node table', () => headless(s));
  await t.test('a pod failing readiness stops getting traffic and gets it back after recovering; no request fails', (tt) => readinessFlip(tt, s));
  await t.test('PreferClose keeps traffic in the zone while it has an endpoint, and spills when it has none; no request fails', (tt) => topology(tt, s));
  await t.test('a slow-starting app: requests fail without a readiness probe, none fail with one', (tt) => slowStart(tt, s));
  await t.test('ClusterIP and DNS name stay the same while every pod is replaced across nodes; no request fails', (tt) => rollingReplacement(tt, s));
});
