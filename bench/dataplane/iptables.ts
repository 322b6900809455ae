/**
 * iptables data-plane benchmark (root): for N services × 10 endpoints in a
 * throwaway network namespace,
 *  - full sync through the applier (first sync into an empty table, and a
 *    resync over a loaded one) vs `iptables-restore --noflush` of the very
 *    same input by hand into another empty namespace;
 *  - incremental sync after one endpoint change;
 *  - connect latency p50/p99 from a pod to the first and the last service in
 *    KUBE-SERVICES and directly to the pod, interleaved in one run.
 *
 *   node --import tsx bench/dataplane/iptables.ts [--backend nft|legacy] [--sizes 1000,5000,10000] [--connects 300] [--out FILE.md]
 *
 * With iptables-nft (the default `iptables` here) a 10,000-service restore takes many minutes (see
 * bench/results/dataplane-iptables.md); `--backend legacy` runs all three sizes in about a minute.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NO_PROXY_EVENTS } from '../../src/proxy/events.ts';
import { createIptablesDataPlane } from '../../src/proxy/iptables/index.ts';
import { netnsRunner, type CommandRunner } from '../../src/proxy/kernel.ts';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../../src/proxy/types.ts';
import { ep, fullUpdate, partialUpdate, sp } from '../../test/proxy/iptables/fixtures.ts';
import { Topology } from '../../test/proxy/iptables/netns.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,5000,10000' },
    endpoints: { type: 'string', default: '10' },
    connects: { type: 'string', default: '300' },
    /** Write the table to this markdown file (bench/results/dataplane-iptables.md is curated by hand from runs). */
    out: { type: 'string', default: '' },
    /** nft (default: `iptables` = iptables-nft here) or legacy (iptables-legacy*). */
    backend: { type: 'string', default: 'nft' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const EPS = Number(values.endpoints);
const CONNECTS = Number(values.connects);
const LEGACY = values.backend === 'legacy';
const TOOLS = LEGACY
  ? { iptables: 'iptables-legacy', restore: 'iptables-legacy-restore', save: 'iptables-legacy-save' }
  : { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save' };

if (process.getuid?.() !== 0) {
  console.error('needs root (network namespaces, iptables)');
  process.exit(1);
}

/** Service i: default/svc-iiiii at 10.96.x.y:80, 10 endpoints 10.244.1.3…12:8080 (all on one pod). */
function buildState(n: number): { state: ProxyState; ports: ServicePortInfo[]; endpoints: EndpointInfo[] } {
  const endpoints = Array.from({ length: EPS }, (_, j) => ep(`10.244.1.${3 + j}`, { local: true }));
  const servicePorts = new Map<string, ServicePortInfo>();
  const eps = new Map<string, readonly EndpointInfo[]>();
  const ports: ServicePortInfo[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.96.${(i + 1) >> 8}.${(i + 1) & 255}`;
    const p = sp('default', `svc-${String(i).padStart(5, '0')}`, { clusterIPs: [ip] });
    ports.push(p);
    servicePorts.set(p.key, p);
    eps.set(p.key, endpoints);
  }
  return { state: { node: { name: 'node-a', zone: '' }, servicePorts, endpoints: eps }, ports, endpoints };
}

/** Like execRunner, without a time limit, and tolerating a tool that exits before reading all its input. */
const patientRunner: CommandRunner = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.on('error', () => {});
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')}: ${err.trim()}`))));
    child.stdin.end(input ?? '');
  });

function restoreByHand(ns: string, input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ip', ['netns', 'exec', ns, TOOLS.restore, '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`iptables-restore: ${err}`))));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface Row {
  n: number;
  rules: number;
  fullMs: number;
  byHandMs: number;
  resyncMs: number;
  incrementalMs: number;
  lat: Record<'first' | 'last' | 'direct', { p50: number; p99: number }>;
}

const step = (what: string) => console.error(`  ${new Date().toISOString().slice(11, 19)} ${what}`);

