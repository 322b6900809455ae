/**
 * The end-to-end check of `switchboard cluster` for one data-plane mode, run
 * by cluster-<mode>.test.ts: a 3-node, 3-zone cluster made with the CLI as a
 * user runs it; a second create of the name fails; `cluster list` shows it
 * running; kubectl sees three Ready nodes with zones; the sample app behind a
 * LoadBalancer Service answers on its ClusterIP from a pod on a node that has
 * no backend, to a backend asking for itself (hairpin), and on its ClusterIP,
 * every node's NodePort and its LB IP from the client namespace;
 * `getent hosts web` in a pod resolves through the search path and kube-dns;
 * `cluster delete` leaves no namespace, interface, /etc/netns directory or
 * process behind. The cluster is deleted even when an assertion fails.
 * `more` runs further cases on the same cluster before the delete (one cluster
 * per mode file: creating one is slow).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE, createTestCluster, curlIn, hostObjects, markedPids, run, startTicks, switchboard, waitFor, type TestCluster } from './harness.ts';

/** What the base scenario set up, for further cases on the same cluster (scenario-features.ts). */
export interface BaseScenario {
  /** ClusterIP and NodePort of the LoadBalancer Service `web` (Cluster policy) over web-a (node1) and web-c (node3). */
  clusterIP: string;
  nodePort: number;
  /** InternalIP of node1, node2, node3. */
  nodeIPs: string[];
  /** Network namespaces of the pods probe (node2) and web-a (node1). */
  probeNs: string;
  webANs: string;
}

/** A sample-app pod pinned to node K of cluster `name` (HTTP on 8080, readiness /healthz every second). */
export function samplePod(name: string, pod: string, node: number, app: string, env: Record<string, string> = {}): string {
  const extra = Object.entries(env).map(([k, v]) => `, {name: ${k}, value: "${v}"}`).join('');
  return `apiVersion: v1
kind: Pod
metadata: {name: ${pod}, labels: {app: ${app}}}
spec:
  nodeName: ${name}-node${node}
  containers:
  - name: app
    image: switchboard/sample-app
    command: ["node", "${SAMPLE}"]
    env: [{name: HOST, value: "0.0.0.0"}, {name: PORT, value: "8080"}, {name: SB_TEST_CLUSTER, value: "${name}"}${extra}]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`;
}

