/**
 * Malformed and hostile requests: each gets the right status code, a
 * Kubernetes Status body, and leaves storage exactly as it was.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  const c = await api.request('POST', '/api/v1/namespaces/default/services', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'existing' }, spec: { ports: [{ port: 80 }] } }));
  assert.equal(c.status, 201, c.body);
});
after(async () => {
  await api?.stop();
});

const svc = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = { name: 'x1' }) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { ports: [{ port: 80 }] }, ...extra });

interface Row {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  noAuth?: boolean;
  token?: string;
  want: number;
  reason?: string;
  message?: RegExp;
}

const rows: Row[] = [
  { name: 'malformed JSON', method: 'POST', path: '/api/v1/namespaces/default/services', body: '{"apiVersion":', want: 400, reason: 'BadRequest' },
  { name: 'malformed YAML', method: 'POST', path: '/api/v1/namespaces/default/services', body: 'a: [b\n  c: :', headers: { 'content-type': 'application/yaml' }, want: 400 },
  { name: 'body over 3 MiB', method: 'POST', path: '/api/v1/namespaces/default/services', body: Buffer.alloc(3 * 1024 * 1024 + 10, 0x20), want: 413, reason: 'RequestEntityTooLarge' },
  { name: 'unknown resource', method: 'GET', path: '/api/v1/namespaces/default/foos', want: 404, reason: 'NotFound' },
  { name: 'unknown group', method: 'GET', path: '/apis/nope.example.com/v1/things', want: 404, reason: 'NotFound' },
  { name: 'unknown version', method: 'GET', path: '/api/v2/pods', want: 404, reason: 'NotFound' },
  { name: 'unknown subresource', method: 'GET', path: '/api/v1/namespaces/default/services/existing/scale', want: 404, reason: 'NotFound' },
  { name: 'body namespace disagrees with URL', method: 'POST', path: '/api/v1/namespaces/default/services', body: svc({}, { name: 'x1', namespace: 'kube-system' }), want: 400, reason: 'BadRequest' },
  { name: 'PUT body name disagrees with URL', method: 'PUT', path: '/api/v1/namespaces/default/services/existing', body: svc({}, { name: 'other' }), want: 400, reason: 'BadRequest' },
  { name: 'kind does not match the resource', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }), want: 400 },
  { name: 'apiVersion does not match', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } }), want: 400 },
  { name: 'array body', method: 'POST', path: '/api/v1/namespaces/default/services', body: '[1,2,3]', want: 400 },
  { name: 'metadata is a string', method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: 'x' }), want: 400 },
  { name: 'invalid name (upper case)', method: 'POST', path: '/api/v1/namespaces/default/services', body: svc({}, { name: 'Bad_Name' }), want: 422, reason: 'Invalid', message: /metadata\.name: Invalid value: "Bad_Name"/ },
  { name: 'missing name', method: 'POST', path: '/api/v1/namespaces/default/services', body: svc({}, {}), want: 422, reason: 'Invalid', message: /metadata\.name: Required value/ },
  { name: 'no token', method: 'GET', path: '/api/v1/namespaces', noAuth: true, want: 401, reason: 'Unauthorized' },
  { name: 'wrong token', method: 'GET', path: '/api/v1/namespaces', token: 'nope', want: 401, reason: 'Unauthorized' },
  { name: 'invalid label selector', method: 'GET', path: '/api/v1/services?labelSelector=a%20in%20(b', want: 400, reason: 'BadRequest' },
  { name: 'unsupported field selector', method: 'GET', path: '/api/v1/services?fieldSelector=spec.foo%3Dbar', want: 400, reason: 'BadRequest', message: /field label not supported: spec\.foo/ },
  { name: 'text/plain body', method: 'POST', path: '/api/v1/namespaces/default/services', body: 'hello', headers: { 'content-type': 'text/plain' }, want: 415, reason: 'UnsupportedMediaType' },
  { name: 'truncated protobuf body', method: 'POST', path: '/api/v1/namespaces/default/services', body: 'k8s\0\x0a\x05', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, want: 400 },
  { name: 'malformed patch', method: 'PATCH', path: '/api/v1/namespaces/default/services/existing', body: '{"spec":', headers: { 'content-type': 'application/merge-patch+json' }, want: 400 },
  { name: 'json patch test op fails', method: 'PATCH', path: '/api/v1/namespaces/default/services/existing', body: '[{"op":"test","path":"/spec/ports/0/port","value":81}]', headers: { 'content-type': 'application/json-patch+json' }, want: 422 },
  { name: 'server-side apply', method: 'PATCH', path: '/api/v1/namespaces/default/services/existing?fieldManager=t', body: 'apiVersion: v1\nkind: Service\n', headers: { 'content-type': 'application/apply-patch+yaml' }, want: 415, message: /server-side apply/ },
  { name: 'unknown patch type', method: 'PATCH', path: '/api/v1/namespaces/default/services/existing', body: '{}', headers: { 'content-type': 'application/x-whatever' }, want: 415 },
  { name: 'stale resourceVersion on update', method: 'PUT', path: '/api/v1/namespaces/default/services/existing', body: svc({}, { name: 'existing', resourceVersion: '1' }), want: 409, reason: 'Conflict', message: /the object has been modified/ },
  { name: 'create in a namespace that does not exist', method: 'POST', path: '/api/v1/namespaces/nowhere/services', body: svc(), want: 404, reason: 'NotFound', message: /namespaces "nowhere" not found/ },
  { name: 'invalid propagationPolicy', method: 'DELETE', path: '/api/v1/namespaces/default/services/existing', body: '{"propagationPolicy":"Sideways"}', want: 422 },
  { name: 'strict validation: unknown field', method: 'POST', path: '/api/v1/namespaces/default/services?fieldValidation=Strict', body: svc({ spex: {} }), want: 400, message: /unknown field "spex"/ },
  { name: 'strict validation: duplicate field', method: 'POST', path: '/api/v1/namespaces/default/services?fieldValidation=Strict', body: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"x2","name":"x3"},"spec":{"ports":[{"port":80}]}}', want: 400, message: /duplicate field "metadata.name"/ },
  { name: 'invalid fieldValidation value', method: 'POST', path: '/api/v1/namespaces/default/services?fieldValidation=Maybe', body: svc(), want: 422 },
  { name: 'POST to a named URL', method: 'POST', path: '/api/v1/namespaces/default/services/existing', body: svc(), want: 405 },
  { name: 'watch from a non-numeric resourceVersion', method: 'GET', path: '/api/v1/services?watch=true&resourceVersion=abc', want: 400 },
  { name: 'pod without containers', method: 'POST', path: '/api/v1/namespaces/default/pods', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }), want: 422, message: /spec\.containers: Required value/ },
  { name: 'negative limit', method: 'GET', path: '/api/v1/services?limit=-1', want: 400 },
  { name: 'garbage continue token', method: 'GET', path: '/api/v1/services?limit=1&continue=%%%', want: 400 },
  { name: 'invalid dryRun value', method: 'POST', path: '/api/v1/namespaces/default/services?dryRun=Some', body: svc(), want: 400 },
  { name: 'get of a missing object', method: 'GET', path: '/api/v1/namespaces/default/services/missing', want: 404, message: /services "missing" not found/ },
  { name: 'delete of a missing object', method: 'DELETE', path: '/api/v1/namespaces/default/services/missing', want: 404 },
];

function rawRequest(row: Row): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(row.path, api.url);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...row.headers };
    if (row.body !== undefined) headers['content-length'] = String(Buffer.byteLength(row.body));
    if (!row.noAuth) headers['authorization'] = `Bearer ${row.token ?? api.pki.token}`;
    const req = httpsRequest(u, { method: row.method, ca: api.pki.caCert, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (e) => {
      // The server may close the connection after refusing an oversized body.
      if ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET') resolve({ status: -1, body: '' });
      else reject(e);
    });
    req.end(row.body);
  });
}

test('there are at least 25 hostile requests', () => {
  assert.ok(rows.length >= 25);
});

for (const row of rows) {
  test(`${row.name} → ${row.want}`, async () => {
    const before = await api.store.currentRevision();
    const r = await rawRequest(row);
    assert.equal(r.status, row.want, r.body);
    const status = JSON.parse(r.body) as { kind: string; status: string; code: number; reason?: string; message?: string };
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Failure');
    assert.equal(status.code, row.want);
    if (row.reason) assert.equal(status.reason, row.reason);
    if (row.message) assert.match(status.message ?? '', row.message);
    assert.equal(await api.store.currentRevision(), before, 'storage must be unchanged');
  });
}
