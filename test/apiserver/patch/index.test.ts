import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/api/status.ts';
import { applyPatch } from '../../../src/apiserver/patch/index.ts';
import { defs, frozen, schemas } from './fixtures.ts';

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: '0b8c6f1e-3f5e-4a7b-9d55-2f6d1c0e9a11',
    resourceVersion: '4021',
    creationTimestamp: '2025-05-01T10:00:00Z',
    labels: { app: 'web', tier: 'frontend' },
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration':
        '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"web","tier":"frontend"},"name":"web","namespace":"default"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}}\n',
    },
  },
  spec: {
    clusterIP: '10.96.120.7',
    clusterIPs: ['10.96.120.7'],
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
    selector: { app: 'web' },
    sessionAffinity: 'None',
    type: 'ClusterIP',
  },
  status: { loadBalancer: {} },
};

const NEW_LAST_APPLIED =
  '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"ports":[{"name":"http","port":80,"targetPort":9090},{"name":"https","port":443,"protocol":"TCP","targetPort":8443}],"selector":{"app":"web"}}}\n';

/** The body kubectl 1.33 `apply` sends after editing the manifest (client-side apply, three-way patch). */
const KUBECTL_APPLY_PATCH = JSON.stringify({
  metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': NEW_LAST_APPLIED }, labels: { tier: null } },
  spec: {
    '$setElementOrder/ports': [{ port: 80 }, { port: 443 }],
    ports: [
      { port: 80, targetPort: 9090 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
    ],
  },
});

interface Row {
  name: string;
  contentType: string;
  original?: object;
  patch: string;
  want?: unknown;
  wantErr?: { code: number; reason?: string; message?: string | RegExp };
}

const SMP = 'application/strategic-merge-patch+json';

const rows: Row[] = [
  {
    name: 'kubectl apply: change targetPort, drop a label, add a port (what the apiserver stores)',
    contentType: SMP,
    patch: KUBECTL_APPLY_PATCH,
    want: {
      ...service,
      metadata: {
        ...service.metadata,
        labels: { app: 'web' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': NEW_LAST_APPLIED },
      },
      spec: {
        ...service.spec,
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 9090 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
        ],
      },
    },
  },
  {
    name: 'content type parameters are ignored',
    contentType: `${SMP}; charset=utf-8`,
    patch: '{"spec":{"sessionAffinity":"ClientIP"}}',
    want: { ...service, spec: { ...service.spec, sessionAffinity: 'ClientIP' } },
  },
  {
    name: 'json patch dispatch',
    contentType: 'application/json-patch+json',
    patch: '[{"op":"replace","path":"/spec/type","value":"NodePort"}]',
    want: { ...service, spec: { ...service.spec, type: 'NodePort' } },
  },
  {
    name: 'merge patch dispatch: lists replaced whole',
    contentType: 'application/merge-patch+json',
    patch: '{"spec":{"ports":[{"name":"https","port":443}]}}',
    want: { ...service, spec: { ...service.spec, ports: [{ name: 'https', port: 443 }] } },
  },
  {
    name: 'strategic merge patch of null changes nothing',
    contentType: SMP,
    patch: 'null',
    want: service,
  },
  {
    name: 'server-side apply is refused with a hint',
    contentType: 'application/apply-patch+yaml',
    patch: 'spec: {}',
    wantErr: { code: 415, reason: 'UnsupportedMediaType', message: /server-side apply .* not supported.*--server-side=false/ },
  },
  {
    name: 'unknown content type is a 415 listing the accepted types',
    contentType: 'application/json',
    patch: '{}',
    wantErr: {
      code: 415,
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    },
  },
  { name: 'missing content type is a 415', contentType: '', patch: '{}', wantErr: { code: 415 } },
  {
    name: 'malformed merge patch is ErrBadJSONPatch',
    contentType: 'application/merge-patch+json',
    patch: '{"spec":',
    wantErr: { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  },
  {
    name: 'null merge patch is ErrBadJSONPatch',
    contentType: 'application/merge-patch+json',
    patch: 'null',
    wantErr: { code: 400, message: 'Invalid JSON Patch' },
  },
  {
    name: 'merge patch that is an array does not decode as an object',
    contentType: 'application/merge-patch+json',
    patch: '[1]',
    wantErr: {
      code: 422,
      reason: 'Invalid',
      message: ' "" is invalid: patch: Invalid value: "[1]": json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  },
  {
    name: 'json patch replacing the root with an array does not decode as an object',
    contentType: 'application/json-patch+json',
    patch: '[{"op":"replace","path":"","value":[]}]',
    wantErr: { code: 422, reason: 'Invalid' },
  },
  {
    name: 'strategic merge patch that is an array is a 400',
    contentType: SMP,
    patch: '[]',
    wantErr: { code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
  },
];

// encoding/json's syntax errors, as the apiserver returns them for a strategic merge body.
const syntaxRows: Array<[string, string]> = [
  ['{"a":}', "invalid character '}' looking for beginning of value"],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
  ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
  ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
  ['{"a":1}x', "invalid character 'x' after top-level value"],
  ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
  ['{"a":01}', "invalid character '1' after object key:value pair"],
  ['{"a":-}', "invalid character '}' in numeric literal"],
  ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
  ['{"a":[1 2]}', "invalid character '2' after array element"],
  ['{"a":"x\ny"}', "invalid character '\\n' in string literal"],
  ['{', 'unexpected end of JSON input'],
];
for (const [body, message] of syntaxRows) {
  rows.push({ name: `malformed strategic merge body ${JSON.stringify(body)}`, contentType: SMP, patch: body, wantErr: { code: 400, reason: 'BadRequest', message } });
}

for (const row of rows) {
  test(`applyPatch: ${row.name}`, () => {
    const original = frozen(row.original ?? service);
    const run = (): unknown => applyPatch(row.contentType, original, row.patch, { schema: schemas.service, defs });
    if (row.wantErr) {
      const { code, reason, message } = row.wantErr;
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof ApiError, `want ApiError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        if (reason !== undefined) assert.equal(e.reason, reason);
        if (typeof message === 'string') assert.equal(e.message, message);
        else if (message) assert.match(e.message, message);
        return true;
      });
      return;
    }
    assert.deepStrictEqual(run(), row.want);
  });
}
