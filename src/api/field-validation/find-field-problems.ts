/**
 * Unknown and duplicate fields, found the way the apiserver's strict JSON
 * decoder (sigs.k8s.io/json, decoding into the Go structs) finds them:
 *
 *  - a key a struct does not have is an unknown field; its value is skipped,
 *    so nothing inside it is reported;
 *  - a key seen twice in one struct or map is a duplicate field; the second
 *    value is still decoded, so problems inside it are reported too;
 *  - maps take any key; int-or-string, quantity, time and free-form values
 *    (RawExtension, FieldsV1) decode themselves and are not looked into;
 *  - a value of the wrong JSON type is a different (non-strict) error and is
 *    not looked into either;
 *  - paths: `spec.ports[0].name`, map keys as `metadata.labels.app`, no
 *    leading dot; each problem is reported once, at most 100 in all.
 *
 * Pure: no I/O, never mutates its inputs.
 */
import type { Definitions, ObjectSchema, Schema } from '../schema-types.ts';
import { JsonScanner, JsonSyntaxError } from './json-scanner.ts';

export interface FieldProblem {
  readonly kind: 'unknown' | 'duplicate';
  /** Path as Kubernetes prints it: `spec.ports[0].foo`. */
  readonly path: string;
}

export interface FieldProblems {
  /** Paths of unknown fields, in document order. */
  readonly unknown: string[];
  /** Paths of duplicate fields, in document order. */
  readonly duplicate: string[];
  /** Both kinds, in document order (the order the apiserver reports them). */
  readonly all: FieldProblem[];
}

/** The decoder stops collecting after this many (sigs.k8s.io/json does too). */
const MAX_PROBLEMS = 100;

class Collector {
  private readonly seen = new Set<string>();
  readonly all: FieldProblem[] = [];

  add(kind: FieldProblem['kind'], path: string): void {
    const key = `${kind} ${path}`;
    if (this.all.length >= MAX_PROBLEMS || this.seen.has(key)) return;
    this.seen.add(key);
    this.all.push({ kind, path });
  }

  result(): FieldProblems {
    return {
      unknown: this.all.filter((p) => p.kind === 'unknown').map((p) => p.path),
      duplicate: this.all.filter((p) => p.kind === 'duplicate').map((p) => p.path),
      all: this.all,
    };
  }
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Follows refs to the schema that describes the value's shape. */
function resolve(s: Schema, defs: Definitions): Schema | undefined {
  let cur: Schema | undefined = s;
  for (let hops = 0; cur?.type === 'ref' && hops < 32; hops++) cur = defs[cur.name];
  return cur?.type === 'ref' ? undefined : cur;
}

/**
 * Scans request body text. Malformed JSON yields no problems: the decoder's
 * syntax error is what the client must see, and strict errors are only
 * reported for bodies that decode.
 */
export function findFieldProblems(rawJsonText: string, schema: ObjectSchema, defs: Definitions): FieldProblems {
  const out = new Collector();
  const sc = new JsonScanner(rawJsonText);
  try {
    walkText(sc, schema, defs, '', out);
    sc.end();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return new Collector().result();
    throw e;
  }
  return out.result();
}

function walkText(sc: JsonScanner, schema: Schema, defs: Definitions, path: string, out: Collector): void {
  const s = resolve(schema, defs);
  const next = sc.peekValue();
  if (s?.type === 'object' && next === 'object') {
    const seen = new Set<string>();
    sc.beginObject();
    for (let key = sc.nextKey(); key !== undefined; key = sc.nextKey()) {
      const prop = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
      if (!prop) {
        out.add('unknown', child(path, key));
        sc.skipValue();
        continue;
      }
      if (seen.has(key)) out.add('duplicate', child(path, key));
      seen.add(key);
      walkText(sc, prop, defs, child(path, key), out);
    }
    return;
  }
  if (s?.type === 'map' && next === 'object') {
    const seen = new Set<string>();
    sc.beginObject();
    for (let key = sc.nextKey(); key !== undefined; key = sc.nextKey()) {
      if (seen.has(key)) out.add('duplicate', child(path, key));
      seen.add(key);
      walkText(sc, s.values, defs, child(path, key), out);
    }
    return;
  }
  if (s?.type === 'array' && next === 'array') {
    sc.beginArray();
    for (let i = 0; sc.nextElement(); i++) walkText(sc, s.items, defs, `${path}[${i}]`, out);
    return;
  }
  sc.skipValue();
}

/**
 * Unknown fields of an already parsed value (a YAML body after conversion,
 * or a patched object). Duplicates cannot be seen here; use
 * findFieldProblems on the raw text for those.
 */
export function findUnknownFields(obj: unknown, schema: ObjectSchema, defs: Definitions): string[] {
  const out = new Collector();
  walkValue(obj, schema, defs, '', out);
  return out.result().unknown;
}

function walkValue(v: unknown, schema: Schema, defs: Definitions, path: string, out: Collector): void {
  const s = resolve(schema, defs);
  if (!s || v === null || typeof v !== 'object') return;
  if (s.type === 'array') {
    if (Array.isArray(v)) v.forEach((item, i) => walkValue(item, s.items, defs, `${path}[${i}]`, out));
    return;
  }
  if (Array.isArray(v)) return;
  const rec = v as Record<string, unknown>;
  if (s.type === 'object') {
    for (const key of Object.keys(rec)) {
      const prop = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
      if (prop) walkValue(rec[key], prop, defs, child(path, key), out);
      else out.add('unknown', child(path, key));
    }
  } else if (s.type === 'map') {
    for (const key of Object.keys(rec)) walkValue(rec[key], s.values, defs, child(path, key), out);
  }
}
