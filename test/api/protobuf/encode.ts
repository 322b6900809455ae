/**
 * Test-only protobuf encoder: JSON object → Kubernetes protobuf bytes, driven by
 * the same message tables as the decoder. It mimics gogo-protobuf's generated
 * Marshal: with `gogo: true` every non-pointer field is written even when zero
 * (as kubectl does); otherwise only the keys present in the JSON are written.
 */
import { PROTOBUF_MAGIC, TABLES } from '../../../src/api/protobuf/index.ts';
import type { FieldRow } from '../../../src/api/protobuf/tables/types.ts';

const SPECIAL = new Set(['Time', 'MicroTime', 'Duration', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1']);

export class Writer {
  private parts: Buffer[] = [];
  private bytes: number[] = [];
  private flush(): void {
    if (this.bytes.length) this.parts.push(Buffer.from(this.bytes)), (this.bytes = []);
  }
  varint(v: bigint | number): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((BigInt(field) << 3n) | BigInt(wire));
  }
  raw(b: Buffer | Uint8Array): this {
    this.flush();
    this.parts.push(Buffer.from(b));
    return this;
  }
  bytesField(field: number, b: Buffer | string): this {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    return this.tag(field, 2).varint(buf.length).raw(buf);
  }
  varintField(field: number, v: bigint | number | boolean): this {
    return this.tag(field, 0).varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.parts);
  }
}

export interface EncodeOptions {
  /** Write zero-valued non-pointer fields too, like gogo's generated Marshal. */
  gogo?: boolean;
}

const TABLE_ROWS = new Map<string, readonly FieldRow[]>();
for (const t of TABLES) for (const [k, v] of Object.entries(t)) TABLE_ROWS.set(k, v);

function rowsOf(name: string): readonly FieldRow[] {
  const rows = TABLE_ROWS.get(name);
  if (!rows) throw new Error(`encode: unknown message ${name}`);
  return rows;
}

type Json = unknown;
type Obj = Record<string, Json>;

function encodeSpecial(kind: string, v: Json): Buffer | null {
  const w = new Writer();
  switch (kind) {
    case 'Time':
    case 'MicroTime': {
      if (v === null || v === undefined) return Buffer.alloc(0);
      const ms = Date.parse(v as string);
      const sec = Math.floor(ms / 1000);
      w.varintField(1, sec);
      if (kind === 'MicroTime') {
        const frac = /\.(\d+)/.exec(v as string)?.[1] ?? '';
        const nanos = Number((frac + '000000000').slice(0, 9));
        w.varintField(2, nanos);
      }
      return w.finish();
    }
    case 'Quantity':
      return w.bytesField(1, String(v)).finish();
    case 'IntOrString':
      if (typeof v === 'string') return w.varintField(1, 1).varintField(2, 0).bytesField(3, v).finish();
      return w.varintField(1, 0).varintField(2, Number(v ?? 0)).bytesField(3, '').finish();
    case 'RawExtension':
    case 'FieldsV1':
      if (v === null || v === undefined) return Buffer.alloc(0);
      return w.bytesField(1, JSON.stringify(v)).finish();
    case 'Duration':
      throw new Error('encode: Duration not supported');
  }
  throw new Error(`encode: ${kind}`);
}

function encodeElement(w: Writer, num: number, base: string, v: Json, opts: EncodeOptions): void {
  switch (base) {
    case 'string':
      w.bytesField(num, (v as string) ?? '');
      return;
    case 'bytes':
      w.bytesField(num, Buffer.from((v as string) ?? '', 'base64'));
      return;
    case 'bool':
      w.varintField(num, Boolean(v));
      return;
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      w.varintField(num, BigInt(Math.trunc(Number(v ?? 0))));
      return;
    case 'double':
      w.tag(num, 1).raw(Buffer.from(new Float64Array([Number(v)]).buffer));
      return;
    case 'float':
      w.tag(num, 5).raw(Buffer.from(new Float32Array([Number(v)]).buffer));
      return;
  }
  const payload = SPECIAL.has(base) ? encodeSpecial(base, v)! : encodeMessage(base, (v ?? {}) as Obj, opts);
  w.bytesField(num, payload);
}

export function encodeMessage(name: string, obj: Obj, opts: EncodeOptions = {}): Buffer {
  const w = new Writer();
  for (const [num, json, type] of rowsOf(name)) {
    if (json === '') {
      // inline embedded struct: its keys live in obj
      w.bytesField(num, encodeMessage(type, obj, opts));
      continue;
    }
    const key = json.replace(/\?$/, '');
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (type.startsWith('[]')) {
      for (const e of (v as Json[] | null | undefined) ?? []) encodeElement(w, num, type.slice(2), e, opts);
    } else if (type.startsWith('map[string]')) {
      const m = (v as Obj | null | undefined) ?? {};
      for (const k of Object.keys(m).sort()) {
        const ew = new Writer().bytesField(1, k);
        encodeElement(ew, 2, type.slice(11), m[k], opts);
        w.bytesField(num, ew.finish());
      }
    } else if (type.startsWith('*')) {
      if (v !== undefined && v !== null) encodeElement(w, num, type.slice(1), v, opts);
    } else if (v !== undefined || opts.gogo) {
      encodeElement(w, num, type, v, opts);
    }
  }
  return w.finish();
}

/** magic + runtime.Unknown{typeMeta, raw, contentEncoding: "", contentType: ""} */
export function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const tm = new Writer().bytesField(1, apiVersion).bytesField(2, kind).finish();
  const unk = new Writer().bytesField(1, tm).bytesField(2, raw).bytesField(3, '').bytesField(4, '').finish();
  return Buffer.concat([PROTOBUF_MAGIC, unk]);
}

const MESSAGE_OF: Record<string, string> = {
  'v1/Namespace': 'core.Namespace',
  'v1/Pod': 'core.Pod',
  'v1/Service': 'core.Service',
  'v1/Endpoints': 'core.Endpoints',
  'v1/Node': 'core.Node',
  'v1/Event': 'core.Event',
  'discovery.k8s.io/v1/EndpointSlice': 'discovery.EndpointSlice',
  'coordination.k8s.io/v1/Lease': 'coordination.Lease',
  'policy/v1/Eviction': 'policy.Eviction',
  'v1/DeleteOptions': 'meta.DeleteOptions',
};

/** Encodes a full object (with apiVersion/kind) as a Kubernetes protobuf body. */
export function encodeObject(obj: Obj, opts: EncodeOptions = {}): Buffer {
  const apiVersion = obj['apiVersion'] as string;
  const kind = obj['kind'] as string;
  const name = MESSAGE_OF[`${apiVersion}/${kind}`] ?? (kind === 'DeleteOptions' ? 'meta.DeleteOptions' : undefined);
  if (!name) throw new Error(`encode: no message for ${apiVersion}/${kind}`);
  return envelope(apiVersion, kind, encodeMessage(name, obj, opts));
}
