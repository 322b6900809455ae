/**
 * Building the per-node view from plain objects: Service → ports
 * (servicePortsFromService), slices → endpoints (endpointsFromSlices, as
 * kube-proxy's EndpointSliceCache), and the ChangeTracker's incremental
 * recompute with trigger times. Cached objects are frozen so any mutation
 * fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../src/api/types.ts';
import { ChangeTracker, EMPTY_STATE, endpointsFromSlices, servicePortsFromService, shouldSkipService, type ProxySources } from '../../src/proxy/index.ts';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const svc = (name: string, spec: Service['spec'], extra: Partial<Service> = {}): Service =>
  deepFreeze({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec, ...extra });

const slice = (name: string, service: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'], extra: { labels?: Record<string, string>; annotations?: Record<string, string>; addressType?: EndpointSlice['addressType'] } = {}): EndpointSlice =>
  deepFreeze({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': service, ...extra.labels }, annotations: extra.annotations },
    addressType: extra.addressType ?? 'IPv4',
    endpoints,
    ports,
  });

test('servicePortsFromService: every field the proxy uses', () => {
  const s = svc(
    'web',
    {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.5',
      clusterIPs: ['10.96.0.5'],
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
      ],
      externalIPs: ['192.0.2.1'],
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Cluster',
      healthCheckNodePort: 31000,
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      loadBalancerSourceRanges: [' 10.0.0.0/8 '],
      trafficDistribution: 'PreferClose',
    },
    { status: { loadBalancer: { ingress: [{ ip: '127.240.0.1', ipMode: 'VIP' }, { ip: '127.240.0.2', ipMode: 'Proxy' }, { hostname: 'lb.example' }] } } },
  );
  const ports = servicePortsFromService(s);
  assert.equal(ports.length, 2);
  assert.deepEqual(ports[0], {
    key: 'ns/web:http/TCP',
    service: 'ns/web',
    uid: 'uid-web',
    spn: { namespace: 'ns', name: 'web', port: 'http', protocol: 'TCP' },
    port: 80,
    clusterIPs: ['10.96.0.5'],
    nodePort: 30080,
    externalIPs: ['192.0.2.1'],
    loadBalancerIPs: ['127.240.0.1'],
    loadBalancerSourceRanges: ['10.0.0.0/8'],
    healthCheckNodePort: 31000,
    affinityTimeoutSeconds: 60,
    externalPolicyLocal: true,
    internalPolicyLocal: false,
    trafficDistribution: 'PreferClose',
  });
  assert.equal(ports[1]!.key, 'ns/web:dns/UDP');
});

test('servicePortsFromService: ClientIP affinity defaults to 10800 s; unnamed port key', () => {
  const [p] = servicePortsFromService(svc('a', { clusterIP: '10.96.0.6', ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }));
  assert.equal(p!.affinityTimeoutSeconds, 10800);
  assert.equal(p!.key, 'ns/a:/TCP');
  assert.equal(p!.healthCheckNodePort, 0);
});

test('shouldSkipService: headless, ExternalName, other proxy', () => {
  assert.equal(shouldSkipService(svc('h', { clusterIP: 'None', ports: [{ port: 80 }] })), true);
  assert.equal(shouldSkipService(svc('e', { type: 'ExternalName', externalName: 'example.com' })), true);
  assert.equal(shouldSkipService(svc('o', { clusterIP: '10.96.0.7', ports: [{ port: 80 }] }, { metadata: { name: 'o', namespace: 'ns', labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } })), true);
  assert.equal(shouldSkipService(svc('ok', { clusterIP: '10.96.0.8', ports: [{ port: 80 }] })), false);
  assert.deepEqual(servicePortsFromService(svc('e2', { type: 'ExternalName', externalName: 'example.com' })), []);
});

test('endpointsFromSlices: conditions default, dedupe across slices preferring local, sorted, first address only', () => {
  const a = slice(
    'a',
    'web',
    [
      { addresses: ['10.0.0.2', '10.0.0.99'], nodeName: 'n2', zone: 'z2', hints: { forZones: [{ name: 'z2' }, { name: 'z1' }] } },
      { addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'n1' },
    ],
    [{ name: 'http', port: 8080, protocol: 'TCP' }],
  );
  const b = slice('b', 'web', [{ addresses: ['10.0.0.2'], nodeName: 'me' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const eps = endpointsFromSlices('ns/web', [a, b], 'me');
  assert.deepEqual([...eps.keys()], ['ns/web:http/TCP']);
  const list = eps.get('ns/web:http/TCP')!;
  assert.deepEqual(
    list.map((e) => [e.ip, e.port, e.ready, e.serving, e.terminating, e.isLocal, e.zoneHints.join('|')]),
    [
      ['10.0.0.1', 8080, false, true, true, false, ''],
      ['10.0.0.2', 8080, true, true, false, true, ''],
    ],
  );
});

test('endpointsFromSlices: ports without a name are the unnamed port, without protocol TCP; FQDN and headless slices ignored; portless ports skipped', () => {
  const s1 = slice('a', 'web', [{ addresses: ['10.0.0.1'] }], [{ port: 80 }, { name: 'x' } as unknown as { port: number }]);
  const s2 = slice('b', 'web', [{ addresses: ['db.example'] }], [{ port: 80 }], { addressType: 'FQDN' });
  const s3 = slice('c', 'web', [{ addresses: ['10.0.0.3'] }], [{ port: 80 }], { labels: { 'service.kubernetes.io/headless': '' } });
  const s4 = slice('d', 'web', [{ addresses: ['fd00::1'] }], [{ port: 80 }]); // wrong family for an IPv4 slice
  const eps = endpointsFromSlices('ns/web', [s1, s2, s3, s4], 'me');
  assert.deepEqual([...eps.keys()], ['ns/web:/TCP']);
  assert.deepEqual(eps.get('ns/web:/TCP')!.map((e) => e.ip), ['10.0.0.1']);
});

function sources(services: Service[], slices: EndpointSlice[]): ProxySources {
  return {
    service: (k) => services.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === k),
    slices: (k) => slices.filter((s) => `${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name']}` === k),
    serviceKeys: () => services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
  };
}

test('ChangeTracker: first checkout is full; later ones only recompute dirty Services and report what changed', () => {
  const t = new ChangeTracker(0);
  const node = { name: 'me', zone: 'z1' };
  const web = svc('web', { clusterIP: '10.96.0.5', ports: [{ name: 'http', port: 80 }] });
  const db = svc('db', { clusterIP: '10.96.0.6', ports: [{ port: 5432 }] });
  let slices = [slice('web-1', 'web', [{ addresses: ['10.0.0.1'] }], [{ name: 'http', port: 8080 }])];
  let services = [web, db];
  t.onService(undefined, web);
  t.onService(undefined, db);
  t.onSlice(undefined, slices[0]);
  let r = t.checkout(EMPTY_STATE, sources(services, slices), node);
  assert.equal(r.update.full, true);
  assert.deepEqual([...r.update.changed].sort(), ['ns/db:/TCP', 'ns/web:http/TCP']);
  assert.equal(r.state.endpoints.get('ns/web:http/TCP')!.length, 1);
  const first = r.state;

  // A slice change: only web is recomputed; db's entries are shared, not copied.
  const updated = slice('web-1', 'web', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }], [{ name: 'http', port: 8080 }], {
    annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2030-01-01T00:00:00.5Z' },
  });
  t.onSlice(slices[0], updated);
  slices = [updated];
  r = t.checkout(first, sources(services, slices), node);
  assert.equal(r.update.full, false);
  assert.deepEqual([...r.update.changed], ['ns/web:http/TCP']);
  assert.deepEqual([...r.update.services], ['ns/web']);
  assert.equal(r.state.servicePorts.get('ns/db:/TCP'), first.servicePorts.get('ns/db:/TCP'));
  assert.deepEqual(r.update.triggerTimes.get('ns/web'), [Date.parse('2030-01-01T00:00:00.5Z')]);

  // A label-only Service update changes nothing the proxy uses.
  const relabelled = svc('db', db.spec, { metadata: { ...db.metadata, labels: { a: 'b' } } });
  assert.equal(t.onService(db, relabelled), false);

  // Deleting a Service reports its ports as deleted.
  const second = r.state;
  t.onService(db, undefined);
  services = [web];
  r = t.checkout(second, sources(services, slices), node);
  assert.deepEqual([...r.update.deleted], ['ns/db:/TCP']);
  assert.deepEqual([...r.update.changed], []);
  assert.equal(r.state.servicePorts.has('ns/db:/TCP'), false);

  // A resync with no change is empty.
  t.onSlice(updated, updated);
  r = t.checkout(r.state, sources(services, slices), node);
  assert.equal(r.update.changed.size + r.update.deleted.size, 0);
});

test('ChangeTracker: a node zone change makes the next checkout full; trigger times before start are not reported', () => {
  const t = new ChangeTracker(Date.parse('2030-01-01T00:00:00Z'));
  const web = svc('web', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] });
  const s1 = slice('w', 'web', [{ addresses: ['10.0.0.1'] }], [{ port: 80 }], { annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2029-12-31T23:59:59Z' } });
  t.onService(undefined, web);
  t.onSlice(undefined, s1);
  const r1 = t.checkout(EMPTY_STATE, sources([web], [s1]), { name: 'me', zone: 'z1' });
  assert.equal(r1.update.triggerTimes.size, 0);
  const r2 = t.checkout(r1.state, sources([web], [s1]), { name: 'me', zone: 'z2' });
  assert.equal(r2.update.full, true);
});
