/**
 * The nftables renderer: golden files for every Service shape (cases.ts),
 * packets traced through the parsed output, kube-proxy's chain names, and
 * incremental transactions that leave the same kernel state as a full sync.
 * Regenerate the golden files with UPDATE_GOLDEN=1 and review the diff.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import {
  endpointDispatch,
  endpointNames,
  planNftables,
  renderFamilyFull,
  renderIncremental,
  renderNftables,
  replanPorts,
  servicePortChains,
  canSyncIncrementally,
} from '../../../src/proxy/nftables/index.ts';
import type { ProxyState } from '../../../src/proxy/types.ts';
import { CASES, NODE_IP, NODE_IP6, caseNamed } from './cases.ts';
import { endpoint, proxyState, servicePort } from './fixtures.ts';
import { NftModel, trace, type Packet, type TraceResult } from './nft-model.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');

for (const c of CASES) {
  test(`golden: ${c.name} — ${c.what}`, () => {
    const got = `# ${c.what}\n${renderNftables(c.state, c.opts)}`;
    const file = join(TESTDATA, `${c.name}.nft`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(file, got);
    assert.equal(got, readFileSync(file, 'utf8'), `${file} differs (UPDATE_GOLDEN=1 to regenerate)`);
    // Deterministic: the same state in another insertion order renders the same text.
    const reversed: ProxyState = {
      node: c.state.node,
      servicePorts: new Map([...c.state.servicePorts].reverse()),
      endpoints: new Map([...c.state.endpoints].reverse()),
    };
    assert.equal(`# ${c.what}\n${renderNftables(reversed, c.opts)}`, got);
  });
}

test('chain names are kube-proxy’s: hashed, readable', () => {
  const spn = { namespace: 'ns1', name: 'svc1', port: 'p80', protocol: 'TCP' as const };
  assert.deepEqual(servicePortChains(spn), {
    cluster: 'service-ULMVA6XW-ns1/svc1/tcp/p80',
    local: 'local-ULMVA6XW-ns1/svc1/tcp/p80',
    external: 'external-ULMVA6XW-ns1/svc1/tcp/p80',
    firewall: 'firewall-ULMVA6XW-ns1/svc1/tcp/p80',
  });
  assert.deepEqual(endpointNames(spn, { ip: '10.180.0.1', port: 80 }), {
    chain: 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
    affinitySet: 'affinity-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
  });
  assert.match(endpointNames(spn, { ip: 'fd00::1', port: 80 }).chain, /^endpoint-[A-Z2-7]{8}-ns1\/svc1\/tcp\/p80__fd00..1\/80$/);
});

test('endpoint dispatch: a numgen ladder that picks each of k endpoints with probability 1/k', () => {
  assert.deepEqual(endpointDispatch(['a']), ['goto a']);
  const rules = endpointDispatch(['a', 'b', 'c', 'd']);
  assert.deepEqual(rules, ['numgen random mod 4 0 goto a', 'numgen random mod 3 0 goto b', 'numgen random mod 2 0 goto c', 'goto d']);
  // P(endpoint i) = 1/(k-i) × Π_{j<i} (1 - 1/(k-j)) = 1/k.
  const p: number[] = [];
  let rest = 1;
  for (const r of rules) {
    const m = /mod (\d+)/.exec(r);
    const take = m ? 1 / Number(m[1]) : 1;
    p.push(rest * take);
    rest *= 1 - take;
  }
  for (const x of p) assert.ok(Math.abs(x - 0.25) < 1e-12);
});

// ------------------------------------------------------------------ traces

function modelOf(name: string): NftModel {
  const c = caseNamed(name);
  const m = new NftModel();
  m.apply(renderNftables(c.state, c.opts));
  return m;
}

const tcp = (src: string, dst: string, port: number): Packet => ({ src, dst, proto: 'tcp', port });
const dnat = (endpoints: string[], masq: string[] = []): TraceResult => ({
  verdict: 'DNAT',
  endpoints: [...endpoints].sort(),
  masquerade: Object.fromEntries(endpoints.map((e) => [e, masq.includes(e)])),
});
const POD = '10.180.0.99'; // a pod on this node
const REMOTE_POD = '10.180.1.99'; // a pod on another node
const OUTSIDE = '198.51.100.7'; // a client outside the cluster
const ALL_CLUSTERIP = ['10.180.0.1:8080', '10.180.1.1:8080', '10.180.2.1:8080'];

const TRACES: Array<{ name: string; model: string; pkt: Packet; table?: string; want: TraceResult }> = [
  { name: 'pod → ClusterIP reaches every endpoint, source kept', model: 'clusterip', pkt: tcp(POD, '172.30.0.41', 80), want: dnat(ALL_CLUSTERIP) },
  { name: 'off-cluster source → ClusterIP is masqueraded', model: 'clusterip', pkt: tcp(OUTSIDE, '172.30.0.41', 80), want: dnat(ALL_CLUSTERIP, ALL_CLUSTERIP) },
  { name: 'hairpin: a pod reaching itself is masqueraded', model: 'clusterip', pkt: tcp('10.180.0.1', '172.30.0.41', 80), want: dnat(ALL_CLUSTERIP, ['10.180.0.1:8080']) },
  { name: 'the node itself → ClusterIP', model: 'clusterip', pkt: tcp(NODE_IP, '172.30.0.41', 80), want: dnat(ALL_CLUSTERIP, ALL_CLUSTERIP) },
  { name: 'unknown port on a ClusterIP → REJECT', model: 'clusterip', pkt: tcp(POD, '172.30.0.41', 81), want: { verdict: 'REJECT' } },
  { name: 'unknown port on a ClusterIP from the node → REJECT', model: 'clusterip', pkt: tcp(NODE_IP, '172.30.0.41', 81), want: { verdict: 'REJECT' } },
  { name: 'traffic to no Service is left alone', model: 'clusterip', pkt: tcp(POD, '8.8.8.8', 80), want: { verdict: 'ACCEPT' } },
  { name: 'no endpoints → REJECT', model: 'no-endpoints', pkt: tcp(POD, '172.30.0.42', 80), want: { verdict: 'REJECT' } },
  { name: 'no endpoints, from the node → REJECT', model: 'no-endpoints', pkt: tcp(NODE_IP, '172.30.0.42', 80), want: { verdict: 'REJECT' } },
  { name: 'no endpoints, UDP → REJECT', model: 'no-endpoints', pkt: { src: POD, dst: '172.30.0.43', proto: 'udp', port: 53 }, want: { verdict: 'REJECT' } },
  { name: 'only not-serving endpoints → REJECT', model: 'no-endpoints', pkt: tcp(POD, '172.30.0.44', 80), want: { verdict: 'REJECT' } },
  { name: 'NodePort without endpoints → REJECT', model: 'no-endpoints', pkt: tcp(OUTSIDE, NODE_IP, 30042), want: { verdict: 'REJECT' } },
  { name: 'NodePort (Cluster policy) → every endpoint, masqueraded', model: 'nodeport', pkt: tcp(OUTSIDE, NODE_IP, 30045), want: dnat(['10.180.0.5:80', '10.180.1.5:80'], ['10.180.0.5:80', '10.180.1.5:80']) },
  { name: 'NodePort port on an address not of this node is not a NodePort', model: 'nodeport', pkt: tcp(OUTSIDE, '192.168.77.2', 30045), want: { verdict: 'ACCEPT' } },
  { name: 'externalTrafficPolicy Local: LB IP from outside → local endpoint only, source kept', model: 'external-policy-local', pkt: tcp(OUTSIDE, '5.6.7.8', 80), want: dnat(['10.180.0.6:80']) },
  { name: 'externalTrafficPolicy Local: NodePort from outside → local endpoint only', model: 'external-policy-local', pkt: tcp(OUTSIDE, NODE_IP, 30046), want: dnat(['10.180.0.6:80']) },
  { name: 'externalTrafficPolicy Local: a pod short-circuits to every endpoint', model: 'external-policy-local', pkt: tcp(REMOTE_POD, '5.6.7.8', 80), want: dnat(['10.180.0.6:80', '10.180.1.6:80']) },
  { name: 'externalTrafficPolicy Local: the node itself → every endpoint, masqueraded', model: 'external-policy-local', pkt: tcp(NODE_IP, NODE_IP, 30046), want: dnat(['10.180.0.6:80', '10.180.1.6:80'], ['10.180.0.6:80', '10.180.1.6:80']) },
  { name: 'externalTrafficPolicy Local, no local endpoint: outside → DROP', model: 'external-policy-local', pkt: tcp(OUTSIDE, NODE_IP, 30047), want: { verdict: 'DROP' } },
  { name: 'externalTrafficPolicy Local, no local endpoint: a pod still gets through', model: 'external-policy-local', pkt: tcp(POD, NODE_IP, 30047), want: dnat(['10.180.1.7:80']) },
  { name: 'externalTrafficPolicy Local, no local endpoint: ClusterIP unaffected', model: 'external-policy-local', pkt: tcp(POD, '172.30.0.47', 80), want: dnat(['10.180.1.7:80']) },
  { name: 'internalTrafficPolicy Local → local endpoints only', model: 'internal-policy-local', pkt: tcp(POD, '172.30.0.48', 80), want: dnat(['10.180.0.8:80']) },
  { name: 'internalTrafficPolicy Local without a local endpoint → DROP', model: 'internal-policy-local', pkt: tcp(POD, '172.30.0.49', 80), want: { verdict: 'DROP' } },
  { name: 'session affinity off: either endpoint', model: 'session-affinity', pkt: tcp(POD, '172.30.0.50', 80), want: dnat(['10.180.0.10:80', '10.180.1.10:80']) },
  { name: 'LB IP from an allowed source range', model: 'loadbalancer', pkt: tcp('203.0.113.5', '1.2.3.4', 80), want: dnat(['10.180.1.11:80'], ['10.180.1.11:80']) },
  { name: 'LB IP from outside the source ranges → DROP', model: 'loadbalancer', pkt: tcp(OUTSIDE, '1.2.3.4', 80), want: { verdict: 'DROP' } },
  { name: 'LB IP, second of two source ranges', model: 'loadbalancer', pkt: tcp(OUTSIDE, '1.2.3.5', 80), want: dnat(['10.180.1.12:80'], ['10.180.1.12:80']) },
  { name: 'NodePort is not subject to loadBalancerSourceRanges', model: 'loadbalancer', pkt: tcp(OUTSIDE, NODE_IP, 30051), want: dnat(['10.180.1.11:80'], ['10.180.1.11:80']) },
  { name: 'externalIP → endpoints, masqueraded (Cluster policy)', model: 'loadbalancer', pkt: tcp(OUTSIDE, '192.168.99.11', 80), want: dnat(['10.180.1.11:80'], ['10.180.1.11:80']) },
  { name: 'externalIP of a Service without endpoints → REJECT', model: 'loadbalancer', pkt: tcp(OUTSIDE, '192.168.99.13', 80), want: { verdict: 'REJECT' } },
  { name: 'dual-stack: IPv4 ClusterIP → IPv4 endpoint', model: 'dual-stack', pkt: tcp(POD, '172.30.0.54', 80), want: dnat(['10.180.0.14:80']) },
  { name: 'dual-stack: IPv6 ClusterIP → IPv6 endpoints', model: 'dual-stack', table: 'ip6 switchboard', pkt: tcp('fd00:10:180::99', 'fd00:30::54', 80), want: dnat(['[fd00:10:180::14]:80', '[fd00:10:180:1::14]:80']) },
  { name: 'dual-stack: IPv6 NodePort', model: 'dual-stack', table: 'ip6 switchboard', pkt: tcp('fd00:99::7', NODE_IP6, 30054), want: dnat(['[fd00:10:180::14]:80', '[fd00:10:180:1::14]:80'], ['[fd00:10:180::14]:80', '[fd00:10:180:1::14]:80']) },
  { name: 'dual-stack: IPv6-only Service', model: 'dual-stack', table: 'ip6 switchboard', pkt: tcp('fd00:10:180::99', 'fd00:30::55', 80), want: dnat(['[fd00:10:180:1::15]:80']) },
  { name: '--nodeport-addresses: the listed address', model: 'nodeport-addresses', pkt: tcp(OUTSIDE, NODE_IP, 30057), want: dnat(['10.180.1.17:80'], ['10.180.1.17:80']) },
  { name: '--nodeport-addresses: another local address is not a NodePort', model: 'nodeport-addresses', pkt: tcp(OUTSIDE, '10.180.0.1', 30057), want: { verdict: 'ACCEPT' } },
  { name: '--nodeport-addresses: no endpoints → REJECT', model: 'nodeport-addresses', pkt: tcp(OUTSIDE, NODE_IP, 30058), want: { verdict: 'REJECT' } },
  { name: 'only terminating endpoints: the serving one', model: 'terminating-topology', pkt: tcp(POD, '172.30.0.59', 80), want: dnat(['10.180.1.19:80']) },
  { name: 'zone hints: only the endpoint for this zone', model: 'terminating-topology', pkt: tcp(POD, '172.30.0.60', 80), want: dnat(['10.180.1.21:80']) },
  { name: 'no cluster CIDRs: off-cluster sources are not masqueraded', model: 'terminating-topology', pkt: tcp(OUTSIDE, '172.30.0.60', 80), want: dnat(['10.180.1.21:80']) },
  { name: 'SCTP', model: 'terminating-topology', pkt: { src: POD, dst: '172.30.0.61', proto: 'sctp', port: 9999 }, want: dnat(['10.180.1.22:9999']) },
];

for (const t of TRACES) {
  test(`trace: ${t.name}`, () => {
    const local = [NODE_IP, NODE_IP6, '10.180.0.1'];
    assert.deepEqual(trace(modelOf(t.model), t.table ?? 'ip switchboard', t.pkt, { localAddresses: local }), t.want);
  });
}

test('trace: session affinity sends a known client to its endpoint only', () => {
  const m = modelOf('session-affinity');
  const sp = caseNamed('session-affinity').state.servicePorts.values().next().value!;
  const set = endpointNames(sp.spn, { ip: '10.180.1.10', port: 80 }).affinitySet;
  // What `update @affinity-… { ip saddr }` records when the client's first connection reaches 10.180.1.10.
  m.table('ip switchboard').containers.get(set)!.set(POD, '');
  assert.deepEqual(trace(m, 'ip switchboard', tcp(POD, '172.30.0.50', 80)), dnat(['10.180.1.10:80']));
  assert.deepEqual(trace(m, 'ip switchboard', tcp('10.180.0.98', '172.30.0.50', 80)), dnat(['10.180.0.10:80', '10.180.1.10:80']));
});

// ------------------------------------------------------------------ incremental

/** A sequence of states, each a small change from the one before. */
function* evolution(): Generator<{ what: string; state: ProxyState; changed: string[] }> {
  const web = servicePort({ name: 'web', clusterIPs: ['172.30.1.1', 'fd00:30::1:1'], nodePort: 30100, affinityTimeoutSeconds: 60 });
  const dns = servicePort({ name: 'dns', clusterIPs: ['172.30.1.2'], protocol: 'UDP', port: 53, portName: 'dns' });
  const lb = servicePort({ name: 'lb', clusterIPs: ['172.30.1.3'], loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['203.0.113.0/24'], externalPolicyLocal: true, nodePort: 30101 });
  const a = endpoint('10.180.0.1:80', { isLocal: true });
  const b = endpoint('10.180.1.1:80');
  const c = endpoint('10.180.2.1:80');
  const a6 = endpoint('[fd00:10:180::1]:80', { isLocal: true });
  const d1 = endpoint('10.180.1.53:53');
  yield { what: 'start', state: proxyState([[web, [a, b, a6]], [dns, []]]), changed: [] };
  yield { what: 'endpoint added', state: proxyState([[web, [a, b, c, a6]], [dns, []]]), changed: [web.key] };
  yield { what: 'dns gets its first endpoint', state: proxyState([[web, [a, b, c, a6]], [dns, [d1]]]), changed: [dns.key] };
  yield { what: 'endpoint removed', state: proxyState([[web, [b, c, a6]], [dns, [d1]]]), changed: [web.key] };
  yield { what: 'LoadBalancer added', state: proxyState([[web, [b, c, a6]], [dns, [d1]], [lb, [b]]]), changed: [lb.key] };
  yield { what: 'local endpoint for the LB', state: proxyState([[web, [b, c, a6]], [dns, [d1]], [lb, [a, b]]]), changed: [lb.key] };
  yield { what: 'web loses every endpoint', state: proxyState([[web, []], [dns, [d1]], [lb, [a, b]]]), changed: [web.key] };
  yield { what: 'dns deleted, web back', state: proxyState([[web, [a]], [lb, [a, b]]]), changed: [web.key, dns.key] };
  yield { what: 'lb deleted', state: proxyState([[web, [a]]]), changed: [lb.key] };
}

