/**
 * Hand-built protobuf bodies exercising wire-level corner cases. Their
 * expected JSON (testdata/edge-<name>.json) was produced by kubectl v1.33
 * itself decoding these exact bytes (served back as a protobuf response to
 * `kubectl run … -o json`), so they pin down gogo-protobuf semantics:
 * merging, last-wins, packed repeats, unknown fields, map entry defaults,
 * time normalisation, varint truncation.
 */
import { envelope, Writer } from './encode.ts';

type Part = (w: Writer) => void;
const msg = (...parts: Part[]): Buffer => {
  const w = new Writer();
  for (const p of parts) p(w);
  return w.finish();
};
const str = (n: number, s: string | Buffer): Part => (w) => void w.bytesField(n, s);
const sub = (n: number, ...parts: Part[]): Part => (w) => void w.bytesField(n, msg(...parts));
const vint = (n: number, v: bigint | number | boolean): Part => (w) => void w.varintField(n, v);
const raw = (b: number[]): Part => (w) => void w.raw(Buffer.from(b));
const entry = (n: number, ...parts: Part[]): Part => sub(n, ...parts);

const pod = (...parts: Part[]): Buffer => envelope('v1', 'Pod', msg(...parts));
const container = (...parts: Part[]): Part => sub(2, str(1, 'c'), ...parts); // PodSpec.containers

export interface EdgeCase {
  name: string;
  description: string;
  body: Buffer;
}

export const EDGE_CASES: EdgeCase[] = [
  {
    name: 'merge-singular-messages',
    description: 'a singular message field repeated on the wire merges; repeated scalars: last wins',
    body: pod(sub(1, str(1, 'first'), str(3, 'ns')), sub(1, str(1, 'second'), vint(7, 5)), sub(2, container(str(2, 'img1'), str(2, 'img2')))),
  },
  {
    name: 'packed-and-unpacked-repeated',
    description: 'repeated int64 accepted packed, unpacked and mixed; empty packed list stays nil',
    body: pod(
      sub(1, str(1, 'p')),
      sub(2, sub(14, vint(4, 1), str(4, Buffer.from([2, 3, 0x80, 0x01])), vint(4, -1)), container()),
    ),
  },
  {
    name: 'empty-packed',
    description: 'a zero-length packed repeated field leaves the slice nil',
    body: pod(sub(1, str(1, 'p')), sub(2, sub(14, str(4, Buffer.alloc(0))), container())),
  },
  {
    name: 'unknown-fields',
    description: 'unknown fields of every wire type (incl. groups) are skipped at every level',
    body: pod(
      raw([0xf8, 0x07, 0x01]), // field 127 varint
      sub(1, raw([0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]), str(1, 'u'), raw([0xa5, 0x06, 1, 2, 3, 4])), // 99 fixed64, 100 fixed32
      raw([0xab, 0x0c, 0x08, 0x01, 0x13, 0x14, 0xac, 0x0c]), // group 197 { 1: 1, group 2 {} }
      sub(2, container(str(200, 'x'))),
    ),
  },
  {
    name: 'map-entry-defaults',
    description: 'map entries without key or value default to ""; Quantity values without a string print "0"; duplicate keys: last wins',
    body: pod(
      sub(1, str(1, 'm'), entry(11, str(2, 'no-key')), entry(11, str(1, 'no-value')), entry(11, str(1, 'dup'), str(2, 'a')), entry(11, str(1, 'dup'), str(2, 'b'))),
      sub(2, container(sub(8, entry(1, str(1, 'cpu')), entry(2, str(1, 'memory'), sub(2, vint(9, 1)))))),
    ),
  },
  {
    name: 'times',
    description: 'metav1.Time drops nanos, empty payload = null, 0s = epoch, Go zero seconds = null; a later empty Time replaces an earlier one',
    body: pod(
      sub(1, str(1, 't'), sub(8, vint(1, 1700000000), vint(2, 999999999)), sub(9, vint(1, -62135596800))),
      sub(2, container()),
      sub(3, sub(2, str(1, 'A'), sub(3, vint(1, 0)), sub(4)), sub(2, str(1, 'B'), sub(3, vint(1, 5)), sub(3)), sub(7, raw([0x18, 0x01]))),
    ),
  },
  {
    name: 'microtime-normalisation',
    description: 'MicroTime keeps microseconds; nanos outside [0, 1e9) carry into seconds, negative nanos truncate toward zero',
    body: envelope(
      'v1',
      'Event',
      msg(
        sub(1, str(1, 'e')),
        sub(2, str(1, 'Pod')),
        sub(10, vint(1, 1700000000), vint(2, 1999999999)),
        sub(11, vint(1, 2), sub(2, vint(1, 1700000000), vint(2, -1))),
      ),
    ),
  },
  {
    name: 'varint-truncation',
    description: 'int32 takes the low 32 bits of a 64-bit varint; negative int32 as 10 bytes; bool is any non-zero; int64 beyond 2^53',
    body: pod(
      sub(1, str(1, 'v'), vint(7, 2n ** 60n + 3n)),
      sub(
        2,
        container(sub(6, vint(3, 2n ** 32n + 8080n), vint(2, -1)), vint(16, 2)),
        sub(14, vint(2, -5), vint(5, 2n ** 63n - 1n)),
        vint(11, 1n << 40n),
      ),
    ),
  },
  {
    name: 'int-or-string',
    description: 'IntOrString: type 1 prints strVal, type 0 prints intVal, missing = 0; fields merge across occurrences',
    body: pod(
      sub(1, str(1, 'i')),
      sub(
        2,
        container(
          sub(10, sub(1, sub(2, sub(2, vint(1, 1), vint(2, 7), str(3, 'http'))))),
          sub(11, sub(1, sub(3, sub(1, vint(2, 9)), sub(1, vint(1, 0))))),
          sub(22, sub(1, sub(3))),
        ),
      ),
    ),
  },
  {
    name: 'non-minimal-varints',
    description: 'over-long (non-minimal) varints for tags, lengths and values are accepted',
    body: pod(raw([0x8a, 0x80, 0x00, 0x83, 0x80, 0x00, 0x0a, 0x01, 0x61]), sub(2, container())),
  },
  {
    name: 'invalid-utf8',
    description: 'invalid UTF-8 in a string becomes U+FFFD, as encoding/json prints it',
    body: pod(sub(1, str(1, Buffer.from([0x61, 0xff, 0x62]))), sub(2, container())),
  },
];
