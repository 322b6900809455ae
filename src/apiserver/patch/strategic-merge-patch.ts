/**
 * Kubernetes strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch,
 * the apply half as of v1.33+), driven by the schema language instead of Go
 * struct tags. Maps merge recursively and null deletes; lists merge per their
 * patchStrategy/mergeKey (see smp-list.ts); the directives are
 *  - "$patch": replace | delete (| merge, accepted as a no-op) on maps,
 *    and as list elements;
 *  - "$retainKeys": [...] clears the map keys not listed;
 *  - "$setElementOrder/<list>": the final order of a merge list;
 *  - "$deleteFromPrimitiveList/<list>": values to remove from a scalar list.
 * Fields the schema lacks are merged like JSON merge patch (maps merge, lists
 * replace). Errors carry apimachinery's texts and the apiserver's codes: 400 for
 * malformed directives, 422 for lists of lists, 500 (empty reason) for the rest,
 * exactly as interpretStrategicMergePatchError leaves them.
 */
import type { Definitions, Schema } from '../../api/schema-types.ts';
import { cloneJson, getKey, goFormat, goScalarEqual, isObject, jsonTypeWord, kindOf, setKey, type JsonObject, type JsonValue } from './json-value.ts';
import { patchBadRequest, patchInternal } from './patch-errors.ts';
import { unmarshalTypeError } from './go-json.ts';
import { fieldSchema, listMeta, mapStrategy, resolveSchema, type Resolved } from './smp-schema.ts';
import { mergeSliceHandler, sliceElementKind } from './smp-list.ts';
import { normalizeElementOrder, partitionMaps, partitionScalars } from './smp-order.ts';
import {
  asStored,
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  discardNulls,
  errBadArgType,
  errBadPatchType,
  errNoMergeKey,
  extractKey,
  MAP_TYPE,
  removeDirectives,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  SLICE_TYPE,
  stripDirectives,
} from './smp-values.ts';

/**
 * Applies `patch` to `original` for a value described by `schema`. Pure: both
 * inputs are deep-copied first. A null patch changes nothing; a patch that is
 * not a JSON object is a 400, as decoding it into a map fails in Kubernetes.
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: Schema, defs: Definitions): JsonObject {
  const p = cloneJson(patch);
  const o = cloneJson(original);
  const base = isObject(o) ? o : {};
  if (p === null) return base;
  if (!isObject(p)) throw patchBadRequest(unmarshalTypeError(jsonTypeWord(p), MAP_TYPE));
  return new StrategicMerger(defs).mergeMap(base, p, resolveSchema(schema, defs));
}

class StrategicMerger {
  constructor(private readonly defs: Definitions) {}

  /** Merges `patch` into `original` (both owned, both mutated) and returns the result. */
  readonly mergeMap = (original: JsonObject, patch: JsonObject, schema: Resolved): JsonObject => {
    if (Object.hasOwn(patch, DIRECTIVE_MARKER)) {
      const directive = patch[DIRECTIVE_MARKER]!;
      if (directive === 'replace') {
        delete patch[DIRECTIVE_MARKER];
        return asStored(patch) as JsonObject;
      }
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw errBadPatchType(directive, patch);
      delete patch[DIRECTIVE_MARKER];
    }
    applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, schema);

    // Go iterates the patch map in random order; deletion lists are handled
    // after the fields so that a value both added and deleted ends up deleted.
    const keys = Object.keys(patch);
    const ordered = [
      ...keys.filter((k) => !k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)),
      ...keys.filter((k) => k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)),
    ];
    for (const key of ordered) {
      const isDeleteList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      const k = isDeleteList ? extractKey(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX) : key;
      this.mergeField(original, k, patch[key]!, schema, isDeleteList);
    }
    return original;
  };

  private mergeField(original: JsonObject, k: string, patchV: JsonValue, schema: Resolved, isDeleteList: boolean): void {
    if (patchV === null) {
      delete original[k];
      return;
    }
    const cur = getKey(original, k);
    if (cur === undefined || kindOf(cur) !== kindOf(patchV)) {
      // Nothing to merge with: take the patch value (never a deletion list).
      if (!isDeleteList) takePatchValue(original, k, patchV);
      return;
    }
    const fs = fieldSchema(schema, k, this.defs);
    if (isObject(cur)) {
      const p = patchV as JsonObject;
      setKey(original, k, mapStrategy(fs) === 'replace' ? (asStored(p) as JsonObject) : this.mergeMap(cur, p, fs));
    } else if (Array.isArray(cur)) {
      const merged = mergeSliceHandler(cur, patchV as JsonValue[], listMeta(fs, this.defs), isDeleteList, this.mergeMap);
      setKey(original, k, merged.merged);
    } else {
      setKey(original, k, patchV);
    }
  }

  /**
   * mergePatchIntoOriginal: each "$setElementOrder/<f>" merges list <f> now
   * and orders it; precedence is $setElementOrder, then the patch list's
   * order, then the live order. Consumes both keys from `patch`.
   */
  private applySetElementOrder(original: JsonObject, patch: JsonObject, schema: Resolved): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX) || !Object.hasOwn(patch, key)) continue;
      const order = patch[key]!;
      delete patch[key];
      if (!Array.isArray(order)) throw errBadArgType(SLICE_TYPE, order);
      const k = extractKey(key, SET_ELEMENT_ORDER_PREFIX);

      const origV = getKey(original, k);
      const patchV = getKey(patch, k);
      // A stored null reads as absent (Kubernetes' original never holds nulls).
      const foundOriginal = origV !== undefined && origV !== null;
      const foundPatch = patchV !== undefined;
      if (foundOriginal && !Array.isArray(origV)) throw errBadArgType(SLICE_TYPE, origV);
      if (foundPatch && !Array.isArray(patchV)) throw errBadArgType(SLICE_TYPE, patchV);
      const originalList = foundOriginal ? (origV as JsonValue[]) : [];
      const patchList = foundPatch ? (patchV as JsonValue[]) : [];
      if (!foundOriginal && !foundPatch) continue;

      const meta = listMeta(fieldSchema(schema, k, this.defs), this.defs);
      validatePatchWithSetOrderList(patchList, order, meta.mergeKey);

      let merged: JsonValue[];
      let serverOrder: JsonValue[];
      if (!foundPatch) {
        merged = originalList;
        serverOrder = originalList;
      } else if (!foundOriginal) {
        merged = stripDirectives(discardNulls(removeDirectives(patchList).value)) as JsonValue[];
        serverOrder = [];
      } else {
        const r = mergeSliceHandler(originalList, patchList, meta, false, this.mergeMap);
        merged = r.merged;
        serverOrder = r.aliasOrder;
      }
      delete patch[k];
      setKey(original, k, orderBySetElementOrder(merged, order, serverOrder, meta.mergeKey, originalList, patchList));
    }
  }
}

