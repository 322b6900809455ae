/**
 * The pure path over the fixture cluster: every table row is encoded with
 * dns-packet, parsed by parseQuery, answered by resolve, encoded by
 * encodeResponse and decoded again by dns-packet, then compared with the
 * expected rcode, answer set, additional section, SOA authority and TTL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterIndex, resolve, defaultResolverOptions, Rcode, Type, Class } from '../../src/dns/index.ts';
import { CASES, NAMESPACES, PODS, SERVICES, SLICES } from './fixture.ts';
import { askPure, caseOptions, diff } from './helpers.ts';

const view = ClusterIndex.from({ namespaces: NAMESPACES, services: SERVICES, endpointSlices: SLICES, pods: PODS }, { now: () => 1_700_000_000_000 });

test('the table has at least 50 cases', () => {
  assert.ok(CASES.length >= 50, `${CASES.length} cases`);
});

for (const c of CASES) {
  test(`resolve: ${c.name} (${c.q.join(' ')})`, () => {
    const got = askPure(view, caseOptions(c), c.q[0], c.q[1], c.q[2]);
    assert.deepEqual(diff(c, got), []);
  });
}

test('resolve: SERVFAIL for in-zone names until the caches have synced; outside names still forward', () => {
  const unsynced = new ClusterIndex();
  const o = defaultResolverOptions();
  assert.equal(resolve({ name: 'web.default.svc.cluster.local', type: Type.A, class: Class.IN }, unsynced, o).rcode, Rcode.SERVFAIL);
  assert.equal(resolve({ name: 'nosuch.default.svc.cluster.local', type: Type.A, class: Class.IN }, unsynced, o).rcode, Rcode.SERVFAIL);
  assert.equal(resolve({ name: 'example.com', type: Type.A, class: Class.IN }, unsynced, o).forward, true);
});

test('resolve: without upstreams, outside names are REFUSED', () => {
  const a = resolve({ name: 'example.com', type: Type.A, class: Class.IN }, view, defaultResolverOptions({ forward: false }));
  assert.equal(a.rcode, Rcode.REFUSED);
  assert.equal(a.forward, undefined);
});

test('resolve: negative answers carry the SOA with minimum = TTL and the view serial', () => {
  const a = resolve({ name: 'nosuch.default.svc.CLUSTER.local', type: Type.A, class: Class.IN }, view, defaultResolverOptions({ ttl: 7 }));
  assert.equal(a.rcode, Rcode.NXDOMAIN);
  assert.equal(a.authority.length, 1);
  const soa = a.authority[0];
  assert.equal(soa.name, 'CLUSTER.local', 'the zone keeps the query case');
  assert.equal(soa.ttl, 7);
  assert.ok(soa.data.kind === 'soa' && soa.data.minimum === 7 && soa.data.serial === 1_700_000_000);
});

test('resolve: the view follows changes (add, endpoint not ready, delete)', () => {
  const ix = ClusterIndex.from({ namespaces: ['default'] });
  const q = { name: 'late.default.svc.cluster.local', type: Type.A, class: Class.IN };
  const o = defaultResolverOptions();
  assert.equal(resolve(q, ix, o).rcode, Rcode.NXDOMAIN);
  const svc = SERVICES.find((s) => s.metadata.name === 'nohost')!;
  ix.upsertService({ ...svc, metadata: { ...svc.metadata, name: 'late' } });
  assert.equal(resolve(q, ix, o).rcode, Rcode.NXDOMAIN, 'headless without endpoints');
  const sl = SLICES.find((s) => s.metadata.name === 'nohost-a')!;
  const mk = (ready: boolean) => ({ ...sl, metadata: { ...sl.metadata, name: 'late-a', labels: { 'kubernetes.io/service-name': 'late' } }, endpoints: [sl.endpoints[0], { ...sl.endpoints[1], conditions: { ready } }] });
  const g0 = ix.generation;
  ix.upsertEndpointSlice(mk(true));
  assert.ok(ix.generation > g0);
  assert.deepEqual(resolve(q, ix, o).answer.map((r) => r.data.kind === 'ip' && r.data.ip), ['127.244.1.1', '127.244.1.2']);
  ix.upsertEndpointSlice(mk(false));
  assert.deepEqual(resolve(q, ix, o).answer.map((r) => r.data.kind === 'ip' && r.data.ip), ['127.244.1.1']);
  ix.deleteService({ ...svc, metadata: { ...svc.metadata, name: 'late' } });
  assert.equal(resolve(q, ix, o).rcode, Rcode.NXDOMAIN);
});
