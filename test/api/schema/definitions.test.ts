import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ArraySchema, ObjectSchema, Schema } from '../../../src/api/schema-types.ts';
import { RESOURCES } from '../../../src/api/resources.ts';
import { definitionNameFor, definitions, gvksOf, namedScalarDefinitions, schemaFor } from '../../../src/api/schema/index.ts';

const served = [
  { group: '', version: 'v1', kind: 'Namespace', def: 'io.k8s.api.core.v1.Namespace' },
  { group: '', version: 'v1', kind: 'NamespaceList', def: 'io.k8s.api.core.v1.NamespaceList' },
  { group: '', version: 'v1', kind: 'Pod', def: 'io.k8s.api.core.v1.Pod' },
  { group: '', version: 'v1', kind: 'PodList', def: 'io.k8s.api.core.v1.PodList' },
  { group: '', version: 'v1', kind: 'Service', def: 'io.k8s.api.core.v1.Service' },
  { group: '', version: 'v1', kind: 'ServiceList', def: 'io.k8s.api.core.v1.ServiceList' },
  { group: '', version: 'v1', kind: 'Endpoints', def: 'io.k8s.api.core.v1.Endpoints' },
  { group: '', version: 'v1', kind: 'EndpointsList', def: 'io.k8s.api.core.v1.EndpointsList' },
  { group: '', version: 'v1', kind: 'Node', def: 'io.k8s.api.core.v1.Node' },
  { group: '', version: 'v1', kind: 'NodeList', def: 'io.k8s.api.core.v1.NodeList' },
  { group: '', version: 'v1', kind: 'Event', def: 'io.k8s.api.core.v1.Event' },
  { group: '', version: 'v1', kind: 'EventList', def: 'io.k8s.api.core.v1.EventList' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', def: 'io.k8s.api.discovery.v1.EndpointSlice' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSliceList', def: 'io.k8s.api.discovery.v1.EndpointSliceList' },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', def: 'io.k8s.api.coordination.v1.Lease' },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'LeaseList', def: 'io.k8s.api.coordination.v1.LeaseList' },
  { group: '', version: 'v1', kind: 'Status', def: 'io.k8s.apimachinery.pkg.apis.meta.v1.Status' },
  { group: '', version: 'v1', kind: 'DeleteOptions', def: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'DeleteOptions', def: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'WatchEvent', def: 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent' },
];

for (const row of served) {
  test(`definitionNameFor ${row.group || 'core'}/${row.version} ${row.kind}`, () => {
    assert.equal(definitionNameFor(row.group, row.version, row.kind), row.def);
    const s = schemaFor(row.group, row.version, row.kind);
    assert.ok(s, 'schemaFor returns the definition');
    assert.ok(gvksOf(row.def).some((g) => g.group === row.group && g.version === row.version && g.kind === row.kind));
  });
}

test('every resource in the served-resource table has a schema for its kind and list kind', () => {
  for (const r of RESOURCES) {
    assert.ok(schemaFor(r.group, r.version, r.kind), `${r.kind}`);
    assert.ok(schemaFor(r.group, r.version, r.listKind), `${r.listKind}`);
  }
});

test('unknown kinds and group versions have no definition', () => {
  assert.equal(definitionNameFor('', 'v1', 'Secret'), undefined);
  assert.equal(definitionNameFor('apps', 'v1', 'DeleteOptions'), undefined);
  assert.equal(definitionNameFor('discovery.k8s.io', 'v1', 'Service'), undefined);
});

function each(fn: (defName: string, field: string, s: Schema) => void): void {
  const walk = (defName: string, path: string, s: Schema): void => {
    fn(defName, path, s);
    if (s.type === 'array') walk(defName, `${path}[]`, s.items);
    if (s.type === 'map') walk(defName, `${path}{}`, s.values);
  };
  for (const [name, def] of Object.entries(definitions)) {
    for (const [field, s] of Object.entries(def.properties)) walk(name, field, s);
  }
}

test('every reference resolves to a definition', () => {
  each((name, field, s) => {
    if (s.type === 'ref') assert.ok(definitions[s.name], `${name}.${field} -> ${s.name}`);
  });
});

test('every list has a list type, and map lists name their keys', () => {
  each((name, field, s) => {
    if (s.type !== 'array') return;
    assert.ok(s.listType, `${name}.${field} has no listType`);
    if (s.listType === 'map') assert.ok(s.listMapKeys?.length, `${name}.${field} map list without keys`);
  });
});

test('every field of the Service types has a description', () => {
  for (const [name, def] of Object.entries(definitions)) {
    if (!/\.(Service|ServiceSpec|ServiceStatus|ServicePort|ServiceList|LoadBalancer\w*|SessionAffinityConfig|ClientIPConfig|PortStatus)$/.test(name)) continue;
    assert.ok(def.description, `${name}`);
    for (const [field, s] of Object.entries(def.properties)) assert.ok(s.description, `${name}.${field}`);
  }
});

test('nearly every field has a description (Kubernetes leaves a few blank)', () => {
  let total = 0;
  let missing = 0;
  each((_, field, s) => {
    if (field.endsWith('[]') || field.endsWith('{}')) return;
    total++;
    if (!s.description) missing++;
  });
  assert.ok(total > 800, `${total} fields`);
  assert.ok(missing / total < 0.02, `${missing} of ${total} fields lack a description`);
});

test('named scalar definitions exist for Time, MicroTime, IntOrString, Quantity', () => {
  for (const n of [
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
  ]) {
    assert.ok(namedScalarDefinitions[n]?.description, n);
  }
});

function field(def: string, path: string): Schema {
  let s: Schema | undefined = definitions[def];
  for (const part of path.split('.')) {
    while (s?.type === 'ref') s = definitions[s.name];
    while (s?.type === 'array') s = s.items;
    while (s?.type === 'ref') s = definitions[s.name];
    s = (s as ObjectSchema | undefined)?.properties[part];
  }
  assert.ok(s, `${def}.${path}`);
  return s;
}

// Patch metadata exactly as the Go struct tags, and the +listType markers.
const lists: { def: string; path: string; mergeKey?: string; patchStrategy?: string; listType: string; listMapKeys?: string[] }[] = [
  { def: 'io.k8s.api.core.v1.ServiceSpec', path: 'ports', mergeKey: 'port', patchStrategy: 'merge', listType: 'map', listMapKeys: ['port', 'protocol'] },
  { def: 'io.k8s.api.core.v1.ServiceSpec', path: 'clusterIPs', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.ServiceSpec', path: 'ipFamilies', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.ServiceStatus', path: 'conditions', mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers', mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'initContainers', mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'ephemeralContainers', mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'volumes', mergeKey: 'name', patchStrategy: 'merge,retainKeys', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'imagePullSecrets', mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'hostAliases', mergeKey: 'ip', patchStrategy: 'merge', listType: 'map', listMapKeys: ['ip'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'topologySpreadConstraints', mergeKey: 'topologyKey', patchStrategy: 'merge', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'tolerations', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'resourceClaims', mergeKey: 'name', patchStrategy: 'merge,retainKeys', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.ports', mergeKey: 'containerPort', patchStrategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.env', mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.volumeMounts', mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.volumeDevices', mergeKey: 'devicePath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['devicePath'] },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.args', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.PodStatus', path: 'conditions', mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] },
  { def: 'io.k8s.api.core.v1.PodStatus', path: 'podIPs', mergeKey: 'ip', patchStrategy: 'merge', listType: 'map', listMapKeys: ['ip'] },
  { def: 'io.k8s.api.core.v1.PodStatus', path: 'hostIPs', mergeKey: 'ip', patchStrategy: 'merge', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.NodeStatus', path: 'conditions', mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] },
  { def: 'io.k8s.api.core.v1.NodeStatus', path: 'addresses', mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] },
  { def: 'io.k8s.api.core.v1.NodeSpec', path: 'podCIDRs', patchStrategy: 'merge', listType: 'set' },
  { def: 'io.k8s.api.core.v1.NamespaceStatus', path: 'conditions', mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'finalizers', patchStrategy: 'merge', listType: 'set' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'ownerReferences', mergeKey: 'uid', patchStrategy: 'merge', listType: 'map', listMapKeys: ['uid'] },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'managedFields', listType: 'atomic' },
  { def: 'io.k8s.api.core.v1.Endpoints', path: 'subsets', listType: 'atomic' },
  { def: 'io.k8s.api.discovery.v1.EndpointSlice', path: 'endpoints', listType: 'atomic' },
  { def: 'io.k8s.api.discovery.v1.EndpointSlice', path: 'endpoints.addresses', listType: 'set' },
];

