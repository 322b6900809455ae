/**
 * The Service features of issue 8's test list that need a kernel data plane,
 * proven with real packets on the 3-node, 3-zone cluster of scenario.ts (run
 * from its `more` hook, so one cluster per mode file):
 *
 * - externalTrafficPolicy Local: the pod sees the client namespace's address;
 *   a node without a local endpoint drops NodePort traffic (curl times out);
 *   under Cluster policy the source is masqueraded. The Service is a
 *   LoadBalancer, so every node serves its healthCheckNodePort: 200 and
 *   localEndpoints 1 where a backend runs, 503 and 0 on node2 (what a cloud
 *   load balancer reads to pick nodes).
 * - sessionAffinity ClientIP: one client stays on one of three pods.
 * - internalTrafficPolicy Local: a pod reaches only the endpoint on its node.
 * - trafficDistribution PreferClose: a pod in zone X reaches only zone X's endpoint.
 * - A Service with no endpoints: connection refused (curl exit 7), not a timeout.
 * - UDP: a client that keeps its source port is answered by the new endpoint
 *   after the old one is deleted (stale conntrack entries are removed).
 * - Drift: a NodePort's chain flushed by hand in a node namespace is restored
 *   by the proxy's periodic full resync (sync period shortened for the test).
 * - Readiness flip (/fail) stops traffic to that pod, /recover brings it back;
 *   deleting a pod stops traffic to it.
 *
 * Pods: s1/s2/s3 (app=spread, one per node, zones a/b/c), u1 then u2 (app=udp,
 * UDP echo on 9000; u2 joins by a label change); web-a (node1) and web-c (node3) come from scenario.ts.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { curlRun, run, waitFor, type TestCluster } from './harness.ts';
import { samplePod, type BaseScenario } from './scenario.ts';

/** The proxies' --sync-period on these clusters (periodic full resync that repairs drift). */
export const FEATURE_SYNC_PERIOD_MS = 3000;

const UDP_PORT = 9000;
const UDP_SOURCE_PORT = 40123;