let current: Topology | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`${sig}: removing the benchmark's namespaces`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function measure(n: number): Promise<Row> {
  const topo = new Topology();
  current = topo;
  try {
    await topo.start(['client', 'pod']); // client 10.244.1.2, pod 10.244.1.3 (+ the other endpoint addresses)
    await topo.addAddresses(
      'pod',
      Array.from({ length: EPS - 1 }, (_, j) => `10.244.1.${4 + j}`),
    );
    await topo.serve('pod');
    const client = await topo.client(topo.pod('client').ns);
    const handNs = await topo.bareNamespace('h');
    const { state, ports } = buildState(n);
    // A runner without execRunner's 60 s limit: a 5,000-service restore takes longer than that on a loaded machine.
    const plane = createIptablesDataPlane({
      addressing: { nodePortAddresses: () => ['192.168.77.1'], isLocalPod: (ip) => ip.startsWith('10.244.1.') },
      events: NO_PROXY_EVENTS,
      ipFamilies: ['IPv4'],
      clusterCIDRs: ['10.244.0.0/16'],
      run: netnsRunner(topo.node, patientRunner),
    }, { tools: { IPv4: TOOLS } });

    step('topology ready; full sync');
    let t0 = performance.now();
    await plane.sync(state, fullUpdate(state));
    const fullMs = performance.now() - t0;
    const input = plane.lastSync[0].input;
    const rules = input.split('\n').filter((l) => l.startsWith('-A ') || l.startsWith('-I ')).length;
    step('by hand');
    const byHandMs = await restoreByHand(handNs, input);
    step('resync');

    t0 = performance.now();
    await plane.sync(state, fullUpdate(state));
    const resyncMs = performance.now() - t0;

    step('incremental');
    // One endpoint change in the middle service.
    const mid = ports[Math.floor(n / 2)];
    const changed = (state.endpoints.get(mid.key) ?? []).slice(1);
    const next: ProxyState = { ...state, endpoints: new Map(state.endpoints).set(mid.key, changed) };
    t0 = performance.now();
    await plane.sync(next, partialUpdate([mid.key]));
    const incrementalMs = performance.now() - t0;

    step('latency');
    const first = ports[0].clusterIPs[0];
    const last = ports[n - 1].clusterIPs[0];
    const targets = { first: [first, 80], last: [last, 80], direct: ['10.244.1.3', 8080] } as const;
    const us: Record<keyof typeof targets, number[]> = { first: [], last: [], direct: [] };
    for (const [h, p] of Object.values(targets)) await client.latency(h, p, 20); // warm up (ARP, caches)
    const rounds = Math.ceil(CONNECTS / 20);
    for (let r = 0; r < rounds; r++) {
      for (const k of Object.keys(targets) as (keyof typeof targets)[]) {
        const [h, p] = targets[k];
        const res = await client.latency(h, p, 20);
        if (!res.us) throw new Error(`connect to ${k} ${h}:${p}: ${res.err}`);
        us[k].push(...res.us);
      }
    }
    const lat = Object.fromEntries(Object.entries(us).map(([k, xs]) => [k, { p50: pct(xs, 50), p99: pct(xs, 99) }])) as Row['lat'];
    await plane.close();
    return { n, rules, fullMs, byHandMs, resyncMs, incrementalMs, lat };
  } finally {
    await topo.stop();
  }
}

const rows: Row[] = [];
for (const n of sizes) {
  const t = performance.now();
  try {
    const r = await measure(n);
    rows.push(r);
    console.log(JSON.stringify(r));
  } catch (e) {
    console.error(`${n} services: ${e instanceof Error ? e.message : String(e)}`);
  }
  console.error(`${n} services done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const u = (x: number) => x.toFixed(0);
const table = [
  '| services × endpoints | rules | full sync (applier) | `iptables-restore` by hand | ratio | resync (loaded table) | incremental (1 endpoint) | connect p50 / p99 first svc | last svc | direct to pod |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.n} × ${EPS} | ${r.rules} | ${s(r.fullMs)} s | ${s(r.byHandMs)} s | ${(r.fullMs / r.byHandMs).toFixed(2)} | ${s(r.resyncMs)} s | ${s(r.incrementalMs)} s | ${u(r.lat.first.p50)} / ${u(r.lat.first.p99)} µs | ${u(r.lat.last.p50)} / ${u(r.lat.last.p99)} µs | ${u(r.lat.direct.p50)} / ${u(r.lat.direct.p99)} µs |`,
  ),
].join('\n');
console.log(`\n${table}`);
if (values.out && rows.length) {
  const cmd = `node --import tsx bench/dataplane/iptables.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  writeFileSync(
    values.out,
    `# iptables data plane benchmark (${LEGACY ? 'iptables-legacy' : 'iptables-nft'})\n\nCommand: \`${cmd}\` (root)\nDate: ${new Date().toISOString()}\n\n${table}\n`,
  );
  console.log(`written to ${values.out}`);
}
