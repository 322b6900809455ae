/**
 * DNS benchmark:
 *   node --import tsx bench/dns/run.ts [--services 1000] [--seconds 10] [--rounds 3] [--programming 200] [--only ours|knot]
 *
 * 1. A real API server (SQLite, its own process) gets N Services (a fifth of
 *    them headless with three endpoints) through the REST client.
 * 2. Switchboard DNS (1 process; 2 workers by SO_REUSEPORT and by node:cluster;
 *    2 workers with the response cache off) and knotd (Debian's Knot DNS,
 *    loaded with the same records as zone files) all run at once, each in
 *    processes of its own (and a bare Node UDP echo as the floor); in each
 *    round every server gets a max-throughput dnsperf run and a 20,000 QPS run
 *    with every query's latency recorded (dnsperf -v). Rounds interleave the
 *    servers so that load from elsewhere on the machine hits them alike.
 * 3. DNS programming latency: Services created one at a time, each polled
 *    over UDP until its name resolves.
 * Writes bench/results/dns.md (and appends bench/dns/NOTES.md, the analysis).
 */
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import { benchCluster, queryMix, serviceObject, sliceObject, zoneFiles, MIX } from './fixture.ts';
import { cpuTimes, dnsperf, ensureTools, startKnot, type PerfResult } from './tools.ts';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const SERVICES = Number(arg('services', '1000'));
const SECONDS = Number(arg('seconds', '10'));
const ONLY = arg('only', '');
const PROG_N = Number(arg('programming', '200'));
const CLIENTS = 32;
const ROUNDS = Number(arg('rounds', '3'));
const LAT_SECONDS = Math.min(SECONDS, 10);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (s: string) => process.stderr.write(`[bench dns] ${s}\n`);

const KNOT = { host: '127.0.0.154', port: 5300 };
const ECHO = { host: '127.0.0.158', port: 5300 };

interface Target {
  label: string;
  addr: { host: string; port: number };
  pids: () => number[];
}

interface Sample {
  max: PerfResult;
  user: number;
  sys: number;
  at20k: PerfResult;
  load: number;
}

interface Row {
  server: string;
  samples: Sample[];
}

async function parallel<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

const cpuOf = (pids: number[]) => pids.map(cpuTimes).reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]);

async function measure(t: Target, file: string): Promise<Sample> {
  const load = os.loadavg()[0];
  // Warm-up (JIT, caches), not reported.
  await dnsperf({ ...t.addr, file, seconds: 2, clients: CLIENTS, outstanding: 256 });
  const c0 = cpuOf(t.pids());
  const max = await dnsperf({ ...t.addr, file, seconds: SECONDS, clients: CLIENTS, outstanding: 256 });
  const c1 = cpuOf(t.pids());
  const at20k = await dnsperf({ ...t.addr, file, seconds: LAT_SECONDS, clients: CLIENTS, outstanding: 1000, qps: 20000, verbose: true });
  log(`${t.label}: ${max.qps.toFixed(0)} QPS (lost ${max.lost}); at 20k: ${at20k.qps.toFixed(0)} QPS p50 ${at20k.p50?.toFixed(3)} ms p99 ${at20k.p99?.toFixed(3)} ms; load ${load.toFixed(1)}`);
  return { max, user: c1[0] - c0[0], sys: c1[1] - c0[1], at20k, load };
}

/** Sends `name A` until it answers NOERROR with an address; resolves with the time it did. */
function pollUntilResolves(sock: dgram.Socket, addr: { host: string; port: number }, name: string, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let id = Math.floor(Math.random() * 65536);
    let done = false;
    const t0 = performance.now();
    const onMsg = (m: Buffer) => {
      if (done || m.length < 12 || m.readUInt16BE(0) !== id) return;
      try {
        const d = dnsPacket.decode(m);
        if (((d.flags ?? 0) & 0xf) === 0 && (d.answers ?? []).some((a) => a.type === 'A')) {
          done = true;
          sock.off('message', onMsg);
          clearInterval(timer);
          resolve(performance.now());
        }
      } catch {
        /* ignore */
      }
    };
    sock.on('message', onMsg);
    const send = () => {
      if (performance.now() - t0 > deadlineMs) {
        done = true;
        sock.off('message', onMsg);
        clearInterval(timer);
        reject(new Error(`${name} did not resolve in ${deadlineMs} ms`));
        return;
      }
      id = (id + 1) & 0xffff;
      sock.send(dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name }] }), addr.port, addr.host);
    };
    const timer = setInterval(send, 1);
    send();
  });
}

