/**
 * Strategic merge of one list (apimachinery's mergeSliceHandler / mergeSlice).
 * Lists with patchStrategy "merge" merge by merge key (maps) or as a set
 * (scalars); every other list is replaced by the patch's list.
 */
import { goFormat, goScalarEqual, isObject, kindOf, type JsonKind, type JsonObject, type JsonValue } from './json-value.ts';
import { patchInternal, patchNotApplicable } from './patch-errors.ts';
import type { ListMeta, Resolved } from './smp-schema.ts';
import { asStored, DIRECTIVE_MARKER, errBadPatchType, errNoMergeKey } from './smp-values.ts';
import { findMapInSlice, normalizeElementOrder, partitionMaps, partitionScalars, type ElemKind } from './smp-order.ts';

/** Strategic merge of two maps (recursion back into mergeMap for list elements). */
export type MergeMapFn = (original: JsonObject, patch: JsonObject, schema: Resolved) => JsonObject;

export interface ListMergeResult {
  readonly merged: JsonValue[];
  /**
   * The live list as apimachinery's later $setElementOrder step sees it. In Go,
   * deleting elements shifts the backing array in place and appending new ones
   * refills the freed slots, so the original slice then reads: survivors
   * followed by the first N new elements (N = number deleted). Kubernetes'
   * own expectations ("add map and delete map from merging list") depend on it.
   */
  readonly aliasOrder: JsonValue[];
}

export function mergeSliceHandler(
  original: JsonValue[],
  patch: JsonValue[],
  meta: ListMeta,
  isDeleteList: boolean,
  mergeMap: MergeMapFn,
): ListMergeResult {
  // $deleteFromPrimitiveList deletes whatever the field's strategy is.
  if (meta.strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, meta, isDeleteList, mergeMap);
  return { merged: asStored(patch) as JsonValue[], aliasOrder: original };
}

function mergeSlice(
  original: JsonValue[],
  patch: JsonValue[],
  meta: ListMeta,
  isDeleteList: boolean,
  mergeMap: MergeMapFn,
): ListMergeResult {
  if (original.length === 0 && patch.length === 0) return { merged: original, aliasOrder: original };
  const kind = sliceElementKind(original, patch);

  if (kind !== 'map') {
    if (isDeleteList) {
      return { merged: original.filter((v) => !patch.some((d) => goScalarEqual(d, v))), aliasOrder: original };
    }
    const merged = dedupScalars([...original, ...patch]);
    const [inPatch, serverOnly] = partitionScalars(merged, patch);
    return { merged: normalizeElementOrder(inPatch, serverOnly, patch, original, '', 'scalar'), aliasOrder: original };
  }

  const mergeKey = meta.mergeKey;
  if (mergeKey === '') throw patchInternal('cannot merge lists without merge key for struct');
  const special = applySpecialElements(original, patch, mergeKey);
  const base = special.replace ? (asStored(special.rest) as JsonValue[]) : special.survivors;
  const patchItems = special.replace ? [] : special.rest;

  const merged = [...base];
  const appended: JsonValue[] = [];
  for (const item of patchItems) {
    const p = item as JsonObject;
    if (!Object.hasOwn(p, mergeKey)) throw errNoMergeKey(p, mergeKey);
    const found = findMapInSlice(merged, mergeKey, p[mergeKey]);
    if (found) {
      merged[found.index] = mergeMap(found.map, p, meta.items);
    } else {
      const added = asStored(p);
      merged.push(added);
      appended.push(added);
    }
  }

  const [inPatch, serverOnly] = partitionMaps(merged, patchItems, mergeKey);
  const deleted = original.length - special.survivors.length;
  return {
    merged: normalizeElementOrder(inPatch, serverOnly, patchItems, base, mergeKey, 'map'),
    aliasOrder: special.replace ? special.survivors : [...special.survivors, ...appended.slice(0, deleted)],
  };
}

/**
 * Handles "$patch" elements of a list of maps: "delete" removes every element
 * with that merge key, "replace" makes the other elements the whole list.
 * "merge" is accepted as a no-op (Kubernetes rejects it: "merging lists cannot
 * yet be specified in the patch"); any other value is an error.
 */
function applySpecialElements(
  original: JsonValue[],
  patch: JsonValue[],
  mergeKey: string,
): { survivors: JsonValue[]; rest: JsonValue[]; replace: boolean } {
  let survivors = original;
  const rest: JsonValue[] = [];
  let replace = false;
  for (const item of patch) {
    const p = item as JsonObject;
    if (!Object.hasOwn(p, DIRECTIVE_MARKER)) {
      rest.push(p);
      continue;
    }
    const directive = p[DIRECTIVE_MARKER]!;
    if (directive === 'delete') {
      if (!Object.hasOwn(p, mergeKey)) throw errNoMergeKey(p, mergeKey);
      const value = p[mergeKey];
      survivors = survivors.filter((v) => !(isObject(v) && Object.hasOwn(v, mergeKey) && goScalarEqual(v[mergeKey], value)));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive !== 'merge') {
      throw errBadPatchType(directive, p);
    }
  }
  return { survivors, rest, replace };
}

/**
 * sliceElementType: all elements of all lists must share one kind. Lists of
 * lists are a 422 (ErrNoListOfLists), mixed kinds and empty input plain errors.
 */
export function sliceElementKind(...lists: readonly JsonValue[][]): ElemKind {
  let prev: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (prev === undefined) {
        if (k === 'slice') throw patchNotApplicable('lists of lists are not supported');
        prev = k;
      } else if (k !== prev) {
        throw patchInternal(`list element types are not identical: ${goFormat(lists as JsonValue[])}`);
      }
    }
  }
  if (prev === undefined) throw patchInternal('no elements in any of the given slices');
  return prev === 'map' ? 'map' : 'scalar';
}

/** Unique scalars; the order is irrelevant since the caller re-sorts. */
function dedupScalars(list: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of list) if (!out.some((o) => goScalarEqual(o, v))) out.push(v);
  return out;
}