for (const row of lists) {
  test(`list metadata ${row.def.split('.').pop()}.${row.path}`, () => {
    const s = field(row.def, row.path);
    assert.equal(s.type, 'array');
    const a = s as ArraySchema;
    assert.equal(a.mergeKey, row.mergeKey);
    assert.equal(a.patchStrategy, row.patchStrategy);
    assert.equal(a.listType, row.listType);
    assert.deepEqual(a.listMapKeys, row.listMapKeys);
  });
}

const types: { def: string; path: string; want: Schema['type'] }[] = [
  { def: 'io.k8s.api.core.v1.ServiceSpec', path: 'ports.targetPort', want: 'int-or-string' },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.readinessProbe.httpGet.port', want: 'int-or-string' },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'volumes.emptyDir.sizeLimit', want: 'quantity' },
  { def: 'io.k8s.api.core.v1.PodSpec', path: 'containers.resources.limits', want: 'map' },
  { def: 'io.k8s.api.core.v1.ServiceSpec', path: 'selector', want: 'map' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'labels', want: 'map' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'annotations', want: 'map' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', path: 'creationTimestamp', want: 'string' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', path: 'fieldsV1', want: 'any' },
  { def: 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent', path: 'object', want: 'any' },
];

for (const row of types) {
  test(`field type ${row.def.split('.').pop()}.${row.path} is ${row.want}`, () => {
    assert.equal(field(row.def, row.path).type, row.want);
  });
}

test('resource maps hold quantities', () => {
  for (const [def, path] of [
    ['io.k8s.api.core.v1.PodSpec', 'containers.resources.requests'],
    ['io.k8s.api.core.v1.NodeStatus', 'capacity'],
    ['io.k8s.api.core.v1.NodeStatus', 'allocatable'],
  ] as const) {
    const s = field(def, path);
    assert.equal(s.type === 'map' && s.values.type, 'quantity', `${def}.${path}`);
  }
});

test('common volume sources are present', () => {
  const vs = definitions['io.k8s.api.core.v1.Volume']!.properties;
  for (const src of ['emptyDir', 'configMap', 'secret', 'hostPath', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'csi', 'nfs', 'image']) {
    assert.ok(vs[src], src);
  }
});

test('kinds carry apiVersion, kind and metadata; required fields follow Kubernetes', () => {
  for (const row of served.filter((r) => !r.def.includes('apimachinery'))) {
    const p = definitions[row.def]!.properties;
    assert.ok(p['apiVersion'] && p['kind'] && p['metadata'], row.def);
  }
  assert.deepEqual(definitions['io.k8s.api.core.v1.ServicePort']!.required, ['port']);
  assert.deepEqual(definitions['io.k8s.api.core.v1.Container']!.required, ['name']);
  assert.deepEqual(definitions['io.k8s.api.core.v1.PodSpec']!.required, ['containers']);
  assert.deepEqual(definitions['io.k8s.api.discovery.v1.EndpointSlice']!.required, ['addressType', 'endpoints']);
});
