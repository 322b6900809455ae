/**
 * `switchboard up` start-up and idle footprint (issue 9).
 *
 *   node --import tsx bench/up/run.ts [--services 100] [--pods 300] [--rounds 3]
 *     [--diagnose [--snapshot]] [--node-args "NODE FLAGS"] [--idle SECONDS]
 *
 * Measures, on this machine, in one run:
 * - cold start: `switchboard up` on an empty data dir (PKI generated with
 *   openssl, SQLite created) until the summary's `export KUBECONFIG=` line;
 * - warm restart: `up` on the same data dir holding 100 Services and 300
 *   pods (a stopped `up` stops its pods, the next starts them again), until
 *   the same line; median of --rounds restarts (the node gets --max-pods 310
 *   and a /22 pod range: the kubelet's default of 110 pods per node would
 *   leave 190 Pending);
 * - RSS of the switchboard process tree after 15 s idle (--idle to change;
 *   the `up` process and its helpers: the perl launcher; an esbuild service
 *   if tsx's loader had to transpile), each process apart, and separately the pods' own processes
 *   (each pod is `sleep`, so the figure is the cluster's cost, not an app's);
 *   `up` runs with the node flags of bin/switchboard.js's #! line, as
 *   `npx switchboard up` runs it, then once more without them, as
 *   `node bin/switchboard.js up` runs it (`npm start` passes the flag itself);
 * - the baseline a user would pay for the smallest piece of a real control
 *   plane that installs here: etcd from Debian (`etcd-server`), time to a
 *   healthy /health and its RSS — kind, minikube and k3s need Docker images
 *   or downloads that this machine cannot reach.
 * Results go to bench/results/up.md.
 *
 * Where the memory goes (no results file written):
 * - --diagnose: `up` also runs with --expose-gc and bench/up/diag-preload.mjs,
 *   and reports V8's heap spaces, external memory and code after a full GC
 *   (SB_DIAG_LAST_RESORT=1: the memory-reducing GC V8 runs under pressure);
 * - --snapshot (with --diagnose): writes a heap snapshot of the idle process;
 *   `node bench/up/heap-by-informer.mjs FILE` splits it by informer cache
 *   (per component) and by the other large holders;
 * - --node-args "…": extra node flags for `up` (e.g. --max-semi-space-size=1).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import type { Pod, Service } from '../../src/api/types.ts';
import { freePort } from '../../test/helpers/net.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SERVICES = arg('services', 100);
const PODS = arg('pods', 300);
const ROUNDS = arg('rounds', 3);
/**
 * --diagnose: run `up` with bench/up/diag-preload.mjs and --expose-gc, print
 * its V8 heap / external / code figures (and, with --snapshot, write a heap
 * snapshot into the data dir's parent) instead of writing the results file.
 */
const DIAGNOSE = process.argv.includes('--diagnose');
const SNAPSHOT = process.argv.includes('--snapshot');
/** Seconds `up` idles before its memory is read (default 15). */
const IDLE_S = arg('idle', 15);
const DIAG_OUT = join(tmpdir(), `sb-bench-up-diag-${process.pid}`);
/**
 * `switchboard up` as a user starts it (`npx switchboard up`, `bin/switchboard.js up`):
 * with the node flags of the launcher's #! line (`#!/usr/bin/env -S node FLAGS`).
 */
const BIN = join(ROOT, 'bin/switchboard.js');
const SHEBANG_FLAGS = /^#!\S*env -S node\b(.*)$/m.exec(readFileSync(BIN, 'utf8').split('\n')[0]!)?.[1]!.split(/\s+/).filter(Boolean) ?? [];
/** --node-args "FLAGS": extra node flags for the `up` process (experiments, e.g. "--max-semi-space-size=2"). */
const NODE_ARGS = (() => {
  const i = process.argv.indexOf('--node-args');
  return i > 0 ? process.argv[i + 1]!.split(/\s+/).filter(Boolean) : [];
})();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Up {
  child: ChildProcess;
  ms: number;
}

