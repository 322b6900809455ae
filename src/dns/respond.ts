/**
 * Pure response encoding: a parsed query plus answer sections → the octets to
 * send, honouring the transport's size limit (RFC 1035 §4.2.1: 512 octets
 * over UDP without EDNS; RFC 6891: the client's advertised payload size,
 * capped by ours; 65,535 over TCP) and setting TC when the answer does not fit.
 */
import { Rcode, encodeMessage, type Message, type RR } from './wire.ts';
import type { ParsedQuery, QueryParse } from './parse.ts';

export interface ResponseParts {
  rcode: number;
  authoritative: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
}

export interface EncodeOptions {
  proto: 'udp' | 'tcp';
  /** Our largest UDP payload (also advertised in the OPT record). */
  maxUdpPayload: number;
  /** RA: recursion (forwarding) available. */
  ra: boolean;
}

export const MAX_TCP_MESSAGE = 65535;

/** The size an answer to `q` may have on this transport. */
export function responseLimit(q: { edns?: { udpSize: number } }, o: EncodeOptions): number {
  if (o.proto === 'tcp') return MAX_TCP_MESSAGE;
  return q.edns ? Math.min(Math.max(q.edns.udpSize, 512), o.maxUdpPayload) : 512;
}

/**
 * Encodes the response. Too big for UDP: no records and TC set (RFC 2181 §9:
 * the client discards a truncated answer and retries over TCP, so keep it
 * small). Too big for TCP: as many answer records as fit, TC set.
 */
export function encodeResponse(q: ParsedQuery, a: ResponseParts, o: EncodeOptions): Buffer {
  const limit = responseLimit(q, o);
  // Extended rcodes need EDNS to be expressed.
  const rcode = a.rcode > 15 && !q.edns ? Rcode.SERVFAIL : a.rcode;
  const m: Message = {
    id: q.id,
    qr: true,
    opcode: q.opcode,
    aa: a.authoritative,
    tc: false,
    rd: q.rd,
    ra: o.ra,
    ad: false,
    cd: q.cd,
    rcode,
    question: q.question,
    answer: a.answer,
    authority: a.authority,
    additional: a.additional,
    edns: q.edns ? { udpSize: o.maxUdpPayload, version: 0, do: q.edns.do, extRcode: 0 } : undefined,
  };
  let out = encodeMessage(m);
  if (out.length <= limit) return out;
  m.tc = true;
  m.authority = [];
  m.additional = [];
  if (o.proto === 'udp') {
    m.answer = [];
    return encodeMessage(m);
  }
  let n = m.answer.length;
  for (;;) {
    out = encodeMessage(m);
    if (out.length <= limit || n === 0) return out;
    n = Math.max(0, Math.floor((n * limit) / out.length) - 1);
    m.answer = m.answer.slice(0, n);
  }
}

/** The answer to a packet parseQuery rejected (FORMERR, NOTIMP, BADVERS), echoing what could be read. */
export function encodeErrorResponse(p: Extract<QueryParse, { kind: 'error' }>, o: Omit<EncodeOptions, 'proto'>): Buffer {
  return encodeMessage({
    id: p.id,
    qr: true,
    opcode: p.opcode,
    aa: false,
    tc: false,
    rd: p.rd,
    ra: o.ra,
    ad: false,
    cd: p.cd,
    rcode: p.rcode > 15 && !p.edns ? Rcode.FORMERR : p.rcode,
    question: p.question,
    answer: [],
    authority: [],
    additional: [],
    edns: p.edns ? { udpSize: o.maxUdpPayload, version: 0, do: false, extRcode: 0 } : undefined,
  });
}
