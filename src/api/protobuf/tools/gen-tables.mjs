#!/usr/bin/env node
/**
 * Regenerates src/api/protobuf/tables/*.ts from a kubectl binary.
 *
 *   node src/api/protobuf/tools/gen-tables.mjs [path/to/kubectl]
 *
 * Source of truth: the Go reflect metadata of the API structs compiled into
 * kubectl (field order, json tags with omitempty, protobuf tags, Go kinds:
 * pointer / slice / map / struct / scalar). Every generated field is then
 * cross-checked against the gzipped generated.proto FileDescriptorProtos that
 * gogo-protobuf registers in the same binary (field number, label, proto
 * type); the script aborts on any mismatch.
 *
 * Assumes a stripped linux/amd64 Go 1.22–1.24 ELF (abi.Type layout: 48-byte
 * header, Str nameOff at +40, kind at +23). Not part of the server build;
 * plain JS so tsc ignores it.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, '..', 'tables');
const BIN = process.argv[2] ?? path.join(HERE, '../../../../.cache/kubectl-v33/kubectl/kubectl');
const B = fs.readFileSync(BIN);

// ------------------------------------------------------------------ ELF
const shoff = Number(B.readBigUInt64LE(0x28)), shentsize = B.readUInt16LE(0x3a), shnum = B.readUInt16LE(0x3c), shstrndx = B.readUInt16LE(0x3e);
const sections = [];
for (let i = 0; i < shnum; i++) {
  const o = shoff + i * shentsize;
  sections.push({ nameOff: B.readUInt32LE(o), addr: Number(B.readBigUInt64LE(o + 0x10)), off: Number(B.readBigUInt64LE(o + 0x18)), size: Number(B.readBigUInt64LE(o + 0x20)) });
}
const strtab = sections[shstrndx];
for (const s of sections) { const p = strtab.off + s.nameOff; s.name = B.subarray(p, B.indexOf(0, p)).toString(); }
const sec = (n) => { const s = sections.find((x) => x.name === n); if (!s) throw new Error('no section ' + n); return s; };
const rodata = sec('.rodata'), typelink = sec('.typelink');
const mapped = sections.filter((s) => s.addr && s.name !== '.bss' && s.name !== '.noptrbss');
function off(va) { for (const s of mapped) if (va >= s.addr && va < s.addr + s.size) return va - s.addr + s.off; throw new Error('unmapped 0x' + va.toString(16)); }
const u64 = (va) => Number(B.readBigUInt64LE(off(va)));
const TYPES_BASE = rodata.addr; // runtime.types starts .rodata

// ------------------------------------------------------------ Go types
function varint(p) { let v = 0, s = 0, b; do { b = B[p++]; v |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return [v, p]; }
function readName(va) {
  let p = off(va); const flags = B[p++]; let len; [len, p] = varint(p);
  const name = B.subarray(p, p + len).toString('utf8'); p += len;
  let tag = '';
  if (flags & 2) { let tl; [tl, p] = varint(p); tag = B.subarray(p, p + tl).toString('utf8'); }
  return { name, tag, embedded: !!(flags & 8) }; // abi.Name flags: 1 exported, 2 has tag, 4 pkgPath, 8 embedded
}
const KIND = { 1: 'bool', 2: 'int', 5: 'int32', 6: 'int64', 7: 'uint', 8: 'uint8', 10: 'uint32', 11: 'uint64', 13: 'float32', 14: 'float64', 17: 'array', 20: 'interface', 21: 'map', 22: 'ptr', 23: 'slice', 24: 'string', 25: 'struct' };
const typeCache = new Map();
function typeAt(va) {
  if (typeCache.has(va)) return typeCache.get(va);
  const p = off(va);
  const tflag = B[p + 20], kind = KIND[B[p + 23] & 0x1f] ?? 'kind' + (B[p + 23] & 0x1f);
  let str = readName(TYPES_BASE + B.readInt32LE(p + 40)).name;
  if (tflag & 2) str = str.slice(1);
  const t = { kind, str, named: !!(tflag & 4) };
  typeCache.set(va, t);
  if (kind === 'ptr' || kind === 'slice' || kind === 'array') t.elemVa = u64(va + 48);
  if (kind === 'map') { t.keyVa = u64(va + 48); t.elemVa = u64(va + 56); }
  if (kind === 'struct') {
    const fp = u64(va + 56), n = u64(va + 64);
    t.fields = [];
    for (let i = 0; i < n; i++) { const nm = readName(u64(fp + i * 24)); t.fields.push({ ...nm, typeVa: u64(fp + i * 24 + 8) }); }
    if (tflag & 1) t.pkg = readName(TYPES_BASE + B.readInt32LE(p + 80)).name; // uncommonType.PkgPath
  }
  return t;
}
const allStructs = new Map(); // "pkg.Name" -> type
for (let i = 0; i < typelink.size; i += 4) {
  const t = typeAt(TYPES_BASE + B.readInt32LE(typelink.off + i));
  for (const c of [t, t.elemVa ? typeAt(t.elemVa) : null]) if (c?.kind === 'struct' && c.named && c.pkg) allStructs.set(c.pkg + '.' + c.str.replace(/^.*\./, ''), c);
}

// ------------------------------------------------------------ closure
const PKG = {
  'k8s.io/api/core/v1': 'core',
  'k8s.io/apimachinery/pkg/apis/meta/v1': 'meta',
  'k8s.io/api/discovery/v1': 'discovery',
  'k8s.io/api/coordination/v1': 'coordination',
  'k8s.io/api/policy/v1': 'policy',
};
const SPECIAL = {
  'k8s.io/apimachinery/pkg/apis/meta/v1.Time': 'Time',
  'k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime': 'MicroTime',
  'k8s.io/apimachinery/pkg/apis/meta/v1.Duration': 'Duration',
  'k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1': 'FieldsV1',
  'k8s.io/apimachinery/pkg/api/resource.Quantity': 'Quantity',
  'k8s.io/apimachinery/pkg/util/intstr.IntOrString': 'IntOrString',
  'k8s.io/apimachinery/pkg/runtime.RawExtension': 'RawExtension',
};
// Roots, grouped by output file. A message lands in the first file whose roots reach it.
const FILES = [
  ['meta-v1', 'META_V1', 'meta/v1 (k8s.io/apimachinery/pkg/apis/meta/v1)', [['meta', 'ObjectMeta'], ['meta', 'DeleteOptions']]],
  ['core-v1', 'CORE_V1', 'core/v1 Namespace, Service, Endpoints, Node, Event', [['core', 'Namespace'], ['core', 'Service'], ['core', 'Endpoints'], ['core', 'Node'], ['core', 'Event']]],
  ['core-v1-volume', 'CORE_V1_VOLUME', 'core/v1 Volume and its sources', [['core', 'Volume']]],
  ['core-v1-pod', 'CORE_V1_POD', 'core/v1 Pod, PodSpec, Container, PodStatus', [['core', 'Pod']]],
  ['discovery-v1', 'DISCOVERY_V1', 'discovery.k8s.io/v1', [['discovery', 'EndpointSlice']]],
  ['coordination-v1', 'COORDINATION_V1', 'coordination.k8s.io/v1', [['coordination', 'Lease']]],
  ['policy-v1', 'POLICY_V1', 'policy/v1 (Eviction, sent by kubectl drain as JSON today)', [['policy', 'Eviction']]],
];
const SCAL = { string: 'string', bool: 'bool', int32: 'int32', int64: 'int64', uint32: 'uint32', uint64: 'uint64', float64: 'double', float32: 'float' };
const msgs = new Map(); // qname -> { file, fields }
const order = [];
let currentFile;
const queue = [];
function qname(t) {
  const key = t.pkg + '.' + t.str.replace(/^.*\./, '');
  if (SPECIAL[key]) return SPECIAL[key];
  const p = PKG[t.pkg];
  if (!p) throw new Error('type from unexpected package: ' + key);
  const q = p + '.' + t.str.replace(/^.*\./, '');
  if (!msgs.has(q)) { msgs.set(q, { file: p === 'meta' ? 'meta-v1' : currentFile, t }); order.push(q); queue.push(q); }
  return q;
}
function spec(t, ctx) {
  const bad = (why) => { throw new Error(`${ctx}: unsupported Go type (${why})`); };
  if (t.kind === 'ptr') { const e = typeAt(t.elemVa); if (e.kind !== 'struct' && !SCAL[e.kind]) bad('pointer to ' + e.kind); return '*' + spec(e, ctx); }
  if (t.kind === 'slice') {
    const e = typeAt(t.elemVa);
    if (e.kind === 'uint8') return 'bytes';
    if (t.named) bad('named slice ' + t.str + ' (go-to-protobuf wraps these in a message)');
    if (e.kind === 'ptr' || e.kind === 'slice' || e.kind === 'map') bad('slice of ' + e.kind);
    return '[]' + spec(e, ctx);
  }
  if (t.kind === 'map') {
    const k = typeAt(t.keyVa), e = typeAt(t.elemVa);
    if (k.kind !== 'string') bad('map key ' + k.kind);
    if (e.kind === 'ptr' || e.kind === 'slice' || e.kind === 'map') bad('map of ' + e.kind);
    return 'map[string]' + spec(e, ctx);
  }
  if (t.kind === 'struct') return qname(t);
  if (SCAL[t.kind]) return SCAL[t.kind];
  bad(t.kind);
}
const tagOf = (tag, key) => new RegExp('(?:^| )' + key + ':"([^"]*)"').exec(tag)?.[1];
const notes = [];
for (const [file, , , roots] of FILES) {
  currentFile = file;
  for (const [p, n] of roots) {
    const pkg = Object.keys(PKG).find((k) => PKG[k] === p);
    const t = allStructs.get(pkg + '.' + n);
    if (!t) throw new Error('root not found: ' + pkg + '.' + n);
    qname(t);
  }
  while (queue.length) {
    const q = queue.shift();
    const m = msgs.get(q);
    m.fields = [];
    for (const f of m.t.fields) {
      const ctx = q + '.' + f.name;
      const pb = tagOf(f.tag, 'protobuf');
      if (!pb) { if (f.name !== 'TypeMeta') notes.push('skipped (no protobuf tag): ' + ctx); continue; }
      const num = Number(pb.split(',')[1]);
      const [jname0, ...jopts] = (tagOf(f.tag, 'json') ?? '').split(',');
      if (jname0 === '-') throw new Error(ctx + ': json "-" with a protobuf tag');
      let jname = jname0, inline = false;
      if (jname === '') { if (f.embedded) inline = true; else jname = f.name; }
      const s = spec(typeAt(f.typeVa), ctx);
      if (inline && /^[*[]|^map/.test(s)) throw new Error(ctx + ': inline field of type ' + s);
      m.fields.push([num, inline ? '' : jname + (jopts.includes('omitempty') ? '?' : ''), s]);
    }
    if (new Set(m.fields.map((f) => f[0])).size !== m.fields.length) throw new Error('duplicate field number in ' + q);
  }
}

// --------------------------------------------- cross-check vs descriptors
function pbParse(buf) {
  const out = []; let p = 0;
  const rv = () => { let v = 0, s = 0, b; do { b = buf[p++]; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return v; };
  while (p < buf.length) {
    const t = rv(), w = t % 8, n = Math.floor(t / 8);
    if (w === 0) out.push([n, rv()]);
    else if (w === 2) { const l = rv(); out.push([n, buf.subarray(p, p + l)]); p += l; }
    else if (w === 1) p += 8; else if (w === 5) p += 4; else throw new Error('descriptor wire type ' + w);
  }
  return out;
}
const D = {};
for (let i = B.indexOf(Buffer.from([0x1f, 0x8b, 0x08])); i >= 0; i = B.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), i + 1)) {
  let d; try { d = zlib.gunzipSync(B.subarray(i, i + 300000), { finishFlush: zlib.constants.Z_SYNC_FLUSH }); } catch { continue; }
  let fd; try { fd = pbParse(d); } catch { continue; }
  const fname = fd.find((x) => x[0] === 1)?.[1]?.toString?.() ?? '';
  if (!fname.endsWith('generated.proto')) continue;
  const pkg = fd.find((x) => x[0] === 2)[1].toString();
  const walk = (m, prefix) => {
    const fs_ = pbParse(m); const name = prefix + fs_.find((x) => x[0] === 1)[1].toString();
    const fields = {}; let mapEntry = false;
    for (const [n, v] of fs_) {
      if (n === 2) { const f = pbParse(v); const g = (k) => f.find((x) => x[0] === k)?.[1]; fields[g(3)] = { label: g(4), type: g(5), typeName: g(6)?.toString() }; }
      if (n === 3) walk(v, name + '.');
      if (n === 7) mapEntry = pbParse(v).some((x) => x[0] === 7 && x[1]);
    }
    D[pkg + '.' + name] = { fields, mapEntry };
  };
  for (const [n, v] of fd) if (n === 4) walk(v, '');
}
const PROTO_PKG = { core: 'k8s.io.api.core.v1', meta: 'k8s.io.apimachinery.pkg.apis.meta.v1', discovery: 'k8s.io.api.discovery.v1', coordination: 'k8s.io.api.coordination.v1', policy: 'k8s.io.api.policy.v1' };
const SPECIAL_PROTO = { Time: 'k8s.io.apimachinery.pkg.apis.meta.v1.Time', MicroTime: 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime', Duration: 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration', FieldsV1: 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1', Quantity: 'k8s.io.apimachinery.pkg.api.resource.Quantity', IntOrString: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString', RawExtension: 'k8s.io.apimachinery.pkg.runtime.RawExtension' };
const PROTO_TYPE = { double: 1, float: 2, int64: 3, uint64: 4, int32: 5, bool: 8, string: 9, bytes: 12, uint32: 13 };
const protoName = (q) => SPECIAL_PROTO[q] ?? PROTO_PKG[q.split('.')[0]] + '.' + q.split('.')[1];
const problems = [];
function checkType(ctx, base, df) {
  if (PROTO_TYPE[base]) { if (df.type !== PROTO_TYPE[base]) problems.push(`${ctx}: proto type ${df.type}, Go ${base}`); }
  else if (df.type !== 11 || df.typeName !== '.' + protoName(base)) problems.push(`${ctx}: proto ${df.typeName}, Go ${base}`);
}
for (const q of order) {
  const d = D[protoName(q)];
  if (!d) { problems.push('no descriptor for ' + q); continue; }
  const { fields } = msgs.get(q);
  for (const [num, json, s] of fields) {
    const df = d.fields[num]; const ctx = `${q} ${num} ${json}`;
    if (!df) { problems.push(ctx + ': not in descriptor'); continue; }
    const rep = s.startsWith('[]') || s.startsWith('map[');
    if ((df.label === 3) !== rep) problems.push(ctx + ': label ' + df.label);
    if (s.startsWith('map[string]')) {
      const me = D[df.typeName.slice(1)];
      if (!me?.mapEntry || me.fields[1]?.type !== 9) { problems.push(ctx + ': not a map<string,…>'); continue; }
      checkType(ctx, s.slice(11), me.fields[2]);
    } else checkType(ctx, s.replace(/^\*|^\[\]/, ''), df);
  }
  for (const n of Object.keys(d.fields)) if (!fields.some((f) => f[0] === Number(n))) problems.push(`${q}: descriptor field ${n} has no Go field`);
}
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }

// ------------------------------------------------------------------ emit
for (const [file, constName, title] of FILES) {
  const names = order.filter((q) => msgs.get(q).file === file);
  let s = `/**\n * Protobuf message tables: ${title}.\n *\n * GENERATED by tools/gen-tables.mjs from the Go type metadata of kubectl v1.33\n * (cross-checked against the generated.proto descriptors it embeds). Do not edit\n * by hand; rerun the tool. Row format: see tables/types.ts.\n */\nimport type { MessageTable } from './types.ts';\n\nexport const ${constName}: MessageTable = {\n`;
  for (const q of names) {
    const rows = msgs.get(q).fields;
    s += `  '${q}': [\n`;
    for (const [n, j, t] of rows) s += `    [${n}, '${j}', '${t}'],\n`;
    s += '  ],\n';
  }
  s += '};\n';
  fs.writeFileSync(path.join(OUT, file + '.ts'), s);
  console.log(file, names.length, 'messages,', s.split('\n').length, 'lines');
}
if (notes.length) console.log(notes.join('\n'));
