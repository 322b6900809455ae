/**
 * Table-driven protobuf → JSON decoder for Kubernetes API objects.
 *
 * Decoding has two steps, mirroring what the apiserver does with a protobuf
 * body: (1) unmarshal the wire bytes into a Go-like value (gogo-protobuf
 * semantics: unknown fields skipped, repeated occurrences of a singular
 * message merged, last scalar wins, repeated scalars packed or not), then
 * (2) print that value the way encoding/json prints the Go struct: JSON
 * names, omitempty, nil pointers / slices / maps, non-pointer structs always
 * present, and the custom JSON forms of Time, MicroTime, Quantity,
 * IntOrString, FieldsV1, RawExtension and Duration.
 */
import { badRequest } from '../status.ts';
import type { FieldRow, MessageTable } from './tables/types.ts';
import {
  Reader,
  protobufError,
  toInt32,
  toInt64,
  toUint32,
  toUint64,
  WIRE_BYTES,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_VARINT,
} from './wire.ts';

/** Deepest message nesting accepted (the deepest real Pod path is ~12). */
export const MAX_DEPTH = 64;

type Scalar = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float' | 'bytes';
type Special = 'Time' | 'MicroTime' | 'Duration' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'FieldsV1';
type Base = { kind: 'scalar'; scalar: Scalar } | { kind: 'special'; special: Special } | { kind: 'message'; name: string };

interface Field {
  num: number;
  /** JSON key ('' when inline). */
  json: string;
  omitempty: boolean;
  inline: boolean;
  shape: 'value' | 'ptr' | 'slice' | 'map';
  base: Base;
}

interface Message {
  name: string;
  fields: Field[];
  byNum: Map<number, Field>;
}

/** A decoded Go struct: field number → value. Key 0 holds the payload length (used by Time). */
type GoStruct = Map<number, unknown>;
type GoValue = string | number | boolean | Buffer | GoStruct | GoValue[] | Map<string, GoValue>;

const SCALARS = new Set<string>(['string', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'bytes']);

/** Wire layout of the apimachinery types with hand-written (un)marshalling. */
const SPECIALS: Record<Special, readonly FieldRow[]> = {
  Time: [
    [1, 'seconds', 'int64'],
    [2, 'nanos', 'int32'],
  ],
  MicroTime: [
    [1, 'seconds', 'int64'],
    [2, 'nanos', 'int32'],
  ],
  Duration: [[1, 'duration', 'int64']],
  Quantity: [[1, 'string', 'string']],
  IntOrString: [
    [1, 'type', 'int64'],
    [2, 'intVal', 'int32'],
    [3, 'strVal', 'string'],
  ],
  RawExtension: [[1, 'raw', 'bytes']],
  FieldsV1: [[1, 'Raw', 'bytes']],
};

const EXPECTED_WIRE: Record<Scalar, number> = {
  string: WIRE_BYTES,
  bytes: WIRE_BYTES,
  bool: WIRE_VARINT,
  int32: WIRE_VARINT,
  int64: WIRE_VARINT,
  uint32: WIRE_VARINT,
  uint64: WIRE_VARINT,
  double: WIRE_FIXED64,
  float: WIRE_FIXED32,
};

function parseBase(t: string, ctx: string): Base {
  if (SCALARS.has(t)) return { kind: 'scalar', scalar: t as Scalar };
  if (t in SPECIALS) return { kind: 'special', special: t as Special };
  if (/^[a-z]+\.[A-Z]\w*$/.test(t)) return { kind: 'message', name: t };
  throw new Error(`protobuf tables: bad type ${JSON.stringify(t)} at ${ctx}`);
}

/** Compiles and caches message tables; unknown names are reported when first used. */
export class Registry {
  private readonly rows = new Map<string, readonly FieldRow[]>();
  private readonly compiled = new Map<string, Message>();

  constructor(tables: readonly MessageTable[]) {
    for (const [name, rows] of Object.entries(SPECIALS)) this.rows.set(name, rows);
    for (const t of tables) {
      for (const [name, rows] of Object.entries(t)) {
        if (this.rows.has(name)) throw new Error(`protobuf tables: duplicate message ${name}`);
        this.rows.set(name, rows);
      }
    }
  }

  has(name: string): boolean {
    return this.rows.has(name);
  }

  names(): string[] {
    return [...this.rows.keys()];
  }

