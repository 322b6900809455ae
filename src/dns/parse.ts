/**
 * Reading DNS messages: parseQuery, the strict and bounded reader for client
 * packets (never throws), and decodeMessage for upstream responses (throws
 * WireError). Compression pointers must point backwards and names are at
 * most 255 octets (readName in wire.ts).
 */
import { NAME_TYPES, PREF_NAME_TYPES, Opcode, Rcode, Type, WireError, readName, typeName, type Edns, type Message, type Question, type RData } from './wire.ts';
import { formatIPv6 } from './ip.ts';

function readRData(buf: Buffer, type: number, start: number, len: number): RData {
  const end = start + len;
  const need = (n: number) => {
    if (len !== n) throw new WireError(`${typeName(type)} RDATA must be ${n} octets, not ${len}`);
  };
  const nameAt = (off: number) => {
    const r = readName(buf, off, end);
    return r;
  };
  if (type === Type.A) {
    need(4);
    return { kind: 'ip', ip: `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}` };
  }
  if (type === Type.AAAA) {
    need(16);
    return { kind: 'ip', ip: formatIPv6(buf.subarray(start, end)) };
  }
  if (NAME_TYPES.has(type)) {
    const r = nameAt(start);
    if (r.next !== end) throw new WireError(`${typeName(type)} RDATA has trailing octets`);
    return { kind: 'name', name: r.name };
  }
  if (PREF_NAME_TYPES.has(type)) {
    if (len < 3) throw new WireError(`${typeName(type)} RDATA too short`);
    const r = nameAt(start + 2);
    if (r.next !== end) throw new WireError(`${typeName(type)} RDATA has trailing octets`);
    return { kind: 'mx', preference: buf.readUInt16BE(start), exchange: r.name };
  }
  if (type === Type.SRV) {
    if (len < 7) throw new WireError('SRV RDATA too short');
    const r = nameAt(start + 6);
    if (r.next !== end) throw new WireError('SRV RDATA has trailing octets');
    return { kind: 'srv', priority: buf.readUInt16BE(start), weight: buf.readUInt16BE(start + 2), port: buf.readUInt16BE(start + 4), target: r.name };
  }
  if (type === Type.SOA) {
    const m = nameAt(start);
    const r = readName(buf, m.next, end);
    if (r.next + 20 !== end) throw new WireError('SOA RDATA has the wrong length');
    const o = r.next;
    return {
      kind: 'soa',
      mname: m.name,
      rname: r.name,
      serial: buf.readUInt32BE(o),
      refresh: buf.readUInt32BE(o + 4),
      retry: buf.readUInt32BE(o + 8),
      expire: buf.readUInt32BE(o + 12),
      minimum: buf.readUInt32BE(o + 16),
    };
  }
  if (type === Type.TXT) {
    const strings: string[] = [];
    let o = start;
    while (o < end) {
      const n = buf[o];
      if (o + 1 + n > end) throw new WireError('TXT string runs past RDATA');
      strings.push(buf.toString('latin1', o + 1, o + 1 + n));
      o += 1 + n;
    }
    return { kind: 'txt', strings };
  }
  return { kind: 'raw', bytes: Buffer.from(buf.subarray(start, end)) };
}

/** Decodes a whole message (for upstream responses and tests). Throws WireError. */
export function decodeMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new WireError('message shorter than its header');
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  const m: Message = {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    answer: [],
    authority: [],
    additional: [],
  };
  let off = 12;
  if (counts[0] > 1) throw new WireError('more than one question');
  if (counts[0] === 1) {
    const q = readName(buf, off);
    if (q.next + 4 > buf.length) throw new WireError('truncated question');
    m.question = { name: q.name, type: buf.readUInt16BE(q.next), class: buf.readUInt16BE(q.next + 2) };
    off = q.next + 4;
  }
  const sections = [m.answer, m.authority, m.additional];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const n = readName(buf, off);
      if (n.next + 10 > buf.length) throw new WireError('truncated resource record');
      const type = buf.readUInt16BE(n.next);
      const cls = buf.readUInt16BE(n.next + 2);
      const ttl = buf.readUInt32BE(n.next + 4);
      const rdlen = buf.readUInt16BE(n.next + 8);
      const rd = n.next + 10;
      if (rd + rdlen > buf.length) throw new WireError('RDATA runs past the end of the message');
      off = rd + rdlen;
      if (type === Type.OPT) {
        if (s !== 2 || m.edns || n.name !== '') throw new WireError('misplaced or repeated OPT record');
        m.edns = { udpSize: cls, extRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0 };
        m.rcode |= (ttl >>> 24) << 4;
        continue;
      }
      sections[s].push({ name: n.name, type, class: cls, ttl, data: readRData(buf, type, rd, rdlen) });
    }
  }
  return m;
}

