import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Schema } from '../../../src/api/schema-types.ts';
import { ApiError } from '../../../src/api/status.ts';
import { strategicMergePatch } from '../../../src/apiserver/patch/index.ts';
import { defs, frozen, schemas } from './fixtures.ts';

interface Row {
  name: string;
  /** Defaults to apimachinery's MergeItem test type. */
  schema?: Schema;
  /** YAML (as in apimachinery's tables) or a plain object. */
  original: string | object;
  patch: string | object;
  want?: string | object;
  wantErr?: { code: number; message?: string | RegExp };
}

const doc = (v: string | object): unknown => (typeof v === 'string' ? (parse(v) ?? {}) : v);

// Rows "from apimachinery" are strategicpatch/patch_test.go cases: the patch is
// the table's twoWay (applied to original) or threeWay (applied to current).
const rows: Row[] = [
  // ------------------------------------------------------------ maps
  { name: 'from apimachinery: nil patch', original: 'name: 1', patch: '{}', want: 'name: 1' },
  {
    name: 'from apimachinery: add field to map',
    original: 'name: 1\nother: a',
    patch: 'value: 1',
    want: 'name: 1\nvalue: 1\nother: a',
  },
  {
    name: 'from apimachinery: add field and delete field from map',
    original: 'name: 1\nother: a',
    patch: 'name: null\nvalue: 1',
    want: 'value: 1\nother: a',
  },
  {
    name: 'from apimachinery: delete field from nested map',
    original: 'simpleMap: {key1: 1, key2: 1, other: a}',
    patch: 'simpleMap: {key2: null}',
    want: 'simpleMap: {key1: 1, other: a}',
  },
  {
    name: 'from apimachinery: delete all fields from map',
    original: 'name: 1\nvalue: 1\nother: a',
    patch: 'name: null\nvalue: null',
    want: 'other: a',
  },
  {
    name: 'from apimachinery: delete map from nested map',
    original: 'simpleMap: {key1: 1, key2: 1}',
    patch: 'simpleMap: {$patch: delete}',
    want: 'simpleMap: {}',
  },
  { name: 'from apimachinery: delete all keys from map', original: 'name: 1\nvalue: 1', patch: '$patch: replace', want: '{}' },
  {
    name: 'from apimachinery: add key and delete all keys from map',
    original: 'name: 1\nvalue: 1',
    patch: 'other: a\n$patch: replace',
    want: 'other: a',
  },
  {
    name: 'from apimachinery: replace RawExtension field (patchStrategy replace) and merge list',
    original: `
name: my-object
mergingList: [{name: 1}, {name: 3}]
replacingItem: {Some: Generic, Yaml: Inside, The: RawExtension, Field: Period}`,
    patch: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}]
mergingList: [{name: 2}]
replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}`,
    want: `
