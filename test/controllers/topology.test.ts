/**
 * Topology hints, table-driven: zone CPU shares with their safeguards,
 * proportional Auto hints with the 1.2 overload threshold, PreferClose, and
 * removal when neither applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Pod, Service } from '../../src/api/types.ts';
import { planEndpointSlices, type SlicePlan } from '../../src/controllers/endpointslice/plan.ts';
import { milliCPU, serviceOverloaded, zoneTopology, type ZoneTopology } from '../../src/controllers/endpointslice/topology.ts';
import { deepFreeze, node, nodeLookup, pod, podEndpoint, storedSlice, svc } from './fixtures.ts';

const AUTO = { 'service.kubernetes.io/topology-mode': 'Auto' };

test('milliCPU parses CPU quantities like resource.Quantity.MilliValue', () => {
  const rows: [string, number][] = [
    ['2', 2000],
    ['2000m', 2000],
    ['1.5', 1500],
    ['250m', 250],
    ['1e3', 1_000_000],
    ['1Ki', 1_024_000],
    ['100n', 1],
    ['0.1', 100],
    ['bogus', 0],
  ];
  for (const [q, want] of rows) assert.equal(milliCPU(q), want, q);
});

interface TopoRow {
  name: string;
  nodes: Node[];
  want: { sufficient: boolean; ratios?: Record<string, number> };
}

const topoRows: TopoRow[] = [
  {
    name: 'ready worker nodes only: control-plane, master and not-ready nodes are not counted',
    nodes: [
      node('a', { zone: 'za', cpu: '2' }),
      node('b', { zone: 'zb', cpu: '2000m' }),
      node('cp', { zone: 'zc', cpu: '8', labels: { 'node-role.kubernetes.io/control-plane': '' } }),
      node('m', { zone: 'zc', cpu: '8', labels: { 'node-role.kubernetes.io/master': '' } }),
      node('nr', { zone: 'zd', cpu: '8', ready: false }),
    ],
    want: { sufficient: true, ratios: { za: 0.5, zb: 0.5 } },
  },
  { name: 'a counted node without a zone: insufficient', nodes: [node('a', { zone: 'za' }), node('b', {})], want: { sufficient: false } },
  { name: 'a counted node without allocatable CPU: insufficient', nodes: [node('a', { zone: 'za' }), node('b', { zone: 'zb', cpu: '0' })], want: { sufficient: false } },
  { name: 'one zone only: insufficient', nodes: [node('a', { zone: 'za' }), node('b', { zone: 'za' })], want: { sufficient: false } },
  { name: 'proportional to CPU', nodes: [node('a', { zone: 'za', cpu: '3' }), node('b', { zone: 'zb', cpu: '1' })], want: { sufficient: true, ratios: { za: 0.75, zb: 0.25 } } },
];

for (const r of topoRows) {
  test(`zoneTopology: ${r.name}`, () => {
    const t = zoneTopology(deepFreeze(r.nodes));
    assert.equal(t.sufficient, r.want.sufficient);
    if (t.sufficient && r.want.ratios) assert.deepEqual(Object.fromEntries(t.cpuRatioByZone), r.want.ratios);
  });
}

function zonePods(spec: Record<string, number>, o: { notReady?: number } = {}): Pod[] {
  const out: Pod[] = [];
  let i = 0;
  for (const [zone, n] of Object.entries(spec)) {
    for (let j = 0; j < n; j++, i++) out.push(pod(`p-${zone}-${j}`, { ip: `127.244.5.${i + 1}`, node: `n-${zone}` }));
  }
  for (let j = 0; j < (o.notReady ?? 0); j++) out.push(pod(`p-nr-${j}`, { ip: `127.244.6.${j + 1}`, node: 'n-za', ready: false }));
  return out;
}

interface HintRow {
  name: string;
  service: Service;
  pods: Pod[];
  nodes: Node[];
  existing?: EndpointSlice[];
  topology?: ZoneTopology;
  preferSame?: boolean;
  want: { hints?: Record<string, string[] | null>; writes?: number; outcome?: RegExp; noOutcome?: boolean; check?: (p: SlicePlan) => void };
}

const nodes2 = [node('n-za', { zone: 'za', cpu: '2' }), node('n-zb', { zone: 'zb', cpu: '2' })];
const nodes31 = [node('n-za', { zone: 'za', cpu: '3' }), node('n-zb', { zone: 'zb', cpu: '1' })];
const nodes3 = [node('n-za', { zone: 'za' }), node('n-zb', { zone: 'zb' }), node('n-zc', { zone: 'zc' })];
const auto = svc('web', { selector: { app: 'web' }, annotations: AUTO });

function hintsOf(p: SlicePlan): Record<string, string[] | null> {
  const out: Record<string, string[] | null> = {};
  for (const s of [...p.create, ...p.update]) {
    for (const e of s.endpoints) {
      out[e.targetRef!.name!] = e.hints ? [...(e.hints.forZones ?? []).map((z) => z.name), ...(e.hints.forNodes ?? []).map((n) => `node:${n.name}`)] : null;
    }
  }
  return out;
}

const hintRows: HintRow[] = [
  {
    name: 'Auto, equal zones: every ready endpoint hinted for its own zone',
    service: auto,
    pods: zonePods({ za: 2, zb: 2 }),
    nodes: nodes2,
    want: { hints: { 'p-za-0': ['za'], 'p-za-1': ['za'], 'p-zb-0': ['zb'], 'p-zb-1': ['zb'] }, outcome: /^Topology Aware Hints has been enabled, addressType: IPv4$/ },
  },
  {
    name: 'Auto, CPU 3:1 with endpoints 4:4: two zb endpoints are given to za',
    service: auto,
    pods: zonePods({ za: 4, zb: 4 }),
    nodes: nodes31,
    want: {
      check: (p) => {
        const h = hintsOf(p);
        const count = (z: string) => Object.values(h).filter((v) => v?.[0] === z).length;
        assert.equal(count('za'), 6);
        assert.equal(count('zb'), 2);
        for (let j = 0; j < 4; j++) assert.deepEqual(h[`p-za-${j}`], ['za'], 'za endpoints keep their own zone');
      },
    },
  },
  {
    name: 'Auto, fewer endpoints than zones: no hints (warning)',
    service: auto,
    pods: zonePods({ za: 1, zb: 1 }),
    nodes: nodes3,
    want: { hints: { 'p-za-0': null, 'p-zb-0': null }, outcome: /^Insufficient number of endpoints \(2 endpoints, 3 zones\), addressType: IPv4$/ },
  },
  {
    name: 'Auto, minimums beyond the overload threshold: no hints (warning)',
    service: auto,
    pods: zonePods({ za: 2, zb: 1, zc: 1 }),
    nodes: nodes3,
    want: { hints: { 'p-za-0': null, 'p-za-1': null, 'p-zb-0': null, 'p-zc-0': null }, outcome: /^Unable to allocate minimum required endpoints to each zone without exceeding overload threshold \(4 endpoints, 3 zones\)/ },
  },
  {
    name: 'Auto, insufficient node information: no hints (warning)',
    service: auto,
    pods: zonePods({ za: 2, zb: 2 }),
    nodes: [node('n-za', { zone: 'za' }), node('n-zb', {})],
    want: { hints: { 'p-za-0': null, 'p-za-1': null, 'p-zb-0': null, 'p-zb-1': null }, outcome: /^Insufficient Node information/ },
  },
  {
    name: 'Auto, an endpoint without a zone (on a control-plane node): no hints at all',
    service: auto,
    pods: [...zonePods({ za: 3, zb: 3 }), pod('on-cp', { ip: '127.244.7.1', node: 'cp' })],
    nodes: [...nodes2, node('cp', { labels: { 'node-role.kubernetes.io/control-plane': '' } })],
    want: { outcome: /^One or more endpoints do not have a zone specified/, check: (p) => assert.ok(Object.values(hintsOf(p)).every((h) => h === null)) },
  },
  {
    name: 'Auto: not-ready endpoints get no hints and do not count',
    service: auto,
    pods: zonePods({ za: 1, zb: 1 }, { notReady: 2 }),
    nodes: nodes2,
    want: { hints: { 'p-za-0': ['za'], 'p-zb-0': ['zb'], 'p-nr-0': null, 'p-nr-1': null } },
  },
  {
    name: 'Auto: slices whose hints are still right are not rewritten',
    service: auto,
    pods: zonePods({ za: 1, zb: 1 }),
    nodes: nodes2,
    existing: [
      storedSlice('web-1', auto, zonePods({ za: 1, zb: 1 }).map((p) => {
        const zone = p.spec.nodeName === 'n-za' ? 'za' : 'zb';
        return { ...podEndpoint(p, { zone }), hints: { forZones: [{ name: zone }] } };
      })),
    ],
    want: { writes: 0, outcome: /enabled/ },
  },
  {
    name: 'PreferClose: each ready endpoint hinted for its own zone, regardless of CPU',
    service: svc('web', { selector: { app: 'web' }, trafficDistribution: 'PreferClose' }),
    pods: zonePods({ za: 3, zb: 1 }, { notReady: 1 }),
    nodes: nodes31,
    want: { hints: { 'p-za-0': ['za'], 'p-za-1': ['za'], 'p-za-2': ['za'], 'p-zb-0': ['zb'], 'p-nr-0': null }, noOutcome: true },
  },
  {
    name: 'PreferClose: an endpoint without a zone simply gets no hint',
    service: svc('web', { selector: { app: 'web' }, trafficDistribution: 'PreferClose' }),
    pods: [pod('zoneless', { ip: '127.244.7.2', node: 'bare' })],
    nodes: [node('bare', {})],
    want: { hints: { zoneless: null } },
  },
  {
    name: 'annotation wins over trafficDistribution',
    service: svc('web', { selector: { app: 'web' }, trafficDistribution: 'PreferClose', annotations: AUTO }),
    pods: zonePods({ za: 1, zb: 1 }),
    nodes: nodes3,
    want: { hints: { 'p-za-0': null, 'p-zb-0': null }, outcome: /Insufficient number of endpoints/ },
  },
  {
    name: 'the deprecated topology-aware-hints annotation wins over topology-mode',
    service: svc('web', { selector: { app: 'web' }, annotations: { 'service.kubernetes.io/topology-aware-hints': 'disabled', 'service.kubernetes.io/topology-mode': 'Auto' } }),
    pods: zonePods({ za: 2, zb: 2 }),
    nodes: nodes2,
    want: { hints: { 'p-za-0': null, 'p-za-1': null, 'p-zb-0': null, 'p-zb-1': null }, noOutcome: true },
  },
  {
    name: 'neither annotation nor trafficDistribution: existing hints are removed',
    service: svc('web', { selector: { app: 'web' } }),
    pods: zonePods({ za: 1 }),
    nodes: nodes2,
    existing: [storedSlice('web-1', svc('web'), [{ ...podEndpoint(zonePods({ za: 1 })[0]!, { zone: 'za' }), hints: { forZones: [{ name: 'za' }] } }])],
    want: { writes: 1, hints: { 'p-za-0': null } },
  },
  {
    name: 'PreferSameNode needs the alpha gate: without it hints are removed',
    service: svc('web', { selector: { app: 'web' }, trafficDistribution: 'PreferSameNode' }),
    pods: zonePods({ za: 1 }),
    nodes: nodes2,
    want: { hints: { 'p-za-0': null } },
  },
  {
    name: 'PreferSameNode with the gate: zone and node hints',
    service: svc('web', { selector: { app: 'web' }, trafficDistribution: 'PreferSameNode' }),
    pods: zonePods({ za: 1 }),
    nodes: nodes2,
    preferSame: true,
    want: { hints: { 'p-za-0': ['za', 'node:n-za'] } },
  },
];

for (const r of hintRows) {
  test(`hints: ${r.name}`, () => {
    const nodes = deepFreeze(r.nodes);
    const p = planEndpointSlices({
      service: deepFreeze(r.service),
      pods: deepFreeze(r.pods),
      node: nodeLookup(nodes),
      existing: deepFreeze(r.existing ?? []),
      topology: r.topology ?? zoneTopology(nodes),
      preferSameTrafficDistribution: r.preferSame,
    });
    if (r.want.writes !== undefined) assert.equal(p.create.length + p.update.length + p.delete.length, r.want.writes, 'writes');
    if (r.want.hints) assert.deepEqual(hintsOf(p), r.want.hints);
    if (r.want.outcome) assert.match(p.hints.map((h) => h.message).join('\n'), r.want.outcome);
    if (r.want.noOutcome) assert.equal(p.hints.length, 0);
    r.want.check?.(p);
  });
}

test('serviceOverloaded: a zone below ceil(total·ratio/1.2) hinted endpoints', () => {
  const t = zoneTopology([node('a', { zone: 'za', cpu: '3' }), node('b', { zone: 'zb', cpu: '1' })]);
  assert.equal(serviceOverloaded(new Map([['za', 6], ['zb', 2]]), t), false);
  assert.equal(serviceOverloaded(new Map([['za', 4], ['zb', 4]]), t), true);
  assert.equal(serviceOverloaded(new Map([['za', 8]]), t), true);
  assert.equal(serviceOverloaded(new Map(), t), false);
});
