import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RESOURCES } from '../../../src/api/resources.ts';
import {
  openApiV2,
  openApiV2Document,
  openApiV2Response,
  openApiV3GroupVersion,
  openApiV3GroupVersionDocument,
  openApiV3Root,
} from '../../../src/apiserver/openapi/index.ts';

type Json = Record<string, any>;

const GV_PATHS = ['api/v1', 'apis/discovery.k8s.io/v1', 'apis/coordination.k8s.io/v1'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function v3(path: string): Json {
  const doc = openApiV3GroupVersion(path);
  assert.ok(doc, path);
  // Round-trip through text, as a client sees it.
  return JSON.parse(JSON.stringify(doc)) as Json;
}

function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => allRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else allRefs(v, out);
    }
  }
  return out;
}

function gvkEq(a: Json | undefined, g: { group: string; version: string; kind: string }): boolean {
  return !!a && a['group'] === g.group && a['version'] === g.version && a['kind'] === g.kind;
}

test('/openapi/v3 lists every group version with the hash of its document', () => {
  const root = openApiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
  assert.deepEqual(Object.keys(root.paths).sort(), [...GV_PATHS].sort());
  for (const p of GV_PATHS) {
    const doc = openApiV3GroupVersionDocument(p)!;
    const hash = createHash('sha256').update(doc.text).digest('hex').toUpperCase();
    assert.equal(doc.hash, hash);
    assert.equal(root.paths[p]!.serverRelativeURL, `/openapi/v3/${p}?hash=${hash}`);
  }
});

test('documents are built once and cached', () => {
  assert.equal(openApiV3GroupVersion('api/v1'), openApiV3GroupVersion('/api/v1?hash=whatever'));
  assert.equal(openApiV2(), openApiV2());
  assert.equal(openApiV3GroupVersion('apis/apps/v1'), undefined);
});

for (const p of GV_PATHS) {
  test(`${p}: OpenAPI 3.0 document whose $refs all resolve`, () => {
    const doc = v3(p);
    assert.equal(doc['openapi'], '3.0.0');
    const schemas = doc['components']['schemas'] as Json;
    for (const ref of allRefs(doc)) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `dangling ${ref}`);
    }
  });
}

// What kubectl's query_param_verifier_v3 (supportsQueryParamV3) does: the
// first PATCH operation whose x-kubernetes-group-version-kind matches must
// list fieldValidation among its operation-level query parameters.
function supportsFieldValidation(doc: Json, gvk: { group: string; version: string; kind: string }): boolean {
  for (const item of Object.values(doc['paths'] as Json)) {
    const op = (item as Json)['patch'] as Json | undefined;
    if (!op || !gvkEq(op['x-kubernetes-group-version-kind'], gvk)) continue;
    return (op['parameters'] as Json[]).some((prm) => prm['name'] === 'fieldValidation' && prm['in'] === 'query');
  }
  return false;
}

