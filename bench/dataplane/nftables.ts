/**
 * nftables data plane at scale, in throwaway network namespaces (root):
 * N services × 10 endpoints, for N = 10 (latency baseline), 1,000, 5,000,
 * 10,000. Per size:
 *
 * - by hand: `nft -f FILE` of renderNftables(state) into an empty netns;
 * - applier, first sync (fresh: delete table + define) and the periodic full
 *   resync (flush + define + refill maps), render time included;
 * - incremental sync for one endpoint change of a service in the middle
 *   (median and max of 7);
 * - connect latency (time to TCP connect()) p50/p99 from a client pod to the
 *   first and the last service created and directly to the pod, interleaved
 *   in rounds in the same run.
 *
 * The first and last service point at a real pod (10 ports of one server);
 * every other endpoint is a made-up address that is never connected to.
 *
 * Run: node --import tsx bench/dataplane/nftables.ts [--sizes 10,1000,5000,10000] [--connects 1000]
 * Writes bench/results/dataplane-nftables.md.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { NO_PROXY_EVENTS } from '../../src/proxy/events.ts';
import { execRunner, type CommandRunner } from '../../src/proxy/kernel.ts';
import { NftablesDataPlane, renderNftables, type NftOptions } from '../../src/proxy/nftables/index.ts';
import type { EndpointInfo, ProxyState, ProxyStateUpdate, ServicePortInfo } from '../../src/proxy/types.ts';
import { endpoint, servicePort } from '../../test/proxy/nftables/fixtures.ts';
import { TestNode } from '../../test/proxy/nftables/netns.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (arg('--sizes') ?? '10,1000,5000,10000').split(',').map(Number);
const CONNECTS = Number(arg('--connects') ?? 1000);
const ENDPOINTS = 10;
const POD_IP = '10.244.1.2';
const PORTS = Array.from({ length: ENDPOINTS }, (_, i) => 8080 + i);
const RESULTS = join(import.meta.dirname, '..', 'results', 'dataplane-nftables.md');

const FULL: ProxyStateUpdate = { full: true, changed: new Set(), deleted: new Set(), services: new Set(), triggerTimes: new Map() };
const changed = (key: string): ProxyStateUpdate => ({ full: false, changed: new Set([key]), deleted: new Set(), services: new Set(), triggerTimes: new Map() });

const clusterIP = (i: number) => `10.96.${(i >> 8) + 1}.${i & 255}`;
const realEndpoints = (): EndpointInfo[] => PORTS.map((p) => endpoint(`${POD_IP}:${p}`, { isLocal: true }));
const fakeEndpoints = (i: number, salt = 0): EndpointInfo[] =>
  Array.from({ length: ENDPOINTS }, (_, j) => endpoint(`10.${200 + (j >> 1)}.${(i >> 8) & 255}.${i & 255}:${80 + (j & 1) + 2 * salt}`));

function buildState(n: number): { state: ProxyState; ports: ServicePortInfo[] } {
  const servicePorts = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, readonly EndpointInfo[]>();
  const ports: ServicePortInfo[] = [];
  for (let i = 0; i < n; i++) {
    const sp = servicePort({ namespace: 'bench', name: `svc-${i}`, portName: 'http', clusterIPs: [clusterIP(i)] });
    ports.push(sp);
    servicePorts.set(sp.key, sp);
    endpoints.set(sp.key, i === 0 || i === n - 1 ? realEndpoints() : sortEps(fakeEndpoints(i)));
  }
  return { state: { node: { name: 'node1', zone: '' }, servicePorts, endpoints }, ports };
}

const sortEps = (e: EndpointInfo[]) => e.sort((a, b) => (`${a.ip}:${a.port}` < `${b.ip}:${b.port}` ? -1 : 1));

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

// Connect latency: rounds of `per` connects to each target in turn; prints {target: [µs…]}.
const LATENCY_CLIENT = `
const net = require('node:net');
const [targets, rounds, per] = [JSON.parse(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const one = (host, port) => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const s = net.connect({ host, port });
  s.on('connect', () => { const us = Number(process.hrtime.bigint() - t) / 1000; s.destroy(); resolve(us); });
  s.on('error', () => resolve(-1));
});
(async () => {
  const out = {};
  for (const t of targets) out[t.name] = [];
  for (let r = 0; r < rounds; r++) for (const t of targets) for (let i = 0; i < per; i++) out[t.name].push(await one(t.host, t.port));
  console.log(JSON.stringify(out));
})();
`;

/**
 * Runs a tool in `ns` under bash's `time`, so the benchmark also sees the CPU
 * seconds nft used (user + system, the figure least disturbed by the other
 * work on this machine's 2 shared cores). Otherwise as netnsRunner.
 */
