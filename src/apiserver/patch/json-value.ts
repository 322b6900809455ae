/**
 * JSON values as the patch code sees them, plus the small helpers every patch
 * type needs: deep copy, structural equality, own-key access that is safe for
 * a "__proto__" key, and Go-style formatting for error messages (Kubernetes
 * prints values with %v, and clients show those messages verbatim).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property lookup; `undefined` when absent (a JSON null stays null). */
export function getKey(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Assigns an own data property, even for "__proto__" (never the prototype setter). */
export function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Deep copy of a JSON value; `undefined` becomes null (JSON has no undefined). */
export function cloneJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(cloneJson);
  if (typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, child] of Object.entries(v)) {
      if (child !== undefined) setKey(out, k, cloneJson(child));
    }
    return out;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return null;
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Go's `==` on interface{} values decoded from JSON: scalars compare by value,
 * nil equals nil (a missing map key reads as nil), maps and slices are never
 * equal (Go would panic; newer apimachinery treats them as unequal).
 */
export function goScalarEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (typeof x === 'object' && x !== null) return false;
  if (typeof y === 'object' && y !== null) return false;
  return x === y;
}

/** The kind of a JSON value, as Go's reflect.TypeOf would distinguish it. */
export type JsonKind = 'nil' | 'bool' | 'number' | 'string' | 'slice' | 'map';

export function kindOf(v: JsonValue | undefined): JsonKind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'map';
  }
}

/** Formats like Go's %v for values decoded into interface{} (map keys sorted). */
export function goFormat(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** The Go type name reflect prints for a decoded JSON value (used in "expected a X, but received a Y"). */
export function goTypeName(v: JsonValue | undefined): string {
  switch (kindOf(v)) {
    case 'nil':
      return '%!s(<nil>)';
    case 'bool':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    default:
      return 'map[string]interface {}';
  }
}

/** The word encoding/json uses for a JSON value in UnmarshalTypeError ("object", "array", ...). */
export function jsonTypeWord(v: JsonValue): string {
  switch (kindOf(v)) {
    case 'map':
      return 'object';
    case 'slice':
      return 'array';
    case 'nil':
      return 'null';
    default:
      return kindOf(v);
  }
}