for (const r of RESOURCES) {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  test(`${r.resource}: PATCH operations carry the gvk, fieldValidation and the four patch types`, () => {
    const doc = v3(gvPath(r.group, r.version));
    assert.ok(supportsFieldValidation(doc, gvk));
    const patches = Object.entries(doc['paths'] as Json).filter(([, item]) => gvkEq((item as Json)['patch']?.['x-kubernetes-group-version-kind'], gvk));
    assert.ok(patches.length >= 1);
    for (const [path, item] of patches) {
      const op = (item as Json)['patch'] as Json;
      const names = (op['parameters'] as Json[]).map((x) => x['name']);
      for (const n of ['dryRun', 'fieldManager', 'fieldValidation', 'force']) assert.ok(names.includes(n), `${path} ${n}`);
      assert.deepEqual(Object.keys(op['requestBody']['content']).sort(), PATCH_TYPES, path);
      assert.equal(op['x-kubernetes-action'], 'patch');
    }
  });

  test(`${r.resource}: create and replace take dryRun, fieldManager, fieldValidation`, () => {
    const doc = v3(gvPath(r.group, r.version));
    const ops = Object.values(doc['paths'] as Json).flatMap((item) => ['post', 'put'].map((m) => (item as Json)[m]).filter(Boolean)) as Json[];
    const mine = ops.filter((op) => gvkEq(op['x-kubernetes-group-version-kind'], gvk));
    assert.ok(mine.some((op) => op['x-kubernetes-action'] === 'post'));
    assert.ok(mine.some((op) => op['x-kubernetes-action'] === 'put'));
    for (const op of mine) {
      const names = (op['parameters'] as Json[]).map((x) => x['name']);
      assert.deepEqual(names, ['dryRun', 'fieldManager', 'fieldValidation'], op['operationId']);
    }
  });

  test(`${r.resource}: the kind's schema is a component with its gvk (kubectl explain, apply)`, () => {
    const doc = v3(gvPath(r.group, r.version));
    const comps = Object.values(doc['components']['schemas'] as Json) as Json[];
    assert.equal(comps.filter((c) => (c['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some((g) => gvkEq(g, gvk))).length, 1);
    const list = { ...gvk, kind: r.listKind };
    assert.ok(comps.some((c) => (c['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some((g) => gvkEq(g, list))));
  });
}

test('every action is present for services, with Kubernetes operation ids', () => {
  const doc = v3('api/v1');
  const ids = new Map<string, string>();
  for (const [path, item] of Object.entries(doc['paths'] as Json)) {
    for (const [m, op] of Object.entries(item as Json)) if (m !== 'parameters') ids.set((op as Json)['operationId'], `${m} ${path} ${(op as Json)['x-kubernetes-action']}`);
  }
  const want: [string, string][] = [
    ['listCoreV1NamespacedService', 'get /api/v1/namespaces/{namespace}/services list'],
    ['createCoreV1NamespacedService', 'post /api/v1/namespaces/{namespace}/services post'],
    ['deleteCoreV1CollectionNamespacedService', 'delete /api/v1/namespaces/{namespace}/services deletecollection'],
    ['readCoreV1NamespacedService', 'get /api/v1/namespaces/{namespace}/services/{name} get'],
    ['replaceCoreV1NamespacedService', 'put /api/v1/namespaces/{namespace}/services/{name} put'],
    ['patchCoreV1NamespacedService', 'patch /api/v1/namespaces/{namespace}/services/{name} patch'],
    ['deleteCoreV1NamespacedService', 'delete /api/v1/namespaces/{namespace}/services/{name} delete'],
    ['readCoreV1NamespacedServiceStatus', 'get /api/v1/namespaces/{namespace}/services/{name}/status get'],
    ['patchCoreV1NamespacedServiceStatus', 'patch /api/v1/namespaces/{namespace}/services/{name}/status patch'],
    ['listCoreV1ServiceForAllNamespaces', 'get /api/v1/services list'],
    ['listCoreV1Node', 'get /api/v1/nodes list'],
    ['readCoreV1NodeStatus', 'get /api/v1/nodes/{name}/status get'],
    ['replaceCoreV1NamespaceFinalize', 'put /api/v1/namespaces/{name}/finalize put'],
    ['readCoreV1NamespacedPodLog', 'get /api/v1/namespaces/{namespace}/pods/{name}/log get'],
  ];
  for (const [id, where] of want) assert.equal(ids.get(id), where, id);
  const list = (doc['paths']['/api/v1/namespaces/{namespace}/services'] as Json)['get'] as Json;
  assert.ok((list['parameters'] as Json[]).some((x) => x['name'] === 'watch'));
  assert.deepEqual(
    ((doc['paths']['/api/v1/namespaces/{namespace}/services/{name}'] as Json)['parameters'] as Json[]).map((x) => x['name']),
    ['name', 'namespace', 'pretty'],
  );
});

test('components carry Kubernetes extensions', () => {
  const s = v3('api/v1')['components']['schemas'] as Json;
  const ports = s['io.k8s.api.core.v1.ServiceSpec']['properties']['ports'];
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(ports['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(ports['x-kubernetes-list-type'], 'map');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  assert.deepEqual(ports['items'], { $ref: '#/components/schemas/io.k8s.api.core.v1.ServicePort' });
  assert.equal(s['io.k8s.api.core.v1.PodSpec']['properties']['volumes']['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  const tp = s['io.k8s.api.core.v1.ServicePort']['properties']['targetPort'];
  assert.deepEqual(tp['allOf'], [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  assert.match(tp['description'], /^Number or name of the port/);
  const ios = s['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.equal(ios['format'], 'int-or-string');
  assert.equal(ios['x-kubernetes-int-or-string'], true);
  assert.deepEqual(ios['oneOf'], [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(s['io.k8s.apimachinery.pkg.api.resource.Quantity']['oneOf'], [{ type: 'string' }, { type: 'number' }]);
  assert.deepEqual(s['io.k8s.api.core.v1.ResourceRequirements']['properties']['limits']['additionalProperties'], {
    $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
  });
  assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time']['format'], 'date-time');
  assert.deepEqual(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']['properties']['creationTimestamp']['allOf'], [
    { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time' },
  ]);
  assert.deepEqual(s['io.k8s.api.core.v1.ServiceSpec']['properties']['type']['enum'], ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
  const deleteOptionsGvks = s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'] as Json[];
  assert.ok(deleteOptionsGvks.some((g) => gvkEq(g, { group: 'discovery.k8s.io', version: 'v1', kind: 'DeleteOptions' })));
  const lease = v3('apis/coordination.k8s.io/v1')['components']['schemas'] as Json;
  assert.deepEqual(lease['io.k8s.api.coordination.v1.LeaseSpec']['properties']['renewTime']['allOf'], [
    { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime' },
  ]);
});

test('Swagger 2.0 document: refs resolve, same operations and extensions', () => {
  const doc = JSON.parse(openApiV2Document().text) as Json;
  assert.equal(doc['swagger'], '2.0');
  const defs = doc['definitions'] as Json;
  for (const ref of allRefs(doc)) {
    assert.match(ref, /^#\/definitions\//);
    assert.ok(defs[ref.slice('#/definitions/'.length)], `dangling ${ref}`);
  }
  const patch = (doc['paths']['/api/v1/namespaces/{namespace}/services/{name}'] as Json)['patch'] as Json;
  assert.deepEqual(patch['consumes'], PATCH_TYPES);
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Service', version: 'v1' });
  assert.ok((patch['parameters'] as Json[]).some((x) => x['name'] === 'fieldValidation' && x['in'] === 'query'));
  assert.ok((patch['parameters'] as Json[]).some((x) => x['in'] === 'body' && x['required'] === true));
  assert.ok(doc['paths']['/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}']);
  assert.ok(doc['paths']['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']);
  assert.equal(defs['io.k8s.api.core.v1.ServiceSpec']['properties']['ports']['x-kubernetes-patch-merge-key'], 'port');
  assert.deepEqual(defs['io.k8s.api.core.v1.ServiceSpec']['properties']['sessionAffinityConfig']['$ref'], '#/definitions/io.k8s.api.core.v1.SessionAffinityConfig');
  assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['type'], 'string');
});

const negotiation: { name: string; accept: string | undefined; status: number }[] = [
  { name: 'kubectl (protobuf only)', accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', status: 406 },
  { name: 'protobuf, legacy spelling', accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', status: 406 },
  { name: 'json', accept: 'application/json', status: 200 },
  { name: 'protobuf preferred, json allowed', accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json;q=0.5', status: 200 },
  { name: 'wildcard', accept: '*/*', status: 200 },
  { name: 'application wildcard', accept: 'application/*', status: 200 },
  { name: 'no Accept header', accept: undefined, status: 200 },
  { name: 'empty Accept header', accept: '', status: 200 },
  { name: 'json refused with q=0', accept: 'application/json;q=0', status: 406 },
  { name: 'yaml only', accept: 'application/yaml', status: 406 },
];

for (const row of negotiation) {
  test(`/openapi/v2 negotiation: ${row.name}`, () => {
    const out = openApiV2Response(row.accept);
    assert.equal(out.status, row.status);
    assert.equal(out.contentType, 'application/json');
    const body = JSON.parse(out.body) as Json;
    if (row.status === 200) assert.equal(body['swagger'], '2.0');
    else assert.deepEqual([body['kind'], body['reason'], body['code']], ['Status', 'NotAcceptable', 406]);
  });
}
