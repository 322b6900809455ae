/**
 * Protobuf wire-format reader: varints, fixed32/64 and length-delimited
 * fields over a Buffer slice. Every read is bounds-checked and reports
 * problems as 400 BadRequest ApiErrors; nothing here allocates more than the
 * input holds or loops without consuming input.
 */
import { badRequest, type ApiError } from '../status.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;


export function protobufError(message: string): ApiError {
  return badRequest(`unable to decode protobuf body: ${message}`);
}

/** A 64-bit varint as two unsigned 32-bit halves. */
export interface Varint64 {
  lo: number;
  hi: number;
}

export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private eof(what: string): never {
    throw protobufError(`unexpected end of data reading ${what} at offset ${this.pos}`);
  }

  /** Reads a varint of up to 10 bytes (bits past 64 are dropped, as in Go). */
  varint64(): Varint64 {
    const { buf, end } = this;
    let lo = 0;
    let hi = 0;
    let b: number;
    // bytes 0..3: bits 0..27
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= end) this.eof('varint');
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return { lo: lo >>> 0, hi: 0 };
    }
    // byte 4: bits 28..34
    if (this.pos >= end) this.eof('varint');
    b = buf[this.pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return { lo: lo >>> 0, hi };
    // bytes 5..9: bits 35..69
    for (let shift = 3; shift < 38; shift += 7) {
      if (this.pos >= end) this.eof('varint');
      b = buf[this.pos++]!;
      if (shift < 32) hi |= (b & 0x7f) << shift;
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw protobufError(`varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** A varint that must fit a non-negative JS integer below 2^31 (lengths, tags). */
  private smallVarint(what: string): number {
    const start = this.pos;
    const { lo, hi } = this.varint64();
    if (hi !== 0 || lo > 0x7fffffff) throw protobufError(`${what} out of range at offset ${start}`);
    return lo;
  }

  /**
   * Reads a field key; returns [field number, wire type]. The field number is
   * int32(key >> 3), as gogo computes it. Numbers <= 0 are illegal except where
   * gogo does not check them (inside map entries: `allowNonPositive`).
   */
  tag(allowNonPositive = false): [number, number] {
    const start = this.pos;
    const { lo, hi } = this.varint64();
    const wire = lo & 7;
    const field = ((hi << 29) | (lo >>> 3)) | 0;
    if (field <= 0 && !allowNonPositive) throw protobufError(`illegal field tag at offset ${start}`);
    // Wire types 6 and 7 are rejected where the value is read or skipped, not here:
    // gogo's map-entry code ignores the wire type of key and value altogether.
    return [field, wire];
  }

  /** Reads a length prefix and returns the [start, end) of the payload, advancing past it. */
  delimited(): [number, number] {
    const len = this.smallVarint('length');
    const start = this.pos;
    if (len > this.end - start) throw protobufError(`length ${len} at offset ${start} runs past the end of the message`);
    this.pos = start + len;
    return [start, start + len];
  }

  fixed32(): number {
    if (this.end - this.pos < 4) this.eof('fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Raw 8 bytes as halves. */
  fixed64(): Varint64 {
    if (this.end - this.pos < 8) this.eof('fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return { lo, hi };
  }

  float(): number {
    if (this.end - this.pos < 4) this.eof('float');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.end - this.pos < 8) this.eof('double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Skips the value of a field with the given wire type (unknown fields). */
  skip(field: number, wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.fixed64();
        return;
      case WIRE_BYTES:
        this.delimited();
        return;
      case WIRE_FIXED32:
        this.fixed32();
        return;
      case WIRE_START_GROUP:
        this.skipGroup();
        return;
      case WIRE_END_GROUP:
        throw protobufError(`unexpected end-group tag for field ${field} at offset ${this.pos}`);
      default:
        throw protobufError(`illegal wire type ${wire} for field ${field} at offset ${this.pos}`);
    }
  }

  /**
   * Skips to the end of a group, like gogo's skipGenerated: nesting is only
   * counted (end-group field numbers are not matched), so no recursion.
   */
  private skipGroup(): void {
    let depth = 1;
    while (depth > 0) {
      if (this.done) this.eof('group');
      const [f, w] = this.tag(true);
      if (w === WIRE_START_GROUP) depth++;
      else if (w === WIRE_END_GROUP) depth--;
      else this.skip(f, w);
    }
  }
}

// ---------------------------------------------------------- conversions

export function toInt32(v: Varint64): number {
  return v.lo | 0;
}

export function toUint32(v: Varint64): number {
  return v.lo >>> 0;
}

/** int64 as a JS number (exact up to 2^53, nearest double beyond, like JSON.parse of Go's output). */
export function toInt64(v: Varint64): number {
  if (v.hi === 0) return v.lo;
  if (v.hi === 0xffffffff && v.lo >= 0x80000000) return v.lo - 0x100000000;
  return Number(BigInt.asIntN(64, (BigInt(v.hi) << 32n) | BigInt(v.lo)));
}

export function toUint64(v: Varint64): number {
  return v.hi * 0x100000000 + v.lo;
}
