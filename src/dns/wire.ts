/**
 * DNS wire format (RFC 1035, 3597, 6891): constants, message types, names and
 * the encoder with name compression. Parsing lives in parse.ts, addresses in
 * ip.ts.
 *
 * Names are presentation strings without the trailing dot ("" is the root),
 * in the case they arrived in. Label bytes outside [!-~], and "." and "\",
 * are escaped as \DDD / \. / \\ so every name round-trips byte for byte.
 *
 * Contract: decoders never throw anything but WireError and never read
 * outside the buffer; a compression pointer must point strictly backwards,
 * so pointer loops are impossible; a name's wire length is at most 255.
 */

import { ipv4Bytes, ipv6Bytes } from './ip.ts';

export const Type = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, PTR: 12, HINFO: 13, MINFO: 14, MX: 15, TXT: 16,
  RP: 17, AFSDB: 18, AAAA: 28, SRV: 33, NAPTR: 35, KX: 36, DNAME: 39, OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48,
  HTTPS: 65, SVCB: 64, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, CAA: 257,
} as const;

export const Class = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Type).map(([k, v]) => [v, k]));
const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Rcode).map(([k, v]) => [v, k]));

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}
export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

/** A malformed message. Built without a stack trace: a flood of bad packets must stay cheap. */
export class WireError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export interface Question {
  /** Presentation form, query case, no trailing dot. */
  name: string;
  type: number;
  class: number;
}

