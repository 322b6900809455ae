/**
 * The iptables renderer: golden files for every Service feature
 * (testdata/<case>.iptables, regenerate with UPDATE_GOLDEN=1 and review the
 * diff like code), then packets traced through the parsed output:
 * {src, dst, proto, port} → endpoints (with probabilities) | REJECT | DROP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainNames, hash16, probability, renderIptables, type IptablesRenderOptions } from '../../../src/proxy/iptables/index.ts';
import type { ProxyState } from '../../../src/proxy/types.ts';
import { ep, sp, state } from './fixtures.ts';
import { parseRestore, summary, trace, type Packet } from './tracer.ts';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const CLUSTER = ['10.244.0.0/16', 'fd00:10:244::/48'];
const NODE_IP = '192.168.77.1';
const BASE: IptablesRenderOptions = { family: 'IPv4', clusterCIDRs: CLUSTER, nodeIPs: [NODE_IP, 'fd00:77::1'] };

function golden(name: string, text: string): void {
  const file = join(TESTDATA, `${name}.iptables`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
    mkdirSync(TESTDATA, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'), `${name}: output differs from ${file} (UPDATE_GOLDEN=1 regenerates)`);
}

const three = [ep('10.244.1.2', { local: true }), ep('10.244.1.3', { local: true }), ep('10.244.2.2')];

interface Case {
  name: string;
  state: ProxyState;
  opts?: Partial<IptablesRenderOptions>;
}

const cases: Case[] = [
  { name: 'clusterip', state: state([[sp('default', 'web', { portName: 'http' }), three]]) },
  { name: 'clusterip-one-endpoint', state: state([[sp('default', 'one'), [ep('10.244.2.2')]]]) },
  {
    name: 'no-endpoints',
    state: state([[sp('default', 'empty', { nodePort: 30081, externalIPs: ['192.168.77.100'], loadBalancerIPs: ['192.168.77.200'], loadBalancerSourceRanges: ['10.0.0.0/8'] }), []]]),
  },
  {
    name: 'not-ready-endpoints',
    state: state([[sp('default', 'unready'), [ep('10.244.1.2', { ready: false, serving: false })]]]),
  },
  {
    name: 'terminating-fallback',
    state: state([[sp('default', 'drain'), [ep('10.244.1.2', { ready: false, serving: true, terminating: true }), ep('10.244.1.3', { ready: false, serving: false, terminating: true })]]]),
  },
  { name: 'session-affinity', state: state([[sp('default', 'sticky', { affinityTimeoutSeconds: 10800 }), three]]) },
  { name: 'nodeport', state: state([[sp('default', 'np', { nodePort: 30080 }), three]]) },
  { name: 'externalip', state: state([[sp('default', 'ext', { externalIPs: ['192.168.77.100', 'fd00:77::100'] }), three]]) },
  {
    name: 'loadbalancer-source-ranges',
    state: state([[sp('default', 'lb', { nodePort: 30090, loadBalancerIPs: ['192.168.77.200'], loadBalancerSourceRanges: ['192.168.77.0/24', '203.0.113.0/24'] }), three]]),
  },
  { name: 'loadbalancer', state: state([[sp('default', 'lb', { nodePort: 30090, loadBalancerIPs: ['192.168.77.200'] }), three]]) },
  {
    name: 'external-policy-local',
    state: state([[sp('default', 'etp', { nodePort: 30100, loadBalancerIPs: ['192.168.77.201'], externalPolicyLocal: true, healthCheckNodePort: 32100 }), three]]),
  },
  {
    name: 'external-policy-local-no-local-endpoints',
    state: state([[sp('default', 'etp', { nodePort: 30100, loadBalancerIPs: ['192.168.77.201'], externalPolicyLocal: true, healthCheckNodePort: 32100 }), [ep('10.244.2.2')]]]),
  },
  { name: 'internal-policy-local', state: state([[sp('default', 'itp', { internalPolicyLocal: true }), three]]) },
  { name: 'internal-policy-local-no-local-endpoints', state: state([[sp('default', 'itp', { internalPolicyLocal: true }), [ep('10.244.2.2')]]]) },
  {
    name: 'topology-hints',
    state: state([
      [
        sp('default', 'zoned'),
        [ep('10.244.1.2', { zoneHints: ['zone-a'] }), ep('10.244.2.2', { zoneHints: ['zone-b'] }), ep('10.244.3.2', { zoneHints: ['zone-a'] })],
      ],
    ]),
  },
  {
    name: 'protocols-and-ports',
    state: state([
      [sp('kube-system', 'dns', { portName: 'dns', protocol: 'UDP', port: 53 }), [ep('10.244.1.5', { port: 53 })]],
      [sp('kube-system', 'dns', { portName: 'dns-tcp', protocol: 'TCP', port: 53 }), [ep('10.244.1.5', { port: 53 })]],
      [sp('default', 'sctp', { protocol: 'SCTP', port: 9999, clusterIPs: ['10.96.0.20'] }), [ep('10.244.1.6', { port: 9999 })]],
    ]),
  },
  {
    name: 'ipv6',
    state: state([[sp('default', 'v6', { clusterIPs: ['fd00:10:96::10'], nodePort: 30080 }), [ep('fd00:10:244:1::2'), ep('fd00:10:244:2::2')]]]),
    opts: { family: 'IPv6' },
  },
  {
    name: 'dual-stack-ipv4',
    state: state([[sp('default', 'dual', { clusterIPs: ['10.96.0.30', 'fd00:10:96::30'] }), [ep('10.244.1.2'), ep('fd00:10:244:1::2')]]]),
  },
  {
    name: 'dual-stack-ipv6',
    state: state([[sp('default', 'dual', { clusterIPs: ['10.96.0.30', 'fd00:10:96::30'] }), [ep('10.244.1.2'), ep('fd00:10:244:1::2')]]]),
    opts: { family: 'IPv6' },
  },
  { name: 'masquerade-all', state: state([[sp('default', 'web'), three]]), opts: { masqueradeAll: true } },
  { name: 'large-cluster-mode', state: state([[sp('default', 'web', { affinityTimeoutSeconds: 60 }), three]]), opts: { largeClusterEndpointsThreshold: 2 } },
  { name: 'custom-prefix', state: state([[sp('default', 'web', { nodePort: 30080 }), three]]), opts: { prefix: 'SBT1A2B' } },
];

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
    const r = renderIptables(c.state, { ...BASE, ...c.opts });
    golden(c.name, r.filter + r.nat);
    assert.deepEqual(renderIptables(c.state, { ...BASE, ...c.opts }), r, 'rendering is deterministic');
  });
}

test('chain names and probabilities are kube-proxy\'s', () => {
  // Values from pkg/proxy/iptables/proxier_test.go.
  assert.equal(hash16('ns1/svc1:p80tcp'), 'XPGD46QRK7WJZT7O');
  assert.equal(new ChainNames().sep('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  assert.deepEqual([2, 3, 4, 7].map(probability), ['0.5000000000', '0.3333333333', '0.2500000000', '0.1428571429']);
  assert.throws(() => new ChainNames('TOOLONGX'), /at most|1-7/);
});

test('partial sync: top-level chains whole, only changed service chains, stale chains deleted', () => {
  const a = sp('default', 'a', { clusterIPs: ['10.96.0.1'] });
  const b = sp('default', 'b', { clusterIPs: ['10.96.0.2'] });
  const gone = sp('default', 'gone', { clusterIPs: ['10.96.0.3'] });
  const before = state([[a, [ep('10.244.1.2'), ep('10.244.1.3')]], [b, [ep('10.244.1.4')]], [gone, [ep('10.244.1.9')]]]);
  const names = new ChainNames();
  const full = renderIptables(before, { ...BASE, names });
  const after = state([[a, [ep('10.244.1.2')]], [b, [ep('10.244.1.4')]]]);
  const part = renderIptables(after, { ...BASE, names, changed: new Set([a.key, gone.key]), previousChains: full.chains });
  golden('partial-sync', part.filter + part.nat);
  const sepGone = names.sep('default/a', 'tcp', '10.244.1.3:8080');
  assert.ok(part.deleted.includes(sepGone), 'removed endpoint chain is deleted');
  for (const c of full.chains.get(gone.key)!) assert.ok(part.deleted.includes(c), `chain ${c} of the deleted service is deleted`);
  assert.ok(!part.nat.includes(`:${names.svc('default/b', 'tcp')} `), 'unchanged service chain is not rewritten');
  assert.ok(part.nat.includes(`-d 10.96.0.2 --dport 80 -j ${names.svc('default/b', 'tcp')}`), 'KUBE-SERVICES still dispatches to it');
  assert.deepEqual([...part.chains.keys()], [a.key]);
});

test('full sync deletes leftover service chains of an earlier run, never fixed chains', () => {
  const s = state([[sp('default', 'a'), [ep('10.244.1.2')]]]);
  const r = renderIptables(s, { ...BASE, leftoverChains: ['KUBE-SVC-AAAAAAAAAAAAAAAA', 'KUBE-SERVICES', 'OTHER-CHAIN', 'KUBE-SEP-BBBBBBBBBBBBBBBB'] });
  assert.deepEqual(r.deleted, ['KUBE-SEP-BBBBBBBBBBBBBBBB', 'KUBE-SVC-AAAAAAAAAAAAAAAA']);
  assert.match(r.nat, /^-X KUBE-SVC-AAAAAAAAAAAAAAAA$/m);
});

// ------------------------------------------------------------------ traces

const LOCAL = [NODE_IP, '10.244.1.1'];
const pod = (dst: string, dport = 80, o: Partial<Packet> = {}): Packet => ({ src: '10.244.1.4', dst, proto: 'tcp', dport, from: 'remote', localAddrs: LOCAL, ...o });
const outside = (dst: string, dport = 80, o: Partial<Packet> = {}): Packet => pod(dst, dport, { src: '192.168.77.2', ...o });

const traced = (s: ProxyState, p: Packet, opts: Partial<IptablesRenderOptions> = {}) => {
  const names = new ChainNames(opts.prefix);
  const r = renderIptables(s, { ...BASE, names, ...opts });
  return summary(trace(parseRestore(r.filter + r.nat, names), p));
};

interface TraceRow {
  name: string;
  state: ProxyState;
  packet: Packet;
  opts?: Partial<IptablesRenderOptions>;
  want: string[];
}

const web = sp('default', 'web', { nodePort: 30080, externalIPs: ['192.168.77.100'] });
const lbRanges = sp('default', 'lb', { loadBalancerIPs: ['192.168.77.200'], loadBalancerSourceRanges: ['192.168.77.0/28'] });
const etp = sp('default', 'etp', { clusterIPs: ['10.96.0.11'], nodePort: 30100, loadBalancerIPs: ['192.168.77.201'], externalPolicyLocal: true });
const itp = sp('default', 'itp', { clusterIPs: ['10.96.0.12'], internalPolicyLocal: true });
const sticky = sp('default', 'sticky', { affinityTimeoutSeconds: 10 });
const v6 = sp('default', 'v6', { clusterIPs: ['fd00:10:96::10'] });
const spread = ['10.244.1.2:8080 p=0.333', '10.244.1.3:8080 p=0.333', '10.244.2.2:8080 p=0.333'];

const traces: TraceRow[] = [
  { name: 'pod → ClusterIP: spread evenly, no SNAT', state: state([[web, three]]), packet: pod('10.96.0.10'), want: spread },
  { name: 'off-cluster source → ClusterIP: masqueraded', state: state([[web, three]]), packet: outside('10.96.0.10'), want: spread.map((s) => `${s} masq`) },
  { name: 'node itself → ClusterIP: masqueraded', state: state([[web, three]]), packet: pod('10.96.0.10', 80, { src: NODE_IP, from: 'local' }), want: spread.map((s) => `${s} masq`) },
  { name: 'ClusterIP on a port the Service lacks: untouched', state: state([[web, three]]), packet: pod('10.96.0.10', 81), want: ['ACCEPT'] },
  {
    name: 'hairpin: the endpoint itself is masqueraded when it picks itself',
    state: state([[web, three]]),
    packet: pod('10.96.0.10', 80, { src: '10.244.1.2' }),
    want: ['10.244.1.2:8080 p=0.333 masq', '10.244.1.3:8080 p=0.333', '10.244.2.2:8080 p=0.333'],
  },
  { name: 'no endpoints: ClusterIP REJECT', state: state([[web, []]]), packet: pod('10.96.0.10'), want: ['REJECT'] },
  { name: 'no endpoints: NodePort REJECT', state: state([[web, []]]), packet: outside(NODE_IP, 30080), want: ['REJECT'] },
  { name: 'no endpoints: externalIP REJECT', state: state([[web, []]]), packet: outside('192.168.77.100'), want: ['REJECT'] },
  { name: 'NodePort from outside: masqueraded', state: state([[web, three]]), packet: outside(NODE_IP, 30080), want: spread.map((s) => `${s} masq`) },
  { name: 'NodePort on a non-local address: untouched', state: state([[web, three]]), packet: outside('192.168.77.9', 30080), want: ['ACCEPT'] },
  { name: 'externalIP from outside: masqueraded', state: state([[web, three]]), packet: outside('192.168.77.100'), want: spread.map((s) => `${s} masq`) },
  {
    name: 'LB source ranges: allowed source',
    state: state([[lbRanges, three]]),
    packet: outside('192.168.77.200', 80, { src: '192.168.77.5' }),
    want: spread.map((s) => `${s} masq`),
  },
  { name: 'LB source ranges: other source DROP', state: state([[lbRanges, three]]), packet: outside('192.168.77.200', 80, { src: '192.168.77.50' }), want: ['DROP'] },
  {
    name: 'externalTrafficPolicy Local: outside → local endpoints only, source kept',
    state: state([[etp, three]]),
    packet: outside(NODE_IP, 30100),
    want: ['10.244.1.2:8080 p=0.500', '10.244.1.3:8080 p=0.500'],
  },
  {
    name: 'externalTrafficPolicy Local: a pod is short-circuited to every endpoint',
    state: state([[etp, three]]),
    packet: pod('192.168.77.201'),
    want: spread,
  },
  {
    name: 'externalTrafficPolicy Local: the node itself is short-circuited and masqueraded',
    state: state([[etp, three]]),
    packet: pod('192.168.77.201', 80, { src: NODE_IP, from: 'local' }),
    want: spread.map((s) => `${s} masq`),
  },
  { name: 'externalTrafficPolicy Local, none local: outside DROP', state: state([[etp, [ep('10.244.2.2')]]]), packet: outside(NODE_IP, 30100), want: ['DROP'] },
  { name: 'externalTrafficPolicy Local, none local: pod still served', state: state([[etp, [ep('10.244.2.2')]]]), packet: pod('192.168.77.201'), want: ['10.244.2.2:8080'] },
  { name: 'externalTrafficPolicy Local, none local: ClusterIP still served', state: state([[etp, [ep('10.244.2.2')]]]), packet: pod('10.96.0.11'), want: ['10.244.2.2:8080'] },
  { name: 'internalTrafficPolicy Local: local endpoints only', state: state([[itp, three]]), packet: pod('10.96.0.12'), want: ['10.244.1.2:8080 p=0.500', '10.244.1.3:8080 p=0.500'] },
  { name: 'internalTrafficPolicy Local, none local: DROP', state: state([[itp, [ep('10.244.2.2')]]]), packet: pod('10.96.0.12'), want: ['DROP'] },
  {
    name: 'session affinity: a remembered client sticks to its endpoint',
    state: state([[sticky, three]]),
    packet: pod('10.96.0.10', 80, { recent: [new ChainNames().sep('default/sticky', 'tcp', '10.244.1.3:8080')] }),
    want: ['10.244.1.3:8080'],
  },
  { name: 'session affinity: a new client is balanced', state: state([[sticky, three]]), packet: pod('10.96.0.10'), want: spread },
  {
    name: 'topology hints keep traffic in the zone',
    state: state([[sp('default', 'zoned'), [ep('10.244.1.2', { zoneHints: ['zone-a'] }), ep('10.244.2.2', { zoneHints: ['zone-b'] })]]]),
    packet: pod('10.96.0.10'),
    want: ['10.244.1.2:8080'],
  },
  { name: 'UDP', state: state([[sp('default', 'u', { protocol: 'UDP' }), three]]), packet: pod('10.96.0.10', 80, { proto: 'udp' }), want: spread },
  { name: 'TCP rules do not catch UDP', state: state([[web, three]]), packet: pod('10.96.0.10', 80, { proto: 'udp' }), want: ['ACCEPT'] },
  {
    name: 'IPv6 ClusterIP',
    state: state([[v6, [ep('fd00:10:244:1::2'), ep('fd00:10:244:2::2')]]]),
    packet: pod('fd00:10:96::10', 80, { src: 'fd00:10:244:1::4' }),
    opts: { family: 'IPv6' },
    want: ['[fd00:10:244:1::2]:8080 p=0.500', '[fd00:10:244:2::2]:8080 p=0.500'],
  },
  {
    name: 'custom prefix works the same',
    state: state([[web, three]]),
    packet: outside(NODE_IP, 30080),
    opts: { prefix: 'SBT9' },
    want: spread.map((s) => `${s} masq`),
  },
];

for (const row of traces) {
  test(`trace: ${row.name}`, () => {
    assert.deepEqual(traced(row.state, row.packet, row.opts), row.want);
  });
}
