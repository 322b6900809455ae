/**
 * List ordering for strategic merge, as apimachinery's normalizeElementOrder
 * does it. Items are split into those named by the patch (or by
 * $setElementOrder) and server-only ones; each group is sorted by its order
 * list, then the two are interleaved using the live list's order:
 * a server-only item goes before a patch item only when both appear in the
 * server order and it comes first there. So an item new to the server is
 * emitted as soon as it is reached, before any pending server-only items; that
 * is why a new element of a merge list without $setElementOrder lands first.
 *
 * Go's sort.SliceStable is ported so that even its inconsistent comparator
 * ("less" is true whenever an item is missing from the order) sorts alike.
 */
import { getKey, goScalarEqual, isObject, type JsonObject, type JsonValue } from './json-value.ts';
import { DIRECTIVE_MARKER, MAP_TYPE, errBadArgType, errNoMergeKey } from './smp-values.ts';
import { patchInternal } from './patch-errors.ts';

/** Lists of maps are ordered by merge key, others by value. */
export type ElemKind = 'map' | 'scalar';

function orderValue(item: JsonValue, mergeKey: string, kind: ElemKind): JsonValue | undefined {
  if (kind !== 'map') return item;
  return isObject(item) ? getKey(item, mergeKey) : undefined;
}

/** Index of the first element of `list` matching `item`, or -1. */
export function indexIn(list: readonly JsonValue[], item: JsonValue, mergeKey: string, kind: ElemKind): number {
  const want = orderValue(item, mergeKey, kind);
  return list.findIndex((v) => goScalarEqual(orderValue(v, mergeKey, kind), want));
}

/** findMapInSliceBasedOnKeyValue: the first map whose `key` member equals `value`. */
export function findMapInSlice(
  list: readonly JsonValue[],
  key: string,
  value: JsonValue | undefined,
): { map: JsonObject; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (!isObject(v)) throw patchInternal(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, key) && goScalarEqual(v[key], value)) return { map: v, index: i };
  }
  return undefined;
}

/** Items of `merged` present in `by` (by value), and the rest; relative order kept. */
export function partitionScalars(merged: readonly JsonValue[], by: readonly JsonValue[]): [JsonValue[], JsonValue[]] {
  const inPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) (by.some((b) => goScalarEqual(b, v)) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

/** Maps of `merged` whose merge key appears in `by`, and the rest. */
export function partitionMaps(merged: readonly JsonValue[], by: readonly JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) {
    if (!isObject(v)) throw errBadArgType(MAP_TYPE, v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapInSlice(by, mergeKey, v[mergeKey]) ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

export function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: ElemKind,
): JsonValue[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

/** Stable sort of `toSort` by position in `order`; "$patch: delete" maps go last. */
function normalizeSliceOrder(toSort: JsonValue[], order: readonly JsonValue[], mergeKey: string, kind: ElemKind): JsonValue[] {
  let keep = toSort;
  let toDelete: JsonValue[] = [];
  if (kind === 'map') {
    for (const item of [...toSort, ...order]) {
      if (!isObject(item)) throw errBadArgType(MAP_TYPE, item);
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
    keep = toSort.filter((v) => getKey(v as JsonObject, DIRECTIVE_MARKER) !== 'delete');
    toDelete = toSort.filter((v) => getKey(v as JsonObject, DIRECTIVE_MARKER) === 'delete');
  }
  const sorted = [...keep];
  goSliceStable(sorted, (a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...sorted, ...toDelete];
}

/** Interleaves sorted server-only items (`left`) into sorted patch items (`right`). */
function mergeSortedSlice(
  left: readonly JsonValue[],
  right: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: ElemKind,
): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
    const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
    else out.push(right[j++]!);
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}

// ------------------------------------------------------ Go's stable sort

/** sort.SliceStable: insertion sort on blocks of 20, then SymMerge. */
export function goSliceStable<T>(data: T[], less: (a: T, b: T) => boolean): void {
  const n = data.length;
  const lessAt = (i: number, j: number): boolean => less(data[i]!, data[j]!);
  const swap = (i: number, j: number): void => {
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  };
  const insertionSort = (a: number, b: number): void => {
    for (let i = a + 1; i < b; i++) {
      for (let j = i; j > a && lessAt(j, j - 1); j--) swap(j, j - 1);
    }
  };
  const swapRange = (a: number, b: number, len: number): void => {
    for (let i = 0; i < len; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number): void => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (lessAt(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!lessAt(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!lessAt(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };

  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}
