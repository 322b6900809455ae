import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definitions, schemaFor } from '../../../src/api/schema/index.ts';
import {
  JsonScanner,
  JsonSyntaxError,
  fieldValidationOutcome,
  findFieldProblems,
  findUnknownFields,
  parseFieldValidation,
  warningHeaderValue,
} from '../../../src/api/field-validation/index.ts';
import { isApiError } from '../../../src/api/status.ts';

const SVC = schemaFor('', 'v1', 'Service')!;
const POD = schemaFor('', 'v1', 'Pod')!;
const SLICE = schemaFor('discovery.k8s.io', 'v1', 'EndpointSlice')!;
const LEASE = schemaFor('coordination.k8s.io', 'v1', 'Lease')!;
const NODE = schemaFor('', 'v1', 'Node')!;

interface Row {
  readonly name: string;
  readonly schema: typeof SVC;
  readonly body: string;
  readonly unknown?: string[];
  readonly duplicate?: string[];
  /** Document order, as the apiserver reports them. */
  readonly all?: string[];
}

const svc = (spec: string, meta = '"name":"web"') => `{"apiVersion":"v1","kind":"Service","metadata":{${meta}},"spec":${spec}}`;
const pod = (spec: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":${spec}}`;

const rows: Row[] = [
  { name: 'clean service', schema: SVC, body: svc('{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"web"}}') },
  { name: 'unknown spec field', schema: SVC, body: svc('{"foo":1}'), unknown: ['spec.foo'] },
  { name: 'unknown top-level field', schema: SVC, body: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"extra":true}', unknown: ['extra'] },
  { name: 'unknown field inside a list element', schema: SVC, body: svc('{"ports":[{"port":80},{"port":81,"bar":"x"}]}'), unknown: ['spec.ports[1].bar'] },
  { name: 'field names are case sensitive', schema: SVC, body: svc('{"Ports":[]}'), unknown: ['spec.Ports'] },
  { name: 'unknown object is not looked into', schema: SVC, body: svc('{"foo":{"bar":{"baz":1},"bar":2}}'), unknown: ['spec.foo'] },
  { name: 'repeated unknown field reported once', schema: SVC, body: svc('{"foo":1,"foo":2}'), unknown: ['spec.foo'] },
  { name: 'duplicate metadata.name', schema: SVC, body: svc('{}', '"name":"a","name":"b"'), duplicate: ['metadata.name'] },
  { name: 'duplicate top-level spec', schema: SVC, body: '{"kind":"Service","spec":{},"spec":{"type":"ClusterIP"}}', duplicate: ['spec'] },
  { name: 'duplicate key in labels map', schema: SVC, body: svc('{}', '"name":"a","labels":{"app":"x","app":"y"}'), duplicate: ['metadata.labels.app'] },
  { name: 'duplicate key in annotations map', schema: SVC, body: svc('{}', '"name":"a","annotations":{"a/b":"1","a/b":"2"}'), duplicate: ['metadata.annotations.a/b'] },
  { name: 'duplicate in selector map', schema: SVC, body: svc('{"selector":{"app":"a","app":"b"}}'), duplicate: ['spec.selector.app'] },
  { name: 'duplicate inside a list element', schema: SVC, body: svc('{"ports":[{"port":80,"port":81}]}'), duplicate: ['spec.ports[0].port'] },
  {
    name: 'unknown and duplicate, in document order',
    schema: SVC,
    body: svc('{"foo":1}', '"name":"a","name":"b"'),
    unknown: ['spec.foo'],
    duplicate: ['metadata.name'],
    all: ['duplicate metadata.name', 'unknown spec.foo'],
  },
  {
    name: 'second copy of a duplicate field is decoded too',
    schema: SVC,
    body: '{"spec":{"ports":[]},"spec":{"ports":[{"nope":1}]}}',
    unknown: ['spec.ports[0].nope'],
    duplicate: ['spec'],
    all: ['duplicate spec', 'unknown spec.ports[0].nope'],
  },
  { name: 'labels take any key', schema: SVC, body: svc('{}', '"name":"a","labels":{"example.com/x":"1","anything":"2"}') },
  { name: 'int-or-string targetPort as string', schema: SVC, body: svc('{"ports":[{"port":80,"targetPort":"http"}]}') },
  { name: 'wrong JSON type is not a strict error', schema: SVC, body: svc('{"ports":{"port":80}}') },
  { name: 'null values are fine', schema: SVC, body: svc('{"selector":null,"ports":null}') },
  { name: 'managedFields fieldsV1 is free-form', schema: SVC, body: svc('{}', '"name":"a","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{},"f:spec":{},"x":1}}]') },
  {
    name: 'deep pod container fields',
    schema: POD,
    body: pod('{"containers":[{"name":"c","image":"i","env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"x","bogus":1}}}],"ports":[{"containerPort":80,"hostport":1}]}]}'),
    unknown: ['spec.containers[0].env[0].valueFrom.fieldRef.bogus', 'spec.containers[0].ports[0].hostport'],
  },
  { name: 'pod volume sources', schema: POD, body: pod('{"containers":[],"volumes":[{"name":"v","emptyDir":{"sizeLimit":"1Gi"},"nfs":{"server":"s","path":"/"}},{"name":"w","projected":{"sources":[{"configMap":{"name":"c","x":1}}]}}]}'), unknown: ['spec.volumes[1].projected.sources[0].configMap.x'] },
  { name: 'pod resources map of quantities', schema: POD, body: pod('{"containers":[{"name":"c","resources":{"limits":{"cpu":"1","cpu":2}}}]}'), duplicate: ['spec.containers[0].resources.limits.cpu'] },
  { name: 'pod affinity and tolerations', schema: POD, body: pod('{"containers":[],"tolerations":[{"key":"k","operator":"Exists","effects":"NoSchedule"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x"]}]}]}}}}'), unknown: ['spec.tolerations[0].effects'] },
  { name: 'endpointslice', schema: SLICE, body: '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"],"conditions":{"ready":true,"healthy":true}}],"ports":[{"port":80,"port":81}]}', unknown: ['endpoints[0].conditions.healthy'], duplicate: ['ports[0].port'] },
  { name: 'lease', schema: LEASE, body: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","spec":{"holderIdentity":"a","renewTime":"2024-01-01T00:00:00.000000Z","holder":"b"}}', unknown: ['spec.holder'] },
  { name: 'node status capacity', schema: NODE, body: '{"kind":"Node","status":{"capacity":{"cpu":"2"},"addresses":[{"type":"InternalIP","address":"1.2.3.4","port":1}]}}', unknown: ['status.addresses[0].port'] },
  { name: 'escaped key is decoded before matching', schema: SVC, body: '{"sp\\u0065c":{"f\\u006fo":1}}', unknown: ['spec.foo'] },
  { name: 'whitespace everywhere', schema: SVC, body: ' {\n "spec" : {\t"foo" : [ 1 , 2 ] } , "spec" : { } }\n', unknown: ['spec.foo'], duplicate: ['spec'], all: ['unknown spec.foo', 'duplicate spec'] },
  { name: 'malformed JSON yields nothing (the decoder reports it)', schema: SVC, body: '{"spec":{"foo":1}' },
  { name: 'trailing garbage yields nothing', schema: SVC, body: '{"spec":{"foo":1}} x' },
];

for (const row of rows) {
  test(`findFieldProblems: ${row.name}`, () => {
    const got = findFieldProblems(row.body, row.schema, definitions);
    assert.deepEqual(got.unknown, row.unknown ?? []);
    assert.deepEqual(got.duplicate, row.duplicate ?? []);
    if (row.all) assert.deepEqual(got.all.map((p) => `${p.kind} ${p.path}`), row.all);
  });
}

test('findFieldProblems stops at 100 problems', () => {
  const keys = Array.from({ length: 150 }, (_, i) => `"f${i}":1`).join(',');
  assert.equal(findFieldProblems(`{"spec":{${keys}}}`, SVC, definitions).all.length, 100);
});

const parsedRows: { name: string; obj: unknown; want: string[] }[] = [
  { name: 'clean', obj: { metadata: { name: 'a', labels: { x: 'y' } }, spec: { ports: [{ port: 80 }] } }, want: [] },
  { name: 'unknown nested', obj: { spec: { ports: [{ port: 80, foo: 1 }], bar: { baz: 1 } } }, want: ['spec.ports[0].foo', 'spec.bar'] },
  { name: 'unknown top-level', obj: { status: { loadBalancer: {} }, junk: [] }, want: ['junk'] },
  { name: 'wrong types are skipped', obj: { spec: 'x', metadata: [] }, want: [] },
];

for (const row of parsedRows) {
  test(`findUnknownFields: ${row.name}`, () => {
    assert.deepEqual(findUnknownFields(row.obj, SVC, definitions), row.want);
  });
}

test('Strict: 400 BadRequest with the decoder message, wrapped for create/update', () => {
  const problems = findFieldProblems(svc('{"foo":1}', '"name":"a","name":"b"'), SVC, definitions);
  const out = fieldValidationOutcome('Strict', problems, { kind: 'Service', version: 'v1' });
  assert.ok(out.error && isApiError(out.error));
  assert.deepEqual(out.warnings, []);
  assert.equal(out.error.status.code, 400);
  assert.equal(out.error.status.reason, 'BadRequest');
  assert.equal(
    out.error.status.message,
    'Service in version "v1" cannot be handled as a Service: strict decoding error: duplicate field "metadata.name", unknown field "spec.foo"',
  );
  const bare = fieldValidationOutcome('Strict', { unknown: ['spec.foo'], duplicate: ['metadata.name'] });
  assert.equal(bare.error?.status.message, 'strict decoding error: unknown field "spec.foo", duplicate field "metadata.name"');
});

test('Warn: one warning per problem; Ignore and clean bodies: nothing', () => {
  const problems = findFieldProblems(svc('{"foo":1,"ports":[{"port":1,"x":2}]}'), SVC, definitions);
  assert.deepEqual(fieldValidationOutcome('Warn', problems), { warnings: ['unknown field "spec.foo"', 'unknown field "spec.ports[0].x"'] });
  assert.deepEqual(fieldValidationOutcome('Ignore', problems), { warnings: [] });
  assert.deepEqual(fieldValidationOutcome('Strict', findFieldProblems(svc('{}'), SVC, definitions)), { warnings: [] });
});

test('Warning header values quote like the apiserver', () => {
  assert.equal(warningHeaderValue('unknown field "spec.foo"'), '299 - "unknown field \\"spec.foo\\""');
  assert.equal(warningHeaderValue('a\\b'), '299 - "a\\\\b"');
});

test('parseFieldValidation: default Warn, known values, 422 for others', () => {
  assert.equal(parseFieldValidation(null, 'CreateOptions'), 'Warn');
  assert.equal(parseFieldValidation('', 'PatchOptions'), 'Warn');
  assert.equal(parseFieldValidation('Strict', 'UpdateOptions'), 'Strict');
  assert.equal(parseFieldValidation('Ignore', 'UpdateOptions'), 'Ignore');
  assert.throws(
    () => parseFieldValidation('strict', 'CreateOptions'),
    (e: unknown) =>
      isApiError(e) &&
      e.status.code === 422 &&
      e.status.message === 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
  );
});

const scannerErrors = ['', '{', '{"a"}', '{"a":}', '{"a":1,}', '[1,]', '{"a":tru}', '{"a":"\\x"}', '{"a":01}', '{"a":"\u0001"}', '{} {}'];
for (const text of scannerErrors) {
  test(`JsonScanner rejects ${JSON.stringify(text)}`, () => {
    assert.throws(() => {
      const sc = new JsonScanner(text);
      sc.skipValue();
      sc.end();
    }, JsonSyntaxError);
  });
}

test('JsonScanner reads keys with escapes and skips any value', () => {
  const sc = new JsonScanner('{"a\\"b":[1,-2.5e3,true,null,{"x":"\\ud83d\\ude00"}],"c":{}}');
  sc.beginObject();
  assert.equal(sc.nextKey(), 'a"b');
  sc.skipValue();
  assert.equal(sc.nextKey(), 'c');
  sc.skipValue();
  assert.equal(sc.nextKey(), undefined);
  sc.end();
});
