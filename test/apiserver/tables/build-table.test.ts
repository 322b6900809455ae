import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.ts';
import { buildTable, type BuildTableOptions } from '../../../src/apiserver/tables/index.ts';
import { NOW, meta } from './helpers.ts';

const opts = (extra: Partial<BuildTableOptions> = {}): BuildTableOptions => ({ includeObject: 'Metadata', now: NOW, ...extra });

/** Column headers per resource: "Name" or "Name[p1]" for wide-only columns. */
const columnRows: { name: string; resource: string; group: string; want: string[] }[] = [
  { name: 'services', resource: 'services', group: '', want: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector[p1]'] },
  {
    name: 'pods',
    resource: 'pods',
    group: '',
    want: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP[p1]', 'Node[p1]', 'Nominated Node[p1]', 'Readiness Gates[p1]'],
  },
  { name: 'endpoints', resource: 'endpoints', group: '', want: ['Name', 'Endpoints', 'Age'] },
  { name: 'endpointslices', resource: 'endpointslices', group: 'discovery.k8s.io', want: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'] },
  {
    name: 'nodes',
    resource: 'nodes',
    group: '',
    want: ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP[p1]', 'External-IP[p1]', 'OS-Image[p1]', 'Kernel-Version[p1]', 'Container-Runtime[p1]'],
  },
  { name: 'namespaces', resource: 'namespaces', group: '', want: ['Name', 'Status', 'Age'] },
  {
    name: 'events',
    resource: 'events',
    group: '',
    want: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject[p1]', 'Source[p1]', 'Message', 'First Seen[p1]', 'Count[p1]', 'Name[p1]'],
  },
  { name: 'leases', resource: 'leases', group: 'coordination.k8s.io', want: ['Name', 'Holder', 'Age'] },
  { name: 'unknown resource uses the default convertor', resource: 'configmaps', group: '', want: ['Name', 'Created At'] },
  { name: 'a known plural in another group is unknown', resource: 'services', group: 'example.com', want: ['Name', 'Created At'] },
];

for (const row of columnRows) {
  test(`columns: ${row.name}`, () => {
    const table = buildTable(row.resource, row.group, [], opts());
    assert.deepEqual(
      table.columnDefinitions.map((c) => (c.priority ? `${c.name}[p${c.priority}]` : c.name)),
      row.want,
    );
  });
}

test('columns: every definition has all five wire keys; Name has format "name"', () => {
  for (const resource of ['services', 'pods', 'nodes', 'events', 'configmaps']) {
    for (const c of buildTable(resource, '', [], opts()).columnDefinitions) {
      assert.deepEqual(Object.keys(c), ['name', 'type', 'format', 'description', 'priority']);
      assert.equal(c.format, c.name === 'Name' ? 'name' : '');
      assert.ok(c.description.length > 0, `${resource}/${c.name} has a description`);
    }
  }
});

test('columns: types follow the printers (Restarts is a string, Created At a date)', () => {
  const pods = buildTable('pods', '', [], opts()).columnDefinitions;
  assert.equal(pods.find((c) => c.name === 'Restarts')?.type, 'string');
  const dflt = buildTable('configmaps', '', [], opts()).columnDefinitions;
  assert.deepEqual(dflt.map((c) => c.type), ['string', 'date']);
});

const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta(name, { creationTimestamp: '2025-05-31T08:09:10Z', managedFields: [{ manager: 'kubectl' }], ...extra }),
  data: { a: '1' },
});

test('envelope: kind, apiVersion and key order', () => {
  const table = buildTable('configmaps', '', [cm('a')], opts({ listMeta: { resourceVersion: '42' } }));
  assert.deepEqual(Object.keys(table), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
});

const objectRows: { name: string; include: BuildTableOptions['includeObject']; want: unknown }[] = [
  {
    name: 'Metadata gives PartialObjectMetadata with the whole ObjectMeta',
    include: 'Metadata',
    want: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm('a').metadata },
  },
  { name: 'Object gives the object itself', include: 'Object', want: cm('a') },
  { name: 'None leaves the object out', include: 'None', want: undefined },
];
for (const row of objectRows) {
  test(`includeObject: ${row.name}`, () => {
    const table = buildTable('configmaps', '', [cm('a')], opts({ includeObject: row.include }));
    assert.deepEqual(table.rows[0].object, row.want);
    if (row.include === 'None') assert.ok(!('object' in table.rows[0]));
  });
}

const defaultRows: { name: string; obj: KubeObject; want: string[] }[] = [
  { name: 'name and RFC3339 creation time', obj: cm('settings'), want: ['settings', '2025-05-31T08:09:10Z'] },
  { name: 'fractional seconds are dropped, offset normalised to UTC', obj: cm('x', { creationTimestamp: '2025-05-31T10:09:10.5+02:00' }), want: ['x', '2025-05-31T08:09:10Z'] },
  { name: 'no creation time prints Go zero time', obj: cm('y', { creationTimestamp: undefined }), want: ['y', '0001-01-01T00:00:00Z'] },
];
for (const row of defaultRows) {
  test(`default table: ${row.name}`, () => {
    assert.deepEqual(buildTable('configmaps', '', [row.obj], opts()).rows[0].cells, row.want);
  });
}

const metaRows: { name: string; objects: KubeObject[]; listMeta?: BuildTableOptions['listMeta']; want: unknown }[] = [
  { name: 'list metadata is copied', objects: [cm('a'), cm('b')], listMeta: { resourceVersion: '100', continue: 'tok' }, want: { resourceVersion: '100', continue: 'tok' } },
  { name: 'empty fields are omitted', objects: [], listMeta: { resourceVersion: '100', continue: '' }, want: { resourceVersion: '100' } },
  { name: 'a single object without list metadata carries its resourceVersion', objects: [cm('a', { resourceVersion: '77' })], want: { resourceVersion: '77' } },
  { name: 'several objects without list metadata: empty', objects: [cm('a'), cm('b')], want: {} },
];
for (const row of metaRows) {
  test(`metadata: ${row.name}`, () => {
    assert.deepEqual(buildTable('configmaps', '', row.objects, opts({ listMeta: row.listMeta })).metadata, row.want);
  });
}

test('omitHeaders: rows without column definitions', () => {
  const table = buildTable('services', '', [{ apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { clusterIPs: ['10.96.0.1'], ports: [{ port: 443, protocol: 'TCP' }] } }], opts({ omitHeaders: true }));
  assert.deepEqual(table.columnDefinitions, []);
  assert.deepEqual(table.rows[0].cells, ['web', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '10m', '<none>']);
});

test('rows keep input order and the input is not mutated', () => {
  const objects = [cm('b'), cm('a')];
  const before = JSON.stringify(objects);
  const table = buildTable('configmaps', '', objects, opts({ includeObject: 'Object' }));
  assert.deepEqual(table.rows.map((r) => r.cells[0]), ['b', 'a']);
  assert.equal(JSON.stringify(objects), before);
});

test('every row has exactly one cell per column', () => {
  const table = buildTable('pods', '', [{ apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: { containers: [] } }], opts());
  assert.equal(table.rows[0].cells.length, table.columnDefinitions.length);
});