test('incremental syncs leave the kernel as a full sync of the new state would', () => {
  const opts = { ipFamilies: ['IPv4', 'IPv6'] as const, clusterCIDRs: ['10.180.0.0/16'] };
  const model = new NftModel();
  let plan = planNftables(proxyState([]), { ...opts, ipFamilies: [...opts.ipFamilies] });
  for (const fp of plan.families) model.apply(renderFamilyFull(plan.table, fp, { fresh: true }));
  for (const step of evolution()) {
    const keys = step.changed.length ? step.changed : [...step.state.servicePorts.keys()];
    const families = plan.families.map((fp) => {
      const next = replanPorts(fp, step.state, keys);
      assert.ok(canSyncIncrementally(fp, next, keys), step.what);
      const { text, deferred } = renderIncremental(plan.table, fp, next, keys);
      model.apply(text);
      // What the next full sync deletes must be deletable: empty and no longer referenced.
      const t = `${fp.family === 'IPv4' ? 'ip' : 'ip6'} ${plan.table}`;
      model.apply([...deferred.chains.map((c) => `delete chain ${t} ${c}`), ...deferred.sets.map((x) => `delete set ${t} ${x}`)].join('\n'));
      return next;
    });
    plan = { table: plan.table, families };
    const fresh = new NftModel();
    fresh.apply(renderNftables(step.state, { ...opts, ipFamilies: [...opts.ipFamilies] }));
    for (const t of ['ip switchboard', 'ip6 switchboard']) assert.deepEqual(model.snapshot(t), fresh.snapshot(t), `${step.what}: ${t}`);
  }
});