// ------------------------------------------------------------------ queries

/** What the server needs from a query, read without decoding anything else. */
export interface ParsedQuery {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  question: Question;
  edns?: Edns;
}

/**
 * The outcome of reading a client packet:
 * - `query`: a well-formed QUERY;
 * - `error`: answer with this rcode (echoing the question when it was readable);
 * - `drop`: too broken to answer, or a response (never answer those: loops).
 */
export type QueryParse =
  | { kind: 'query'; query: ParsedQuery }
  | { kind: 'error'; id: number; opcode: number; rd: boolean; cd: boolean; rcode: number; question?: Question; edns?: Edns; reason: string }
  | { kind: 'drop'; reason: string };

/**
 * Parses a client packet strictly (miekg/dns's acceptance rules, as CoreDNS):
 * QR must be clear; opcode QUERY only (else NOTIMP); exactly one question,
 * at most one answer and one authority record and two additional records
 * (else FORMERR); at most one OPT, owned by the root; EDNS version 0 (else
 * BADVERS). Never throws.
 */
export function parseQuery(buf: Buffer): QueryParse {
  if (buf.length < 12) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response, not a query' };
  const opcode = (flags >> 11) & 0xf;
  const rd = (flags & 0x0100) !== 0;
  const cd = (flags & 0x0010) !== 0;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  const fail = function fail(rcode: number, reason: string, question?: Question, edns?: Edns): QueryParse {
    return { kind: 'error', id, opcode, rd, cd, rcode, question, edns, reason };
  };
  let question: Question | undefined;
  let off = 12;
  if (qd === 1) {
    try {
      const q = readName(buf, 12);
      if (q.next + 4 <= buf.length) {
        question = { name: q.name, type: buf.readUInt16BE(q.next), class: buf.readUInt16BE(q.next + 2) };
        off = q.next + 4;
      }
    } catch {
      question = undefined;
    }
  }
  if (opcode !== Opcode.QUERY) return fail(Rcode.NOTIMP, `opcode ${opcode} not implemented`, question);
  if (qd !== 1) return fail(Rcode.FORMERR, `${qd} questions`);
  if (!question) {
    try {
      const q = readName(buf, 12);
      if (q.next + 4 > buf.length) return fail(Rcode.FORMERR, 'truncated question');
    } catch (e) {
      return fail(Rcode.FORMERR, e instanceof Error ? e.message : 'bad question');
    }
  }
  if (an > 1 || ns > 1 || ar > 2) return fail(Rcode.FORMERR, 'too many records in a query', question);
  let edns: Edns | undefined;
  try {
    for (let i = 0; i < an + ns + ar; i++) {
      const n = readName(buf, off);
      if (n.next + 10 > buf.length) return fail(Rcode.FORMERR, 'truncated resource record', question);
      const type = buf.readUInt16BE(n.next);
      const cls = buf.readUInt16BE(n.next + 2);
      const ttl = buf.readUInt32BE(n.next + 4);
      const rdlen = buf.readUInt16BE(n.next + 8);
      const rdata = n.next + 10;
      if (rdata + rdlen > buf.length) return fail(Rcode.FORMERR, 'RDATA runs past the end of the message', question);
      off = rdata + rdlen;
      if (type !== Type.OPT) continue;
      if (i < an + ns) return fail(Rcode.FORMERR, 'OPT outside the additional section', question);
      if (edns) return fail(Rcode.FORMERR, 'more than one OPT record', question);
      if (n.name !== '') return fail(Rcode.FORMERR, 'OPT record not owned by the root', question);
      // Options must tile RDATA exactly (RFC 6891 §6.1.2).
      let o = rdata;
      while (o < rdata + rdlen) {
        if (o + 4 > rdata + rdlen) return fail(Rcode.FORMERR, 'truncated EDNS option', question);
        o += 4 + buf.readUInt16BE(o + 2);
      }
      if (o !== rdata + rdlen) return fail(Rcode.FORMERR, 'EDNS option runs past RDATA', question);
      edns = { udpSize: cls, version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0, extRcode: ttl >>> 24 };
    }
  } catch (e) {
    return fail(Rcode.FORMERR, e instanceof Error ? e.message : 'bad record', question);
  }
  if (edns && edns.version !== 0) return fail(Rcode.BADVERS, `EDNS version ${edns.version}`, question, edns);
  return { kind: 'query', query: { id, opcode, rd, cd, question: question!, edns } };
}