/**
 * Sets `k` to a patch value that has nothing to merge with: nested nulls
 * dropped, maps carrying "$patch" removed (a "$patch" map itself sets
 * nothing), other directive keys stripped.
 */
function takePatchValue(original: JsonObject, k: string, patchV: JsonValue): void {
  const r = removeDirectives(discardNulls(patchV));
  if (r.keep) setKey(original, k, stripDirectives(r.value));
  else delete original[k];
}

function orderBySetElementOrder(
  merged: JsonValue[],
  order: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  originalList: JsonValue[],
  patchList: JsonValue[],
): JsonValue[] {
  // Kubernetes fails on two empty lists ("no elements in any of the given
  // slices") and panics ordering maps without a merge key; both keep the list.
  if (originalList.length === 0 && patchList.length === 0) return merged;
  const kind = sliceElementKind(originalList, patchList);
  if (kind === 'map' && mergeKey === '') return merged;
  const [inOrder, serverOnly] = mergeKey === '' ? partitionScalars(merged, order) : partitionMaps(merged, order, mergeKey);
  return normalizeElementOrder(inOrder, serverOnly, order, serverOrder, mergeKey, kind);
}

/**
 * Patch items (deletions and other directives aside) must appear in the
 * $setElementOrder list, in the same relative order.
 */
function validatePatchWithSetOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    for (const v of patchList) if (!isObject(v)) throw errBadArgType(MAP_TYPE, v);
    items = patchList.filter((v) => getKey(v as JsonObject, DIRECTIVE_MARKER) !== 'delete');
  }
  let pi = 0;
  let si = 0;
  while (pi < items.length && si < order.length) {
    const item = items[pi]!;
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE_MARKER)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[si]!, mergeKey)) pi++;
    si++;
  }
  if (pi < items.length && si >= order.length) {
    throw patchInternal(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(order)}`,
    );
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return goScalarEqual(left, right);
  if (!isObject(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isObject(right)) throw errBadArgType(MAP_TYPE, right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goScalarEqual(left[mergeKey], right[mergeKey]);
}

/**
 * "$retainKeys": every non-null field of the patch must be listed (else 400),
 * and original keys not listed are cleared before merging.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const list = patch[RETAIN_KEYS_DIRECTIVE]!;
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(list)) throw patchBadRequest('invalid patch format of retainKeys');
  const retained = (k: string): boolean => list.some((x) => x === k);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!retained(k)) throw patchBadRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!retained(k)) delete original[k];
}
