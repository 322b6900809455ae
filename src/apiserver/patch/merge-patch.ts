/**
 * RFC 7386 JSON merge patch, with the details of evanphx/json-patch v4's
 * MergePatch (what the apiserver runs for application/merge-patch+json):
 *  - null deletes a key; objects merge recursively; anything else replaces;
 *  - a value set where the target had nothing (or a non-object) has its
 *    nested null members pruned, also inside objects within arrays;
 *  - an object replaced by a non-object patch value is taken as sent.
 */
import { cloneJson, getKey, isObject, setKey, type JsonObject, type JsonValue } from './json-value.ts';

/** Pure: neither argument is mutated. A non-object patch replaces the document. */
export function jsonMergePatch(original: unknown, patch: unknown): JsonValue {
  const p = cloneJson(patch);
  if (!isObject(p)) return pruneNulls(p);
  const doc = cloneJson(original);
  if (!isObject(doc)) return pruneNulls(p);
  mergeDocs(doc, p);
  return doc;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = getKey(doc, k);
    setKey(doc, k, cur === undefined || cur === null ? pruneNulls(v) : merge(cur, v));
  }
}

function merge(cur: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  mergeDocs(cur, patch);
  return cur;
}

/** Drops null members of objects, recursively (null array elements stay). */
function pruneNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    v.forEach(pruneNulls);
  } else if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else pruneNulls(child);
    }
  }
  return v;
}