export type RData =
  | { kind: 'ip'; ip: string }
  | { kind: 'name'; name: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | { kind: 'soa'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  /** Character-strings as latin1 JS strings (one char per byte, ≤ 255 each). */
  | { kind: 'txt'; strings: string[] }
  | { kind: 'raw'; bytes: Buffer };

export interface RR {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RData;
}

export interface Edns {
  udpSize: number;
  version: number;
  /** DNSSEC OK. */
  do: boolean;
  /** Upper 8 bits of the 12-bit rcode (responses). */
  extRcode: number;
}

export interface Message {
  id: number;
  /** QR, opcode, AA, TC, RD, RA, AD, CD; the rcode is separate. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  rcode: number;
  question?: Question;
  answer: RR[];
  authority: RR[];
  /** Without the OPT pseudo-record (see edns). */
  additional: RR[];
  edns?: Edns;
}

export const MAX_NAME_WIRE = 255;
const MAX_POINTER_HOPS = 64;

// ------------------------------------------------------------------ names

function labelToText(buf: Buffer, start: number, len: number): string {
  let plain = true;
  for (let i = start; i < start + len; i++) {
    const c = buf[i];
    if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return buf.toString('latin1', start, start + len);
  let s = '';
  for (let i = start; i < start + len; i++) {
    const c = buf[i];
    if (c === 0x2e) s += '\\.';
    else if (c === 0x5c) s += '\\\\';
    else if (c < 0x21 || c > 0x7e) s += '\\' + String(c).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Reads a possibly compressed name at `off`. Returns the name and the offset
 * just after it in the original position.
 */
export function readName(buf: Buffer, off: number, end = buf.length): { name: string; next: number } {
  let pos = off;
  let next = -1;
  let hops = 0;
  let wire = 0;
  let name = '';
  // Pointers must go strictly backwards from the lowest position seen so far.
  let floor = off;
  for (;;) {
    if (pos >= end) throw new WireError('name runs past the end of the message');
    const len = buf[pos];
    if (len === 0) {
      wire += 1;
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) throw new WireError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1];
      if (target >= floor) throw new WireError('compression pointer does not point backwards');
      if (++hops > MAX_POINTER_HOPS) throw new WireError('too many compression pointers');
      if (next < 0) next = pos + 2;
      pos = target;
      floor = target;
      continue;
    }
    if (kind !== 0) throw new WireError(`unsupported label type 0x${kind.toString(16)}`);
    if (pos + 1 + len > end) throw new WireError('label runs past the end of the message');
    wire += len + 1;
    if (wire + 1 > MAX_NAME_WIRE) throw new WireError('name longer than 255 octets');
    const label = labelToText(buf, pos + 1, len);
    name = name ? `${name}.${label}` : label;
    pos += len + 1;
  }
  return { name, next };
}

/** Label strings of a presentation name (escapes kept). */
export function splitName(name: string): string[] {
  if (name === '') return [];
  if (name.indexOf('\\') < 0) return name.split('.');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') {
      cur += c + (name[i + 1] ?? '');
      i++;
      // \DDD: keep the remaining two digits with the escape
      if (/[0-9]/.test(name[i] ?? '') && /[0-9]{2}/.test(name.slice(i + 1, i + 3))) {
        cur += name.slice(i + 1, i + 3);
        i += 2;
      }
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function labelBytes(label: string): Buffer {
  if (label.indexOf('\\') < 0) return Buffer.from(label, 'latin1');
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c !== 0x5c) {
      bytes.push(c & 0xff);
      continue;
    }
    const d = label.slice(i + 1, i + 4);
    if (/^[0-9]{3}$/.test(d)) {
      bytes.push(Number(d) & 0xff);
      i += 3;
    } else {
      bytes.push(label.charCodeAt(i + 1) & 0xff);
      i += 1;
    }
  }
  return Buffer.from(bytes);
}

/** ASCII-only lower-casing (DNS names compare case-insensitively in ASCII only). */
export function lowerName(name: string): string {
  // Presentation names are pure ASCII (everything else is escaped), so this is exact.
  return name.toLowerCase();
}

// ------------------------------------------------------------------ writer

/** Encoding is synchronous, so one scratch buffer serves every message; finish() copies out. */
let scratch = Buffer.allocUnsafe(65536);

export class Writer {
  buf: Buffer;
  off = 0;
  private readonly names = new Map<string, number>();
  private readonly shared: boolean;

  /** size > 0: a private buffer of that size; omitted: the shared scratch buffer (valid until the next encode). */
  constructor(size?: number) {
    this.shared = size === undefined;
    this.buf = this.shared ? scratch : Buffer.allocUnsafe(size!);
  }

  /** Grows the buffer so `n` more octets fit. */
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.off);
    this.buf = b;
    if (this.shared) scratch = b;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /** Writes a name, compressing against earlier names (exact-case suffix match keeps every name's case). */
  name(name: string, compress = true): void {
    if (name === '' || name === '.') {
      this.u8(0);
      return;
    }
    if (name.endsWith('.') && !name.endsWith('\\.')) name = name.slice(0, -1);
    if (compress) {
      // Most owner names repeat the question: one lookup, no splitting.
      const whole = this.names.get(name);
      if (whole !== undefined) {
        this.u16(0xc000 | whole);
        return;
      }
    }
    const labels = splitName(name);
    let wire = 1;
    for (const l of labels) {
      const n = l.indexOf('\\') < 0 ? l.length : labelBytes(l).length;
      if (n === 0 || n > 63) throw new WireError(`invalid label in name "${name}"`);
      wire += n + 1;
    }
    if (wire > MAX_NAME_WIRE) throw new WireError(`name "${name}" longer than 255 octets`);
    let suffixStart = 0;
    for (let i = 0; i < labels.length; i++) {
      const suffix = i === 0 ? name : name.slice(suffixStart);
      if (compress) {
        const ptr = i === 0 ? undefined : this.names.get(suffix);
        if (ptr !== undefined) {
          this.u16(0xc000 | ptr);
          return;
        }
        if (this.off < 0x4000) this.names.set(suffix, this.off);
      }
      const l = labels[i];
      if (l.indexOf('\\') < 0) {
        this.ensure(l.length + 1);
        this.buf[this.off++] = l.length;
        this.off += this.buf.write(l, this.off, 'latin1');
      } else {
        const b = labelBytes(l);
        this.u8(b.length);
        this.bytes(b);
      }
      suffixStart += l.length + 1;
    }
    this.u8(0);
  }

  /** A copy of the written bytes. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

// ------------------------------------------------------------------ records

function writeRData(w: Writer, rr: RR): void {
  const d = rr.data;
  switch (d.kind) {
    case 'ip': {
      const b = rr.type === Type.AAAA ? ipv6Bytes(d.ip) : ipv4Bytes(d.ip);
      if (!b) throw new WireError(`invalid address "${d.ip}" for ${typeName(rr.type)}`);
      w.bytes(b);
      return;
    }
    case 'name':
      w.name(d.name, COMPRESSIBLE.has(rr.type));
      return;
    case 'mx':
      w.u16(d.preference);
      w.name(d.exchange, rr.type === Type.MX);
      return;
    case 'srv':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      // RFC 2782: the target is not compressed.
      w.name(d.target, false);
      return;
    case 'soa':
      w.name(d.mname);
      w.name(d.rname);
      w.u32(d.serial);
      w.u32(d.refresh);
      w.u32(d.retry);
      w.u32(d.expire);
      w.u32(d.minimum);
      return;
    case 'txt':
      for (const s of d.strings) {
        if (s.length > 255) throw new WireError('TXT string longer than 255 octets');
        w.u8(s.length);
        w.ensure(s.length);
        w.off += w.buf.write(s, w.off, 'latin1');
      }
      return;
    case 'raw':
      w.bytes(d.bytes);
      return;
  }
}

// Types RFC 1035 names as compressible in RDATA (RFC 3597 §4).
const COMPRESSIBLE = new Set<number>([Type.NS, Type.MD, Type.MF, Type.CNAME, Type.SOA, Type.MB, Type.MG, Type.MR, Type.PTR, Type.MINFO, Type.MX]);
export const NAME_TYPES = new Set<number>([Type.NS, Type.MD, Type.MF, Type.CNAME, Type.MB, Type.MG, Type.MR, Type.PTR, Type.DNAME]);
export const PREF_NAME_TYPES = new Set<number>([Type.MX, Type.AFSDB, Type.KX]);

export function writeRR(w: Writer, rr: RR): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lenAt = w.off;
  w.u16(0);
  writeRData(w, rr);
  const len = w.off - lenAt - 2;
  if (len > 0xffff) throw new WireError('RDATA longer than 65535 octets');
  w.buf.writeUInt16BE(len, lenAt);
}

function flagsOf(m: Message): number {
  return (
    (m.qr ? 0x8000 : 0) |
    ((m.opcode & 0xf) << 11) |
    (m.aa ? 0x0400 : 0) |
    (m.tc ? 0x0200 : 0) |
    (m.rd ? 0x0100 : 0) |
    (m.ra ? 0x0080 : 0) |
    (m.ad ? 0x0020 : 0) |
    (m.cd ? 0x0010 : 0) |
    (m.rcode & 0xf)
  );
}

/** Encodes a message (the OPT record comes from m.edns; the 12-bit rcode is split between header and OPT). */
export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16(flagsOf(m));
  w.u16(m.question ? 1 : 0);
  w.u16(m.answer.length);
  w.u16(m.authority.length);
  w.u16(m.additional.length + (m.edns ? 1 : 0));
  if (m.question) {
    w.name(m.question.name);
    w.u16(m.question.type);
    w.u16(m.question.class);
  }
  for (const rr of m.answer) writeRR(w, rr);
  for (const rr of m.authority) writeRR(w, rr);
  for (const rr of m.additional) writeRR(w, rr);
  if (m.edns) {
    w.u8(0);
    w.u16(Type.OPT);
    w.u16(m.edns.udpSize);
    w.u32(((((m.rcode >> 4) & 0xff) << 24) | ((m.edns.version & 0xff) << 16) | (m.edns.do ? 0x8000 : 0)) >>> 0);
    w.u16(0);
  }
  return w.finish();
}
