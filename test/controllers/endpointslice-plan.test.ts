/**
 * planEndpointSlices, table-driven: conditions, ports, families, packing,
 * placeholder, minimal churn, repair of hand edits. Every input is deeply
 * frozen, so a planner that mutates a cached object throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Pod, Service } from '../../src/api/types.ts';
import { planEndpointSlices, type SlicePlan, type SlicePlanInput } from '../../src/controllers/endpointslice/plan.ts';
import { deepFreeze, node, nodeLookup, pod, podEndpoint, pods, storedSlice, svc } from './fixtures.ts';

interface Row {
  name: string;
  service: Service;
  pods?: Pod[];
  nodes?: Node[];
  existing?: EndpointSlice[];
  opts?: Partial<SlicePlanInput>;
  want: { create?: number; update?: number; delete?: number; errors?: number; check?: (p: SlicePlan) => void };
}

const NODES = [node('node-a', { zone: 'zone-a' }), node('node-b', { zone: 'zone-b' })];
const web = svc('web', { selector: { app: 'web' } });

function plan(r: Row): SlicePlan {
  const input: SlicePlanInput = {
    service: deepFreeze(r.service),
    pods: deepFreeze(r.pods ?? []),
    node: nodeLookup(deepFreeze(r.nodes ?? NODES)),
    existing: deepFreeze(r.existing ?? []),
    ...r.opts,
  };
  return planEndpointSlices(input);
}

const written = (p: SlicePlan) => [...p.create, ...p.update];
const allEndpoints = (p: SlicePlan) => written(p).flatMap((s) => s.endpoints);
const byPod = (p: SlicePlan, name: string) => allEndpoints(p).find((e) => e.targetRef?.name === name);

const ready = pod('ready', { ip: '127.244.1.1', node: 'node-a' });
const notReady = pod('notready', { ip: '127.244.1.2', ready: false, node: 'node-b' });
const termReady = pod('term-ready', { ip: '127.244.1.3', deleting: true });
const termNotReady = pod('term-notready', { ip: '127.244.1.4', deleting: true, ready: false });

const namedSvc = svc('named', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }] });
const existing3 = storedSlice('web-abc', web, [podEndpoint(ready, { zone: 'zone-a' })]);

const rows: Row[] = [
  {
    name: 'ready pods: one slice with labels, owner, generateName, ports, full endpoint fields',
    service: svc('web', { selector: { app: 'web' }, labels: { team: 'a' } }),
    pods: [ready],
    opts: { triggerTime: '2025-01-01T00:00:10Z' },
    want: {
      create: 1,
      check: (p) => {
        const s = p.create[0]!;
        assert.equal(s.metadata.generateName, 'web-');
        assert.equal(s.metadata.name, undefined);
        assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
        assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc-web', controller: true, blockOwnerDeletion: true }]);
        assert.deepEqual(s.metadata.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': '2025-01-01T00:00:10Z' });
        assert.equal(s.addressType, 'IPv4');
        assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
        assert.deepEqual(s.endpoints, [
          {
            addresses: ['127.244.1.1'],
            conditions: { ready: true, serving: true, terminating: false },
            targetRef: { kind: 'Pod', namespace: 'default', name: 'ready', uid: 'uid-pod-ready' },
            nodeName: 'node-a',
            zone: 'zone-a',
          },
        ]);
      },
    },
  },
  {
    name: 'not-ready pod: ready false, serving false, terminating false',
    service: web,
    pods: [notReady],
    want: { create: 1, check: (p) => assert.deepEqual(byPod(p, 'notready')!.conditions, { ready: false, serving: false, terminating: false }) },
  },
  {
    name: 'terminating ready pod stays: ready false, serving true, terminating true',
    service: web,
    pods: [termReady],
    want: { create: 1, check: (p) => assert.deepEqual(byPod(p, 'term-ready')!.conditions, { ready: false, serving: true, terminating: true }) },
  },
  {
    name: 'terminating not-ready pod: only terminating true',
    service: web,
    pods: [termNotReady],
    want: { create: 1, check: (p) => assert.deepEqual(byPod(p, 'term-notready')!.conditions, { ready: false, serving: false, terminating: true }) },
  },
  {
    name: 'publishNotReadyAddresses: ready forced true, serving still the pod readiness',
    service: svc('web', { selector: { app: 'web' }, publishNotReadyAddresses: true }),
    pods: [notReady, termReady],
    want: {
      create: 1,
      check: (p) => {
        assert.deepEqual(byPod(p, 'notready')!.conditions, { ready: true, serving: false, terminating: false });
        assert.deepEqual(byPod(p, 'term-ready')!.conditions, { ready: true, serving: true, terminating: true });
      },
    },
  },
  {
    name: 'pods without an IP and terminal pods are left out',
    service: web,
    pods: [ready, pod('noip', { ip: null }), pod('done', { phase: 'Succeeded' }), pod('failed', { phase: 'Failed' })],
    want: { create: 1, check: (p) => assert.deepEqual(allEndpoints(p).map((e) => e.targetRef!.name), ['ready']) },
  },
  {
    name: 'named targetPort resolved per pod: different container ports give separate slices',
    service: namedSvc,
    pods: [
      pod('a1', { ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
      pod('a2', { ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
      pod('b1', { ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] }),
    ],
    want: {
      create: 2,
      check: (p) => {
        const ports = p.create.map((s) => `${s.ports![0]!.port}:${s.endpoints.map((e) => e.targetRef!.name).join(',')}`).sort();
        assert.deepEqual(ports, ['8080:a1,a2', '9090:b1']);
        assert.ok(p.create.every((s) => s.ports![0]!.name === 'http'));
      },
    },
  },
  {
    name: 'unresolvable named port: endpoint kept in a slice with ports []',
    service: namedSvc,
    pods: [pod('x', { ports: [{ name: 'other', containerPort: 1, protocol: 'TCP' }] })],
    want: { create: 1, check: (p) => (assert.deepEqual(p.create[0]!.ports, []), assert.equal(p.create[0]!.endpoints.length, 1)) },
  },
  {
    name: 'named port must match the protocol too',
    service: namedSvc,
    pods: [pod('udp', { ports: [{ name: 'web', containerPort: 53, protocol: 'UDP' }] })],
    want: { create: 1, check: (p) => assert.deepEqual(p.create[0]!.ports, []) },
  },
  {
    name: 'named port found on a restartable init container (sidecar) only',
    service: namedSvc,
    pods: [
      pod('sidecar', { ports: [], initContainers: [{ name: 'side', restartPolicy: 'Always', ports: [{ name: 'web', containerPort: 7070, protocol: 'TCP' }] }] }),
      pod('plain-init', { ports: [], initContainers: [{ name: 'init', ports: [{ name: 'web', containerPort: 7071, protocol: 'TCP' }] }] }),
    ],
    want: {
      create: 2,
      check: (p) => {
        const side = p.create.find((s) => s.endpoints[0]!.targetRef!.name === 'sidecar')!;
        const plain = p.create.find((s) => s.endpoints[0]!.targetRef!.name === 'plain-init')!;
        assert.equal(side.ports![0]!.port, 7070);
        assert.deepEqual(plain.ports, []);
      },
    },
  },
  {
    name: 'hostname only when the pod subdomain is the Service name',
    service: web,
    pods: [pod('h1', { hostname: 'h1', subdomain: 'web' }), pod('h2', { hostname: 'h2', subdomain: 'other' })],
    want: {
      create: 1,
      check: (p) => {
        assert.equal(byPod(p, 'h1')!.hostname, 'h1');
        assert.equal(byPod(p, 'h2')!.hostname, undefined);
      },
    },
  },
  {
    name: 'dual-stack: one slice per family, IPv6 re-stringified canonically',
    service: svc('ds', { selector: { app: 'web' }, ipFamilies: ['IPv4', 'IPv6'] }),
    pods: [pod('d1', { ip: ['127.244.2.1', '2001:DB8:0::0001'] }), pod('d2', { ip: ['127.244.2.2'] })],
    want: {
      create: 2,
      check: (p) => {
        const v4 = p.create.find((s) => s.addressType === 'IPv4')!;
        const v6 = p.create.find((s) => s.addressType === 'IPv6')!;
        assert.deepEqual(v4.endpoints.map((e) => e.addresses[0]), ['127.244.2.1', '127.244.2.2']);
        assert.deepEqual(v6.endpoints.map((e) => e.addresses[0]), ['2001:db8::1']);
      },
    },
  },
  {
    name: 'family removed from the Service: its slices are deleted',
    service: svc('v6', { selector: { app: 'web' }, ipFamilies: ['IPv6'], clusterIP: 'fd00::10' }),
    pods: [pod('s6', { ip: ['fd00:244::5'] })],
    existing: [storedSlice('v6-old4', svc('v6'), [], { addressType: 'IPv4', ports: [] })],
    want: { create: 1, delete: 1, check: (p) => (assert.equal(p.create[0]!.addressType, 'IPv6'), assert.equal(p.delete[0]!.metadata.name, 'v6-old4')) },
  },
  {
    name: 'headless without ports: ports [], headless label',
    service: svc('hl', { selector: { app: 'web' }, clusterIP: 'None', ports: [] }),
    pods: [ready],
    want: {
      create: 1,
      check: (p) => {
        assert.deepEqual(p.create[0]!.ports, []);
        assert.equal(p.create[0]!.metadata.labels!['service.kubernetes.io/headless'], '');
      },
    },
  },
  {
    name: '250 pods: slices of 100, 100, 50',
    service: web,
    pods: pods(250),
    want: { create: 3, check: (p) => assert.deepEqual(p.create.map((s) => s.endpoints.length), [100, 100, 50]) },
  },
  {
    name: '--max-endpoints-per-slice 2: 5 pods give 3 slices',
    service: web,
    pods: pods(5),
    opts: { maxEndpointsPerSlice: 2 },
    want: { create: 3, check: (p) => assert.deepEqual(p.create.map((s) => s.endpoints.length), [2, 2, 1]) },
  },
  {
    name: 'no pods: one placeholder slice with no endpoints and no ports',
    service: web,
    pods: [],
    want: { create: 1, check: (p) => (assert.deepEqual(p.create[0]!.endpoints, []), assert.deepEqual(p.create[0]!.ports, [])) },
  },
  {
    name: 'no pods and the placeholder exists: nothing to write',
    service: web,
    pods: [pod('other', { labels: { app: 'web' }, ip: null })],
    existing: [storedSlice('web-ph', web, [], { ports: [] })],
    want: { create: 0, update: 0, delete: 0 },
  },
  {
    name: 'pods appear: the placeholder is updated in place, not replaced',
    service: web,
    pods: [ready],
    existing: [storedSlice('web-ph', web, [], { ports: [] })],
    want: {
      update: 1,
      create: 0,
      delete: 0,
      check: (p) => (assert.equal(p.update[0]!.metadata.name, 'web-ph'), assert.equal(p.update[0]!.endpoints.length, 1), assert.deepEqual(p.update[0]!.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }])),
    },
  },
  {
    name: 'minimal churn: nothing changed, nothing written',
    service: web,
    pods: [ready],
    existing: [existing3],
    want: { create: 0, update: 0, delete: 0 },
  },
  {
    name: 'one pod turns not ready: only the slice holding it is rewritten',
    service: web,
    pods: pods(150).map((p, i) => (i === 120 ? pod(p.metadata.name!, { ip: p.status!.podIP!, ready: false }) : p)),
    existing: [
      storedSlice('web-1', web, pods(150).slice(0, 100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
      storedSlice('web-2', web, pods(150).slice(100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
    ],
    want: {
      update: 1,
      create: 0,
      delete: 0,
      check: (p) => {
        assert.equal(p.update[0]!.metadata.name, 'web-2');
        assert.equal(p.update[0]!.metadata.resourceVersion, '5', 'update carries the cached resourceVersion (optimistic concurrency)');
        assert.equal(p.update[0]!.endpoints.find((e) => e.targetRef!.name === 'p0120')!.conditions!.ready, false);
      },
    },
  },
  {
    name: 'pod gone and pod added: the updated slice is filled first',
    service: web,
    pods: [...pods(3).slice(1), pod('new', { ip: '127.244.9.9' })],
    existing: [storedSlice('web-1', web, pods(3).map((p) => podEndpoint(p, { zone: 'zone-a' })))],
    want: { update: 1, create: 0, check: (p) => assert.deepEqual(p.update[0]!.endpoints.map((e) => e.targetRef!.name), ['p0001', 'p0002', 'new']) },
  },
  {
    name: 'new endpoints go into the unchanged slice closest to full',
    service: web,
    pods: [...pods(150), pod('zz-new', { ip: '127.244.9.9' })],
    existing: [
      storedSlice('web-1', web, pods(150).slice(0, 100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
      storedSlice('web-2', web, pods(150).slice(100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
    ],
    want: { update: 1, create: 0, check: (p) => (assert.equal(p.update[0]!.metadata.name, 'web-2'), assert.equal(p.update[0]!.endpoints.length, 51)) },
  },
  {
    name: 'prefers one new slice over updating several partially full ones',
    service: web,
    pods: [...pods(190), ...pods(10, 'q', {})].map((p, i) => (i >= 190 ? pod(p.metadata.name!, { ip: `127.244.8.${i - 189}` }) : p)),
    existing: [
      storedSlice('web-1', web, pods(190).slice(0, 95).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
      storedSlice('web-2', web, pods(190).slice(95).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
    ],
    want: { create: 1, update: 0, check: (p) => assert.equal(p.create[0]!.endpoints.length, 10) },
  },
  {
    name: 'a slice left empty is deleted (no rebalancing of the others)',
    service: web,
    pods: pods(150).slice(0, 100),
    existing: [
      storedSlice('web-1', web, pods(150).slice(0, 100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
      storedSlice('web-2', web, pods(150).slice(100).map((p) => podEndpoint(p, { zone: 'zone-a' }))),
    ],
    want: { delete: 1, update: 0, create: 0, check: (p) => assert.equal(p.delete[0]!.metadata.name, 'web-2') },
  },
  {
    name: 'a slice owned by another Service UID (old Service of that name) is deleted and a new one created',
    service: web,
    pods: [ready],
    existing: [storedSlice('web-old', web, [podEndpoint(ready, { zone: 'zone-a' })], { ownerUid: 'uid-previous' })],
    want: { create: 1, delete: 1, update: 0 },
  },
  {
    name: 'Service labels changed: slices relabelled, endpoints untouched',
    service: svc('web', { selector: { app: 'web' }, labels: { tier: 'front' } }),
    pods: [ready],
    existing: [existing3],
    want: { update: 1, check: (p) => (assert.equal(p.update[0]!.metadata.labels!['tier'], 'front'), assert.deepEqual(p.update[0]!.endpoints, existing3.endpoints)) },
  },
  {
    name: 'selector changed: pods no longer selected leave, newly selected ones join',
    service: svc('web', { selector: { app: 'api' } }),
    pods: [pod('api-1', { labels: { app: 'api' }, ip: '127.244.3.1' })],
    existing: [existing3],
    want: { update: 1, check: (p) => assert.deepEqual(p.update[0]!.endpoints.map((e) => e.targetRef!.name), ['api-1']) },
  },
  {
    name: 'pod on an unknown node: left out with an error; included (no zone) with publishNotReadyAddresses',
    service: svc('web', { selector: { app: 'web' }, publishNotReadyAddresses: true }),
    pods: [pod('lost', { node: 'node-gone' })],
    want: { create: 1, errors: 0, check: (p) => assert.equal(byPod(p, 'lost')!.zone, undefined) },
  },
  {
    name: 'pod on an unknown node without publishNotReadyAddresses: skipped, placeholder, error reported',
    service: web,
    pods: [pod('lost', { node: 'node-gone' })],
    want: { create: 1, errors: 1, check: (p) => assert.deepEqual(p.create[0]!.endpoints, []) },
  },
  {
    name: 'hand-edited conditions are repaired in place',
    service: web,
    pods: [ready],
    existing: [storedSlice('web-abc', web, [{ ...podEndpoint(ready, { zone: 'zone-a' }), conditions: { ready: false, serving: false, terminating: false } }])],
    want: { update: 1, check: (p) => assert.equal(p.update[0]!.endpoints[0]!.conditions!.ready, true) },
  },
  {
    name: 'hand-edited ports: the slice is rewritten (recycled by name) with the right ports',
    service: web,
    pods: [ready],
    existing: [storedSlice('web-abc', web, [podEndpoint(ready, { zone: 'zone-a' })], { ports: [{ name: 'http', protocol: 'TCP', port: 1 }] })],
    want: { update: 1, create: 0, delete: 0, check: (p) => (assert.equal(p.update[0]!.metadata.name, 'web-abc'), assert.equal(p.update[0]!.ports![0]!.port, 8080)) },
  },
  {
    name: 'hand-removed headless label is put back',
    service: svc('hl', { selector: { app: 'web' }, clusterIP: 'None', ports: [] }),
    pods: [ready],
    existing: [storedSlice('hl-1', svc('hl'), [podEndpoint(ready, { zone: 'zone-a' })], { ports: [] })],
    want: { update: 1, check: (p) => assert.equal(p.update[0]!.metadata.labels!['service.kubernetes.io/headless'], '') },
  },
  {
    name: 'duplicate endpoint in a slice is removed',
    service: web,
    pods: [ready],
    existing: [storedSlice('web-abc', web, [podEndpoint(ready, { zone: 'zone-a' }), podEndpoint(ready, { zone: 'zone-a' })])],
    want: { update: 1, check: (p) => assert.equal(p.update[0]!.endpoints.length, 1) },
  },
  {
    name: 'trigger time: removed from a rewritten slice when unknown; other annotations kept',
    service: web,
    pods: [pod('ready', { ip: '127.244.1.1', node: 'node-a', ready: false })],
    existing: [{ ...existing3, metadata: { ...existing3.metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': 'old', keep: 'me' } } }],
    want: { update: 1, check: (p) => assert.deepEqual(p.update[0]!.metadata.annotations, { keep: 'me' }) },
  },
  {
    name: 'Service being deleted: no new slices',
    service: svc('web', { selector: { app: 'web' }, deleting: true }),
    pods: [ready],
    want: { create: 0 },
  },
  {
    name: 'slices pending deletion are ignored',
    service: web,
    pods: [ready],
    existing: [{ ...existing3, metadata: { ...existing3.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } }],
    want: { create: 1, update: 0, delete: 0 },
  },
];

for (const r of rows) {
  test(`endpointslice plan: ${r.name}`, () => {
    const p = plan(r);
    if (r.want.create !== undefined) assert.equal(p.create.length, r.want.create, 'creates');
    if (r.want.update !== undefined) assert.equal(p.update.length, r.want.update, 'updates');
    if (r.want.delete !== undefined) assert.equal(p.delete.length, r.want.delete, 'deletes');
    if (r.want.errors !== undefined) assert.equal(p.errors.length, r.want.errors, 'errors');
    r.want.check?.(p);
    // Every slice written is valid for the API: ≤ max endpoints, one address each.
    for (const s of written(p)) {
      assert.ok(s.endpoints.length <= (r.opts?.maxEndpointsPerSlice ?? 100));
      for (const e of s.endpoints) assert.equal(e.addresses.length, 1);
    }
  });
}

test('endpointslice plan: deterministic and idempotent (applying the plan then re-planning writes nothing)', () => {
  const all = pods(260);
  const first = plan({ name: '', service: web, pods: all, want: {} });
  const again = plan({ name: '', service: web, pods: all, want: {} });
  assert.deepEqual(first, again);
  const stored = first.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, uid: `u${i}`, resourceVersion: '9' } }));
  const next = plan({ name: '', service: web, pods: all, existing: stored, want: {} });
  assert.deepEqual([next.create.length, next.update.length, next.delete.length], [0, 0, 0]);
});