test('incremental: an unchanged service port renders nothing; one endpoint change rewrites only its chains, cheaply', () => {
  const opts = { ipFamilies: ['IPv4' as const], clusterCIDRs: ['10.180.0.0/16'] };
  const sp = servicePort({ name: 'web', clusterIPs: ['172.30.1.1'] });
  const other = servicePort({ name: 'other', clusterIPs: ['172.30.1.9'] });
  const s1 = proxyState([[sp, [endpoint('10.180.1.1:80'), endpoint('10.180.1.2:80')]], [other, [endpoint('10.180.1.9:80')]]]);
  const s2 = proxyState([[sp, [endpoint('10.180.1.1:80'), endpoint('10.180.1.3:80')]], [other, [endpoint('10.180.1.9:80')]]]);
  const fp = planNftables(s1, opts).families[0]!;
  assert.equal(renderIncremental('switchboard', fp, replanPorts(fp, s1, [sp.key]), [sp.key]).text, '');
  const { text, deferred } = renderIncremental('switchboard', fp, replanPorts(fp, s2, [sp.key]), [sp.key]);
  const chains = servicePortChains(sp.spn);
  const added = endpointNames(sp.spn, { ip: '10.180.1.3', port: 80 }).chain;
  const removed = endpointNames(sp.spn, { ip: '10.180.1.2', port: 80 }).chain;
  assert.deepEqual(
    text.split('\n').filter(Boolean).map((l) => l.replace(/^(\S+ \S+ \S+ \S+ \S+ \{).*/, '$1')),
    [
      // Declared again so nft resolves `@cluster-cidrs` in the rewritten service chain without its cache.
      'add set ip switchboard cluster-cidrs {',
      `add chain ip switchboard ${added}`,
      `flush chain ip switchboard ${added}`,
      `add chain ip switchboard ${added} {`,
      `flush chain ip switchboard ${chains.cluster}`,
      `add chain ip switchboard ${chains.cluster} {`,
      `flush chain ip switchboard ${removed}`,
    ],
  );
  // Statements that make nft dump the whole table first are left out: no rule or element added, nothing deleted.
  assert.doesNotMatch(text, /element|other|add rule|delete/);
  assert.deepEqual(deferred, { chains: [removed], sets: [] });
});

test('incremental: an affinity timeout change needs a full sync', () => {
  const opts = { ipFamilies: ['IPv4' as const], clusterCIDRs: [] };
  const sp = servicePort({ affinityTimeoutSeconds: 60 });
  const fp = planNftables(proxyState([[sp, [endpoint('10.180.1.1:80')]]]), opts).families[0]!;
  const next = replanPorts(fp, proxyState([[{ ...sp, affinityTimeoutSeconds: 120 }, [endpoint('10.180.1.1:80')]]]), [sp.key]);
  assert.equal(canSyncIncrementally(fp, next, [sp.key]), false);
});
