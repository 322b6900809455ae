import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/api/status.ts';
import { applyJsonPatch, decodeJsonPatch } from '../../../src/apiserver/patch/index.ts';
import { frozen } from './fixtures.ts';

interface Row {
  name: string;
  original: object;
  /** The request body: operations (serialized for the test) or raw text. */
  patch: unknown[] | string;
  want?: unknown;
  /** code; `message` is the Status message, `cause` the 422's UnexpectedServerResponse cause. */
  wantErr?: { code: number; message?: string; cause?: string };
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', resourceVersion: '7', labels: { app: 'web' }, annotations: { 'example.com/owner': 'me', 'a~b': 'x' } },
  spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] },
};

const NOT_APPLICABLE = 'the server rejected our request due to an error in our request';

const rows: Row[] = [
  {
    name: 'add an object member',
    original: pod,
    patch: [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }],
    want: { ...pod, metadata: { ...pod.metadata, labels: { app: 'web', tier: 'fe' } } },
  },
  {
    name: 'add over an existing member replaces it',
    original: { a: { b: 1 } },
    patch: [{ op: 'add', path: '/a', value: [1] }],
    want: { a: [1] },
  },
  {
    name: 'add inserts into an array at an index',
    original: { l: ['x', 'z'] },
    patch: [{ op: 'add', path: '/l/1', value: 'y' }],
    want: { l: ['x', 'y', 'z'] },
  },
  { name: 'add appends with "-"', original: { l: [1] }, patch: [{ op: 'add', path: '/l/-', value: 2 }], want: { l: [1, 2] } },
  { name: 'add at index == length appends', original: { l: [1] }, patch: [{ op: 'add', path: '/l/1', value: 2 }], want: { l: [1, 2] } },
  {
    name: 'add with a negative index counts from the end (json-patch v4)',
    original: { l: ['a', 'b'] },
    patch: [{ op: 'add', path: '/l/-1', value: 'x' }],
    want: { l: ['a', 'b', 'x'] },
  },
  {
    name: 'add past the end of an array fails',
    original: { l: [1] },
    patch: [{ op: 'add', path: '/l/5', value: 2 }],
    wantErr: { code: 422, message: NOT_APPLICABLE, cause: "error in add for path: '/l/5': Unable to access invalid index: 5: invalid index referenced" },
  },
  {
    name: 'add under a missing parent fails (JSON patch never creates parents)',
    original: pod,
    patch: [{ op: 'add', path: '/spec/nodeSelector/disk', value: 'ssd' }],
    wantErr: { code: 422, cause: 'add operation does not apply: doc is missing path: "/spec/nodeSelector/disk": missing value' },
  },
  {
    name: 'add with a non-numeric array index fails',
    original: { l: [1] },
    patch: [{ op: 'add', path: '/l/x', value: 2 }],
    wantErr: {
      code: 422,
      cause: `error in add for path: '/l/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    },
  },
  {
    name: 'add without a value sets null',
    original: { a: 1 },
    patch: [{ op: 'add', path: '/b' }],
    want: { a: 1, b: null },
  },
  {
    name: 'remove an object member',
    original: pod,
    patch: [{ op: 'remove', path: '/metadata/labels/app' }],
    want: { ...pod, metadata: { ...pod.metadata, labels: {} } },
  },
  {
    name: 'remove an array element',
    original: pod,
    patch: [{ op: 'remove', path: '/spec/containers/0' }],
    want: { ...pod, spec: { containers: [{ name: 'b', image: 'b:1' }] } },
  },
  {
    name: 'remove a missing key fails',
    original: pod,
    patch: [{ op: 'remove', path: '/metadata/labels/nope' }],
    wantErr: { code: 422, cause: "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value" },
  },
  {
    name: 'remove an out-of-range index fails',
    original: { l: [1] },
    patch: [{ op: 'remove', path: '/l/1' }],
    wantErr: { code: 422, cause: "error in remove for path: '/l/1': Unable to access invalid index: 1: invalid index referenced" },
  },
  {
    name: 'replace an array element field (kubectl patch --type=json image bump)',
    original: pod,
    patch: [{ op: 'replace', path: '/spec/containers/1/image', value: 'b:2' }],
    want: { ...pod, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] } },
  },
  {
    name: 'replace of a missing object member adds it (json-patch v4, as Kubernetes does)',
    original: { a: {} },
    patch: [{ op: 'replace', path: '/a/b', value: 1 }],
    want: { a: { b: 1 } },
  },
  {
    name: 'replace of a missing array index fails',
    original: { l: [1] },
    patch: [{ op: 'replace', path: '/l/3', value: 1 }],
    wantErr: { code: 422, cause: 'replace operation does not apply: doc is missing key: /l/3: missing value' },
  },
  {
    name: 'replace the whole document with path ""',
    original: { a: 1 },
    patch: [{ op: 'replace', path: '', value: { b: 2 } }],
    want: { b: 2 },
  },
  {
    name: 'move a member',
    original: { a: { x: 1 }, b: {} },
    patch: [{ op: 'move', from: '/a/x', path: '/b/y' }],
    want: { a: {}, b: { y: 1 } },
  },
  {
    name: 'move within an array',
    original: { l: [1, 2, 3] },
    patch: [{ op: 'move', from: '/l/0', path: '/l/-' }],
    want: { l: [2, 3, 1] },
  },
  {
    name: 'move from a missing key fails',
    original: { a: {} },
    patch: [{ op: 'move', from: '/a/nope', path: '/b' }],
    wantErr: { code: 422, cause: "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value" },
  },
  {
    name: 'copy a member (deep copy)',
    original: { a: { x: [1] } },
    patch: [
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'add', path: '/b/x/-', value: 2 },
    ],
    want: { a: { x: [1] }, b: { x: [1, 2] } },
  },
  {
    name: 'test then replace: optimistic concurrency as clients do it',
    original: pod,
    patch: [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'replace', path: '/metadata/labels/app', value: 'api' },
    ],
    want: { ...pod, metadata: { ...pod.metadata, labels: { app: 'api' } } },
  },
  {
    name: 'a failed test aborts the whole patch',
    original: pod,
    patch: [
      { op: 'replace', path: '/metadata/labels/app', value: 'api' },
      { op: 'test', path: '/metadata/resourceVersion', value: '6' },
    ],
    wantErr: { code: 422, message: NOT_APPLICABLE, cause: 'testing value /metadata/resourceVersion failed: test failed' },
  },
  {
    name: 'test compares structurally',
    original: { a: { x: 1, y: [1, { z: true }] } },
    patch: [{ op: 'test', path: '/a', value: { y: [1, { z: true }], x: 1 } }],
    want: { a: { x: 1, y: [1, { z: true }] } },
  },
  {
    name: 'test against a missing key with value null passes',
    original: { a: {} },
    patch: [{ op: 'test', path: '/a/b', value: null }],
    want: { a: {} },
  },
  {
    name: 'pointer escapes: ~1 is "/", ~0 is "~"',
    original: pod,
    patch: [
      { op: 'replace', path: '/metadata/annotations/example.com~1owner', value: 'you' },
      { op: 'remove', path: '/metadata/annotations/a~0b' },
    ],
    want: { ...pod, metadata: { ...pod.metadata, annotations: { 'example.com/owner': 'you' } } },
  },
  {
    name: 'unknown op',
    original: { a: 1 },
    patch: [{ op: 'merge', path: '/a', value: 2 }],
    wantErr: { code: 422, cause: 'Unexpected kind: merge' },
  },
  {
    name: 'op without a path',
    original: { a: 1 },
    patch: [{ op: 'add', value: 2 }],
    wantErr: { code: 422, cause: 'add operation failed to decode path: missing value' },
  },
  {
    name: 'a null body is an empty patch',
    original: { a: 1 },
    patch: 'null',
    want: { a: 1 },
  },
  {
    name: 'malformed JSON is a 400 with encoding/json wording',
    original: { a: 1 },
    patch: '[{"op": "add", "path": "/a" "value": 1}]',
    wantErr: { code: 400, message: `invalid character '"' after object key:value pair` },
  },
  {
    name: 'a body that is not an array is a 400',
    original: { a: 1 },
    patch: '{"op": "add", "path": "/a", "value": 1}',
    wantErr: { code: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
  },
  {
    name: 'an operation that is not an object is a 400',
    original: { a: 1 },
    patch: '["add"]',
    wantErr: { code: 400, message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' },
  },
  { name: 'an empty body is a 400', original: { a: 1 }, patch: '', wantErr: { code: 400, message: 'unexpected end of JSON input' } },
  {
    name: 'more than 10000 operations is a 413',
    original: { a: 1 },
    patch: Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 })),
    wantErr: { code: 413, message: 'The allowed maximum operations in a JSON patch is 10000, got 10001' },
  },
];

for (const row of rows) {
  test(`json patch: ${row.name}`, () => {
    const original = frozen(row.original);
    const text = typeof row.patch === 'string' ? row.patch : JSON.stringify(row.patch);
    const run = (): unknown => applyJsonPatch(original, decodeJsonPatch(text));
    if (row.wantErr) {
      const { code, message, cause } = row.wantErr;
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof ApiError, `want ApiError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        if (message !== undefined) assert.equal(e.message, message);
        if (cause !== undefined) {
          assert.equal(e.reason, 'Invalid');
          assert.deepEqual(e.status.details?.causes, [{ reason: 'UnexpectedServerResponse', message: cause }]);
        }
        return true;
      });
      return;
    }
    assert.deepStrictEqual(run(), row.want);
  });
}
