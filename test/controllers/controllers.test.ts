/**
 * The controller shells against a fake cluster whose cached objects are
 * deeply frozen: handlers enqueue the right keys (a pod's old and new
 * Services), reconcile writes only the difference, own writes coming back
 * are ignored, hand-deleted or hand-edited objects are repaired, a lagging
 * cache is detected instead of duplicating a slice, and a restart with
 * everything in place writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Endpoints } from '../../src/api/types.ts';
import { EndpointSliceController } from '../../src/controllers/endpointslice/controller.ts';
import { EndpointsController } from '../../src/controllers/endpoints/controller.ts';
import { MirroringController } from '../../src/controllers/mirroring/controller.ts';
import { connectControllers } from '../../src/controllers/index.ts';
import { StaleCacheError } from '../../src/controllers/shared/slice-tracker.ts';
import { FakeCluster } from './fake-cluster.ts';
import { endpointsObject, node, pod, svc } from './fixtures.ts';

function setup(opts: { start?: boolean } = {}) {
  const cluster = new FakeCluster();
  const slices = new EndpointSliceController(cluster.caches, cluster, { workers: 2 });
  const endpoints = new EndpointsController(cluster.caches, cluster, { workers: 2 });
  const mirroring = new MirroringController(cluster.caches, cluster, { workers: 2 });
  connectControllers(cluster, { slices, endpoints, mirroring });
  const start = () => {
    slices.start();
    endpoints.start();
    mirroring.start();
  };
  if (opts.start !== false) start();
  const settle = () => cluster.settle(async () => void (await Promise.all([slices.idle(), endpoints.idle(), mirroring.idle()])));
  const sliceList = (svcName: string) =>
    cluster.caches.endpointSlices.list().filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svcName);
  const podNames = (svcName: string) =>
    sliceList(svcName)
      .flatMap((s) => s.endpoints.map((e) => e.targetRef?.name ?? e.addresses[0]))
      .sort();
  return { cluster, slices, endpoints, mirroring, start, settle, sliceList, podNames };
}

test('controllers: a Service and its pods get slices and Endpoints; own writes do not trigger more syncs', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a', { zone: 'za' }));
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  for (let i = 0; i < 3; i++) t.cluster.put('pods', pod(`w${i}`, { ip: `127.244.0.${i + 1}` }));
  await t.settle();
  assert.deepEqual(t.podNames('web'), ['w0', 'w1', 'w2']);
  const ep = t.cluster.caches.endpoints.get('default/web')!;
  assert.equal(ep.subsets![0]!.addresses!.length, 3);
  const writesBefore = t.cluster.writes.length;
  const syncsBefore = t.slices.stats.syncs;
  await t.settle();
  assert.equal(t.cluster.writes.length, writesBefore, 'converged: no further writes');
  assert.equal(t.slices.stats.syncs, syncsBefore, 'own writes coming back are not re-synced');
});

test('controllers: a pod readiness change costs one slice write and one Endpoints write', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  for (let i = 0; i < 5; i++) t.cluster.put('pods', pod(`w${i}`, { ip: `127.244.0.${i + 1}` }));
  await t.settle();
  const before = t.cluster.writes.length;
  t.cluster.put('pods', pod('w3', { ip: '127.244.0.4', ready: false, rv: '999' }));
  await t.settle();
  const after = t.cluster.writes.slice(before);
  assert.deepEqual(after.map((w) => `${w.verb} ${w.resource}`).sort(), ['update endpoints', 'update endpointslices']);
  const e = t.sliceList('web')[0]!.endpoints.find((x) => x.targetRef!.name === 'w3')!;
  assert.deepEqual(e.conditions, { ready: false, serving: false, terminating: false });
});

test('controllers: a label change moves a pod from one Service to another (old and new labels enqueued)', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('blue', { selector: { color: 'blue' } }));
  t.cluster.put('services', svc('green', { selector: { color: 'green' } }));
  t.cluster.put('pods', pod('p1', { ip: '127.244.0.1', labels: { color: 'blue' } }));
  t.cluster.put('pods', pod('p2', { ip: '127.244.0.2', labels: { color: 'blue' } }));
  await t.settle();
  assert.deepEqual(t.podNames('blue'), ['p1', 'p2']);
  assert.deepEqual(t.podNames('green'), []);
  t.cluster.put('pods', pod('p1', { ip: '127.244.0.1', labels: { color: 'green' }, rv: '500' }));
  await t.settle();
  assert.deepEqual(t.podNames('blue'), ['p2']);
  assert.deepEqual(t.podNames('green'), ['p1']);
  assert.equal(t.sliceList('green').length, 1, 'the placeholder was reused, not joined by a second slice');
});

test('controllers: a selector change re-selects pods', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('pods', pod('a1', { ip: '127.244.0.1', labels: { app: 'a' } }));
  t.cluster.put('pods', pod('b1', { ip: '127.244.0.2', labels: { app: 'b' } }));
  t.cluster.put('services', svc('s', { selector: { app: 'a' } }));
  await t.settle();
  assert.deepEqual(t.podNames('s'), ['a1']);
  t.cluster.put('services', svc('s', { selector: { app: 'b' } }));
  await t.settle();
  assert.deepEqual(t.podNames('s'), ['b1']);
});

test('controllers: a hand-deleted slice is recreated and a hand-edited one repaired', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  t.cluster.put('pods', pod('w0', { ip: '127.244.0.1' }));
  await t.settle();
  const [first] = t.sliceList('web');
  t.cluster.remove('endpointSlices', `default/${first!.metadata.name}`);
  await t.settle();
  assert.deepEqual(t.podNames('web'), ['w0']);
  const [again] = t.sliceList('web');
  assert.notEqual(again!.metadata.name, first!.metadata.name);
  // Someone flips the condition by hand.
  const edited: EndpointSlice = structuredClone(again!);
  edited.endpoints[0]!.conditions = { ready: false, serving: false, terminating: true };
  t.cluster.put('endpointSlices', edited);
  await t.settle();
  assert.deepEqual(t.sliceList('web')[0]!.endpoints[0]!.conditions, { ready: true, serving: true, terminating: false });
  // And removes a label.
  const relabelled: EndpointSlice = structuredClone(t.sliceList('web')[0]!);
  relabelled.metadata.labels = { ...relabelled.metadata.labels, extra: 'x' };
  t.cluster.put('endpointSlices', relabelled);
  await t.settle();
  assert.equal(t.sliceList('web')[0]!.metadata.labels!['extra'], undefined);
});

test('controllers: hand-deleted or hand-edited Endpoints of a managed Service are rewritten', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  t.cluster.put('pods', pod('w0', { ip: '127.244.0.1' }));
  await t.settle();
  t.cluster.remove('endpoints', 'default/web');
  await t.settle();
  assert.equal(t.cluster.caches.endpoints.get('default/web')!.subsets![0]!.addresses![0]!.ip, '127.244.0.1');
  const edited: Endpoints = structuredClone(t.cluster.caches.endpoints.get('default/web')!);
  edited.subsets = [];
  t.cluster.put('endpoints', edited);
  await t.settle();
  assert.equal(t.cluster.caches.endpoints.get('default/web')!.subsets!.length, 1);
});

test('controllers: Service deleted → its Endpoints deleted by the controller (slices are left to the garbage collector)', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  t.cluster.put('pods', pod('w0', { ip: '127.244.0.1' }));
  await t.settle();
  t.cluster.remove('services', 'default/web');
  await t.settle();
  assert.equal(t.cluster.caches.endpoints.get('default/web'), undefined);
  assert.equal(t.cluster.writesFor('endpointslices').filter((w) => w.verb === 'delete').length, 0);
});

test('controllers: a lagging slice cache is detected (StaleCacheError) instead of creating a duplicate slice', async () => {
  const t = setup();
  t.cluster.seed('nodes', node('node-a'));
  t.cluster.seed('services', svc('web', { selector: { app: 'web' } }));
  t.cluster.seed('pods', pod('w0', { ip: '127.244.0.1' }));
  t.cluster.hold();
  await t.slices.reconcile('default/web');
  assert.equal(t.cluster.writesFor('endpointslices').length, 1);
  await assert.rejects(t.slices.reconcile('default/web'), StaleCacheError);
  assert.equal(t.cluster.writesFor('endpointslices').length, 1, 'no second create');
  t.cluster.release();
  await new Promise((r) => setImmediate(r));
  await t.slices.reconcile('default/web');
  assert.equal(t.cluster.writesFor('endpointslices').length, 1, 'caught up: nothing more to do');
});

test('controllers: restart with everything in place writes nothing', async () => {
  const first = setup();
  first.cluster.put('nodes', node('node-a', { zone: 'za' }));
  first.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  first.cluster.put('services', svc('ext', { selector: null }));
  first.cluster.put('endpoints', endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }]));
  for (let i = 0; i < 120; i++) first.cluster.put('pods', pod(`w${i}`, { ip: `127.244.1.${i + 1}` }));
  await first.settle();
  // A new process: caches listed from the cluster (seeded), controllers started after sync.
  const second = setup({ start: false });
  for (const kind of ['nodes', 'services', 'pods', 'endpointSlices', 'endpoints'] as const) {
    for (const o of (first.cluster.caches[kind] as { list(): { metadata: object }[] }).list()) second.cluster.seed(kind, o as never);
  }
  second.start();
  for (const s of second.cluster.caches.services.list()) {
    second.slices.onServiceAdd(s);
    second.endpoints.onServiceAdd(s);
    second.mirroring.onServiceAdd(s);
  }
  await second.settle();
  assert.deepEqual(second.cluster.writes, []);
});

test('controllers: a pod on a node that appears later is added when the node does', async () => {
  const t = setup();
  t.cluster.put('services', svc('web', { selector: { app: 'web' } }));
  t.cluster.put('pods', pod('early', { ip: '127.244.0.1', node: 'late-node' }));
  await t.settle();
  assert.deepEqual(t.podNames('web'), []);
  t.cluster.put('nodes', node('late-node', { zone: 'zx' }));
  await t.settle();
  assert.deepEqual(t.podNames('web'), ['early']);
  assert.equal(t.sliceList('web')[0]!.endpoints[0]!.zone, 'zx');
});

test('controllers: selectorless Service — no managed slices or Endpoints writes; the user Endpoints is mirrored, and unmirrored when the Service gains a selector', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('ext', { selector: null }));
  t.cluster.put('endpoints', endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }]));
  await t.settle();
  assert.equal(t.cluster.writesFor('endpoints').length, 0, 'user-managed Endpoints left alone');
  const mirrored = t.sliceList('ext');
  assert.equal(mirrored.length, 1);
  assert.equal(mirrored[0]!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(mirrored[0]!.endpoints.map((e) => [e.addresses[0], e.conditions!.ready]), [['192.0.2.10', true], ['192.0.2.11', false]]);
  // skip-mirror: mirrored slices go away.
  t.cluster.put('endpoints', { ...endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.10' }] }]), metadata: { ...endpointsObject('ext', []).metadata, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } });
  await t.settle();
  assert.equal(t.sliceList('ext').length, 0);
  t.cluster.put('endpoints', endpointsObject('ext', [{ addresses: [{ ip: '192.0.2.12' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }]));
  await t.settle();
  assert.deepEqual(t.podNames('ext'), ['192.0.2.12']);
  // The Service gains a selector: the mirrored slice goes, the controller's own slice comes.
  t.cluster.put('pods', pod('x', { ip: '127.244.0.7', labels: { app: 'ext' } }));
  t.cluster.put('services', svc('ext', { selector: { app: 'ext' } }));
  await t.settle();
  const after = t.sliceList('ext');
  assert.equal(after.length, 1);
  assert.equal(after[0]!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.deepEqual(t.podNames('ext'), ['x']);
});

test('controllers: ExternalName Services get nothing', async () => {
  const t = setup();
  t.cluster.put('nodes', node('node-a'));
  t.cluster.put('services', svc('name', { type: 'ExternalName', selector: { app: 'web' } }));
  t.cluster.put('pods', pod('w0', { ip: '127.244.0.1' }));
  await t.settle();
  assert.deepEqual(t.cluster.writes, []);
});