async function startUp(dir: string, port: number, flags = SHEBANG_FLAGS): Promise<Up> {
  const t0 = performance.now();
  const diag = DIAGNOSE ? ['--expose-gc', '--import', join(ROOT, 'bench/up/diag-preload.mjs')] : [];
  const child = spawn(process.execPath, [...flags, ...diag, ...NODE_ARGS, BIN, 'up', '--data-dir', dir, '--api-port', String(port), '--service-cluster-ip-range', '127.95.0.0/16', '--max-pods', String(PODS + 10), '--pod-cidr', '127.244.64.0/22'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: DIAGNOSE ? { ...process.env, SB_DIAG_OUT: DIAG_OUT, SB_DIAG_SNAPSHOT: SNAPSHOT ? '1' : '0' } : process.env,
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (c: Buffer) => {
      out += c.toString();
      if (/export KUBECONFIG=/.test(out)) {
        child.stdout!.off('data', on);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, ms: performance.now() - t0 });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`up exited ${code}:\n${out}`)));
  });
}

async function stopUp(u: Up): Promise<void> {
  if (u.child.exitCode !== null) return;
  const gone = new Promise((r) => u.child.once('exit', r));
  u.child.kill('SIGTERM');
  await gone;
}

/** Every process in the tree under pid (from /proc), pid included. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** A /proc/PID/status field in KiB (or a count, for Threads); 0 when the process is gone. */
function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
const rssKiB = (pid: number) => statusField(pid, 'VmRSS');

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

interface Footprint {
  /** RSS of the switchboard processes (KiB), and one table row each. */
  sbKiB: number;
  rows: string[];
  /** RSS of the pods' processes (KiB) and how many there are. */
  podKiB: number;
  podProcs: number;
}

/** After IDLE_S seconds idle: the RSS of `up`'s process tree, the pods' processes (shim + command) apart. */
/** Shim processes (one per running pod container) of the pods of this data dir. */
function runningPods(dir: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d) && /sb-shim/.test(cmdline(Number(d))) && cmdline(Number(d)).includes(dir)) n++;
  return n;
}

async function idleFootprint(u: Up, dir: string): Promise<Footprint> {
  // Idle means nothing left to do: a restarted `up` starts its pods again after its summary, so wait for all of them.
  const t0 = performance.now();
  while (runningPods(dir) < PODS) await sleep(200);
  console.error(`all ${PODS} pods running ${((performance.now() - t0) / 1000).toFixed(1)} s after the summary; idle ${IDLE_S} s before measuring memory`);
  for (let t = 0; t < IDLE_S; t += 5) {
    await sleep(Math.min(5, IDLE_S - t) * 1000);
    console.error(`  ${Math.min(t + 5, IDLE_S)} s: up ${(rssKiB(u.child.pid!) / 1024).toFixed(1)} MiB`);
  }
  const fp: Footprint = { sbKiB: 0, rows: [], podKiB: 0, podProcs: 0 };
  const pids = tree(u.child.pid!);
  // Pod processes: the shims (sb-shim) with what they run, in this tree or adopted from an earlier `up`.
  const pods = new Set<number>();
  for (const d of readdirSync('/proc')) {
    if (/^\d+$/.test(d) && /sb-shim/.test(cmdline(Number(d))) && cmdline(Number(d)).includes(dir)) for (const p of tree(Number(d))) pods.add(p);
  }
  for (const p of pods) {
    fp.podKiB += rssKiB(p);
    fp.podProcs++;
  }
  for (const p of pids) {
    if (pods.has(p)) continue;
    fp.sbKiB += rssKiB(p);
    const mib = (f: string) => (statusField(p, f) / 1024).toFixed(1);
    const shown = cmdline(p).replaceAll(ROOT, '').replace(/ -e \n[\s\S]*\n /, ' -e HELPER ').replace(/ up --data-dir .*/, ' up …');
    fp.rows.push(`| \`${shown.trim()}\` | ${statusField(p, 'Threads')} | ${mib('VmRSS')} | ${mib('RssAnon')} | ${mib('RssFile')} |`);
  }
  console.error([`switchboard processes: ${(fp.sbKiB / 1024).toFixed(1)} MiB (RSS, RssAnon, RssFile in MiB):`, ...fp.rows].join('\n'));
  return fp;
}