function manifest(name: string): string {
  const pod = (pod: string, node: number, app: string) => samplePod(name, pod, node, app);
  return [
    pod('web-a', 1, 'web'),
    pod('web-c', 3, 'web'),
    pod('probe', 2, 'probe'),
    `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
  ].join('---\n');
}

export async function clusterScenario(dataplane: string, o: { more?: (c: TestCluster, base: BaseScenario) => Promise<void>; syncPeriodMs?: number } = {}): Promise<void> {
  const c = await createTestCluster({ dataplane, nodes: 3, zones: ['a', 'b', 'c'], syncPeriodMs: o.syncPeriodMs });
  const { name, dataDir, kubeconfig, state, kubectl, client } = c;
  try {
    assert.equal(kubeconfig, join(dataDir, 'kubeconfig'), c.created.stdout);
    assert.equal(statSync(kubeconfig).mode & 0o777, 0o600, 'kubeconfig is 0600');
    for (let k = 1; k <= 3; k++) assert.match(c.created.stdout, new RegExp(`netns sb-${name}-node${k}\\b`));

    const again = await switchboard(['cluster', 'create', name, '--nodes', '1', '--data-dir', `${dataDir}-2`]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, new RegExp(`cluster "${name}" already exists`));
    assert.equal(existsSync(`${dataDir}-2`), false, 'the refused create made no data dir');

    const list = await switchboard(['cluster', 'list']);
    assert.match(list.stdout, new RegExp(`^${name}\\s+3\\s+${dataplane}\\s+https://\\S+\\s+running`, 'm'), list.stdout);

    const nodes = await kubectl('get', 'nodes', '-L', 'topology.kubernetes.io/zone', '--no-headers');
    const rows = nodes.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r.at(-1)]),
      [1, 2, 3].map((k) => [`${name}-node${k}`, 'Ready', 'abc'[k - 1]]),
      nodes,
    );

    const applied = await c.kubectlRun(['apply', '-f', '-'], manifest(name));
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('three pods Ready', async () => {
      const out = await kubectl('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
      return /web-a=True/.test(out) && /web-c=True/.test(out) && /probe=True/.test(out) ? out : undefined;
    });
    const svc = JSON.parse(await kubectl('get', 'service', 'web', '-o', 'json')) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    const clusterIP = svc.spec.clusterIP;
    const nodePort = svc.spec.ports[0]!.nodePort;
    assert.match(clusterIP, /^10\.96\./);

    const probeNs = await c.podNetns('probe');
    assert.match(probeNs, new RegExp(`^sb_${name}-node2_default_probe_`));
    // From a pod on node2, which has no backend: the answer comes from web-a (node1) or web-c (node3).
    const seen = new Set<string>();
    await waitFor('ClusterIP from a pod on another node reaches both backends', async () => {
      const body = await curlIn(probeNs, `http://${clusterIP}/`);
      if (body) seen.add(body.split(' ')[0]!);
      return seen.has('web-a') && seen.has('web-c') ? true : undefined;
    });
    assert.deepEqual([...seen].sort(), ['web-a', 'web-c']);

    // Hairpin: web-a reaching itself through its Service (the kernel modes need the bridge port's hairpin flag).
    const webA = await c.podNetns('web-a');
    await waitFor('web-a answers itself through the ClusterIP', async () => ((await curlIn(webA, `http://${clusterIP}/`))?.startsWith('web-a ') ? true : undefined));

    // From outside the cluster: the ClusterIP (routed to node1) and the NodePort of every node.
    const viaClusterIP = await waitFor('ClusterIP from the client namespace', () => curlIn(client, `http://${clusterIP}/`));
    assert.match(viaClusterIP, /^web-[ac] /);
    const nodeIPs = (await kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].status.addresses[?(@.type=="InternalIP")].address}')).trim().split(/\s+/);
    assert.equal(nodeIPs.length, 3, nodeIPs.join(' '));
    for (const ip of nodeIPs) {
      const body = await waitFor(`NodePort ${ip}:${nodePort} from the client namespace`, () => curlIn(client, `http://${ip}:${nodePort}/`));
      assert.match(body, /^web-[ac] /);
    }

    const lbIP = await waitFor('a LoadBalancer IP', async () => (await kubectl('get', 'service', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}')).trim() || undefined);
    assert.match(await waitFor(`LoadBalancer IP ${lbIP} from the client namespace`, () => curlIn(client, `http://${lbIP}/`)), /^web-[ac] /);

    // DNS from inside a pod: the short name through the search path, answered by kube-dns via the data plane.
    const getent = await waitFor('getent hosts web in the probe pod', async () => {
      const r = await run('ip', ['netns', 'exec', probeNs, 'getent', 'hosts', 'web'], { timeoutMs: 20_000 });
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.match(getent, new RegExp(`^${clusterIP.replace(/\./g, '\\.')}\\s+web\\.default\\.svc\\.cluster\\.local`));

    if (o.more) await o.more(c, { clusterIP, nodePort, nodeIPs, probeNs, webANs: webA });

    assert.ok(markedPids(name).length >= 3, 'the three pods run as processes');
    const del = await c.delete();
    assert.equal(del.code, 0, `delete failed:\n${del.stdout}\n${del.stderr}`);
    assert.deepEqual(hostObjects(name), { netns: [], etcNetns: [], links: [] }, 'nothing of the cluster is left on the host');
    assert.deepEqual(state.processes.filter((p) => startTicks(p.pid) === p.startTicks).map((p) => p.role), [], 'no recorded process is running');
    assert.deepEqual(markedPids(name), [], 'no pod process is running');
    assert.equal(existsSync(join(dataDir, 'cluster.json')), false, 'the data dir is removed');
    assert.equal(existsSync(`/run/switchboard/clusters/${name}.json`), false, 'the name is free again');
    const listed = await switchboard(['cluster', 'list']);
    assert.doesNotMatch(listed.stdout, new RegExp(`^${name}\\s`, 'm'));
  } finally {
    await c.cleanup();
  }
}
