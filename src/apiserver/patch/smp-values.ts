/**
 * Directive names and the value clean-up strategic merge applies to parts of a
 * patch that are stored as sent rather than merged. Kubernetes keeps such parts
 * raw and lets decoding into Go structs drop directive keys and null members;
 * since objects here are stored as JSON, that decoding step is emulated.
 */
import { goFormat, goTypeName, isObject, setKey, type JsonObject, type JsonValue } from './json-value.ts';
import { patchBadRequest, patchInternal } from './patch-errors.ts';
import type { ApiError } from '../../api/status.ts';

export const DIRECTIVE_MARKER = '$patch';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

function isDirectiveKey(k: string): boolean {
  return (
    k === DIRECTIVE_MARKER ||
    k === RETAIN_KEYS_DIRECTIVE ||
    k.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

/** discardNullValuesFromPatch: drops null members of objects, recursively (null list elements stay). */
export function discardNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    v.forEach(discardNulls);
  } else if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else discardNulls(child);
    }
  }
  return v;
}

/** Drops directive keys at every depth, keeping the maps that held them. */
export function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    v.forEach(stripDirectives);
  } else if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (isDirectiveKey(k)) delete v[k];
      else stripDirectives(child);
    }
  }
  return v;
}

/**
 * removeDirectives: a map carrying "$patch" is dropped entirely (keep=false),
 * from maps and from lists alike. Used for values set where the original had
 * nothing to merge with (apimachinery since 1.28).
 */
export function removeDirectives(v: JsonValue): { value: JsonValue; keep: boolean } {
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const item of v) {
      const r = removeDirectives(item);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (isObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE_MARKER)) return { value: null, keep: false };
    for (const [k, child] of Object.entries(v)) {
      const r = removeDirectives(child);
      if (r.keep) setKey(v, k, r.value);
      else delete v[k];
    }
  }
  return { value: v, keep: true };
}

/** A patch fragment as decoding it would leave it: no directives, no null members. */
export function asStored(v: JsonValue): JsonValue {
  return stripDirectives(discardNulls(v));
}

/** Splits "$setElementOrder/ports" into "ports"; a malformed key is a 400 like Kubernetes'. */
export function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw patchBadRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX
        ? 'invalid patch format of primitive list'
        : 'invalid patch format of setElementOrder list',
    );
  }
  return s.slice(slash + 1);
}

// ------------------------------------------------ apimachinery's error texts

export function errNoMergeKey(m: JsonObject, key: string): ApiError {
  return patchInternal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

export function errBadArgType(expected: string, actual: JsonValue | undefined): ApiError {
  return patchInternal(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

export function errBadPatchType(directive: JsonValue, m: JsonObject): ApiError {
  const shown = typeof directive === 'string' ? directive : goFormat(directive);
  return patchInternal(`unknown patch type: ${shown} in map: ${goFormat(m)}`);
}

export const MAP_TYPE = 'map[string]interface {}';
export const SLICE_TYPE = '[]interface {}';
