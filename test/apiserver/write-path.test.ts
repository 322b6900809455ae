/**
 * The write path's shortcuts keep Kubernetes' semantics: updates that change
 * nothing are not written (same resourceVersion, no watch event); status
 * writes share nothing mutable with the cached object (later writes of
 * either part see the right state); watch events arrive once each, in
 * resourceVersion order, also when many writes land in one turn.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';
import { RestClient, Resources, loadClientConfig, type WatchEventOf } from '../../src/client/index.ts';
import type { EndpointSlice, KubeObject, Pod, Service } from '../../src/api/types.ts';

let api: TestApi;
let c: RestClient;
before(async () => {
  api = await startTestApi();
  c = new RestClient(loadClientConfig(api.kubeconfig));
});
after(async () => {
  c?.close();
  await api?.stop();
});

const NS = 'default';
const pod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'w' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
});
const ready = (status: 'True' | 'False') => ({ status: { conditions: [{ type: 'Ready', status, lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] } });

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('an update or status patch that changes nothing keeps the resourceVersion and sends no event', async () => {
  const created = await c.create<Pod>(Resources.pods, NS, pod('noop'));
  const first = await c.patch<Pod>(Resources.pods, NS, 'noop', ready('True'), 'merge', 'status');
  assert.notEqual(first.metadata.resourceVersion, created.metadata.resourceVersion);
  const events: WatchEventOf<Pod>[] = [];
  const w = c.watch<Pod>(Resources.pods, NS, { resourceVersion: first.metadata.resourceVersion!, fieldSelector: 'metadata.name=noop' }, (e) => void events.push(e));
  try {
    const again = await c.patch<Pod>(Resources.pods, NS, 'noop', ready('True'), 'merge', 'status');
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion, 'same status: no write');
    const put = await c.update<Pod>(Resources.pods, NS, again);
    assert.equal(put.metadata.resourceVersion, first.metadata.resourceVersion, 'same object: no write');
    assert.deepEqual(put, first);
    // A real change afterwards is the first (and only) event.
    const changed = await c.patch<Pod>(Resources.pods, NS, 'noop', ready('False'), 'merge', 'status');
    await until(() => events.some((e) => e.type === 'MODIFIED'), 'the status change event');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      events.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, e.object.metadata.resourceVersion]),
      [['MODIFIED', changed.metadata.resourceVersion]],
    );
  } finally {
    w.stop();
  }
});

test('status and main-resource writes interleave without leaking into each other', async () => {
  await c.create<Pod>(Resources.pods, NS, pod('mix'));
  const s1 = await c.patch<Pod>(Resources.pods, NS, 'mix', { metadata: { annotations: { a: '1' } }, ...ready('True') }, 'merge', 'status');
  assert.equal(s1.status?.conditions?.[0]?.status, 'True');
  assert.equal(s1.metadata.annotations?.['a'], '1');
  assert.equal(s1.metadata.generation, 1, 'a status write keeps the generation');
  // Main resource: a spec change bumps the generation and keeps the status.
  const m = await c.update<Pod>(Resources.pods, NS, { ...s1, spec: { ...s1.spec!, activeDeadlineSeconds: 30 }, status: { phase: 'Failed' } });
  assert.equal(m.metadata.generation, 2);
  assert.equal(m.spec?.activeDeadlineSeconds, 30);
  assert.deepEqual(m.status, s1.status, 'status is not changed through the main resource');
  // Status again: spec from the main write is kept, status replaced.
  const s2 = await c.patch<Pod>(Resources.pods, NS, 'mix', { spec: { activeDeadlineSeconds: 99 }, ...ready('False') }, 'merge', 'status');
  assert.equal(s2.spec?.activeDeadlineSeconds, 30, 'spec is not changed through status');
  assert.equal(s2.status?.conditions?.[0]?.status, 'False');
  assert.equal(s2.metadata.generation, 2);
  assert.deepEqual(await c.get<Pod>(Resources.pods, NS, 'mix'), s2, 'a read returns what the write answered');
  // A strategic merge patch and a JSON patch of status on top.
  const s3 = await c.patch<Pod>(Resources.pods, NS, 'mix', { status: { podIP: '10.1.2.3' } }, 'strategic', 'status');
  assert.equal(s3.status?.podIP, '10.1.2.3');
  assert.equal(s3.status?.conditions?.[0]?.status, 'False');
  const s4 = await c.patch<Pod>(Resources.pods, NS, 'mix', [{ op: 'replace', path: '/status/podIP', value: '10.1.2.4' }], 'json', 'status');
  assert.equal(s4.status?.podIP, '10.1.2.4');
  assert.equal(s4.spec?.activeDeadlineSeconds, 30);
});

test('a Service status write still goes through admission and keeps the allocated cluster IP', async () => {
  const svc = await c.create<Service>(Resources.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wp' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as Service);
  const st = await c.patch<Service>(Resources.services, NS, 'wp', { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }, 'merge', 'status');
  assert.equal(st.spec?.clusterIP, svc.spec?.clusterIP);
  assert.equal(st.status?.loadBalancer?.ingress?.[0]?.ip, '192.0.2.10');
  assert.deepEqual(await c.get<Service>(Resources.services, NS, 'wp'), st);
});

test('EndpointSlice updates: one event per real change, in resourceVersion order, under a burst', async () => {
  const endpoints = Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.9.0.${i + 1}`], conditions: { ready: true } }));
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < 10; i++) {
    slices.push(
      await c.create<EndpointSlice>(Resources.endpointSlices, NS, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `wp-${i}`, labels: { 'kubernetes.io/service-name': 'wp' } },
        addressType: 'IPv4',
        endpoints,
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      } as EndpointSlice as KubeObject as EndpointSlice),
    );
  }
  const rv0 = slices[slices.length - 1]!.metadata.resourceVersion!;
  const events: WatchEventOf<EndpointSlice>[] = [];
  const w = c.watch<EndpointSlice>(Resources.endpointSlices, NS, { resourceVersion: rv0 }, (e) => void events.push(e));
  try {
    // 10 slices × 5 rounds, each round all at once; every write flips one endpoint.
    const acked: string[] = [];
    for (let round = 0; round < 5; round++) {
      const done = await Promise.all(
        slices.map((s) =>
          c.update<EndpointSlice>(Resources.endpointSlices, NS, {
            ...s,
            endpoints: s.endpoints!.map((e, k) => (k === round ? { ...e, conditions: { ready: !e.conditions?.ready } } : e)),
          }),
        ),
      );
      done.forEach((s, i) => (slices[i] = s));
      acked.push(...done.map((s) => s.metadata.resourceVersion!));
      // And a no-op PUT of each: no write, no event.
      const same = await Promise.all(slices.map((s) => c.update<EndpointSlice>(Resources.endpointSlices, NS, s)));
      same.forEach((s, i) => assert.equal(s.metadata.resourceVersion, slices[i]!.metadata.resourceVersion));
    }
    await until(() => events.length >= 50, '50 slice events');
    await new Promise((r) => setTimeout(r, 200));
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.equal(events.length, 50, 'one event per change');
    assert.ok(events.every((e) => e.type === 'MODIFIED'));
    assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b), 'events in resourceVersion order');
    assert.deepEqual(new Set(rvs.map(String)), new Set(acked), 'the events are the acknowledged writes');
    // The last event of each slice carries what the last write answered.
    for (const s of slices) {
      const last = events.filter((e) => e.object.metadata.name === s.metadata.name).pop()!;
      assert.deepEqual(last.object, s);
    }
  } finally {
    w.stop();
  }
});