function cpuTimedRunner(ns: string, cpu: { last: number }): CommandRunner {
  return (file, args, input) =>
    new Promise((resolve, reject) => {
      const script = 'TIMEFORMAT="@@cpu %U %S"; time ip netns exec "$0" "$@"';
      const child = execFile('bash', ['-c', script, ns, file, ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(String(stderr));
        cpu.last = m ? Number(m[1]) + Number(m[2]) : NaN;
        if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim()}`));
        else resolve(String(stdout));
      });
      if (input !== undefined) child.stdin!.end(input);
    });
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

interface Row {
  n: number;
  textMB: number;
  handS: number;
  handCpuS: number;
  freshS: number;
  freshCpuS: number;
  resyncCpuS: number;
  incrCpuMs: number[];
  freshRenderS: number;
  freshNodeCpuS: number;
  resyncNodeCpuS: number;
  resyncS: number;
  resyncRenderS: number;
  incrMs: number[];
  incrApplyMs: number[];
  latency: Record<string, { p50: number; p99: number; failed: number }>;
}

async function measure(n: number): Promise<Row> {
  const tn = new TestNode();
  try {
    await tn.create();
    await tn.pod('a', POD_IP, 'pod-a', { tcp: PORTS, udp: 5353 });
    const x = await tn.pod('x', '10.244.1.4');
    const table = `${tn.prefix}t`;
    const { state, ports } = buildState(n);
    const opts: NftOptions = { table, ipFamilies: ['IPv4'], clusterCIDRs: ['10.244.0.0/16'] };
    const text = renderNftables(state, opts);
    const file = join(tn.dir, 'ruleset.nft');
    writeFileSync(file, text);
    log(`${n}: ${(text.length / 1e6).toFixed(1)} MB of nft text`);

    const cpu = { last: NaN };
    const run = cpuTimedRunner(tn.node, cpu);
    const [, hand] = await timed(() => run('nft', ['-f', file]));
    const handCpu = cpu.last;
    log(`${n}: by hand ${(hand / 1000).toFixed(2)} s (nft CPU ${handCpu.toFixed(2)} s)`);
    await execRunner('ip', ['netns', 'exec', tn.node, 'nft', 'delete', 'table', 'ip', table]);

    const dp = new NftablesDataPlane({
      addressing: { nodePortAddresses: () => [], isLocalPod: () => false },
      events: NO_PROXY_EVENTS,
      ipFamilies: ['IPv4'],
      clusterCIDRs: ['10.244.0.0/16'],
      run,
      name: table,
      log,
    });
    let node = process.cpuUsage();
    const [, fresh] = await timed(() => dp.sync(state, FULL));
    const freshNodeCpu = cpuSeconds(node);
    const freshRender = dp.last.renderMs;
    const freshCpu = cpu.last;
    log(`${n}: applier first sync (${dp.last.mode}) ${(fresh / 1000).toFixed(2)} s (render ${(freshRender / 1000).toFixed(2)} s)`);
    node = process.cpuUsage();
    const [, resync] = await timed(() => dp.sync(state, FULL));
    const resyncNodeCpu = cpuSeconds(node);
    const resyncRender = dp.last.renderMs;
    const resyncCpu = cpu.last;
    log(`${n}: applier periodic resync (${dp.last.mode}) ${(resync / 1000).toFixed(2)} s`);

    const mid = ports[Math.floor(n / 2)]!;
    const incrMs: number[] = [];
    const incrApplyMs: number[] = [];
    const incrCpuMs: number[] = [];
    let cur = state;
    for (let k = 0; k < 7; k++) {
      // One endpoint replaced: a new endpoint chain, the service chain rewritten, the old chain deleted.
      const eps = sortEps([...fakeEndpoints(Math.floor(n / 2)).slice(1), endpoint(`10.250.0.${k + 1}:80`)]);
      const endpoints = new Map(cur.endpoints);
      endpoints.set(mid.key, eps);
      cur = { ...cur, endpoints };
      const [, ms] = await timed(() => dp.sync(cur, changed(mid.key)));
      if (dp.last.mode !== 'incremental') throw new Error(`expected an incremental sync, got ${dp.last.mode}`);
      incrMs.push(ms);
      incrApplyMs.push(dp.last.applyMs);
      incrCpuMs.push(cpu.last * 1000);
    }
    log(`${n}: incremental median ${median(incrMs).toFixed(1)} ms (nft ${median(incrApplyMs).toFixed(1)} ms)`);

    const clientFile = join(tn.dir, 'latency.js');
    writeFileSync(clientFile, LATENCY_CLIENT);
    const targets = [
      { name: 'direct', host: POD_IP, port: 8080 },
      { name: 'first', host: clusterIP(0), port: 80 },
      { name: 'last', host: clusterIP(n - 1), port: 80 },
    ];
    const rounds = 10;
    const out = await execRunner('ip', ['netns', 'exec', x.ns, process.execPath, clientFile, JSON.stringify(targets), String(rounds), String(Math.ceil(CONNECTS / rounds))]);
    const samples = JSON.parse(out) as Record<string, number[]>;
    const latency: Row['latency'] = {};
    for (const [k, v] of Object.entries(samples)) {
      const ok = v.filter((us) => us >= 0);
      latency[k] = { p50: pct(ok, 50), p99: pct(ok, 99), failed: v.length - ok.length };
    }
    log(`${n}: connect p50 direct ${latency.direct!.p50.toFixed(0)} first ${latency.first!.p50.toFixed(0)} last ${latency.last!.p50.toFixed(0)} µs`);
    await dp.close();
    return {
      n,
      textMB: text.length / 1e6,
      handS: hand / 1000,
      handCpuS: handCpu,
      freshS: fresh / 1000,
      freshCpuS: freshCpu,
      resyncCpuS: resyncCpu,
      incrCpuMs,
      freshRenderS: freshRender / 1000,
      freshNodeCpuS: freshNodeCpu,
      resyncNodeCpuS: resyncNodeCpu,
      resyncS: resync / 1000,
      resyncRenderS: resyncRender / 1000,
      incrMs,
      incrApplyMs,
      latency,
    };
  } finally {
    await tn.destroy();
  }
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function aims(rows: Row[], base: Row | undefined): string[] {
  const big = rows.reduce<Row | undefined>((m, r) => (!m || r.n > m.n ? r : m), undefined);
  if (!big) return [];
  const f = (x: number, d = 2) => x.toFixed(d);
  const ok = (b: boolean) => (b ? 'met' : '**not met**');
  const lastVs10 = base ? big.latency.last!.p50 / big.latency.direct!.p50 / (base.latency.last!.p50 / base.latency.direct!.p50) : NaN;
  return [
    `Aims at ${big.n.toLocaleString('en')} services (wall clock on this loaded machine / CPU, which is what an idle machine would show):`,
    '',
    '| aim | wall | CPU | |',
    '|---|---:|---:|---|',
    `| incremental sync of one endpoint change < 50 ms | ${f(median(big.incrMs), 0)} ms | ${f(median(big.incrCpuMs), 0)} ms (nft) | ${ok(median(big.incrMs) < 50)} / ${ok(median(big.incrCpuMs) < 50)} |`,
    `| full sync ≤ 10 s | ${f(big.freshS, 1)} s | ${f(big.freshCpuS + big.freshNodeCpuS, 1)} s (nft + Node) | ${ok(big.freshS <= 10)} / ${ok(big.freshCpuS + big.freshNodeCpuS <= 10)} |`,
    `| full sync within 1.5× of \`nft -f\` by hand | ${f(big.freshS / big.handS)}× | ${f((big.freshCpuS + big.freshNodeCpuS) / big.handCpuS)}× (nft + Node vs nft) | ${ok(big.freshS / big.handS <= 1.5)} / ${ok((big.freshCpuS + big.freshNodeCpuS) / big.handCpuS <= 1.5)} |`,
    `| connect latency to the last service within 5% of at 10 services (p50, relative to direct) | ${base ? `${f((lastVs10 - 1) * 100, 1)}%` : '—'} | | ${base ? ok(Math.abs(lastVs10 - 1) <= 0.05) : 'n/a'} |`,
    '',
  ];
}

function report(rows: Row[], loadStart: number[], loadEnd: number[]): string {
  const nft = execFileSync('nft', ['--version']).toString().trim();
  const kernel = execFileSync('uname', ['-r']).toString().trim();
  const f = (x: number, d = 2) => x.toFixed(d);
  const base = rows.find((r) => r.n === 10);
  const lines = [
    '# nftables data plane benchmark',
    '',
    `Command: \`node --import tsx bench/dataplane/nftables.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`  `,
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${kernel}, Node ${process.version}, ${nft}  `,
    `Load average at the start / end: ${loadStart.map((l) => l.toFixed(2)).join(' ')} / ${loadEnd.map((l) => l.toFixed(2)).join(' ')} (2 vCPUs shared with other sessions' work: expect noise).`,
    '',
    `Each size runs in its own throwaway network namespaces: a node namespace holding one \`ip\` table, a pod serving on ${ENDPOINTS} ports, a client pod on the node's bridge. N services × ${ENDPOINTS} endpoints; the first and last service point at the real pod, the others at made-up addresses. "By hand" is \`ip netns exec NODE nft -f FILE\` of renderNftables(state) into the empty namespace; the applier's first sync is the same load through \`NftablesDataPlane.sync\` (render + \`nft -f -\` on stdin + table delete, since a process's first sync starts from a clean table). The periodic resync is the full sync every syncPeriod: flush the table's rules and maps, define everything again, refill the maps. Incremental: one endpoint of a service in the middle replaced (a new endpoint chain, the service chain rewritten, the old endpoint chain deleted), 7 times. Latency: time for TCP connect() from the client pod, ${CONNECTS} connects per target in 10 interleaved rounds.`,
    '',
    'Wall-clock seconds (what a user waits for, inflated by the load above) and, in brackets, the CPU seconds `nft` itself used (user + system, from bash `time`; system time is mostly the kernel committing the transaction). The applier figures include rendering in Node (given separately).',
    '',
    '| services | nft text (MB) | by hand `nft -f`: wall (nft CPU) s | applier first sync: wall (nft CPU) s | of which render, wall s (Node CPU for the whole sync) | applier / by hand, wall (nft CPU) | periodic full resync: wall (nft CPU) s (Node CPU) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.n.toLocaleString('en')} | ${f(r.textMB, 1)} | ${f(r.handS)} (${f(r.handCpuS)}) | ${f(r.freshS)} (${f(r.freshCpuS)}) | ${f(r.freshRenderS)} (${f(r.freshNodeCpuS)}) | ${f(r.freshS / r.handS)}× (${f(r.freshCpuS / r.handCpuS)}×) | ${f(r.resyncS)} (${f(r.resyncCpuS)}) (${f(r.resyncNodeCpuS)}) |`,
    ),
    '',
    '| services | incremental, one endpoint replaced: wall ms median / max of 7 | of which in `nft` (ms, median) | nft CPU ms (median) |',
    '|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.n.toLocaleString('en')} | ${f(median(r.incrMs), 1)} / ${f(Math.max(...r.incrMs), 1)} | ${f(median(r.incrApplyMs), 1)} | ${f(median(r.incrCpuMs), 0)} |`),
    '',
    '| services | direct to pod p50 / p99 (µs) | first service p50 / p99 (µs) | last service p50 / p99 (µs) | first / direct p50 | last / direct p50 | last / direct, vs at 10 services |',
    '|---:|---|---|---|---:|---:|---:|',
    ...rows.map((r) => {
      const l = r.latency;
      const ratio = (x: Row, k: string) => x.latency[k]!.p50 / x.latency.direct!.p50;
      const vs = base ? `${ratio(r, 'last') / ratio(base, 'last') >= 1 ? '+' : ''}${f((ratio(r, 'last') / ratio(base, 'last') - 1) * 100, 1)}%` : '—';
      return `| ${r.n.toLocaleString('en')} | ${f(l.direct!.p50, 0)} / ${f(l.direct!.p99, 0)} | ${f(l.first!.p50, 0)} / ${f(l.first!.p99, 0)} | ${f(l.last!.p50, 0)} / ${f(l.last!.p99, 0)} | ${f(ratio(r, 'first'))}× | ${f(ratio(r, 'last'))}× | ${vs} |`;
    }),
    '',
    'The direct-to-pod baseline is measured in the same rounds as the services, so the ratios cancel most of the drift in machine load between sizes; p99 on this shared machine is scheduling delay (tens of ms), not the data plane.',
    '',
    ...aims(rows, base),
    `Failed connects: ${rows.map((r) => `${r.n}: ${Object.values(r.latency).reduce((s, x) => s + x.failed, 0)}`).join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}

const loadStart = loadavg();
const rows: Row[] = [];
for (const n of SIZES) rows.push(await measure(n));
const text = report(rows, loadStart, loadavg());
writeFileSync(RESULTS, text);
process.stdout.write(text);
