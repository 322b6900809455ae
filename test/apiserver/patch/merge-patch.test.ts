import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonMergePatch } from '../../../src/apiserver/patch/index.ts';
import { frozen } from './fixtures.ts';

interface Row {
  name: string;
  original: unknown;
  patch: unknown;
  want: unknown;
}

const rows: Row[] = [
  // RFC 7386 appendix A
  { name: 'RFC 7386: replace a member', original: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'RFC 7386: add a member', original: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'RFC 7386: null removes a member', original: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'RFC 7386: null removes only that member', original: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'RFC 7386: scalar replaces an array', original: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'RFC 7386: array replaces a scalar', original: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  {
    name: 'RFC 7386: objects merge recursively',
    original: { a: { b: 'c' } },
    patch: { a: { b: 'd', c: null } },
    want: { a: { b: 'd' } },
  },
  { name: 'RFC 7386: arrays are replaced, never merged', original: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'RFC 7386: array document replaced by array patch', original: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
  { name: 'RFC 7386: object document replaced by array patch', original: { a: 'b' }, patch: ['c'], want: ['c'] },
  { name: 'RFC 7386: existing nulls are kept', original: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  { name: 'RFC 7386: non-object document replaced, nulls pruned', original: [1, 2], patch: { a: 'b', c: null }, want: { a: 'b' } },
  { name: 'RFC 7386: nested nulls of a new member pruned', original: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  // Kubernetes usage
  {
    name: 'kubectl patch --type=merge: labels null deletes, containers list replaced whole',
    original: {
      metadata: { name: 'p', labels: { app: 'web', tier: 'fe' } },
      spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] },
    },
    patch: { metadata: { labels: { tier: null } }, spec: { containers: [{ name: 'a', image: 'a:2' }] } },
    want: { metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:2' }] } },
  },
  {
    name: 'a member set on null in the document is taken as new',
    original: { spec: null },
    patch: { spec: { replicas: 3, paused: null } },
    want: { spec: { replicas: 3 } },
  },
  {
    name: 'json-patch v4: nulls are pruned inside objects within a new array',
    original: {},
    patch: { a: [{ b: null, c: 1 }, null] },
    want: { a: [{ c: 1 }, null] },
  },
  {
    name: 'json-patch v4: an object replaced by an array keeps the array as sent',
    original: { a: { x: 1 } },
    patch: { a: [{ b: null }] },
    want: { a: [{ b: null }] },
  },
  {
    name: 'a "__proto__" member is an ordinary key',
    original: { a: 1 },
    patch: JSON.parse('{"__proto__": {"polluted": true}}'),
    want: JSON.parse('{"a": 1, "__proto__": {"polluted": true}}'),
  },
];

for (const row of rows) {
  test(`merge patch: ${row.name}`, () => {
    const got = jsonMergePatch(frozen(row.original), frozen(row.patch));
    assert.deepStrictEqual(got, row.want);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
}
