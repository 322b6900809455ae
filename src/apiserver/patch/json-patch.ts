/**
 * RFC 6902 JSON patch with RFC 6901 pointers, behaving like
 * gopkg.in/evanphx/json-patch.v4 (v4.12), which the apiserver runs for
 * application/json-patch+json. Its deviations from the RFC are kept on purpose,
 * since clients are written against them:
 *  - "replace" of a missing object member adds it (only array indexes must exist);
 *  - negative array indexes count from the end;
 *  - a JSON null member reads as missing (test with value null passes);
 *  - "replace"/"test" with path "" act on the whole document.
 * Error texts are the library's; a failed op becomes a 422 (see applyJsonPatch).
 */
import { patchBadRequest, patchNotApplicable } from './patch-errors.ts';
import { parseGoJson, unmarshalTypeError } from './go-json.ts';
import { cloneJson, deepEqual, getKey, isObject, jsonTypeWord, setKey, type JsonObject, type JsonValue } from './json-value.ts';
import { statusError } from '../../api/status.ts';

/** One operation as decoded: any JSON object (or null), fields are read lazily like the Go library. */
export type JsonPatchOperation = JsonObject | null;

/** The apiserver refuses larger patches (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * Decodes a patch body. Malformed JSON or a non-array → 400 with encoding/json's
 * message; more than 10000 operations → 413.
 */
