/**
 * Diagnosis only: which informer caches hold how much of a heap snapshot.
 *
 *   node bench/up/heap-by-informer.mjs FILE.heapsnapshot
 *
 * (bench/up/run.ts --diagnose --snapshot writes one of the idle `up` process.)
 * For each Informer object it walks everything reachable from its `cache`
 * (strong edges only; not into hidden classes, code or closures, so shared
 * structure is not counted) and sums the self sizes; an object reachable
 * from two caches counts for the first. The owner is the user agent of the
 * informer's RestClient (each component has its own client, except the
 * scheduler, node lifecycle and LoadBalancer controllers, which share up's).
 */
import { readFileSync } from 'node:fs';

const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { node_fields: nf, edge_fields: ef, node_types: nt, edge_types: et } = snap.snapshot.meta;
const N = nf.length;
const E = ef.length;
const nodes = snap.nodes;
const edges = snap.edges;
const strings = snap.strings;
const [nType, nName, nSelf, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
const nodeTypes = nt[0];
const edgeTypes = et[0];
const count = nodes.length / N;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * N + nEdges] * E;
}
firstEdge[count] = edges.length;

const type = (i) => nodeTypes[nodes[i * N + nType]];
const name = (i) => strings[nodes[i * N + nName]];
const self = (i) => nodes[i * N + nSelf];
function* out(i) {
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += E) {
    const t = edgeTypes[edges[e + eType]];
    const nm = t === 'element' || t === 'hidden' ? edges[e + eName] : strings[edges[e + eName]];
    yield { t, nm, to: edges[e + eTo] / N };
  }
}
const prop = (i, p) => {
  for (const x of out(i)) if (x.t === 'property' && x.nm === p) return x.to;
  return undefined;
};
const str = (i) => (i === undefined ? '' : type(i) === 'string' || type(i) === 'concatenated string' || type(i) === 'sliced string' ? name(i) : `<${type(i)}>`);

const SKIP_TYPES = new Set(['code', 'closure', 'object shape', 'synthetic']);
const claimed = new Uint8Array(count);
function reachable(root) {
  let bytes = 0;
  let objects = 0;
  const stack = [root];
  while (stack.length) {
    const i = stack.pop();
    if (claimed[i]) continue;
    claimed[i] = 1;
    bytes += self(i);
    objects++;
    for (const x of out(i)) {
      if (x.t === 'weak' || x.t === 'shortcut') continue;
      if (x.t === 'internal' && x.nm === 'map') continue;
      if (SKIP_TYPES.has(type(x.to)) || name(x.to).startsWith('system / Map')) continue;
      if (!claimed[x.to]) stack.push(x.to);
    }
  }
  return { bytes, objects };
}

let total = 0;
for (let i = 0; i < count; i++) total += self(i);
const rows = [];
for (let i = 0; i < count; i++) {
  if (type(i) !== 'object' || name(i) !== 'Informer') continue;
  const ref = prop(i, 'ref');
  const opts = prop(i, 'opts');
  const client = prop(i, 'client');
  const cache = prop(i, 'cache');
  const items = cache === undefined ? undefined : prop(cache, 'items');
  const sel = opts === undefined ? '' : [str(prop(opts, 'fieldSelector')), str(prop(opts, 'labelSelector'))].filter((s) => s && !s.startsWith('<')).join(' ');
  const r = cache === undefined ? { bytes: 0, objects: 0 } : reachable(cache);
  rows.push({ owner: str(prop(client, 'userAgent')) || '?', resource: str(prop(ref, 'resource')), sel, bytes: r.bytes, objects: r.objects, items });
}
rows.sort((a, b) => a.owner.localeCompare(b.owner) || b.bytes - a.bytes);
const mib = (b) => (b / 2 ** 20).toFixed(2);
console.log(`heap snapshot: ${mib(total)} MiB in ${count} objects`);
console.log('| owner (user agent) | resource | selector | MiB | objects |\n|---|---|---|---:|---:|');
let sum = 0;
const byOwner = new Map();
for (const r of rows) {
  sum += r.bytes;
  byOwner.set(r.owner, (byOwner.get(r.owner) ?? 0) + r.bytes);
  console.log(`| ${r.owner} | ${r.resource} | ${r.sel} | ${mib(r.bytes)} | ${r.objects} |`);
}
console.log(`all informer caches: ${mib(sum)} MiB`);
for (const [o, b] of byOwner) console.log(`  ${o}: ${mib(b)} MiB`);

// Other large holders, each walked the same way (what the caches above took is not counted again).
const OTHERS = [
  ['API server watch cache (Cacher)', 'Cacher'],
  ['node agent: container runners (incl. their env)', 'ContainerRunner'],
  ['node agent: pod workers', 'PodWorker'],
  ['node agent: status manager', 'StatusManager'],
];
for (const [what, ctor] of OTHERS) {
  let bytes = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    if (type(i) !== 'object' || name(i) !== ctor) continue;
    n++;
    bytes += reachable(i).bytes;
  }
  console.log(`${what}: ${n} × ${ctor}, ${mib(bytes)} MiB`);
}
let strBytes = 0;
for (let i = 0; i < count; i++) if (type(i).includes('string')) strBytes += self(i);
console.log(`all strings: ${mib(strBytes)} MiB; code: ${mib([...Array(count).keys()].filter((i) => type(i) === 'code').reduce((a, i) => a + self(i), 0))} MiB`);