  message(name: string): Message {
    const hit = this.compiled.get(name);
    if (hit) return hit;
    const rows = this.rows.get(name);
    if (!rows) throw new Error(`protobuf tables: unknown message ${name}`);
    const fields: Field[] = rows.map(([num, json, type]) => {
      const ctx = `${name}.${num}`;
      const omitempty = json.endsWith('?');
      const inline = json === '';
      let shape: Field['shape'] = 'value';
      let t = type;
      if (t.startsWith('*')) (shape = 'ptr'), (t = t.slice(1));
      else if (t.startsWith('[]')) (shape = 'slice'), (t = t.slice(2));
      else if (t.startsWith('map[string]')) (shape = 'map'), (t = t.slice(11));
      const base = parseBase(t, ctx);
      if (inline && (shape !== 'value' || base.kind !== 'message')) throw new Error(`protobuf tables: inline field must be a struct at ${ctx}`);
      return { num, json: omitempty ? json.slice(0, -1) : json, omitempty, inline, shape, base };
    });
    const msg: Message = { name, fields, byNum: new Map(fields.map((f) => [f.num, f])) };
    this.compiled.set(name, msg);
    // Resolve referenced messages eagerly so table errors surface here, not mid-request.
    for (const f of fields) if (f.base.kind === 'message' && !this.rows.has(f.base.name)) throw new Error(`protobuf tables: ${name}.${f.num} refers to unknown ${f.base.name}`);
    return msg;
  }

  /** Checks every table row (used by tests). */
  validateAll(): void {
    for (const name of this.rows.keys()) this.message(name);
  }
}

// ------------------------------------------------------------------ decode

class Decoder {
  constructor(
    private readonly reg: Registry,
    private readonly buf: Buffer,
  ) {}

  /** Unmarshals buf[start, end) into `into` (merging, like gogo's generated Unmarshal). */
  decodeMessage(name: string, start: number, end: number, into: GoStruct, depth: number): GoStruct {
    if (depth > MAX_DEPTH) throw protobufError(`messages nested more than ${MAX_DEPTH} deep`);
    const msg = this.reg.message(name);
    const r = new Reader(this.buf, start, end);
    into.set(0, end - start);
    while (!r.done) {
      const [num, wire] = r.tag();
      const f = msg.byNum.get(num);
      if (!f) {
        r.skip(num, wire);
        continue;
      }
      switch (f.shape) {
        case 'slice': {
          // A slice stays nil (absent) until an element arrives, as in gogo's generated code.
          const list = (into.get(num) as GoValue[] | undefined) ?? [];
          if (wire === WIRE_BYTES && f.base.kind === 'scalar' && EXPECTED_WIRE[f.base.scalar] !== WIRE_BYTES) {
            // packed repeated scalars
            const [s, e] = r.delimited();
            const pr = new Reader(this.buf, s, e);
            while (!pr.done) list.push(this.scalar(f.base.scalar, pr));
          } else {
            list.push(this.element(msg, f, wire, r, undefined, depth));
          }
          if (list.length) into.set(num, list);
          break;
        }
        case 'map': {
          if (wire !== WIRE_BYTES) throw wrongWire(msg, f, wire);
          let map = into.get(num) as Map<string, GoValue> | undefined;
          if (!map) into.set(num, (map = new Map()));
          const [s, e] = r.delimited();
          this.mapEntry(msg, f, s, e, map, depth);
          break;
        }
        default:
          into.set(num, this.element(msg, f, wire, r, into.get(num), depth));
      }
    }
    return into;
  }

  private element(msg: Message, f: Field, wire: number, r: Reader, existing: unknown, depth: number): GoValue {
    const b = f.base;
    if (b.kind === 'scalar') {
      if (wire !== EXPECTED_WIRE[b.scalar]) throw wrongWire(msg, f, wire);
      return this.scalar(b.scalar, r);
    }
    if (wire !== WIRE_BYTES) throw wrongWire(msg, f, wire);
    const [s, e] = r.delimited();
    const name = b.kind === 'message' ? b.name : b.special;
    // metav1.Time / MicroTime Unmarshal replace the value; generated code merges.
    const fresh = b.kind === 'special' && (b.special === 'Time' || b.special === 'MicroTime');
    const into = !fresh && existing instanceof Map ? (existing as GoStruct) : new Map<number, unknown>();
    return this.decodeMessage(name, s, e, into, depth + 1);
  }