export function decodeJsonPatch(text: string): JsonPatchOperation[] {
  const parsed = parseGoJson(text);
  if (!parsed.ok) throw patchBadRequest(parsed.message);
  const v = parsed.value;
  if (v === null) return [];
  if (!Array.isArray(v)) throw patchBadRequest(unmarshalTypeError(jsonTypeWord(v), 'jsonpatch.Patch'));
  const bad = v.find((op) => op !== null && !isObject(op));
  if (bad !== undefined) throw patchBadRequest(unmarshalTypeError(jsonTypeWord(bad), 'jsonpatch.Operation'));
  if (v.length > MAX_JSON_PATCH_OPERATIONS) {
    throw statusError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${v.length}`,
    );
  }
  return v as JsonPatchOperation[];
}

/**
 * Applies `ops` in order to a deep copy of `original` (which is never mutated).
 * The first failing operation aborts the whole patch with a 422 whose cause
 * carries the library's error text, as the apiserver reports it.
 */
export function applyJsonPatch(original: unknown, ops: readonly JsonPatchOperation[]): JsonValue {
  const doc: Root = { value: cloneJson(original) };
  for (const op of ops) {
    const err = applyOperation(doc, op);
    if (err !== undefined) throw patchNotApplicable(err);
  }
  return doc.value;
}

// ------------------------------------------------------------------ engine

/** Holder for the document so "replace" at "" can swap it. */
interface Root {
  value: JsonValue;
}

type Container = JsonObject | JsonValue[];

/** An error text, or undefined on success. */
type OpResult = string | undefined;

const MISSING = 'missing value';

function applyOperation(root: Root, op: JsonPatchOperation): OpResult {
  const kind = op && typeof getKey(op, 'op') === 'string' ? (getKey(op, 'op') as string) : 'unknown';
  const o = op ?? {};
  switch (kind) {
    case 'add':
      return opAdd(root, o);
    case 'remove':
      return opRemove(root, o);
    case 'replace':
      return opReplace(root, o);
    case 'move':
      return opMove(root, o);
    case 'test':
      return opTest(root, o);
    case 'copy':
      return opCopy(root, o);
    default:
      return `Unexpected kind: ${kind}`;
  }
}

/** Reads a string field like Operation.Path()/From(): { value } or { err }. */
function stringField(op: JsonObject, name: 'path' | 'from'): { value: string; err?: undefined } | { err: string } {
  const v = getKey(op, name);
  if (v === undefined || v === null) {
    return { err: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { err: unmarshalTypeError(jsonTypeWord(v), 'string') };
  return { value: v };
}

/** The operation's value; an absent "value" reads as null, like a nil lazyNode marshals. */
function opValue(op: JsonObject): JsonValue {
  const v = getKey(op, 'value');
  return v === undefined ? null : cloneJson(v);
}

function opAdd(root: Root, op: JsonObject): OpResult {
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `add operation failed to decode path: ${MISSING}`;
  const found = findContainer(root.value, path.value);
  if (!found) return `add operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const err = containerAdd(found.con, found.key, opValue(op));
  return err && `error in add for path: '${path.value}': ${err}`;
}

function opRemove(root: Root, op: JsonObject): OpResult {
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `remove operation failed to decode path: ${MISSING}`;
  const found = findContainer(root.value, path.value);
  if (!found) return `remove operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const err = containerRemove(found.con, found.key);
  return err && `error in remove for path: '${path.value}': ${err}`;
}

function opReplace(root: Root, op: JsonObject): OpResult {
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `replace operation failed to decode path: ${path.err}`;
  if (path.value === '') {
    // The library replaces the root only with an object or array; any other
    // value silently leaves the document as it was.
    const v = opValue(op);
    if (isObject(v) || Array.isArray(v)) root.value = v;
    return undefined;
  }
  const found = findContainer(root.value, path.value);
  if (!found) return `replace operation does not apply: doc is missing path: ${path.value}: ${MISSING}`;
  if (containerGet(found.con, found.key).err !== undefined) {
    return `replace operation does not apply: doc is missing key: ${path.value}: ${MISSING}`;
  }
  containerSet(found.con, found.key, opValue(op));
  return undefined;
}

function opMove(root: Root, op: JsonObject): OpResult {
  const from = stringField(op, 'from');
  if (from.err !== undefined) return `move operation failed to decode from: ${from.err}`;
  const src = findContainer(root.value, from.value);
  if (!src) return `move operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const got = containerGet(src.con, src.key);
  if (got.err !== undefined) return `error in move for path: '${src.key}': ${got.err}`;
  const removeErr = containerRemove(src.con, src.key);
  if (removeErr) return `error in move for path: '${src.key}': ${removeErr}`;
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `move operation failed to decode path: ${path.err}`;
  const dst = findContainer(root.value, path.value);
  if (!dst) return `move operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const err = containerAdd(dst.con, dst.key, got.value ?? null);
  return err && `error in move for path: '${path.value}': ${err}`;
}

function opTest(root: Root, op: JsonObject): OpResult {
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `test operation failed to decode path: ${path.err}`;
  const failed = `testing value ${path.value} failed: test failed`;
  const want = getKey(op, 'value');
  if (path.value === '') return deepEqual(root.value, want ?? null) ? undefined : failed;
  const found = findContainer(root.value, path.value);
  if (!found) return `test operation does not apply: is missing path: ${path.value}: ${MISSING}`;
  const got = containerGet(found.con, found.key);
  if (got.err !== undefined) return `error in test for path: '${path.value}': ${got.err}`;
  if (got.value === undefined || got.value === null) return want === undefined || want === null ? undefined : failed;
  if (want === undefined) return failed;
  return deepEqual(got.value, want) ? undefined : failed;
}

function opCopy(root: Root, op: JsonObject): OpResult {
  const from = stringField(op, 'from');
  if (from.err !== undefined) return `copy operation failed to decode from: ${from.err}`;
  const src = findContainer(root.value, from.value);
  if (!src) return `copy operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const got = containerGet(src.con, src.key);
  if (got.err !== undefined) return `error in copy for from: '${from.value}': ${got.err}`;
  const path = stringField(op, 'path');
  if (path.err !== undefined) return `copy operation failed to decode path: ${MISSING}`;
  const dst = findContainer(root.value, path.value);
  if (!dst) return `copy operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const err = containerAdd(dst.con, dst.key, cloneJson(got.value ?? null));
  return err && `error while adding value during copy: ${err}`;
}

// ------------------------------------------------------------ containers

/** RFC 6901 unescaping in one left-to-right pass ("~01" is "~1"). */
function decodePointerToken(s: string): string {
  return s.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/**
 * Walks every token but the last; the container holding the last token, or
 * undefined when an intermediate value is missing, null or a scalar. Like the
 * library, a path not starting with "/" has its first token ignored.
 */
function findContainer(doc: JsonValue, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: JsonValue = doc;
  for (const part of split.slice(1, -1)) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    const next = containerGet(cur, decodePointerToken(part));
    if (next.err !== undefined || next.value === undefined || next.value === null) return undefined;
    cur = next.value;
  }
  if (!isObject(cur) && !Array.isArray(cur)) return undefined;
  return { con: cur, key: decodePointerToken(split[split.length - 1]!) };
}

/** strconv.Atoi: optional sign and decimal digits only. */
function atoi(key: string): { value: number; err?: undefined } | { err: string } {
  if (!/^[+-]?[0-9]+$/.test(key)) return { err: `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax` };
  const n = Number(key);
  if (!Number.isSafeInteger(n)) return { err: `strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range` };
  return { value: n };
}

const invalidIndex = (idx: number): string => `Unable to access invalid index: ${idx}: invalid index referenced`;

/** Resolves an index against `len` elements, negative counting from the end. */
function normalizeIndex(idx: number, len: number): number | undefined {
  const i = idx < 0 ? idx + len : idx;
  return idx < -len || i >= len ? undefined : i;
}

function containerGet(con: Container, key: string): { value: JsonValue | undefined; err?: undefined } | { err: string } {
  if (!Array.isArray(con)) return { value: getKey(con, key) };
  const idx = atoi(key);
  if (idx.err !== undefined) return { err: idx.err };
  const i = normalizeIndex(idx.value, con.length);
  if (i === undefined) return { err: invalidIndex(idx.value) };
  return { value: con[i] };
}

function containerSet(con: Container, key: string, value: JsonValue): void {
  if (!Array.isArray(con)) return setKey(con, key, value);
  const idx = atoi(key);
  const i = idx.err === undefined ? normalizeIndex(idx.value, con.length) : undefined;
  if (i !== undefined) con[i] = value;
}

function containerAdd(con: Container, key: string, value: JsonValue): string | undefined {
  if (!Array.isArray(con)) {
    setKey(con, key, value);
    return undefined;
  }
  if (key === '-') {
    con.push(value);
    return undefined;
  }
  const idx = atoi(key);
  if (idx.err !== undefined) return `value was not a proper array index: '${key}': ${idx.err}`;
  const i = normalizeIndex(idx.value, con.length + 1);
  if (i === undefined) return invalidIndex(idx.value);
  con.splice(i, 0, value);
  return undefined;
}

function containerRemove(con: Container, key: string): string | undefined {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
    delete con[key];
    return undefined;
  }
  const idx = atoi(key);
  if (idx.err !== undefined) return idx.err;
  const i = normalizeIndex(idx.value, con.length);
  if (i === undefined) return invalidIndex(idx.value);
  con.splice(i, 1);
  return undefined;
}