/** --diagnose: the `up` process's own view of its memory (bench/up/diag-preload.mjs). */
async function diagnose(u: Up): Promise<void> {
  rmSync(`${DIAG_OUT}.done`, { force: true });
  u.child.kill('SIGUSR2');
  while (!existsSync(`${DIAG_OUT}.done`)) await sleep(200);
  const r = JSON.parse(readFileSync(`${DIAG_OUT}.json`, 'utf8')) as {
    rssBeforeGc: number;
    memoryUsage: Record<string, number>;
    heap: Record<string, number>;
    spaces: { space_name: string; space_used_size: number; space_size: number }[];
    code: Record<string, number>;
  };
  for (const ext of ['json', 'done']) rmSync(`${DIAG_OUT}.${ext}`, { force: true });
  const m = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  console.error(`rss before the gc: ${m(r.rssBeforeGc)}`);
  console.error(`memoryUsage after gc: ${Object.entries(r.memoryUsage).map(([k, v]) => `${k} ${m(v)}`).join(', ')}`);
  console.error(`heap spaces (used / committed): ${r.spaces.map((x) => `${x.space_name} ${m(x.space_used_size)} / ${m(x.space_size)}`).join(', ')}`);
  console.error(`code: ${Object.entries(r.code).map(([k, v]) => `${k} ${m(v)}`).join(', ')}; malloced ${m(r.heap.malloced_memory!)} (peak ${m(r.heap.peak_malloced_memory!)})`);
  if (SNAPSHOT) console.error(`heap snapshot: ${DIAG_OUT}.heapsnapshot (node bench/up/heap-by-informer.mjs FILE)`);
}

/** Stops the pods of this run that outlived `up` (each shim leads its own process group). */
function killPods(dir: string): void {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || !/sb-shim/.test(cmdline(Number(d))) || !cmdline(Number(d)).includes(dir)) continue;
    try {
      process.kill(-Number(d), 'SIGKILL');
    } catch {
      try {
        process.kill(Number(d), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

async function populate(kubeconfig: string): Promise<void> {
  const client = new RestClient(loadClientConfig(kubeconfig));
  const inBatches = async <T>(xs: T[], n: number, f: (x: T) => Promise<unknown>) => {
    for (let i = 0; i < xs.length; i += n) await Promise.all(xs.slice(i, i + n).map(f));
  };
  await inBatches([...Array(SERVICES).keys()], 20, (i) =>
    client.create<Service>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}` },
      spec: { selector: { app: `app-${i % SERVICES}` }, ports: [{ port: 8080 }] },
    }),
  );
  await inBatches([...Array(PODS).keys()], 20, (i) =>
    client.create<Pod>(Resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${i}`, labels: { app: `app-${i % SERVICES}` } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'sleep', command: ['sleep', 'infinity'] }] },
    }),
  );
  for (;;) {
    const pods = await client.list<Pod>(Resources.pods, 'default');
    const ready = pods.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready === PODS) break;
    await sleep(500);
  }
  client.close();
}

