/**
 * The controllers against the real API server (HTTPS, in-process) and the
 * pinned kubectl: 250 pods give slices of at most 100 with the right content; Ready
 * flips through pods/status move endpoints between ready and not ready;
 * graceful pod deletion marks them terminating; a selectorless Service's
 * hand-written Endpoints is mirrored; `kubectl get endpointslices` and
 * `kubectl get endpoints` print what a real cluster prints; a managed slice
 * deleted by hand comes back; everything goes with the Service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Endpoints, Node, Pod, Service } from '../../src/api/types.ts';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import { startControllers } from '../../src/controllers/index.ts';
import { startTestApi } from '../helpers/apiserver.ts';

async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined | false;
  while (Date.now() < end) {
    last = f();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function inBatches<T>(items: T[], n: number, f: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(f));
}

const ipOf = (i: number) => `127.244.${Math.floor(i / 200)}.${(i % 200) + 1}`;
const podName = (i: number) => `web-${String(i).padStart(3, '0')}`;

function readyCondition(ready: boolean) {
  return [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }];
}

test('endpoint controllers against the real API server and kubectl', { timeout: 180_000 }, async () => {
  const api = await startTestApi();
  const client = new RestClient(loadClientConfig(api.kubeconfig));
  const ctl = startControllers(client, { log: (l) => process.env['DEBUG_CONTROLLERS'] && console.error(l) });
  const slicesCache = () => ctl.informers.endpointSlices.cache;
  const webSlices = () => slicesCache().list().filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
  const webEndpoints = () => webSlices().flatMap((s) => s.endpoints ?? []);
  try {
    await ctl.synced;
    for (const [name, zone] of [['node-a', 'zone-a'], ['node-b', 'zone-b']] as const) {
      await client.create<Node>(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } } });
    }
    await client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { team: 'blue' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const N = 250;
    const idx = Array.from({ length: N }, (_, i) => i);
    await inBatches(idx, 25, (i) =>
      client.create<Pod>(Resources.pods, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName(i), namespace: 'default', labels: { app: 'web' } },
        spec: { nodeName: i % 2 ? 'node-b' : 'node-a', containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }] }] },
      }),
    );
    // No node agent yet: the test plays the kubelet and writes pod status.
    await inBatches(idx, 25, (i) =>
      client.patch(Resources.pods, 'default', podName(i), { status: { phase: 'Running', podIP: ipOf(i), podIPs: [{ ip: ipOf(i) }], conditions: readyCondition(true) } }, 'merge', 'status'),
    );

    // --- 250 pods → at least 3 slices of at most 100, correct content. How
    // they are packed depends on the order the pod updates arrive in (as in
    // Kubernetes, a partly full slice is topped up only when it is rewritten
    // anyway), so only the bounds are fixed.
    await until('slices holding 250 ready endpoints', () => webEndpoints().filter((e) => e.conditions?.ready).length === N);
    const slices = webSlices();
    assert.ok(slices.length >= 3, `${slices.length} slices`);
    assert.ok(slices.every((s) => s.endpoints.length > 0 && s.endpoints.length <= 100), JSON.stringify(slices.map((s) => s.endpoints.length)));
    assert.equal(webEndpoints().length, N);
    const svc = ctl.informers.services.cache.get('default/web')!;
    for (const s of slices) {
      assert.equal(s.addressType, 'IPv4');
      assert.equal(s.metadata.generateName, 'web-');
      assert.deepEqual(s.metadata.labels, { team: 'blue', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
      assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
      assert.match(s.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] ?? '', /^\d{4}-\d\d-\d\dT/);
    }
    const byName = new Map(webEndpoints().map((e) => [e.targetRef!.name!, e]));
    for (const i of idx) {
      const e = byName.get(podName(i))!;
      assert.deepEqual(e.addresses, [ipOf(i)]);
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.equal(e.nodeName, i % 2 ? 'node-b' : 'node-a');
      assert.equal(e.zone, i % 2 ? 'zone-b' : 'zone-a');
      assert.equal(e.targetRef!.kind, 'Pod');
      assert.match(e.targetRef!.uid!, /./);
    }
    const ep = await until('Endpoints with 250 addresses', () => {
      const e = ctl.informers.endpoints.cache.get('default/web');
      return e && e.subsets?.[0]?.addresses?.length === N ? e : undefined;
    });
    assert.deepEqual(ep.metadata.labels, { team: 'blue' });
    assert.deepEqual(ep.subsets![0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);

    // --- kubectl prints what a real cluster prints.
    const gs = await api.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
    assert.equal(gs.code, 0, gs.stderr);
    const lines = gs.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
    assert.equal(lines.length, slices.length + 1);
    const more = slices.map((s) => s.endpoints.length - 3).sort();
    const printed = lines.slice(1).map((l) => {
      const m = /^web-[a-z0-9]{5}\s+IPv4\s+8080\s+127\.244\.\d+\.\d+,127\.244\.\d+\.\d+,127\.244\.\d+\.\d+ \+ (\d+) more\.\.\.\s+\d+s$/.exec(l);
      assert.ok(m, l);
      return Number(m[1]);
    });
    assert.deepEqual(printed.sort(), more);
    const ge = await api.kubectl(['get', 'endpoints', 'web']);
    assert.equal(ge.code, 0, ge.stderr);
    const sortedIPs = idx.map(ipOf).sort();
    assert.match(ge.stdout, new RegExp(`^NAME\\s+ENDPOINTS\\s+AGE\\nweb\\s+${sortedIPs.slice(0, 3).map((ip) => `${ip.replace(/\./g, '\\.')}:8080`).join(',')} \\+ 247 more\\.\\.\\.\\s+\\d+s\\n$`));

    // --- Ready flips through pods/status: not ready, then ready again.
    const flip = idx.slice(0, 10);
    await inBatches(flip, 10, (i) => client.patch(Resources.pods, 'default', podName(i), { status: { conditions: readyCondition(false) } }, 'merge', 'status'));
    await until('10 endpoints not ready', () => webEndpoints().filter((e) => e.conditions?.ready === false && e.conditions.serving === false && !e.conditions.terminating).length === 10);
    await until('Endpoints notReadyAddresses', () => {
      const e = ctl.informers.endpoints.cache.get('default/web');
      return e?.subsets?.[0]?.notReadyAddresses?.length === 10 && e.subsets[0].addresses?.length === N - 10;
    });
    assert.equal(webSlices().length, 3, 'changed in place');
    await inBatches(flip, 10, (i) => client.patch(Resources.pods, 'default', podName(i), { status: { conditions: readyCondition(true) } }, 'merge', 'status'));
    await until('all ready again', () => webEndpoints().filter((e) => e.conditions?.ready).length === N);

    // --- Graceful deletion (pods have a node): terminating, serving stays, ready false; gone from Endpoints.
    const gone = idx.slice(20, 25);
    await inBatches(gone, 5, (i) => client.delete(Resources.pods, 'default', podName(i)));
    await until('5 terminating endpoints', () =>
      webEndpoints().filter((e) => e.conditions?.terminating === true && e.conditions.serving === true && e.conditions.ready === false).length === 5,
    );
    await until('terminating pods out of Endpoints', () => {
      const e = ctl.informers.endpoints.cache.get('default/web');
      const n = (e?.subsets ?? []).reduce((a, s) => a + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
      return n === N - 5;
    });

    // --- A managed slice deleted by hand comes back (with the same content).
    const victim = webSlices().sort((a, b) => a.endpoints.length - b.endpoints.length)[0]!;
    const del = await api.kubectl(['delete', 'endpointslice', victim.metadata.name!]);
    assert.equal(del.code, 0, del.stderr);
    await until('slice recreated', () => {
      const s = webSlices();
      return !s.some((x) => x.metadata.name === victim.metadata.name) && webEndpoints().length === N;
    });

    // --- Selectorless Service + hand-written Endpoints → mirrored slice.
    await client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 9376 }] },
    });
    await client.create<Endpoints>(Resources.endpoints, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'ext', namespace: 'default', labels: { source: 'manual' } },
      subsets: [{ addresses: [{ ip: '127.244.200.1' }, { ip: '127.244.200.2' }], notReadyAddresses: [{ ip: '127.244.200.3' }], ports: [{ name: 'http', port: 9376 }] }],
    });
    const mirrored = await until('mirrored slice', () => slicesCache().list().find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'ext'));
    assert.equal(mirrored.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.equal(mirrored.metadata.labels!['source'], 'manual');
    assert.equal(mirrored.metadata.ownerReferences![0]!.kind, 'Endpoints');
    assert.deepEqual(mirrored.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['127.244.200.1', true], ['127.244.200.2', true], ['127.244.200.3', false]]);
    const gm = await api.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=ext']);
    assert.match(gm.stdout, /\next-[a-z0-9]{5}\s+IPv4\s+9376\s+127\.244\.200\.1,127\.244\.200\.2,127\.244\.200\.3\s+\d+s\n$/);
    const gx = await api.kubectl(['get', 'endpoints', 'ext']);
    assert.match(gx.stdout, /\next\s+127\.244\.200\.1:9376,127\.244\.200\.2:9376\s+\d+s\n$/);
    const none = (await client.list<EndpointSlice>(Resources.endpointSlices, 'default', { labelSelector: 'kubernetes.io/service-name=ext,endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io' })).items;
    assert.equal(none.length, 0, 'the EndpointSlice controller leaves selectorless Services alone');

    // --- A Service with no pods: one placeholder slice; kubectl shows <unset>.
    await client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty', namespace: 'default' },
      spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] },
    });
    await until('placeholder', () => slicesCache().list().some((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'empty'));
    const gp = await api.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=empty']);
    assert.match(gp.stdout, /\nempty-[a-z0-9]{5}\s+IPv4\s+<unset>\s+<unset>\s+\d+s\n$/);
    const gpe = await api.kubectl(['get', 'endpoints', 'empty']);
    assert.match(gpe.stdout, /\nempty\s+<none>\s+\d+s\n$/);

    // --- Topology-mode Auto without node CPU information: no hints, and a Warning Event on the Service.
    await client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'zonal', namespace: 'default', annotations: { 'service.kubernetes.io/topology-mode': 'Auto' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await until('zonal slices without hints', () => {
      const s = slicesCache().list().filter((x) => x.metadata.labels?.['kubernetes.io/service-name'] === 'zonal');
      return s.length > 0 && s.every((x) => x.endpoints.every((e) => e.hints === undefined)) && s.reduce((a, x) => a + x.endpoints.length, 0) === N ? s : undefined; // terminating pods included
    });
    let events: { reason?: string; message?: string; type?: string; involvedObject: { name?: string } }[] = [];
    for (let i = 0; i < 400 && !events.some((e) => e.involvedObject.name === 'zonal'); i++) {
      events = (await client.list<import('../../src/api/types.ts').Event>(Resources.events, 'default')).items;
      await new Promise((r) => setTimeout(r, 50));
    }
    const zonal = events.find((e) => e.involvedObject.name === 'zonal');
    assert.equal(zonal?.reason, 'TopologyAwareHintsDisabled');
    assert.equal(zonal?.type, 'Warning');
    assert.match(zonal?.message ?? '', /^Insufficient Node information: allocatable CPU or zone not specified on one or more nodes, addressType: IPv4$/);

    // --- Everything goes with the Service (GC for slices, the controller for Endpoints).
    await client.delete(Resources.services, 'default', 'web');
    await until('slices and Endpoints of web gone', () => webSlices().length === 0 && !ctl.informers.endpoints.cache.get('default/web'), 30_000);
  } finally {
    ctl.stop();
    client.close();
    await api.stop();
  }
});

test('controller-manager: runs from a kubeconfig, and a restart over converged state writes nothing', { timeout: 120_000 }, async () => {
  const { runControllerManager } = await import('../../src/cli/controller-manager.ts');
  const api = await startTestApi();
  const client = new RestClient(loadClientConfig(api.kubeconfig));
  try {
    await client.create<Node>(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    await client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    for (let i = 0; i < 120; i++) {
      const name = `api-${i}`;
      await client.create<Pod>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'api' } }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x:1' }] } });
      await client.patch(Resources.pods, 'default', name, { status: { phase: 'Running', podIP: ipOf(i), podIPs: [{ ip: ipOf(i) }], conditions: readyCondition(i % 3 !== 0) } }, 'merge', 'status');
    }
    const snapshot = async () => {
      const s = await client.list<EndpointSlice>(Resources.endpointSlices, 'default', { labelSelector: 'kubernetes.io/service-name=api' });
      const e = await client.get<Endpoints>(Resources.endpoints, 'default', 'api').catch(() => undefined);
      return { slices: s.items.map((x) => `${x.metadata.name}@${x.metadata.resourceVersion}`).sort(), endpoints: e?.metadata.resourceVersion, count: s.items.reduce((a, x) => a + x.endpoints.length, 0) };
    };
    const first = await runControllerManager({ kubeconfig: api.kubeconfig, banner: false, log: () => {} });
    const end = Date.now() + 20_000;
    let snap = await snapshot();
    while ((snap.count !== 120 || !snap.endpoints) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      snap = await snapshot();
    }
    assert.equal(snap.count, 120);
    assert.equal(snap.slices.length, 2);
    await first.controllers.idle();
    snap = await snapshot();
    await first.stop();
    const second = await runControllerManager({ kubeconfig: api.kubeconfig, banner: false, log: () => {} });
    await second.controllers.idle();
    await new Promise((r) => setTimeout(r, 300));
    await second.controllers.idle();
    assert.deepEqual(await snapshot(), snap, 'no slice or Endpoints rewritten after a restart');
    const stats = second.controllers.stats();
    assert.equal(stats.endpointslice.creates + stats.endpointslice.updates + stats.endpointslice.deletes, 0);
    assert.equal(stats.endpoints.creates + stats.endpoints.updates + stats.endpoints.deletes, 0);
    await second.stop();
  } finally {
    client.close();
    await api.stop();
  }
});
