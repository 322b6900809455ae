/**
 * Table-driven tests for selectEndpoints (kube-proxy's CategorizeEndpoints)
 * and verdictFor, on plain data. Rows follow pkg/proxy/topology_test.go's
 * cases plus the verdicts the iptables/nftables proxiers program.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from '../../src/api/types.ts';
import { selectEndpoints, servicePortsFromService, verdictFor, localReadyEndpointCount, type EndpointInfo, type NodeTopology, type TrafficKind } from '../../src/proxy/index.ts';

const NODE: NodeTopology = { name: 'node-a', zone: 'zone-a' };

function ep(ip: string, o: Partial<EndpointInfo> & { local?: boolean; zones?: string[]; nodes?: string[] } = {}): EndpointInfo {
  return Object.freeze({
    ip,
    port: 80,
    family: 'IPv4' as const,
    nodeName: o.nodeName ?? (o.local ? 'node-a' : 'node-b'),
    zone: o.zone ?? '',
    ready: o.ready ?? true,
    serving: o.serving ?? o.ready ?? true,
    terminating: o.terminating ?? false,
    isLocal: o.local ?? false,
    zoneHints: o.zones ?? [],
    nodeHints: o.nodes ?? [],
  });
}

function svc(spec: Partial<ServiceSpec> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'ns', uid: 'u1' },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ port: 80, protocol: 'TCP', ...(spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? { nodePort: 30080 } : {}) }], ...spec },
  };
}

interface Row {
  name: string;
  spec?: Partial<ServiceSpec>;
  endpoints: EndpointInfo[];
  node?: NodeTopology;
  preferSameNode?: boolean;
  want: { cluster: string[] | null; local: string[] | null; all: string[]; hasAny: boolean; mode?: string };
  verdicts?: { kind: TrafficKind; fromLocalPod?: boolean; want: string }[];
}

const ips = (l: readonly EndpointInfo[] | null) => (l === null ? null : l.map((e) => e.ip));

const rows: Row[] = [
  {
    name: 'no endpoints: nothing usable, REJECT everywhere',
    endpoints: [],
    want: { cluster: [], local: null, all: [], hasAny: false },
    verdicts: [{ kind: 'internal', want: 'reject' }],
  },
  {
    name: 'all ready: cluster set is every endpoint',
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')],
    want: { cluster: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], local: null, all: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], hasAny: true },
    verdicts: [{ kind: 'internal', want: 'forward:10.0.0.1,10.0.0.2,10.0.0.3' }],
  },
  {
    name: 'not-ready endpoint is left out',
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { ready: false, serving: false })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true },
  },
  {
    name: 'no ready endpoint: fall back to serving+terminating',
    endpoints: [ep('10.0.0.1', { ready: false, serving: true, terminating: true }), ep('10.0.0.2', { ready: false, serving: false })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true },
  },
  {
    name: 'terminating but not serving is never used',
    endpoints: [ep('10.0.0.1', { ready: false, serving: false, terminating: true })],
    want: { cluster: [], local: null, all: [], hasAny: false },
    verdicts: [{ kind: 'internal', want: 'reject' }],
  },
  {
    name: 'serving, not ready, not terminating (impossible from the controller) is not used',
    endpoints: [ep('10.0.0.1', { ready: false, serving: true, terminating: false })],
    want: { cluster: [], local: null, all: [], hasAny: false },
  },
  {
    name: 'ready endpoints win over serving+terminating ones',
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { ready: false, serving: true, terminating: true })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true },
  },
  {
    name: 'zone hints for my zone: only those',
    endpoints: [ep('10.0.0.1', { zones: ['zone-a'] }), ep('10.0.0.2', { zones: ['zone-b'] }), ep('10.0.0.3', { zones: ['zone-a'] })],
    want: { cluster: ['10.0.0.1', '10.0.0.3'], local: null, all: ['10.0.0.1', '10.0.0.3'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'one ready endpoint without a hint: hints ignored (all-or-nothing)',
    endpoints: [ep('10.0.0.1', { zones: ['zone-a'] }), ep('10.0.0.2', { zones: ['zone-b'] }), ep('10.0.0.3')],
    want: { cluster: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], local: null, all: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], hasAny: true, mode: '' },
  },
  {
    name: 'every endpoint hinted but none for my zone: hints ignored',
    endpoints: [ep('10.0.0.1', { zones: ['zone-b'] }), ep('10.0.0.2', { zones: ['zone-c'] })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: null, all: ['10.0.0.1', '10.0.0.2'], hasAny: true, mode: '' },
  },
  {
    name: 'node without a zone label: hints ignored',
    node: { name: 'node-a', zone: '' },
    endpoints: [ep('10.0.0.1', { zones: ['zone-a'] }), ep('10.0.0.2', { zones: ['zone-b'] })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: null, all: ['10.0.0.1', '10.0.0.2'], hasAny: true, mode: '' },
  },
  {
    name: 'a not-ready endpoint without hints does not disable hints',
    endpoints: [ep('10.0.0.1', { zones: ['zone-a'] }), ep('10.0.0.2', { zones: ['zone-b'] }), ep('10.0.0.3', { ready: false, serving: false })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'an endpoint hinted for several zones counts for each',
    endpoints: [ep('10.0.0.1', { zones: ['zone-a', 'zone-b'] }), ep('10.0.0.2', { zones: ['zone-b'] })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'trafficDistribution PreferClose: the zone hints the controller wrote are used',
    spec: { trafficDistribution: 'PreferClose' },
    endpoints: [ep('10.0.0.1', { zones: ['zone-b'] }), ep('10.0.0.2', { zones: ['zone-a'] })],
    want: { cluster: ['10.0.0.2'], local: null, all: ['10.0.0.2'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'hinted zone with only terminating endpoints there: hints still apply to ready ones',
    endpoints: [ep('10.0.0.1', { zones: ['zone-b'] }), ep('10.0.0.2', { ready: false, serving: true, terminating: true, zones: ['zone-a'] })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true, mode: '' },
  },
  {
    name: 'node hints with PreferSameTrafficDistribution: only this node',
    preferSameNode: true,
    endpoints: [ep('10.0.0.1', { local: true, nodes: ['node-a'], zones: ['zone-a'] }), ep('10.0.0.2', { nodes: ['node-b'], zones: ['zone-a'] })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true, mode: 'PreferSameNode' },
  },
  {
    name: 'node hints without the gate: zone hints apply',
    endpoints: [ep('10.0.0.1', { local: true, nodes: ['node-a'], zones: ['zone-a'] }), ep('10.0.0.2', { nodes: ['node-b'], zones: ['zone-a'] })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: null, all: ['10.0.0.1', '10.0.0.2'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'node hints for other nodes only: fall back to zone hints',
    preferSameNode: true,
    endpoints: [ep('10.0.0.1', { nodes: ['node-c'], zones: ['zone-a'] }), ep('10.0.0.2', { nodes: ['node-b'], zones: ['zone-b'] })],
    want: { cluster: ['10.0.0.1'], local: null, all: ['10.0.0.1'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'internalTrafficPolicy Local: local ready endpoints only, no cluster set',
    spec: { internalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1', { local: true }), ep('10.0.0.2'), ep('10.0.0.3', { local: true })],
    want: { cluster: null, local: ['10.0.0.1', '10.0.0.3'], all: ['10.0.0.1', '10.0.0.3'], hasAny: true },
    verdicts: [{ kind: 'internal', want: 'forward:10.0.0.1,10.0.0.3' }],
  },
  {
    name: 'internalTrafficPolicy Local without a local endpoint: DROP (not REJECT)',
    spec: { internalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.2'), ep('10.0.0.3')],
    want: { cluster: null, local: [], all: [], hasAny: true },
    verdicts: [{ kind: 'internal', want: 'drop' }],
  },
  {
    name: 'internalTrafficPolicy Local with no endpoints at all: REJECT',
    spec: { internalTrafficPolicy: 'Local' },
    endpoints: [],
    want: { cluster: null, local: [], all: [], hasAny: false },
    verdicts: [{ kind: 'internal', want: 'reject' }],
  },
  {
    name: 'internalTrafficPolicy Local: local serving+terminating fallback',
    spec: { internalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1', { local: true, ready: false, serving: true, terminating: true }), ep('10.0.0.2')],
    want: { cluster: null, local: ['10.0.0.1'], all: ['10.0.0.1'], hasAny: true },
  },
  {
    name: 'internalTrafficPolicy Local ignores zone hints',
    spec: { internalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1', { local: true, zones: ['zone-b'] }), ep('10.0.0.2', { zones: ['zone-a'] })],
    want: { cluster: null, local: ['10.0.0.1'], all: ['10.0.0.1'], hasAny: true },
  },
  {
    name: 'internalTrafficPolicy Local on a NodePort: cluster set still built for external traffic',
    spec: { type: 'NodePort', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Cluster' },
    endpoints: [ep('10.0.0.1', { local: true }), ep('10.0.0.2')],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: ['10.0.0.1'], all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [
      { kind: 'internal', want: 'forward:10.0.0.1' },
      { kind: 'external', want: 'forward:10.0.0.1,10.0.0.2' },
    ],
  },
  {
    name: 'externalTrafficPolicy Local: external traffic to local endpoints, internal to all',
    spec: { type: 'NodePort', externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { local: true })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: ['10.0.0.2'], all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [
      { kind: 'internal', want: 'forward:10.0.0.1,10.0.0.2' },
      { kind: 'external', want: 'forward:10.0.0.2' },
    ],
  },
  {
    name: 'externalTrafficPolicy Local without a local endpoint: external DROP, pod traffic short-circuited',
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2')],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: [], all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [
      { kind: 'external', want: 'drop' },
      { kind: 'external', fromLocalPod: true, want: 'forward:10.0.0.1,10.0.0.2' },
      { kind: 'internal', want: 'forward:10.0.0.1,10.0.0.2' },
    ],
  },
  {
    name: 'externalTrafficPolicy Local with topology: all reachable is the union',
    spec: { type: 'NodePort', externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1', { zones: ['zone-a'] }), ep('10.0.0.2', { local: true, zones: ['zone-b'] }), ep('10.0.0.3', { zones: ['zone-b'] })],
    want: { cluster: ['10.0.0.1'], local: ['10.0.0.2'], all: ['10.0.0.1', '10.0.0.2'], hasAny: true, mode: 'PreferSameZone' },
  },
  {
    name: 'externalTrafficPolicy Local: local terminating fallback next to remote ready',
    spec: { type: 'NodePort', externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { local: true, ready: false, serving: true, terminating: true })],
    want: { cluster: ['10.0.0.1'], local: ['10.0.0.2'], all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [{ kind: 'external', want: 'forward:10.0.0.2' }],
  },
  {
    name: 'externalTrafficPolicy Local on a plain ClusterIP (not externally accessible) has no effect',
    spec: { externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { local: true })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: null, all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
  },
  {
    name: 'ClusterIP with externalIPs and externalTrafficPolicy Local uses local endpoints for external traffic',
    spec: { externalIPs: ['192.0.2.10'], externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { local: true })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: ['10.0.0.2'], all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [{ kind: 'external', want: 'forward:10.0.0.2' }],
  },
  {
    name: 'externalTrafficPolicy Cluster: external traffic uses the cluster set',
    spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster' },
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { local: true })],
    want: { cluster: ['10.0.0.1', '10.0.0.2'], local: null, all: ['10.0.0.1', '10.0.0.2'], hasAny: true },
    verdicts: [{ kind: 'external', want: 'forward:10.0.0.1,10.0.0.2' }],
  },
  {
    name: 'both policies Local with only remote terminating endpoints: hasAny but nothing local',
    spec: { type: 'NodePort', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local' },
    endpoints: [ep('10.0.0.1', { ready: false, serving: true, terminating: true })],
    want: { cluster: ['10.0.0.1'], local: [], all: ['10.0.0.1'], hasAny: true },
    verdicts: [
      { kind: 'internal', want: 'drop' },
      { kind: 'external', want: 'drop' },
    ],
  },
];

for (const row of rows) {
  test(`selectEndpoints: ${row.name}`, () => {
    const [sp] = servicePortsFromService(svc(row.spec));
    assert.ok(sp);
    const sel = selectEndpoints(sp, row.endpoints, row.node ?? NODE, { preferSameTrafficDistribution: row.preferSameNode });
    assert.deepEqual(
      { cluster: ips(sel.clusterEndpoints), local: ips(sel.localEndpoints), all: ips(sel.allReachable), hasAny: sel.hasAnyEndpoints },
      { cluster: row.want.cluster, local: row.want.local, all: row.want.all, hasAny: row.want.hasAny },
    );
    if (row.want.mode !== undefined) assert.equal(sel.topologyMode, row.want.mode);
    for (const v of row.verdicts ?? []) {
      const got = verdictFor(sp, sel, v.kind, v.fromLocalPod);
      const text = got.action === 'forward' ? `forward:${got.endpoints.map((e) => e.ip).join(',')}` : got.action;
      assert.equal(text, v.want, `${v.kind}${v.fromLocalPod ? ' from a local pod' : ''}`);
    }
  });
}

test('localReadyEndpointCount counts unique local ready IPs over all ports, not terminating ones', () => {
  const a = [ep('10.0.0.1', { local: true }), ep('10.0.0.2', { local: true, ready: false, serving: true, terminating: true }), ep('10.0.0.3')];
  const b = [{ ...ep('10.0.0.1', { local: true }), port: 443 }];
  assert.equal(localReadyEndpointCount([a, b]), 1);
});
