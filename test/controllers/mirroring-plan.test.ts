/**
 * planMirroredSlices, table-driven: mirrored content, labels/annotations,
 * skip-mirror, per-subset and per-family slices, the 1000-per-subset cap,
 * invalid IPs, minimal churn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Endpoints } from '../../src/api/types.ts';
import { planMirroredSlices, shouldMirror, type MirrorPlan } from '../../src/controllers/mirroring/plan.ts';
import { deepFreeze, endpointsObject } from './fixtures.ts';

interface Row {
  name: string;
  endpoints: Endpoints;
  existing?: EndpointSlice[];
  max?: number;
  want: { create?: number; update?: number; delete?: number; check?: (p: MirrorPlan) => void };
}

const P80 = [{ name: 'http', port: 80, protocol: 'TCP' }];
const P81 = [{ name: 'http', port: 81, protocol: 'TCP' }];
const basic = endpointsObject(
  'ext',
  [{ addresses: [{ ip: '192.0.2.1', hostname: 'one', nodeName: 'n1' }], notReadyAddresses: [{ ip: '192.0.2.2', targetRef: { kind: 'Pod', name: 'x', namespace: 'default', uid: 'u' } }], ports: P80 }],
  { labels: { team: 'a' }, annotations: { note: 'n', 'endpoints.kubernetes.io/last-change-trigger-time': 't', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
);

function stored(from: EndpointSlice, name: string): EndpointSlice {
  return { ...from, metadata: { ...from.metadata, name, uid: `uid-${name}`, resourceVersion: '7', generateName: undefined } };
}

const firstPlan = planMirroredSlices({ endpoints: basic, existing: [] });
const basicStored = stored(firstPlan.create[0]!, 'ext-abc');

const rows: Row[] = [
  {
    name: 'addresses ready, notReadyAddresses not ready; labels, annotations, owner, ports',
    endpoints: basic,
    want: {
      create: 1,
      check: (p) => {
        const s = p.create[0]!;
        assert.equal(s.metadata.generateName, 'ext-');
        assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
        assert.deepEqual(s.metadata.annotations, { note: 'n' });
        assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: 'uid-ep-ext', controller: true, blockOwnerDeletion: true }]);
        assert.equal(s.addressType, 'IPv4');
        assert.deepEqual(s.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
        assert.deepEqual(s.endpoints, [
          { addresses: ['192.0.2.1'], conditions: { ready: true }, hostname: 'one', nodeName: 'n1' },
          { addresses: ['192.0.2.2'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'x', namespace: 'default', uid: 'u' } },
        ]);
      },
    },
  },
  {
    name: 'subsets with different ports: one slice each; same ports share one',
    endpoints: endpointsObject('ext', [
      { addresses: [{ ip: '192.0.2.1' }], ports: P80 },
      { addresses: [{ ip: '192.0.2.2' }], ports: P81 },
      { addresses: [{ ip: '192.0.2.3' }], ports: P80 },
    ]),
    want: { create: 2, check: (p) => assert.deepEqual(p.create.map((s) => `${s.ports![0]!.port}:${s.endpoints.length}`).sort(), ['80:2', '81:1']) },
  },
  {
    name: 'IPv6 addresses go to their own slice, re-stringified',
    endpoints: endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.1' }, { ip: '2001:DB8::0:1' }], ports: P80 }]),
    want: {
      create: 2,
      check: (p) => {
        const v6 = p.create.find((s) => s.addressType === 'IPv6')!;
        assert.deepEqual(v6.endpoints[0]!.addresses, ['2001:db8::1']);
      },
    },
  },
  {
    name: 'invalid IPs are skipped and counted',
    endpoints: endpointsObject('ext', [{ addresses: [{ ip: 'not-an-ip' }, { ip: '192.0.2.1' }], ports: P80 }]),
    want: { create: 1, check: (p) => (assert.equal(p.invalidAddresses, 1), assert.equal(p.skippedAddresses, 1), assert.equal(p.create[0]!.endpoints.length, 1)) },
  },
  {
    name: 'at most 1000 addresses per subset are mirrored',
    endpoints: endpointsObject('ext', [
      { addresses: Array.from({ length: 1200 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}` })), ports: P80 },
    ]),
    want: { create: 1, check: (p) => (assert.equal(p.create[0]!.endpoints.length, 1000), assert.equal(p.skippedAddresses, 200), assert.equal(p.invalidAddresses, 0)) },
  },
  {
    name: 'already mirrored: nothing to write',
    endpoints: basic,
    existing: [basicStored],
    want: { create: 0, update: 0, delete: 0 },
  },
  {
    name: 'an address goes not-ready: the slice is rewritten in place',
    endpoints: endpointsObject('ext', [{ notReadyAddresses: [{ ip: '192.0.2.1', hostname: 'one', nodeName: 'n1' }, { ip: '192.0.2.2', targetRef: { kind: 'Pod', name: 'x', namespace: 'default', uid: 'u' } }], ports: P80 }], basic.metadata),
    existing: [basicStored],
    want: { update: 1, check: (p) => (assert.equal(p.update[0]!.metadata.name, 'ext-abc'), assert.ok(p.update[0]!.endpoints.every((e) => e.conditions!.ready === false))) },
  },
  {
    name: 'Endpoints labels changed: slice relabelled',
    endpoints: { ...basic, metadata: { ...basic.metadata, labels: { team: 'b' } } },
    existing: [basicStored],
    want: { update: 1, check: (p) => assert.equal(p.update[0]!.metadata.labels!['team'], 'b') },
  },
  {
    name: 'hand-edited annotations on the slice are reverted',
    endpoints: basic,
    existing: [{ ...basicStored, metadata: { ...basicStored.metadata, annotations: { note: 'changed' } } }],
    want: { update: 1, check: (p) => assert.deepEqual(p.update[0]!.metadata.annotations, { note: 'n' }) },
  },
  {
    name: 'two slices for one group: the extra one is deleted',
    endpoints: basic,
    existing: [basicStored, stored(firstPlan.create[0]!, 'ext-zzz')],
    want: { create: 0, update: 0, delete: 1, check: (p) => assert.equal(p.delete[0]!.metadata.name, 'ext-zzz') },
  },
  {
    name: 'ports changed: the old slice is recycled by name',
    endpoints: endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.1' }], ports: P81 }], basic.metadata),
    existing: [basicStored],
    want: { create: 0, delete: 0, update: 1, check: (p) => (assert.equal(p.update[0]!.metadata.name, 'ext-abc'), assert.equal(p.update[0]!.ports![0]!.port, 81)) },
  },
  {
    name: 'no addresses left: slices deleted',
    endpoints: endpointsObject('ext', []),
    existing: [basicStored],
    want: { delete: 1, create: 0 },
  },
];

for (const r of rows) {
  test(`mirroring plan: ${r.name}`, () => {
    const p = planMirroredSlices({ endpoints: deepFreeze(r.endpoints), existing: deepFreeze(r.existing ?? []), maxEndpointsPerSubset: r.max });
    if (r.want.create !== undefined) assert.equal(p.create.length, r.want.create, 'creates');
    if (r.want.update !== undefined) assert.equal(p.update.length, r.want.update, 'updates');
    if (r.want.delete !== undefined) assert.equal(p.delete.length, r.want.delete, 'deletes');
    r.want.check?.(p);
  });
}

test('shouldMirror: skip-mirror "true" and leader-election records are not mirrored', () => {
  assert.equal(shouldMirror(endpointsObject('a', [])), true);
  assert.equal(shouldMirror(endpointsObject('a', [], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })), false);
  assert.equal(shouldMirror(endpointsObject('a', [], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'false' } })), true);
  assert.equal(shouldMirror(endpointsObject('a', [], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })), false);
  assert.equal(shouldMirror(undefined), false);
});