name: my-object
mergingList: [{name: 1}, {name: 2}, {name: 3}]
replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}`,
  },
  {
    name: 'from apimachinery: unknown field added, nested nulls filtered (also inside slices)',
    original: '{}',
    patch: '{complex_nullable: [{inner_one: {key_one: foo, key_two: null}}], complex: {nested: null}}',
    want: '{complex_nullable: [{inner_one: {key_one: foo}}], complex: {}}',
  },
  {
    name: 'from apimachinery: unknown field, nulls in a non-associative slice are kept',
    original: '{}',
    patch: '{complex_nullable: [key1, null, key2]}',
    want: '{complex_nullable: [key1, null, key2]}',
  },
  {
    name: 'a new value carrying $patch sets nothing (removeDirectives)',
    original: 'name: a',
    patch: 'simpleMap: {$patch: replace, key1: x}\nmergingList: [{name: 1}, {name: 2, $patch: delete}]',
    want: 'name: a\nmergingList: [{name: 1}]',
  },
  {
    name: '$patch: merge on a map is accepted as a plain merge',
    original: 'simpleMap: {a: "1"}',
    patch: 'simpleMap: {$patch: merge, b: "2"}',
    want: 'simpleMap: {a: "1", b: "2"}',
  },

  // ------------------------------------------------- lists of scalars
  {
    name: 'from apimachinery: replace list of scalars',
    original: 'nonMergingIntList: [1, 2]',
    patch: 'nonMergingIntList: [2, 3]',
    want: 'nonMergingIntList: [2, 3]',
  },
  {
    name: 'from apimachinery: unique scalars when merging lists',
    original: 'mergingIntList: [1, 2]',
    patch: 'mergingIntList: [2, 3]',
    want: 'mergingIntList: [1, 2, 3]',
  },
  {
    name: 'from apimachinery: preserve the order from the patch in a merging int list',
    original: 'mergingIntList: [1, 2, 3]',
    patch: 'mergingIntList: [3, 1]',
    want: 'mergingIntList: [2, 3, 1]',
  },
  {
    name: 'from apimachinery: merge lists of scalars ($setElementOrder, server-only item kept last)',
    original: 'mergingIntList: [1, 2, 4]',
    patch: '$setElementOrder/mergingIntList: [1, 2, 3]\nmergingIntList: [3]',
    want: 'mergingIntList: [1, 2, 3, 4]',
  },
  {
    name: 'from apimachinery: add an item in a list of primitives and preserve order',
    original: 'mergingIntList: [1, 4, 2]',
    patch: '$setElementOrder/mergingIntList: [3, 1, 2]\nmergingIntList: [3]',
    want: 'mergingIntList: [3, 1, 4, 2]',
  },
  {
    name: 'from apimachinery: $setElementOrder contains item that is not present in the int list',
    original: 'mergingIntList: [1, 3]',
    patch: '$setElementOrder/mergingIntList: [3, 2, 1]',
    want: 'mergingIntList: [3, 1]',
  },
  {
    name: 'from apimachinery: delete an item in a list of primitives and preserve order',
    original: 'mergingIntList: [1, 2, 3]',
    patch: '$setElementOrder/mergingIntList: [2, 1]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    want: 'mergingIntList: [2, 1]',
  },
  {
    name: 'from apimachinery: behavior of set element order for a merging int list with duplicate',
    original: 'mergingIntList: [1, 2, 3, 2, 4]',
    patch: '$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]',
    want: 'mergingIntList: [2, 2, 1, 4, 3]',
  },
  {
    name: 'from apimachinery: $deleteFromPrimitiveList of nonexistent item does not add it',
    original: 'mergingIntList: [1, 2]',
    patch: '$deleteFromPrimitiveList/mergingIntList: [3]',
    want: 'mergingIntList: [1, 2]',
  },
  {
    name: 'from apimachinery: $deleteFromPrimitiveList on a null list leaves it',
    original: 'mergingIntList:',
    patch: '$deleteFromPrimitiveList/mergingIntList: [3]',
    want: 'mergingIntList:',
  },
  {
    name: 'from apimachinery: $deleteFromPrimitiveList on nonexistent list does not add it',
    original: 'foo: [bar]',
    patch: '$deleteFromPrimitiveList/mergingIntList: [3]',
    want: 'foo: [bar]',
  },
  {
    name: 'from apimachinery: $deleteFromPrimitiveList deletes from a list without merge strategy',
    original: 'nonMergingIntList: [1, 2, 3]',
    patch: '$deleteFromPrimitiveList/nonMergingIntList: [2]',
    want: 'nonMergingIntList: [1, 3]',
  },

  // ---------------------------------------------------- lists of maps
  {
    name: 'from apimachinery: delete all maps from merging list',
    original: 'mergingList: [{name: 1, other: a}, {name: 2, other: b}]',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    want: 'mergingList: []',
  },
  {
    name: 'from apimachinery: delete all maps from empty merging list',
    original: 'mergingList: []',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    want: 'mergingList: []',
  },
  {
    name: 'from apimachinery: delete all items from merging list ($patch: replace element)',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    patch: 'mergingList: [{$patch: replace}]',
    want: 'mergingList: []',
  },
  {
    name: 'from apimachinery: delete all duplicate entries in a merging list',
    original: 'mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]',
    want: 'mergingList: [{name: 2, value: a}]',
  },
  {
    name: 'from apimachinery: preserve the order from the patch in a merging list',
    original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]',
    want: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]',
  },
  {
    name: 'from apimachinery: preserve the order from the patch in a merging list 2',
    original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}]',
    want: 'mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
  },
  {
    name: 'from apimachinery: merge lists of maps (threeWay on current)',
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: `
$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]`,
    want: 'mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  {
    name: 'from apimachinery: add map and delete map from merging list (threeWay on current)',
    original: 'mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]',
    patch: `
$setElementOrder/mergingList: [{name: 2}, {name: 3}]
mergingList: [{name: 3}, {name: 1, $patch: delete}]`,
    want: 'mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]',
  },
  {
    name: 'from apimachinery: add map and delete map from merging list with conflict',
    original: 'mergingList: [{name: 1, other: a}, {name: 4, other: c}]',
    patch: `