  private mapEntry(msg: Message, f: Field, start: number, end: number, map: Map<string, GoValue>, depth: number): void {
    const r = new Reader(this.buf, start, end);
    let key = '';
    let value: GoValue | undefined;
    while (!r.done) {
      // gogo's generated map-entry code reads key and value by their declared
      // type without looking at the wire type; so do we.
      const [num, wire] = r.tag(true);
      if (num === 1) {
        key = this.scalar('string', r) as string;
      } else if (num === 2) {
        value = this.element(msg, { ...f, shape: 'value' }, entryWire(f.base), r, undefined, depth);
      } else {
        r.skip(num, wire);
      }
    }
    map.set(key, value ?? zeroElement(f.base));
  }

  private scalar(s: Scalar, r: Reader): GoValue {
    switch (s) {
      case 'string': {
        const [a, b] = r.delimited();
        return this.buf.toString('utf8', a, b);
      }
      case 'bytes': {
        const [a, b] = r.delimited();
        return Buffer.from(this.buf.subarray(a, b));
      }
      case 'bool': {
        const v = r.varint64();
        return v.lo !== 0 || v.hi !== 0;
      }
      case 'int32':
        return toInt32(r.varint64());
      case 'int64':
        return toInt64(r.varint64());
      case 'uint32':
        return toUint32(r.varint64());
      case 'uint64':
        return toUint64(r.varint64());
      case 'double':
        return r.double();
      case 'float':
        return r.float();
    }
  }
}

function entryWire(b: Base): number {
  return b.kind === 'scalar' ? EXPECTED_WIRE[b.scalar] : WIRE_BYTES;
}

function wrongWire(msg: Message, f: Field, wire: number): Error {
  return protobufError(`wrong wire type ${wire} for field ${f.json || f.num} (${f.num}) of ${msg.name}`);
}

function zeroElement(b: Base): GoValue {
  if (b.kind !== 'scalar') return new Map<number, unknown>();
  switch (b.scalar) {
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'bool':
      return false;
    default:
      return 0;
  }
}

// -------------------------------------------------------------- to JSON

const OMIT = Symbol('omit');

class Printer {
  constructor(private readonly reg: Registry) {}

  struct(name: string, s: GoStruct | undefined, out: Record<string, unknown> = {}): Record<string, unknown> {
    const msg = this.reg.message(name);
    for (const f of msg.fields) {
      const v = s?.get(f.num);
      if (f.inline) {
        this.struct((f.base as { name: string }).name, v as GoStruct | undefined, out);
        continue;
      }
      const j = this.field(f, v);
      if (j !== OMIT) out[f.json] = j;
    }
    return out;
  }

  private field(f: Field, v: unknown): unknown {
    switch (f.shape) {
      case 'ptr':
        if (v === undefined) return f.omitempty ? OMIT : null;
        return this.element(f.base, v as GoValue);
      case 'slice':
        if (v === undefined) return f.omitempty ? OMIT : null;
        return (v as GoValue[]).map((e) => this.element(f.base, e));
      case 'map': {
        const m = v as Map<string, GoValue> | undefined;
        if (m === undefined) return f.omitempty ? OMIT : null; // a decoded map is never empty
        const o: Record<string, unknown> = {};
        for (const k of [...m.keys()].sort(compareGoStrings)) {
          // defineProperty: a "__proto__" key must become an own property, as JSON.parse makes it
          Object.defineProperty(o, k, { value: this.element(f.base, m.get(k)!), enumerable: true, writable: true, configurable: true });
        }
        return o;
      }
      case 'value': {
        const b = f.base;
        if (b.kind !== 'scalar') return this.element(b, v as GoValue | undefined); // structs are never omitted
        if (b.scalar === 'bytes') {
          if (v === undefined) return f.omitempty ? OMIT : null;
          if ((v as Buffer).length === 0 && f.omitempty) return OMIT;
          return (v as Buffer).toString('base64');
        }
        const val = v === undefined ? zeroElement(b) : v;
        if (f.omitempty && (val === '' || val === 0 || val === false)) return OMIT;
        return this.element(b, val as GoValue);
      }
    }
  }