async function programmingLatency(client: RestClient, addr: { host: string; port: number }, n: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const total: number[] = [];
  const api: number[] = [];
  const afterApi: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `prog-${i}`;
    const t0 = performance.now();
    let t1 = NaN;
    const created = client
      .create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] } })
      .then(() => (t1 = performance.now()));
    const t2 = await pollUntilResolves(sock, addr, `${name}.default.svc.cluster.local`, 5000);
    await created;
    total.push(t2 - t0);
    api.push(t1 - t0);
    afterApi.push(Math.max(0, t2 - t1));
  }
  sock.close();
  await parallel(Array.from({ length: n }, (_, i) => `prog-${i}`), 8, (name) => client.delete(Resources.services, 'default', name));
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  return { n, p50: q(total, 50), p99: q(total, 99), max: Math.max(...total), apiP50: q(api, 50), apiP99: q(api, 99), afterP50: q(afterApi, 50), afterP99: q(afterApi, 99) };
}

const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));
const f2 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(2));
const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));

async function main(): Promise<void> {
  ensureTools();
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-dns-'));
  const load0 = os.loadavg();
  log(`starting the API server (SQLite, its own process) in ${dir}`);
  const apiProc = spawn(process.execPath, ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'apiserver.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  const { kubeconfig } = await new Promise<{ kubeconfig: string }>((resolve, reject) => {
    let buf = '';
    apiProc.stdout!.setEncoding('utf8');
    apiProc.stdout!.on('data', (c: string) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as { kubeconfig: string });
    });
    apiProc.once('exit', (code) => reject(new Error(`the API server exited (${code})`)));
  });
  const client = new RestClient(loadClientConfig(kubeconfig));
  const cluster = benchCluster(10, Math.ceil(SERVICES / 10));
  log(`creating ${cluster.services.length} Services in ${cluster.namespaces.length} namespaces`);
  const tc = performance.now();
  for (const ns of cluster.namespaces) await client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await parallel(cluster.services, 16, async (s) => {
    await client.create(Resources.services, s.ns, serviceObject(s));
    if (s.headless) await client.create(Resources.endpointSlices, s.ns, sliceObject(s));
  });
  log(`created in ${((performance.now() - tc) / 1000).toFixed(1)} s`);
  const queries = queryMix(cluster, 50_000);
  const file = join(dir, 'queries.txt');
  writeFileSync(file, queries.join('\n') + '\n');

  // Every server runs for the whole benchmark; rounds interleave them so that
  // load from elsewhere on the machine falls on all of them alike.
  const configs: { label: string; workers: number; cache?: number; sharing?: 'reuseport' | 'cluster'; ip: string }[] = [
    { label: 'switchboard dns, 1 process', workers: 1, ip: '127.0.0.151' },
    { label: 'switchboard dns, 2 workers (SO_REUSEPORT)', workers: 2, sharing: 'reuseport', ip: '127.0.0.152' },
    { label: 'switchboard dns, 2 workers (node:cluster shared socket)', workers: 2, sharing: 'cluster', ip: '127.0.0.153' },
    { label: 'switchboard dns, 2 workers (node:cluster), response cache off', workers: 2, cache: 0, sharing: 'cluster', ip: '127.0.0.155' },
  ];
  const targets: Target[] = [];
  const stops: (() => Promise<void>)[] = [];
  let progTarget: { host: string; port: number } | undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  const stopChild = (c: ReturnType<typeof spawn>) => () =>
    new Promise<void>((r) => {
      if (c.exitCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  if (ONLY !== 'knot') {
    for (const c of configs) {
      const opts = { kubeconfig, listen: `${c.ip}:5300`, metricsListen: `${c.ip}:0`, upstream: ['127.0.0.1:9'], workers: c.workers, sharing: c.sharing, responseCacheSize: c.cache };
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'dns-process.ts'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
      stops.push(stopChild(child));
      const info = await new Promise<{ host: string; port: number; pids: number[] }>((resolve, reject) => {
        let buf = '';
        child.stdout!.setEncoding('utf8');
        child.stdout!.on('data', (d: string) => {
          buf += d;
          const nl = buf.indexOf('\n');
          if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
        });
        child.once('exit', (code) => reject(new Error(`${c.label} exited (${code})`)));
      });
      // The DNS processes: the server itself (1 process) or the workers (not the idle supervisor).
      const pids = c.workers > 1 ? info.pids : [child.pid!];
      targets.push({ label: c.label, addr: { host: info.host, port: info.port }, pids: () => pids });
      if (c.workers === 2 && c.cache === undefined && c.sharing === 'cluster') progTarget = { host: info.host, port: info.port };
    }
  }
  if (ONLY !== 'knot') {
    const echo = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'echo-server.mjs'), ECHO.host, String(ECHO.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => echo.stdout!.once('data', r));
    stops.push(async () => {
      echo.kill('SIGTERM');
    });
    targets.push({ label: 'node dgram echo, 1 process (the floor: no DNS work at all)', addr: ECHO, pids: () => [echo.pid!] });
  }
  if (ONLY !== 'ours') {
    const knot = await startKnot(join(dir, 'knot'), KNOT.host, KNOT.port, zoneFiles(cluster), 2);
    stops.push(() => knot.stop());
    targets.push({ label: 'knotd 3.2 (C reference, 2 UDP workers)', addr: KNOT, pids: () => [knot.pid] });
  }
  const rows: Row[] = targets.map((t) => ({ server: t.label, samples: [] }));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1} of ${ROUNDS}`);
      for (let i = 0; i < targets.length; i++) rows[i].samples.push(await measure(targets[i], file));
    }
  } catch (e) {
    for (const s of stops) await s();
    throw e;
  }
  let prog: Awaited<ReturnType<typeof programmingLatency>> | undefined;
  if (progTarget) {
    log(`programming latency: ${PROG_N} Services, one at a time`);
    prog = await programmingLatency(client, progTarget, PROG_N);
    log(`programming latency p50 ${prog.p50.toFixed(1)} ms p99 ${prog.p99.toFixed(1)} ms`);
  }
  for (const s of stops) await s();
  client.close();
  await new Promise<void>((r) => {
    apiProc.once('exit', () => r());
    apiProc.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
  const load1 = os.loadavg();

  // ------------------------------------------------------------------ report
  const cpus = os.cpus();
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const bestOf = (r: Row) => r.samples.reduce((a, b) => (b.max.qps > a.max.qps ? b : a));
  const ref = rows.find((r) => r.server.startsWith('knotd'));
  const ours = rows.filter((r) => r.server.startsWith('switchboard'));
  const best = [...ours].sort((a, b) => med(b.samples.map((x) => x.max.qps)) - med(a.samples.map((x) => x.max.qps)))[0];
  const lines: string[] = [];
  lines.push('# DNS benchmark');
  lines.push('');
  lines.push(`Command: \`node --import tsx bench/dns/run.ts${argv.length ? ' ' + argv.join(' ') : ''}\`.`);
  lines.push(`Date: ${new Date().toISOString()}.`);
  lines.push(`Machine: ${cpus[0]?.model ?? '?'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}.`);
  lines.push(`Load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')}. The machine is shared with other work; the 1-minute load at the start of each measurement is in the per-round table below.`);
  lines.push('');
  lines.push(`Cluster: ${cluster.services.length} Services in ${cluster.namespaces.length} namespaces (every fifth headless with 3 ready endpoints with hostnames), 2 named ports each; a real API server (SQLite) in a process of its own; every DNS server runs in processes of its own (never in the benchmark driver), each fed by its own informers.`);
  lines.push(`Query mix (${queries.length} lines, dnsperf cycles through them): ${MIX.map((m) => `${Math.round(m.share * 100)}% ${m.kind}`).join(', ')}.`);
  lines.push(`dnsperf 2.10 (Debian) runs on the same 2 CPUs as the servers, ${CLIENTS} client sockets. Max throughput: \`-q 256\` outstanding for ${SECONDS} s. Latency: \`-Q 20000 -v\` for ${LAT_SECONDS} s, every query's latency recorded (to a file, parsed after the run). ${ROUNDS} rounds, servers interleaved; medians, best round in brackets. CPU = the server processes' user + system time during the max-throughput run (/proc).`);
  lines.push('');
  lines.push('| server | max QPS | server CPU (cores) | CPU µs/query (user + sys) | dnsperf CPU (cores) | at 20k: QPS | p50 ms | p99 ms | p99.9 ms |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const sm = r.samples;
    const b = bestOf(r);
    const lat = [...sm].sort((x, y) => (x.at20k.p99 ?? Infinity) - (y.at20k.p99 ?? Infinity));
    const perQ = (x: Sample) => ((x.user + x.sys) / x.max.completed) * 1e6;
    lines.push(
      `| ${r.server} | ${med(sm.map((x) => x.max.qps)).toFixed(0)} (${b.max.qps.toFixed(0)}) | ${f2(med(sm.map((x) => (x.user + x.sys) / SECONDS)))} | ${f1(med(sm.map(perQ)))} (${f1(med(sm.map((x) => (x.user / x.max.completed) * 1e6)))} + ${f1(med(sm.map((x) => (x.sys / x.max.completed) * 1e6)))}) | ${f2(med(sm.map((x) => x.max.cpu / SECONDS)))} | ${med(sm.map((x) => x.at20k.qps)).toFixed(0)} | ${f3(med(sm.map((x) => x.at20k.p50 ?? NaN)))} (${f3(lat[0].at20k.p50)}) | ${f3(med(sm.map((x) => x.at20k.p99 ?? NaN)))} (${f3(lat[0].at20k.p99)}) | ${f3(med(sm.map((x) => x.at20k.p999 ?? NaN)))} (${f3(lat[0].at20k.p999)}) |`,
    );
  }
  lines.push('');
  lines.push('Per round (max QPS / p99 ms at 20k / 1-minute load average when the round started):');
  lines.push('');
  lines.push(`| server | ${Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`).join(' | ')} |`);
  lines.push(`|---|${Array.from({ length: ROUNDS }, () => '---:').join('|')}|`);
  for (const r of rows) lines.push(`| ${r.server} | ${r.samples.map((x) => `${x.max.qps.toFixed(0)} / ${f2(x.at20k.p99)} / ${x.load.toFixed(1)}`).join(' | ')} |`);
  lines.push('');
  if (prog) {
    lines.push(`DNS programming latency (${prog.n} Services created one at a time through the API, against the 2-worker node:cluster server; from the create request until a UDP query for the name answers):`);
    lines.push('');
    lines.push('| | p50 ms | p99 ms | max ms |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| create → resolves | ${f1(prog.p50)} | ${f1(prog.p99)} | ${f1(prog.max)} |`);
    lines.push(`| of which the API create call | ${f1(prog.apiP50)} | ${f1(prog.apiP99)} | |`);
    lines.push(`| API response → resolves (watch + index + 1 ms poll) | ${f1(prog.afterP50)} | ${f1(prog.afterP99)} | |`);
    lines.push('');
  }
  lines.push('Aims (issue 7): ≥ 34,000 QPS; ≥ 0.3× the reference in the same run; p99 < 2 ms at 20,000 QPS; programming latency p99 < 100 ms.');
  if (best) {
    const q = med(best.samples.map((x) => x.max.qps));
    const rq = ref ? med(ref.samples.map((x) => x.max.qps)) : NaN;
    lines.push('');
    lines.push(`Best Switchboard configuration by median: ${best.server}, ${q.toFixed(0)} QPS${ref ? ` = ${(q / rq).toFixed(2)}× knotd's ${rq.toFixed(0)} (same rounds)` : ''}; at 20k QPS median p99 ${f3(med(best.samples.map((x) => x.at20k.p99 ?? NaN)))} ms.`);
  }
  const notes = join(dirname(fileURLToPath(import.meta.url)), 'NOTES.md');
  try {
    lines.push('');
    lines.push(readFileSync(notes, 'utf8').trim());
  } catch {
    /* no notes */
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'dns.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