async function deleteAll(kubeconfig: string): Promise<void> {
  const client = new RestClient(loadClientConfig(kubeconfig));
  await client.request('DELETE', '/api/v1/namespaces/default/pods', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  for (let i = 0; i < 240; i++) {
    if ((await client.list<Pod>(Resources.pods, 'default')).items.length === 0) break;
    await sleep(500);
  }
  client.close();
}

async function etcdBaseline(): Promise<{ ms: number; rssMiB: number; version: string } | string> {
  if (!existsSync('/usr/bin/etcd')) {
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (e) {
      return `etcd-server could not be installed: ${(e as Error).message}`;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-etcd-'));
  const [cp, pp] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn('/usr/bin/etcd', ['--name', 'b', '--data-dir', dir, '--logger=zap', '--log-level=error', '--listen-client-urls', `http://127.0.0.1:${cp}`, '--advertise-client-urls', `http://127.0.0.1:${cp}`, '--listen-peer-urls', `http://127.0.0.1:${pp}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${pp}`, '--initial-cluster', `b=http://127.0.0.1:${pp}`], { stdio: 'ignore' });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${cp}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(10);
    }
    const ms = performance.now() - t0;
    await sleep(5000);
    const version = execFileSync('/usr/bin/etcd', ['--version']).toString().split('\n')[0]!;
    return { ms, rssMiB: rssKiB(child.pid!) / 1024, version };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-up-'));
  const port = await freePort();
  const kubeconfig = join(dir, 'kubeconfig');
  // Fill the launcher's transpile cache, as any earlier run of the CLI does.
  execFileSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
  const load0 = loadavg();
  let u = await startUp(dir, port).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const cold = u.ms;
  console.error(`cold start: ${cold.toFixed(0)} ms; creating ${SERVICES} Services and ${PODS} pods`);
  try {
    await populate(kubeconfig);
    const warm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await stopUp(u);
      u = await startUp(dir, port);
      warm.push(u.ms);
      console.error(`warm restart ${r + 1}: ${u.ms.toFixed(0)} ms`);
    }
    const fp = await idleFootprint(u, dir);
    if (DIAGNOSE) await diagnose(u);
    if (DIAGNOSE) return;
    // The same cluster started as `node bin/switchboard.js up` (`npm start` passes the flag itself): without the #! line's flags.
    let plain: Footprint | undefined;
    if (SHEBANG_FLAGS.length) {
      await stopUp(u);
      u = await startUp(dir, port, []);
      plain = await idleFootprint(u, dir);
    }
    const etcd = await etcdBaseline();
    const load1 = loadavg();
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const flags = SHEBANG_FLAGS.join(' ');
    const lines = [
      '# `switchboard up`: start-up time and idle memory',
      '',
      `Command: \`node --import tsx bench/up/run.ts --services ${SERVICES} --pods ${PODS} --rounds ${ROUNDS}\`  `,
      `Date: ${new Date().toISOString()}  `,
      `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')} (the machine is shared with other work).`,
      '',
      `\`up\` is started the way \`npx switchboard up\` and \`bin/switchboard.js up\` start it: \`node ${flags ? `${flags} ` : ''}bin/switchboard.js up …\`${flags ? ' (node flags from the launcher\'s #! line)' : ''}, running the sources transpiled in node_modules/.cache/switchboard (bin/switchboard.js; filled by any earlier run, here a \`--help\` before the cold start; a first run after install transpiles the whole tree first, ~1.5–2 s on this machine). Times are from spawning it to its summary (\`export KUBECONFIG=\` line), which is printed only after the API server, controllers, DNS (caches synced), proxy (first sync applied) and node agent (node registered) are ready. A stopped \`up\` stops its pods; the next one starts them again.`,
      '',
      '| | switchboard up | aim |',
      '|---|---:|---|',
      `| cold start, empty data dir (PKI + SQLite created) | ${cold.toFixed(0)} ms | < 5 s |`,
      `| warm restart with ${SERVICES} Services and ${PODS} pods (median of ${ROUNDS}: ${warm.map((w) => w.toFixed(0)).join(', ')} ms) | ${median(warm).toFixed(0)} ms | < 3 s |`,
      `| RSS of the switchboard processes, idle, ${SERVICES} Services / ${PODS} pods | ${mib(fp.sbKiB)} | < 150 MiB |`,
      ...(plain ? [`| the same, started as \`node bin/switchboard.js up\` without ${flags} | ${mib(plain.sbKiB)} | < 150 MiB |`] : []),
      `| RSS of the pods' own processes (${fp.podProcs} processes: a shell shim + \`sleep\` per pod) | ${mib(fp.podKiB)} | (the workload, not the cluster) |`,
      '',
      'The switchboard processes, idle (MiB; RssFile is mostly the mapped node binary and shared libraries, shared with every other node process):',
      '',
      '| process | threads | RSS | RssAnon | RssFile |',
      '|---|---:|---:|---:|---:|',
      ...fp.rows,
      ...(plain ? plain.rows : []),
      '',
      'What a user pays for the alternatives, on this machine: kind, minikube and k3s cannot run here (they need a Docker daemon with images or downloads from outside the npm registry and Debian\'s repositories). The smallest piece of a real control plane that installs here is etcd from Debian, measured in the same run:',
      '',
      typeof etcd === 'string'
        ? `- etcd: ${etcd}`
        : `- ${etcd.version}: start to healthy \`/health\` ${etcd.ms.toFixed(0)} ms, RSS idle (empty) ${etcd.rssMiB.toFixed(1)} MiB — for etcd alone; a real cluster adds kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, CoreDNS, kubelet and a container runtime on top.`,
      '',
    ];
    writeFileSync(join(ROOT, 'bench/results/up.md'), lines.join('\n'));
    process.stdout.write(lines.join('\n'));
  } finally {
    await deleteAll(kubeconfig).catch((e) => console.error(`cleanup: ${(e as Error).message}`));
    await stopUp(u);
    killPods(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