  private element(b: Base, v: GoValue | undefined): unknown {
    switch (b.kind) {
      case 'scalar':
        if (b.scalar === 'bytes') return (v as Buffer).toString('base64');
        if (typeof v === 'number' && !Number.isFinite(v)) throw badRequest(`unable to decode protobuf body: json: unsupported value: ${v}`);
        return v;
      case 'message':
        return this.struct(b.name, v as GoStruct | undefined);
      case 'special':
        return special(b.special, v as GoStruct | undefined);
    }
  }
}

/** Go sorts map keys by byte order; JS sort compares UTF-16 units, which differs only for astral vs. BMP-high chars. */
function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ------------------------------------------------------- special types

/** Seconds from 0001-01-01 to 1970-01-01: Go's zero time.Time. */
const GO_ZERO_UNIX = -62135596800;
const MAX_DATE_SECONDS = 8.64e12; // JS Date range, ±275760 years

function num(s: GoStruct | undefined, n: number): number {
  const v = s?.get(n);
  return typeof v === 'number' ? v : 0;
}

function special(kind: Special, s: GoStruct | undefined): unknown {
  switch (kind) {
    case 'Time': {
      // time_proto.go: empty payload = zero time; nanos are dropped.
      if (!s || num(s, 0) === 0) return null;
      const sec = num(s, 1);
      if (sec === GO_ZERO_UNIX) return null;
      return formatTime(sec, 0, false);
    }
    case 'MicroTime': {
      if (!s || num(s, 0) === 0) return null;
      // Printed at microsecond precision. Measured against kubectl v1.33: the
      // sub-second part is nanos / 1000 truncated toward zero (nanos = -1
      // prints as +0µs, -1001 as -1µs), carried into the seconds.
      const sec = num(s, 1);
      const ns = num(s, 2);
      if (sec === GO_ZERO_UNIX && ns === 0) return null;
      const us = Math.trunc(ns / 1000);
      const carry = Math.floor(us / 1e6);
      return formatTime(sec + carry, (us - carry * 1e6) * 1000, true);
    }
    case 'Quantity': {
      // Quantity.Unmarshal only sets the value when field 1 is present; the zero Quantity prints as "0".
      const v = s?.get(1);
      return typeof v === 'string' ? v : '0';
    }
    case 'IntOrString': {
      const type = num(s, 1);
      if (type === 0) return num(s, 2);
      if (type === 1) return (s?.get(3) as string | undefined) ?? '';
      throw badRequest(`unable to decode protobuf body: impossible IntOrString.Type ${type}`);
    }
    case 'RawExtension':
    case 'FieldsV1': {
      const raw = s?.get(1) as Buffer | undefined;
      if (raw === undefined) return null;
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw badRequest(`unable to decode protobuf body: ${kind} does not hold JSON`);
      }
    }
    case 'Duration':
      return formatDuration(BigInt(num(s, 1)));
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Go's Time.UTC().Format(RFC3339 / RFC3339Micro). */
function formatTime(sec: number, nanos: number, micro: boolean): string {
  if (!(Math.abs(sec) <= MAX_DATE_SECONDS)) throw badRequest(`unable to decode protobuf body: time ${sec}s is out of range`);
  const d = new Date(sec * 1000);
  const y = d.getUTCFullYear();
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  let s = `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (micro) s += `.${pad(Math.floor(nanos / 1000), 6)}`;
  return `${s}Z`;
}

/** Go's time.Duration.String(). */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1000000000n) {
    // sub-second: ns, µs or ms with a fraction
    const [unit, div] = u < 1000n ? ['ns', 1n] : u < 1000000n ? ['µs', 1000n] : ['ms', 1000000n];
    out = frac(u, div) + unit;
  } else {
    const h = u / 3600000000000n;
    u -= h * 3600000000000n;
    const m = u / 60000000000n;
    u -= m * 60000000000n;
    out = `${frac(u, 1000000000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return neg ? `-${out}` : out;
}

function frac(v: bigint, div: bigint): string {
  const whole = v / div;
  const rest = v % div;
  if (rest === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

// ---------------------------------------------------------------- API

/** Decodes buf[start, end) as message `name` and prints its JSON form. */
export function decodeToJSON(reg: Registry, name: string, buf: Buffer, start = 0, end = buf.length): Record<string, unknown> {
  const value = new Decoder(reg, buf).decodeMessage(name, start, end, new Map(), 0);
  return new Printer(reg).struct(name, value);
}