const service = (name: string, spec: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;

const HTTP = 'ports: [{port: 80, targetPort: 8080}]';

function services(): string {
  return [
    service('spread', `selector: {app: spread}\n${HTTP}`),
    service('sticky', `selector: {app: spread}\nsessionAffinity: ClientIP\n${HTTP}`),
    service('itp', `selector: {app: spread}\ninternalTrafficPolicy: Local\n${HTTP}`),
    service('close', `selector: {app: spread}\ntrafficDistribution: PreferClose\n${HTTP}`),
    service('local', `type: LoadBalancer\nexternalTrafficPolicy: Local\nselector: {app: web}\n${HTTP}`),
    service('empty', `selector: {app: nothing}\n${HTTP}`),
    service('echo', `selector: {app: udp}\nports: [{port: ${UDP_PORT}, targetPort: ${UDP_PORT}, protocol: UDP}]`),
  ].join('---\n');
}

const nodeNs = (c: TestCluster, k: number) => `sb-${c.name}-node${k}`;

async function apply(c: TestCluster, yaml: string): Promise<void> {
  const r = await c.kubectlRun(['apply', '-f', '-'], yaml);
  assert.equal(r.code, 0, r.stderr);
}

async function waitPodsReady(c: TestCluster, pods: string[]): Promise<void> {
  await waitFor(`pods ${pods.join(', ')} Ready`, async () => {
    const out = await c.kubectl('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
    return pods.every((p) => new RegExp(`^${p}=True$`, 'm').test(out)) ? true : undefined;
  }, 120_000);
}

/** The pods that answered `n` requests, each on a fresh connection (one curl, `Connection: close`); failed requests give no line. */
async function answers(netns: string, url: string, n: number): Promise<string[]> {
  const r = await run('ip', ['netns', 'exec', netns, 'curl', '-s', '-m', '10', '-H', 'Connection: close', '-w', '\\n', ...Array<string>(n).fill(url)], { timeoutMs: n * 10_000 + 15_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!);
}

/** Polls until `n` requests are all answered and `ok` holds, then checks that it still holds for another `n`. */
async function settlesTo(what: string, netns: string, url: string, n: number, ok: (pods: string[]) => boolean): Promise<string[]> {
  await waitFor(what, async () => {
    const got = await answers(netns, url, n);
    return got.length === n && ok(got) ? true : undefined;
  });
  const again = await answers(netns, url, n);
  assert.equal(again.length, n, `${what}: every request answered (${again.join(' ')})`);
  assert.ok(ok(again), `${what}, and it stays so: ${again.join(' ')}`);
  return again;
}

/** The node's ruleset as text (the data plane's own table / every iptables table). */
async function ruleset(c: TestCluster, dataplane: string, k: number): Promise<string> {
  const cmd = dataplane === 'nftables' ? ['nft', 'list', 'table', 'ip', 'switchboard'] : ['iptables-save'];
  const r = await run('ip', ['netns', 'exec', nodeNs(c, k), ...cmd], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/**
 * How many endpoints the node's ruleset has for Service `svc` (ClusterIP `ip`):
 * nftables endpoint chains `endpoint-HASH-default/SVC/tcp/…__IP/PORT`; iptables
 * the KUBE-SEP chains its KUBE-SVC chain (found from the ClusterIP in KUBE-SERVICES) jumps to.
 */
function programmedEndpoints(text: string, dataplane: string, svc: string, ip: string): number {
  if (dataplane === 'nftables') return new Set([...text.matchAll(new RegExp(`endpoint-[A-Z0-9]+-default/${svc}/[^_\\s"]*__([0-9.]+)`, 'g'))].map((m) => m[1])).size;
  const chain = new RegExp(`^-A KUBE-SERVICES .*-d ${ip.replace(/\./g, '\\.')}(?:/32)? .*-j (KUBE-SVC-[A-Z0-9]+)`, 'm').exec(text)?.[1];
  if (!chain) return 0;
  return new Set([...text.matchAll(new RegExp(`^-A ${chain} .*-j (KUBE-SEP-[A-Z0-9]+)`, 'gm'))].map((m) => m[1])).size;
}

/** One UDP datagram from the fixed source port; the answer ("<pod>: ping") or undefined. */
async function udpAsk(netns: string, ip: string): Promise<string | undefined> {
  const script = `const [ip, port, sport] = process.argv.slice(1);
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m) => { process.stdout.write(String(m)); process.exit(0); });
s.bind(Number(sport), () => s.send('ping', Number(port), ip));
setTimeout(() => process.exit(2), 1500);`;
  const r = await run('ip', ['netns', 'exec', netns, process.execPath, '-e', script, ip, String(UDP_PORT), String(UDP_SOURCE_PORT)], { timeoutMs: 20_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export async function featureCases(t: TestContext, c: TestCluster, base: BaseScenario, dataplane: string): Promise<void> {
  const { name, client } = c;
  const clientIP = `172.30.${c.state.spec.underlay}.250`;
  const pod = (p: string, k: number, app: string, env?: Record<string, string>) => samplePod(name, p, k, app, env);
  await apply(c, [pod('s1', 1, 'spread'), pod('s2', 2, 'spread'), pod('s3', 3, 'spread'), pod('u1', 3, 'udp', { UDP_PORT: String(UDP_PORT) })].join('---\n'));
  await waitPodsReady(c, ['s1', 's2', 's3', 'u1']);
  await apply(c, services());
  const ips = Object.fromEntries(
    (await c.kubectl('get', 'services', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.clusterIP}{"\\n"}{end}'))
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  const url = (svc: string) => `http://${ips[svc]}/`;
  // Every node has programmed every new ClusterIP before any packet is sent to one (an unprogrammed ClusterIP is just routed away).
  const newIPs = ['spread', 'sticky', 'itp', 'close', 'local', 'empty', 'echo'].map((s) => ips[s]!);
  for (const k of [1, 2, 3]) await waitFor(`node${k} programs the new ClusterIPs`, async () => ((r) => (newIPs.every((ip) => r.includes(ip)) ? true : undefined))(await ruleset(c, dataplane, k)));

  await t.test('externalTrafficPolicy Local: the pod sees the client address; only nodes with a local endpoint answer', async () => {
    const localNodePort = (await c.kubectl('get', 'service', 'local', '-o', 'jsonpath={.spec.ports[0].nodePort}')).trim();
    const from = (body: string) => / from (?:::ffff:)?(\S+)$/.exec(body)?.[1];
    for (const [k, podName] of [[1, 'web-a'], [3, 'web-c']] as const) {
      const body = await waitFor(`NodePort of local on node${k}`, async () => {
        const r = await curlRun(client, `http://${base.nodeIPs[k - 1]}:${localNodePort}/`);
        return r.code === 0 ? r.stdout.trim() : undefined;
      });
      assert.ok(body.startsWith(`${podName} `), body);
      assert.equal(from(body), clientIP, `the pod sees the client's own address: ${body}`);
    }
    // node2 has no endpoint of `local`: kube-proxy drops (no REJECT), so the client times out (curl 28).
    await waitFor('node2 drops the Local NodePort', async () => ((await curlRun(client, `http://${base.nodeIPs[1]}:${localNodePort}/`, 3)).code === 28 ? true : undefined));
    const again = await curlRun(client, `http://${base.nodeIPs[1]}:${localNodePort}/`, 3);
    assert.equal(again.code, 28, `node2 still drops: exit ${again.code} ${again.stdout}`);
    // The healthCheckNodePort of every node, as a load balancer probes it.
    const hcPort = (await c.kubectl('get', 'service', 'local', '-o', 'jsonpath={.spec.healthCheckNodePort}')).trim();
    assert.match(hcPort, /^3\d{4}$/);
    for (const [k, n] of [[1, 1], [2, 0], [3, 1]] as const) {
      const [body, status] = await waitFor(`health check of local on node${k}`, async () => {
        const r = await run('ip', ['netns', 'exec', client, 'curl', '-s', '-m', '5', '-w', '\\n%{http_code}', `http://${base.nodeIPs[k - 1]}:${hcPort}/`], { timeoutMs: 15_000 });
        const i = r.stdout.lastIndexOf('\n');
        return r.code === 0 && i > 0 ? [r.stdout.slice(0, i), r.stdout.slice(i + 1).trim()] : undefined;
      });
      assert.equal(status, n ? '200' : '503', `node${k}: ${status} ${body}`);
      assert.equal((JSON.parse(body) as { localEndpoints: number }).localEndpoints, n, body);
    }
    // Contrast: the Cluster-policy NodePort on node2 forwards to another node and masquerades.
    const viaCluster = await waitFor('Cluster-policy NodePort on node2', async () => {
      const r = await curlRun(client, `http://${base.nodeIPs[1]}:${base.nodePort}/`);
      return r.code === 0 ? r.stdout.trim() : undefined;
    });
    assert.notEqual(from(viaCluster), clientIP, `Cluster policy masquerades: ${viaCluster}`);
  });

  await t.test('sessionAffinity ClientIP keeps a client on one pod', async () => {
    // All three endpoints are programmed on node1 (where the client's packets are DNATed) and reachable without affinity.
    const seen = new Set<string>();
    await waitFor('spread answers from all three pods', async () => {
      for (const p of await answers(client, url('spread'), 6)) seen.add(p);
      return seen.size === 3 ? true : undefined;
    });
    await waitFor('sticky has three endpoints on node1', async () => ((n) => (n === 3 ? true : undefined))(programmedEndpoints(await ruleset(c, dataplane, 1), dataplane, 'sticky', ips['sticky']!)));
    for (const ns of [client, base.probeNs]) {
      const got = await settlesTo(`sticky answers from ${ns}`, ns, url('sticky'), 15, () => true);
      assert.equal(new Set(got).size, 1, `one pod for every request from ${ns}: ${got.join(' ')}`);
    }
  });

  await t.test('internalTrafficPolicy Local: a pod reaches only the endpoint on its own node', async () => {
    await settlesTo('itp from probe (node2) reaches s2 only', base.probeNs, url('itp'), 10, (p) => p.every((x) => x === 's2'));
    await settlesTo('itp from web-a (node1) reaches s1 only', base.webANs, url('itp'), 10, (p) => p.every((x) => x === 's1'));
  });

  await t.test('trafficDistribution PreferClose keeps traffic in the zone', async () => {
    await settlesTo('close from probe (zone b) reaches s2 only', base.probeNs, url('close'), 10, (p) => p.every((x) => x === 's2'));
    await settlesTo('close from web-a (zone a) reaches s1 only', base.webANs, url('close'), 10, (p) => p.every((x) => x === 's1'));
  });

  await t.test('a Service with no endpoints refuses connections at once', async () => {
    for (const ns of [base.probeNs, client]) {
      // curl exit 7: connection refused (REJECT); 28 would be a timeout (packets dropped or routed away).
      const code = await waitFor(`connection refused from ${ns}`, async () => ((r) => (r.code === 7 ? r.code : undefined))(await curlRun(ns, url('empty'))));
      assert.equal(code, 7);
    }
  });

  await t.test('a UDP client keeps being answered across endpoint replacement (conntrack cleanup)', async () => {
    const vip = ips['echo']!;
    assert.match(await waitFor('u1 answers over UDP', async () => ((a) => (a?.startsWith('u1:') ? a : undefined))(await udpAsk(base.probeNs, vip))), /^u1: ping$/);
    // u2 starts outside the Service and joins it by a label change, so the client's conntrack entry (towards u1) is
    // fresh when u1 goes: without the proxy's cleanup of stale UDP entries every later datagram would follow it to u1.
    await apply(c, pod('u2', 1, 'udp-next', { UDP_PORT: String(UDP_PORT) }));
    await waitPodsReady(c, ['u2']);
    await c.kubectl('label', 'pod', 'u2', 'app=udp', '--overwrite');
    await waitFor('echo has two endpoints on node2', async () => (programmedEndpoints(await ruleset(c, dataplane, 2), dataplane, 'echo', vip) === 2 ? true : undefined));
    await waitFor('answered while both endpoints exist', () => udpAsk(base.probeNs, vip));
    await c.kubectl('delete', 'pod', 'u1', '--timeout=90s');
    const answer = await waitFor('the same UDP client is answered by u2', async () => ((a) => (a?.startsWith('u2:') ? a : undefined))(await udpAsk(base.probeNs, vip)), 60_000);
    assert.equal(answer, 'u2: ping');
  });

  await t.test('drift: a chain flushed by hand in a node namespace is restored by the periodic resync', async () => {
    const text = await ruleset(c, dataplane, 1);
    let flush: string[];
    let list: string[];
    if (dataplane === 'nftables') {
      const chain = /chain "?(external-[A-Z0-9]+-default\/web\/tcp\/[^\s"]*)"? \{/.exec(text)?.[1];
      assert.ok(chain, `node1 has an external chain for default/web:\n${text}`);
      flush = ['nft', 'flush', 'chain', 'ip', 'switchboard', chain];
      list = ['nft', 'list', 'chain', 'ip', 'switchboard', chain];
    } else {
      const chain = new RegExp(`^-A KUBE-NODEPORTS .*--dport ${base.nodePort} .*-j (KUBE-EXT-[A-Z0-9]+)`, 'm').exec(text)?.[1];
      assert.ok(chain, `node1 has a KUBE-EXT chain for default/web's NodePort:\n${text}`);
      flush = ['iptables', '-t', 'nat', '-F', chain];
      list = ['iptables', '-t', 'nat', '-S', chain];
    }
    const rules = async () => {
      const r = await run('ip', ['netns', 'exec', nodeNs(c, 1), ...list], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter((l) => /goto|jump|dnat|-A /.test(l)).length;
    };
    assert.ok((await rules()) > 0, 'the chain has rules before');
    const sh = await run('ip', ['netns', 'exec', nodeNs(c, 1), 'sh', '-c', `${flush.map((a) => `'${a}'`).join(' ')} && ${list.map((a) => `'${a}'`).join(' ')}`], { timeoutMs: 30_000 });
    assert.equal(sh.code, 0, sh.stderr);
    assert.equal(sh.stdout.split('\n').filter((l) => /goto|jump|dnat|-A /.test(l)).length, 0, `flushed by hand:\n${sh.stdout}`);
    await waitFor('the resync restores the chain', async () => ((await rules()) > 0 ? true : undefined), 60_000);
    const body = await waitFor('NodePort of web on node1 answers again', async () => ((r) => (r.code === 0 ? r.stdout : undefined))(await curlRun(client, `http://${base.nodeIPs[0]}:${base.nodePort}/`)));
    assert.match(body, /^web-[ac] /);
  });

  await t.test('readiness flip and pod deletion stop traffic to that pod', async () => {
    const s1 = await c.podNetns('s1');
    const failed = await curlRun(s1, 'http://127.0.0.1:8080/fail', 15);
    assert.equal(failed.code, 0, 'the sample app takes /fail');
    await waitFor('s1 not Ready', async () => ((await c.kubectl('get', 'pod', 's1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).trim() === 'False' ? true : undefined));
    await settlesTo('no traffic to the unready s1', client, url('spread'), 12, (p) => !p.includes('s1'));
    assert.equal((await curlRun(s1, 'http://127.0.0.1:8080/recover', 15)).code, 0);
    await waitFor('s1 gets traffic again after /recover', async () => ((await answers(client, url('spread'), 6)).includes('s1') ? true : undefined));

    await c.kubectl('delete', 'pod', 's3', '--timeout=90s');
    await settlesTo('no traffic to the deleted s3, every request answered', client, url('spread'), 12, (p) => !p.includes('s3'));
  });
}
