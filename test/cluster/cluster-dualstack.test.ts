/**
 * `switchboard cluster create --ip-family dual` end to end (nftables and
 * iptables data planes, 2 nodes each): pods get an IPv4 and an IPv6 address, Nodes two podCIDRs,
 * a RequireDualStack Service two ClusterIPs (10.96.0.0/16 and
 * fd00:10:96::/112), and both answer from a pod on the other node over real
 * packets (ip and ip6 nft tables). Root only (CI runs as root).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAMPLE, createTestCluster, curlIn, hostObjects, waitFor, type TestCluster } from './harness.ts';
import { createOptionsError, planCluster, renderClientBatch, renderNodeBatch, renderNodeNftables, renderRootBatch } from '../../src/cluster/index.ts';
import { pairedIPv6 } from '../../src/node/ipam.ts';

const root = process.getuid?.() === 0;

/** A sample-app pod on node K listening on :: (both families: Node's default for "::" accepts IPv4-mapped too). */
function pod(cluster: string, name: string, node: number, app: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${app}}}
spec:
  nodeName: ${cluster}-node${node}
  containers:
  - name: app
    image: switchboard/sample-app
    command: ["node", "${SAMPLE}"]
    env: [{name: HOST, value: "::"}, {name: PORT, value: "8080"}, {name: SB_TEST_CLUSTER, value: "${cluster}"}]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`;
}

interface PodJson {
  metadata: { name: string };
  status: { podIP?: string; podIPs?: { ip: string }[]; conditions?: { type: string; status: string }[] };
}

test('dual-stack plan: IPv6 underlay and pod ranges, routes between nodes, nodad addresses, an ip6 ip-masq table; IPv4-only plans have none of it', () => {
  const dual = planCluster({ name: 'demo', nodes: 2, zones: [], dataplane: 'nftables', ipFamily: 'dual', underlay: 7 });
  assert.equal(
    renderNodeBatch(dual, 1),
    [
      'link set lo up',
      'addr add 172.30.7.11/24 dev eth0',
      'link set eth0 up',
      'route add default via 172.30.7.1',
      'route add 10.244.2.0/24 via 172.30.7.12',
      'addr add fd00:172:30:7::11/64 dev eth0 nodad',
      'route add ::/0 via fd00:172:30:7::1',
      'route add fd00:10:244:2::/64 via fd00:172:30:7::12',
      '',
    ].join('\n'),
  );
  assert.match(renderRootBatch(dual), /^addr add fd00:172:30:7::1\/64 dev sb-demo nodad$/m);
  assert.match(renderClientBatch(dual), /^addr add fd00:172:30:7::250\/64 dev eth0 nodad\nroute add fd00:10:96::\/112 via fd00:172:30:7::11\nroute add fd00:10:244:1::\/64 via fd00:172:30:7::11\nroute add fd00:10:244:2::\/64 via fd00:172:30:7::12$/m);
  assert.match(renderNodeNftables(dual, 2), /table ip6 switchboard-node \{[^}]*ip6 saddr fd00:10:244:2::\/64 ip6 daddr != fd00:10:244::\/56 oifname "eth0" masquerade/);
  const v4 = planCluster({ name: 'demo', nodes: 2, zones: [], dataplane: 'nftables', ipFamily: 'ipv4', underlay: 7 });
  for (const text of [renderRootBatch(v4), renderNodeBatch(v4, 1), renderClientBatch(v4), renderNodeNftables(v4, 1)]) assert.doesNotMatch(text, /:|ip6/);
  // A pod's IPv6 address has its IPv4 address's host offset.
  assert.equal(pairedIPv6('10.244.1.0/24', 'fd00:10:244:1::/64', '10.244.1.7'), 'fd00:10:244:1::7');
  assert.equal(pairedIPv6('10.244.1.0/24', 'fd00:10:244:1::/64', '10.244.1.254'), 'fd00:10:244:1::fe');
  // dual needs a kernel data plane; ipv6-only is refused.
  const opts = { name: 'demo', nodes: 2, zones: [], dataplane: 'nftables', ipFamily: 'dual' };
  assert.equal(createOptionsError(opts), undefined);
  assert.match(createOptionsError({ ...opts, dataplane: 'userspace' }) ?? '', /--ip-family dual needs a kernel data plane/);
  assert.match(createOptionsError({ ...opts, ipFamily: 'ipv6' }) ?? '', /--ip-family ipv6 is not supported/);
});

for (const dataplane of ['nftables', 'iptables']) {
  test(`cluster create --ip-family dual, 2 nodes, ${dataplane}: pods and nodes dual-stack, a RequireDualStack Service answers on its IPv4 and its IPv6 ClusterIP from the other node`, { skip: root ? false : 'needs root (network namespaces)', timeout: 240_000 }, async (t) => {
    const c = await createTestCluster({ dataplane, nodes: 2, ipFamily: 'dual' });
    t.after(() => c.cleanup());
    await dualStackScenario(c);
  });
}

async function dualStackScenario(c: TestCluster): Promise<void> {
  const { name, kubectl } = c;

  // Nodes: spec.podCIDRs has one range per family, IPv4 first.
  const cidrs = (await kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDRs}{"\\n"}{end}')).trim().split('\n').sort();
  assert.deepEqual(cidrs, [`${name}-node1=["10.244.1.0/24","fd00:10:244:1::/64"]`, `${name}-node2=["10.244.2.0/24","fd00:10:244:2::/64"]`]);

  const svc = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ipFamilyPolicy: RequireDualStack
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;
  const applied = await c.kubectlRun(['apply', '-f', '-'], [pod(name, 'web-a', 1, 'web'), pod(name, 'probe', 2, 'probe'), svc].join('---\n'));
  assert.equal(applied.code, 0, applied.stderr);

  const pods = await waitFor(
    'web-a and probe Ready',
    async () => {
      const list = JSON.parse(await kubectl('get', 'pods', '-o', 'json')) as { items: PodJson[] };
      const ready = list.items.filter((p) => p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return ready.length === 2 ? list.items : undefined;
    },
    120_000,
  );
  // Pods: two podIPs, IPv4 (primary, = podIP) first, the IPv6 one in the node's IPv6 range.
  for (const p of pods) {
    const node = p.metadata.name === 'web-a' ? 1 : 2;
    const ips = (p.status.podIPs ?? []).map((x) => x.ip);
    assert.equal(ips.length, 2, `${p.metadata.name} podIPs ${JSON.stringify(ips)}`);
    assert.match(ips[0]!, new RegExp(`^10\\.244\\.${node}\\.\\d+$`));
    assert.equal(p.status.podIP, ips[0]);
    assert.match(ips[1]!, new RegExp(`^fd00:10:244:${node}::[0-9a-f]+$`));
  }
  const webA = pods.find((p) => p.metadata.name === 'web-a')!;
  const webA6 = webA.status.podIPs![1]!.ip;

  const service = JSON.parse(await kubectl('get', 'service', 'web', '-o', 'json')) as { spec: { clusterIPs: string[]; ipFamilies: string[] } };
  assert.deepEqual(service.spec.ipFamilies, ['IPv4', 'IPv6']);
  const [ip4, ip6] = service.spec.clusterIPs;
  assert.match(ip4!, /^10\.96\.\d+\.\d+$/);
  assert.match(ip6!, /^fd00:10:96::[0-9a-f]+$/);

  // One EndpointSlice per family.
  const slices = await waitFor('an IPv4 and an IPv6 EndpointSlice with web-a', async () => {
    const out = (await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={range .items[*]}{.addressType}={.endpoints[*].addresses[0]}{"\\n"}{end}')).trim();
    const rows = out.split('\n').filter(Boolean).sort();
    return rows.length === 2 && rows.every((r) => /=\S+$/.test(r)) ? rows : undefined;
  });
  assert.deepEqual(slices, [`IPv4=${webA.status.podIP}`, `IPv6=${webA6}`]);

  // From the probe pod on node2: both ClusterIPs reach web-a on node1 (DNAT in node2's ip and ip6 tables, routed to node1).
  const probeNs = await c.podNetns('probe');
  const via4 = await waitFor(`IPv4 ClusterIP ${ip4} from node2`, () => curlIn(probeNs, `http://${ip4}/`));
  assert.match(via4, /^web-a /);
  const via6 = await waitFor(`IPv6 ClusterIP [${ip6}] from node2`, () => curlIn(probeNs, `http://[${ip6}]/`));
  assert.match(via6, /^web-a /);
  // The IPv6 request arrived over IPv6 from the probe's own IPv6 address (pod-to-pod traffic keeps its source).
  const probe6 = pods.find((p) => p.metadata.name === 'probe')!.status.podIPs![1]!.ip;
  assert.ok(via6.endsWith(` from ${probe6}`), via6);

  // Pod to pod directly over IPv6 across nodes (the routes between nodes' IPv6 pod ranges).
  assert.match(await waitFor(`web-a [${webA6}] from node2`, () => curlIn(probeNs, `http://[${webA6}]:8080/`)), /^web-a /);

  // Delete removes everything.
  const del = await c.delete();
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(hostObjects(name), { netns: [], etcNetns: [], links: [] });
}
