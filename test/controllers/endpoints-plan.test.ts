/**
 * planEndpoints (legacy Endpoints), table-driven: addresses vs
 * notReadyAddresses, terminating pods, repacking, primary family, capacity
 * truncation, labels, and no write when nothing changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from '../../src/api/types.ts';
import { planEndpoints, repackSubsets, type EndpointsPlan } from '../../src/controllers/endpoints/plan.ts';
import { deepFreeze, endpointsObject, pod, pods, svc } from './fixtures.ts';

interface Row {
  name: string;
  service: Service;
  pods: Pod[];
  current?: Endpoints;
  triggerTime?: string;
  want: { action: EndpointsPlan['action']; check?: (e: Endpoints) => void };
}

const web = svc('web', { selector: { app: 'web' } });
const ips = (addrs: { ip: string }[] | undefined) => (addrs ?? []).map((a) => a.ip);
const multi = svc('multi', {
  selector: { app: 'web' },
  ports: [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' },
    { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 9100 },
  ],
});
const a = pod('a', { ip: '127.244.0.1', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] });
const b = pod('b', { ip: '127.244.0.2', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] });
const c = pod('c', { ip: '127.244.0.3', ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] });

const rows: Row[] = [
  {
    name: 'ready pods in addresses, not-ready in notReadyAddresses, with nodeName and targetRef',
    service: web,
    pods: [pod('r', { ip: '127.244.0.1' }), pod('n', { ip: '127.244.0.2', ready: false })],
    triggerTime: '2025-01-01T00:00:10Z',
    want: {
      action: 'create',
      check: (e) => {
        assert.equal(e.metadata.name, 'web');
        assert.deepEqual(e.metadata.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': '2025-01-01T00:00:10Z' });
        assert.deepEqual(e.subsets, [
          {
            addresses: [{ ip: '127.244.0.1', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'r', uid: 'uid-pod-r' } }],
            notReadyAddresses: [{ ip: '127.244.0.2', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'n', uid: 'uid-pod-n' } }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ]);
        assert.equal(e.metadata.ownerReferences, undefined, 'Endpoints carry no owner references in Kubernetes');
      },
    },
  },
  {
    name: 'terminating pods are left out',
    service: web,
    pods: [pod('r', { ip: '127.244.0.1' }), pod('t', { ip: '127.244.0.2', deleting: true })],
    want: { action: 'create', check: (e) => (assert.deepEqual(ips(e.subsets![0]!.addresses), ['127.244.0.1']), assert.equal(e.subsets![0]!.notReadyAddresses, undefined)) },
  },
  {
    name: 'publishNotReadyAddresses: not-ready and terminating pods in addresses',
    service: svc('web', { selector: { app: 'web' }, publishNotReadyAddresses: true }),
    pods: [pod('n', { ip: '127.244.0.2', ready: false }), pod('t', { ip: '127.244.0.3', deleting: true })],
    want: { action: 'create', check: (e) => assert.deepEqual(ips(e.subsets![0]!.addresses), ['127.244.0.2', '127.244.0.3']) },
  },
  {
    name: 'repacking: subsets group addresses offering exactly the same ports',
    service: multi,
    pods: [a, b, c],
    want: {
      action: 'create',
      check: (e) => {
        const view = e.subsets!.map((s) => `${s.ports!.map((p) => `${p.name}:${p.port}`).join('+')}=${ips(s.addresses).join(',')}`).sort();
        // metrics (9100) is offered by all three; http resolves to 8080 on a, b and 9090 on c.
        assert.deepEqual(view, ['http:8080=127.244.0.1,127.244.0.2', 'http:9090=127.244.0.3', 'metrics:9100=127.244.0.1,127.244.0.2,127.244.0.3']);
      },
    },
  },
  {
    name: 'repacking: two ports with the same address set share one subset',
    service: multi,
    pods: [a, b],
    want: { action: 'create', check: (e) => (assert.equal(e.subsets!.length, 1), assert.deepEqual(e.subsets![0]!.ports!.map((p) => p.port), [8080, 9100])) },
  },
  {
    name: 'a pod whose named port does not resolve is absent from that port (and from Endpoints without other ports)',
    service: svc('named', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }] }),
    pods: [a, pod('x', { ip: '127.244.0.9', ports: [] })],
    want: { action: 'create', check: (e) => assert.deepEqual(e.subsets!.flatMap((s) => ips(s.addresses)), ['127.244.0.1']) },
  },
  {
    name: 'dual-stack Service: only the primary family',
    service: svc('ds', { selector: { app: 'web' }, ipFamilies: ['IPv6', 'IPv4'], clusterIP: 'fd00::1' }),
    pods: [pod('d', { ip: ['127.244.0.1', 'fd00:244::1'] })],
    want: { action: 'create', check: (e) => assert.deepEqual(ips(e.subsets![0]!.addresses), ['fd00:244::1']) },
  },
  {
    name: 'headless without ports: one subset without ports; headless label',
    service: svc('hl', { selector: { app: 'web' }, clusterIP: 'None', ports: [], labels: { team: 'x' } }),
    pods: [pod('h', { ip: '127.244.0.1' })],
    want: {
      action: 'create',
      check: (e) => {
        assert.deepEqual(ips(e.subsets![0]!.addresses), ['127.244.0.1']);
        assert.equal(e.subsets![0]!.ports, undefined);
        assert.deepEqual(e.metadata.labels, { team: 'x', 'service.kubernetes.io/headless': '' });
      },
    },
  },
  {
    name: 'over 1000 addresses: truncated to 1000, ready first, annotated',
    service: web,
    pods: [...pods(900, 'r'), ...pods(300, 'n', { ready: false }).map((p, i) => pod(p.metadata.name!, { ip: `127.245.${Math.floor(i / 250)}.${(i % 250) + 1}`, ready: false }))],
    want: {
      action: 'create',
      check: (e) => {
        const s = e.subsets![0]!;
        assert.equal(s.addresses!.length, 900);
        assert.equal(s.notReadyAddresses!.length, 100);
        assert.equal(e.metadata.annotations!['endpoints.kubernetes.io/over-capacity'], 'truncated');
      },
    },
  },
  {
    name: 'back under capacity: the over-capacity annotation is removed',
    service: web,
    pods: [pod('r', { ip: '127.244.0.1' })],
    current: endpointsObject('web', [{ addresses: [{ ip: '127.244.0.1' }] }], { annotations: { 'endpoints.kubernetes.io/over-capacity': 'truncated' } }),
    want: { action: 'update', check: (e) => assert.equal(e.metadata.annotations, undefined) },
  },
  {
    name: 'nothing changed (only the trigger time would): no write',
    service: web,
    pods: [pod('r', { ip: '127.244.0.1' })],
    current: endpointsObject('web', [
      { addresses: [{ ip: '127.244.0.1', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'r', uid: 'uid-pod-r', resourceVersion: '77' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    ]),
    triggerTime: '2025-02-02T00:00:00Z',
    want: { action: 'none' },
  },
  {
    name: 'Service labels changed: the Endpoints are relabelled',
    service: svc('web', { selector: { app: 'web' }, labels: { v: '2' } }),
    pods: [],
    current: endpointsObject('web', [], { labels: { v: '1' } }),
    want: { action: 'update', check: (e) => (assert.deepEqual(e.metadata.labels, { v: '2' }), assert.equal(e.metadata.resourceVersion, '3')) },
  },
  {
    name: 'hand-edited addresses are repaired',
    service: web,
    pods: [pod('r', { ip: '127.244.0.1' })],
    current: endpointsObject('web', [{ addresses: [{ ip: '127.244.0.66' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]),
    want: { action: 'update', check: (e) => assert.deepEqual(ips(e.subsets![0]!.addresses), ['127.244.0.1']) },
  },
  {
    name: 'no pods: an Endpoints object without subsets',
    service: web,
    pods: [],
    want: { action: 'create', check: (e) => assert.deepEqual(e.subsets, []) },
  },
];

for (const r of rows) {
  test(`endpoints plan: ${r.name}`, () => {
    const p = planEndpoints({ service: deepFreeze(r.service), pods: deepFreeze(r.pods), current: r.current && deepFreeze(r.current), triggerTime: r.triggerTime });
    assert.equal(p.action, r.want.action);
    if (p.action !== 'none') {
      let n = 0;
      for (const s of p.endpoints.subsets ?? []) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
      assert.ok(n <= 1000);
      r.want.check?.(p.endpoints);
    }
  });
}

test('repackSubsets: not-ready wins for an address and port; ports with identical address sets merge', () => {
  const ep = (ip: string) => ({ ip, targetRef: { kind: 'Pod', uid: ip } });
  const out = repackSubsets(
    deepFreeze([
      { addresses: [ep('10.0.0.2')], ports: [{ name: 'a', port: 1, protocol: 'TCP' }] },
      { addresses: [ep('10.0.0.1')], ports: [{ name: 'a', port: 1, protocol: 'TCP' }] },
      { notReadyAddresses: [ep('10.0.0.1')], ports: [{ name: 'a', port: 1, protocol: 'TCP' }] },
      { addresses: [ep('10.0.0.2')], ports: [{ name: 'b', port: 2, protocol: 'TCP' }] },
      { notReadyAddresses: [ep('10.0.0.1')], ports: [{ name: 'b', port: 2, protocol: 'TCP' }] },
    ]),
  );
  assert.deepEqual(out, [
    {
      addresses: [ep('10.0.0.2')],
      notReadyAddresses: [ep('10.0.0.1')],
      ports: [
        { name: 'a', port: 1, protocol: 'TCP' },
        { name: 'b', port: 2, protocol: 'TCP' },
      ],
    },
  ]);
});