$setElementOrder/mergingList: [{name: 2}, {name: 3}]
mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]`,
    want: 'mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]',
  },
  {
    name: 'from apimachinery: delete missing map from merging list with conflict',
    original: 'mergingList: [{name: 3, other: a}]',
    patch: `
$setElementOrder/mergingList: [{name: 2}]
mergingList: [{name: 2}, {name: 1, $patch: delete}]`,
    want: 'mergingList: [{name: 2}, {name: 3, other: a}]',
  },
  {
    name: 'from apimachinery: add map to merging list by pointer',
    original: 'mergeItemPtr: [{name: 1, other: a}, {name: 3}]',
    patch: '$setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}]\nmergeItemPtr: [{name: 2}]',
    want: 'mergeItemPtr: [{name: 1, other: a}, {name: 2}, {name: 3}]',
  },
  {
    name: 'from apimachinery: add field to map in merging list nested in merging list',
    original: `
mergingList:
  - {name: 1, other: a, mergingList: [{name: 1}, {name: 2, value: 2}]}
  - {name: 2, other: b}`,
    patch: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}]
mergingList:
  - $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    name: 1
    mergingList: [{name: 1, value: 1}]`,
    want: `
mergingList:
  - {name: 1, other: a, mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]}
  - {name: 2, other: b}`,
  },
  {
    name: 'from apimachinery: $setElementOrder contains item that is not present in the list',
    original: 'mergingList: [{name: 1}, {name: 3}]',
    patch: `
$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]
mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]`,
    want: 'mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
  },
  {
    name: 'from apimachinery: set elements order in a list with server-only items 2',
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 9}, {name: 3, value: 3}, {name: 4, value: 4}]',
    patch: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    want: 'mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 9}, {name: 4, value: 4}, {name: 3, value: 3}]',
  },
  {
    name: 'from apimachinery: behavior of set element order for a merging list with duplicate',
    original: 'mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]',
    patch: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]',
    want: 'mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]',
  },
  {
    name: 'from apimachinery: delete and reorder in one list, reorder in another',
    original: 'mergingList: [{name: a, value: a}, {name: b, value: b}]\nmergeItemPtr: [{name: c, value: c}, {name: d, value: d}]',
    patch: `
$setElementOrder/mergingList: [{name: b}]
$setElementOrder/mergeItemPtr: [{name: d}, {name: c}]
mergingList: [{$patch: delete, name: a}]`,
    want: 'mergingList: [{name: b, value: b}]\nmergeItemPtr: [{name: d, value: d}, {name: c, value: c}]',
  },

  // ------------------------------------------------------- retainKeys
  {
    name: 'from apimachinery: retainKeys map adds a field and clears a field',
    original: 'retainKeysMap: {name: foo, other: a}',
    patch: 'retainKeysMap: {$retainKeys: [name, value], value: bar}',
    want: 'retainKeysMap: {name: foo, value: bar}',
  },
  {
    name: 'from apimachinery: retainKeys map should clear defaulted field (discriminated union)',
    original: 'retainKeysMap: {name: type1, value: foo}',
    patch: 'retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}',
    want: 'retainKeysMap: {name: type2, other: bar}',
  },
  {
    name: 'from apimachinery: retainKeys map adds an item in nested merging int list',
    original: 'retainKeysMap: {name: foo, mergingIntList: [1, 2, 3]}',
    patch: `
retainKeysMap:
  $setElementOrder/mergingIntList: [1, 2, 4]
  $retainKeys: [mergingIntList, name]
  mergingIntList: [4]`,
    want: 'retainKeysMap: {name: foo, mergingIntList: [1, 2, 4, 3]}',
  },
  {
    name: 'from apimachinery: retainKeys list of maps clears a field',
    original: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]',
    patch: `
$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
retainKeysMergingList: [{$retainKeys: [name, value], name: foo}]`,
    want: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
  },

  // ------------------------------------------------------------ errors
  {
    name: 'from apimachinery: should check if order in $setElementOrder and patch list match',
    original: 'mergingList: [{name: 1}, {name: 3}, {name: 2}]',
    patch: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]`,
    wantErr: { code: 500, message: /doesn't match \$setElementOrder list/ },
  },
  {
    name: 'from apimachinery: missing merge key should error out',
    original: 'mergingList: [{name: 1, value: a}]',
    patch: 'mergingList: [{value: b}]',
    wantErr: { code: 500, message: 'map: map[value:b] does not contain declared merge key: name' },
  },
  {
    name: 'unknown $patch directive in a map',
    original: 'simpleMap: {a: "1"}',
    patch: 'simpleMap: {$patch: upsert}',
    wantErr: { code: 500, message: 'unknown patch type: upsert in map: map[$patch:upsert]' },
  },
  {
    name: 'unknown $patch directive in a list element',
    original: 'mergingList: [{name: 1}]',
    patch: 'mergingList: [{name: 1, $patch: remove}]',
    wantErr: { code: 500, message: 'unknown patch type: remove in map: map[$patch:remove name:1]' },
  },
  {
    name: 'key outside the $retainKeys list is a 400',
    original: 'retainKeysMap: {name: foo}',
    patch: 'retainKeysMap: {$retainKeys: [name], value: bar}',
    wantErr: { code: 400, message: 'invalid patch format of retainKeys' },
  },
  {
    name: 'malformed $setElementOrder key is a 400',
    original: 'mergingList: [{name: 1}]',
    patch: '$setElementOrderX/mergingList: [{name: 1}]',
    wantErr: { code: 400, message: 'invalid patch format of setElementOrder list' },
  },
  {
    name: 'lists of lists are a 422',
    original: 'mergingIntList: [[1]]',
    patch: 'mergingIntList: [[2]]',
    wantErr: { code: 422 },
  },
  {
    name: 'mixed element types in a merge list',
    original: 'mergingIntList: [1, 2]',
    patch: 'mergingIntList: [x]',
    wantErr: { code: 500, message: 'list element types are not identical: [[1 2] [x]]' },
  },
  { name: 'a patch that is not an object is a 400', original: 'name: a', patch: [1], wantErr: { code: 400 } },

  // ------------------------------------------------ Kubernetes objects
  {
    name: 'metadata: add and remove labels, keep the rest',
    schema: schemas.pod,
    original: { metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } } },
    patch: { metadata: { labels: { tier: null, track: 'stable' } } },
    want: { metadata: { name: 'p', labels: { app: 'web', track: 'stable' }, annotations: { a: '1' } } },
  },
  {
    name: 'metadata.finalizers: a new finalizer without $setElementOrder goes first',
    schema: schemas.pod,
    original: { metadata: { name: 'p', finalizers: ['a.io/x', 'b.io/y'] } },
    patch: { metadata: { finalizers: ['c.io/z', 'a.io/x'] } },
    want: { metadata: { name: 'p', finalizers: ['c.io/z', 'a.io/x', 'b.io/y'] } },
  },
  {
    name: 'metadata.finalizers: controller removes its finalizer',
    schema: schemas.pod,
    original: { metadata: { name: 'p', finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } },
    want: { metadata: { name: 'p', finalizers: ['a.io/x', 'c.io/z'] } },
  },
  {
    name: 'metadata.ownerReferences merge by uid; $patch: delete by uid',
    schema: schemas.pod,
    original: {
      metadata: {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1', controller: true },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'u2' },
        ],
      },
    },
    patch: { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }, { uid: 'u2', $patch: 'delete' }] } },
    want: {
      metadata: {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1', controller: true, blockOwnerDeletion: true }],
      },
    },
  },
  {
    name: 'Service spec.ports merge on "port" only: UDP 53 lands on the TCP 53 entry (as in Kubernetes)',
    schema: schemas.service,
    original: { spec: { ports: [{ name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] } },
    patch: { spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
    want: { spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] } },
  },
  {
    name: 'Service spec.clusterIPs and ipFamilies are atomic',
    schema: schemas.service,
    original: { spec: { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'] } },
    patch: { spec: { clusterIPs: ['10.0.0.5'], ipFamilies: ['IPv4'] } },
    want: { spec: { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ipFamilies: ['IPv4'] } },
  },
  {
    name: 'Service spec.selector replaced wholesale with $patch: replace',
    schema: schemas.service,
    original: { spec: { selector: { app: 'web', tier: 'fe' }, type: 'ClusterIP' } },
    patch: { spec: { selector: { $patch: 'replace', app: 'api' } } },
    want: { spec: { selector: { app: 'api' }, type: 'ClusterIP' } },
  },
  {
    name: 'Pod: kubectl patch adds a container (no $setElementOrder: it goes first)',
    schema: schemas.pod,
    original: { spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    patch: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1', args: ['--x'] }] } },
    want: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1', args: ['--x'] }, { name: 'app', image: 'app:1' }] } },
  },
  {
    name: 'Pod: kubectl set image style patch; env and ports merged by key inside the container',
    schema: schemas.pod,
    original: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:1',
            args: ['--a', '--b'],
            ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'log', image: 'log:1' },
        ],
      },
    },
    patch: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:2',
            args: ['--c'],
            ports: [{ containerPort: 8080, name: 'web' }],
            env: [{ name: 'B', $patch: 'delete' }, { name: 'A', value: '10' }],
          },
        ],
      },
    },
    want: {
      spec: {
        containers: [
          { name: 'app', image: 'app:2', args: ['--c'], ports: [{ containerPort: 8080, name: 'web', protocol: 'TCP' }], env: [{ name: 'A', value: '10' }] },
          { name: 'log', image: 'log:1' },
        ],
      },
    },
  },
  {
    name: 'Pod: tolerations are atomic (no patch strategy)',
    schema: schemas.pod,
    original: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] } },
    patch: { spec: { tolerations: [{ key: 'c', operator: 'Equal', value: 'x', effect: null }] } },
    want: { spec: { tolerations: [{ key: 'c', operator: 'Equal', value: 'x' }] } },
  },
  {
    name: 'Pod: kubectl apply switches a volume from emptyDir to hostPath ($retainKeys)',
    schema: schemas.pod,
    original: { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] } },
    patch: {
      spec: {
        '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }],
        volumes: [{ $retainKeys: ['hostPath', 'name'], name: 'data', hostPath: { path: '/srv' }, emptyDir: null }],
      },
    },
    want: { spec: { volumes: [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'cfg', configMap: { name: 'c' } }] } },
  },
  {
    name: 'Pod status: kubelet patch of conditions by type with $setElementOrder',
    schema: schemas.pod,
    original: {
      status: {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'True' },
        ],
      },
    },
    patch: {
      status: {
        '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'ContainersReady' }, { type: 'PodScheduled' }],
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'ContainersReady', status: 'True' },
        ],
        phase: 'Running',
        podIP: '10.244.0.7',
      },
    },
    want: {
      status: {
        phase: 'Running',
        podIP: '10.244.0.7',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'True' },
          { type: 'ContainersReady', status: 'True' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    },
  },
  {
    name: 'Node status: heartbeat updates one condition by type, order kept',
    schema: schemas.node,
    original: {
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 't0' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: 't0', reason: 'KubeletReady' },
        ],
      },
    },
    patch: {
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', lastHeartbeatTime: 't1' }],
      },
    },
    want: {
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 't0' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: 't1', reason: 'KubeletReady' },
        ],
      },
    },
  },
  {
    name: 'EndpointSlice endpoints are atomic',
    schema: schemas.endpointSlice,
    original: { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] },
    patch: { endpoints: [{ addresses: ['10.0.0.3'], conditions: { ready: true } }] },
    want: { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.3'], conditions: { ready: true } }] },
  },
  {
    name: 'Deployment strategy: $retainKeys drops rollingUpdate when switching to Recreate',
    schema: schemas.deployment,
    original: { spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    want: { spec: { replicas: 2, strategy: { type: 'Recreate' } } },
  },
  {
    name: 'kubectl apply removes a container port ($patch: delete plus $setElementOrder)',
    schema: schemas.pod,
    original: {
      spec: {
        containers: [
          {
            name: 'app',
            ports: [
              { containerPort: 80, name: 'http' },
              { containerPort: 443, name: 'https' },
              { containerPort: 9090, name: 'metrics' },
            ],
          },
        ],
      },
    },
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'app' }],
        containers: [
          {
            name: 'app',
            '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 9090 }],
            ports: [{ containerPort: 443, $patch: 'delete' }],
          },
        ],
      },
    },
    want: {
      spec: {
        containers: [
          {
            name: 'app',
            ports: [
              { containerPort: 80, name: 'http' },
              { containerPort: 9090, name: 'metrics' },
            ],
          },
        ],
      },
    },
  },
];

for (const row of rows) {
  test(`strategic merge patch: ${row.name}`, () => {
    const original = frozen(doc(row.original));
    const patch = frozen(doc(row.patch));
    const run = (): unknown => strategicMergePatch(original, patch, row.schema ?? schemas.mergeItem, defs);
    if (row.wantErr) {
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof ApiError, `want ApiError, got ${String(e)}`);
        assert.equal(e.code, row.wantErr!.code, e.message);
        const m = row.wantErr!.message;
        if (typeof m === 'string') assert.equal(e.message, m);
        else if (m) assert.match(e.message, m);
        return true;
      });
      return;
    }
    assert.deepStrictEqual(run(), doc(row.want ?? {}));
  });
}
