/**
 * Node agent benchmark (issue 5):
 *
 * 1. apply → Ready: 100 pods without a probe (one every 100 ms, nodeName set),
 *    time from the create request to the watch event that shows Ready=True,
 *    p50/p99, in loopback mode and (as root) in netns mode; plus 20 pods
 *    through the scheduler with `kubectl apply` (kubectl's own start-up
 *    included).
 * 2. probe result → status write: 20 pods with an HTTP readiness probe every
 *    second, flipped failing/passing through the sample app; the agent
 *    measures readiness result → pods/status PATCH completed; the driver also
 *    reports the app flip → Ready change seen by a watch (includes waiting
 *    for the next probe period).
 * 3. steady state: 200 pods each probed every second (HTTP readiness probe
 *    to a shared server, so the pods themselves cost nothing); agent CPU and
 *    RSS over 30 s.
 *
 * Processes: this one runs the API server (SQLite, as `switchboard up`) and
 * the scheduler; the agent is a child process (bench/node/agent-process.ts).
 *
 *   node --import tsx bench/node/run.ts [--pods N] [--steady N] [--seconds N] [--no-netns] [--out FILE]
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import type { Pod } from '../../src/api/types.ts';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import { runtimeNames, type AgentMetrics } from '../../src/node/index.ts';
import { startScheduler } from '../../src/scheduler/index.ts';
import { summarize } from '../apiserver/stats.ts';
import { spawnWorker, type Worker } from '../apiserver/worker-rpc.ts';
import { kubectlPath } from '../../scripts/kubectl.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const PODS = opt('pods', 100);
const STEADY = opt('steady', 200);
const SECONDS = opt('seconds', 30);
const NETNS = !args.includes('--no-netns') && process.getuid?.() === 0;
const outIdx = args.indexOf('--out');
const OUT = outIdx >= 0 ? args[outIdx + 1]! : join(ROOT, 'bench/results/node.md');
const SAMPLE_APP = join(ROOT, 'examples/sample-app/server.mjs');
const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (n: number) => `${n < 10 ? n.toFixed(1) : n.toFixed(0)} ms`;
const startedAt = Date.now();
const prefix = `sbb${process.pid % 100000}`;

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-node-'));
const store = await openStore({ kind: 'sqlite', path: join(dir, 'state.db') });
const pki = ensurePki(dir, []);
const server = new ApiServer({ store, pki, port: 0, bookmarkIntervalMs: 1000 });
const url = await server.start();
const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
const client = new RestClient(loadClientConfig(kubeconfig));
const scheduler = startScheduler(client);
await scheduler.synced;

/** When each pod was first seen Ready=True / changed readiness, by a watch from now on. */
function watchReady(onReady: (name: string, ready: boolean, at: number) => void): () => void {
  let stopped = false;
  let rv = '';
  const last = new Map<string, boolean>();
  const loop = async () => {
    while (!stopped) {
      if (!rv) rv = (await client.list<Pod>(Resources.pods, 'default', { limit: 1 })).metadata.resourceVersion ?? '';
      const w = client.watch<Pod>(Resources.pods, 'default', { resourceVersion: rv, allowWatchBookmarks: true }, (ev) => {
        rv = ev.object.metadata.resourceVersion ?? rv;
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
        const ready = ev.object.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        const name = ev.object.metadata.name!;
        if (last.get(name) !== ready) {
          last.set(name, ready);
          onReady(name, ready, Date.now());
        }
      });
      stopFn = () => w.stop();
      await w.done.catch(() => undefined);
    }
  };
  let stopFn = () => undefined as void;
  void loop();
  return () => {
    stopped = true;
    stopFn();
  };
}

async function startAgent(name: string, mode: 'loopback' | 'netns'): Promise<{ worker: Worker; pid: number }> {
  const worker = spawnWorker(join(ROOT, 'bench/node/agent-process.ts'), []);
  const r = await worker.call<{ pid: number }>('start', {
    kubeconfig,
    nodeName: name,
    mode,
    dataDir: join(dir, name),
    agent: {
      maxPods: 250,
      ...(mode === 'netns' ? { namePrefix: prefix, podCIDR: `10.254.${process.pid % 200}.0/24`, nodeIP: '127.0.0.1' } : {}),
    },
  });
  return { worker, pid: r.pid };
}

function pod(name: string, o: { nodeName?: string; command?: string[]; env?: Record<string, string>; probe?: Record<string, unknown> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'node' } },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          command: o.command ?? ['/bin/sleep', '3600'],
          env: Object.entries(o.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
          ...(o.probe ? { readinessProbe: o.probe } : {}),
        },
      ],
    },
  };
}

/** Deletes the benchmark's pods and waits until they are gone (and, in netns mode, their namespaces too). */
async function deleteAll(): Promise<void> {
  const list = await client.list<Pod>(Resources.pods, 'default', { labelSelector: 'bench=node' });
  await Promise.all(list.items.map((p) => client.delete(Resources.pods, 'default', p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  for (let i = 0; i < 600; i++) {
    const left = (await client.list<Pod>(Resources.pods, 'default', { labelSelector: 'bench=node' })).items.length;
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((e) => e.startsWith(`${prefix}_`)).length : 0;
    if (left === 0 && netns === 0) break;
    await sleep(100);
  }
  await sleep(500);
}

/**
 * Part 1: create → Ready for pods without a probe. One at a time (the next
 * create 50 ms after the previous pod was Ready): latency without queueing.
 * Then a burst of `n` creates at once: time until all are Ready (throughput).
 */
async function applyToReady(node: string, n: number): Promise<{ lat: number[]; burstMs: number }> {
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const readyNames = new Set<string>();
  const stop = watchReady((name, ready, at) => {
    if (!ready) return;
    readyNames.add(name);
    const t0 = sent.get(name);
    if (t0 !== undefined) {
      lat.push(at - t0);
      sent.delete(name);
    }
  });
  await sleep(300);
  for (let i = 0; i < n; i++) {
    const name = `${node}-p${i}`;
    sent.set(name, Date.now());
    await client.create(Resources.pods, 'default', pod(name, { nodeName: node }));
    for (let t = 0; sent.has(name) && t < 3000; t++) await sleep(5);
    await sleep(50);
  }
  await deleteAll();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: n }, (_, i) => client.create(Resources.pods, 'default', pod(`${node}-b${i}`, { nodeName: node }))));
  for (let t = 0; t < 6000; t++) {
    let all = true;
    for (let i = 0; i < n && all; i++) all = readyNames.has(`${node}-b${i}`);
    if (all) break;
    await sleep(10);
  }
  const burstMs = Date.now() - t0;
  stop();
  return { lat, burstMs };
}

/** The API floor: pods/status PATCH round trips from the driver (same path the agent's writes take). */
async function patchFloor(n: number): Promise<number[]> {
  await client.create(Resources.pods, 'default', pod('floor', { nodeName: 'nowhere' }));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = Date.now();
    await client.patch(Resources.pods, 'default', 'floor', { status: { conditions: [{ type: 'Ready', status: i % 2 ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, 'strategic', 'status');
    out.push(Date.now() - t);
    await sleep(20);
  }
  await client.delete(Resources.pods, 'default', 'floor', { gracePeriodSeconds: 0 });
  return out;
}

/** Part 1b: kubectl apply (one pod per invocation, through the scheduler). */
async function kubectlApplyToReady(n: number): Promise<number[]> {
  const kubectl = process.env['SWITCHBOARD_KUBECTL'] || kubectlPath();
  const env = { PATH: process.env['PATH'] ?? '', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'kcache') };
  const lat: number[] = [];
  const sent = new Map<string, number>();
  const stop = watchReady((name, ready, at) => {
    const t0 = sent.get(name);
    if (ready && t0 !== undefined) {
      lat.push(at - t0);
      sent.delete(name);
    }
  });
  await sleep(300);
  for (let i = 0; i < n; i++) {
    const name = `kubectl-p${i}`;
    sent.set(name, Date.now());
    await new Promise<void>((res, rej) => {
      const c = execFile(kubectl, ['apply', '-f', '-'], { env }, (err) => (err ? rej(err) : res()));
      c.stdin!.end(stringify(pod(name)));
    });
    while (sent.has(name)) await sleep(10);
  }
  stop();
  return lat;
}

/** Part 2: readiness probe result → status write. */
async function probeToStatus(worker: Worker, node: string, n: number, flips: number): Promise<{ agent: number[]; observed: number[] }> {
  for (let i = 0; i < n; i++) {
    await client.create(
      Resources.pods,
      'default',
      pod(`probe-${i}`, {
        nodeName: node,
        command: [process.execPath, SAMPLE_APP],
        env: { POD_NAME: `probe-${i}`, PORT: '8080' },
        probe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      }),
    );
  }
  const ips = new Map<string, string>();
  for (let t = 0; ips.size < n && t < 600; t++) {
    const list = await client.list<Pod>(Resources.pods, 'default', { labelSelector: 'bench=node' });
    for (const p of list.items) if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p.status.podIP) ips.set(p.metadata.name!, p.status.podIP);
    await sleep(100);
  }
  const before = (await worker.call<AgentMetrics>('metrics', {})).statusWriteLatenciesMs.length;
  const observed: number[] = [];
  const flippedAt = new Map<string, { at: number; want: boolean }>();
  const stop = watchReady((name, ready, at) => {
    const f = flippedAt.get(name);
    if (f && f.want === ready) {
      observed.push(at - f.at);
      flippedAt.delete(name);
    }
  });
  await sleep(300);
  for (let k = 0; k < flips; k++) {
    const want = k % 2 === 1;
    for (const [name, ip] of ips) {
      flippedAt.set(name, { at: Date.now(), want });
      await fetch(`http://${ip}:8080/${want ? 'recover' : 'fail'}`).catch(() => undefined);
    }
    for (let t = 0; flippedAt.size && t < 50; t++) await sleep(100);
    await sleep(Math.random() * 500);
  }
  stop();
  const after = await worker.call<AgentMetrics>('metrics', {});
  return { agent: after.statusWriteLatenciesMs.slice(before), observed };
}

function procStat(pid: number): { cpuS: number; rssMiB: number } {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMiB: rss / 1024 };
}

/** Part 3: 200 pods probed every second. */
async function steady(worker: Worker, pid: number, node: string, n: number, seconds: number): Promise<{ cpu: number; rss: number; rssStart: number; attempts: number; writes: number }> {
  const probeServer = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => probeServer.listen(0, '127.0.0.1', r));
  const port = (probeServer.address() as AddressInfo).port;
  let hits = 0;
  probeServer.on('request', () => hits++);
  for (let i = 0; i < n; i++) {
    await client.create(Resources.pods, 'default', pod(`steady-${i}`, { nodeName: node, probe: { httpGet: { host: '127.0.0.1', port, path: '/' }, periodSeconds: 1 } }));
  }
  for (let t = 0; t < 900; t++) {
    const list = await client.list<Pod>(Resources.pods, 'default', { labelSelector: 'bench=node' });
    if (list.items.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True').length >= n) break;
    await sleep(200);
  }
  await sleep(5000);
  const a = procStat(pid);
  const w0 = (await worker.call<AgentMetrics>('metrics', {})).statusWrites;
  const h0 = hits;
  await sleep(seconds * 1000);
  const b = procStat(pid);
  const w1 = (await worker.call<AgentMetrics>('metrics', {})).statusWrites;
  probeServer.close();
  return { cpu: (b.cpuS - a.cpuS) / seconds, rss: b.rssMiB, rssStart: a.rssMiB, attempts: (hits - h0) / seconds, writes: w1 - w0 };
}

function cleanupNetns(): void {
  for (const d of ['/run/netns', '/etc/netns']) {
    for (const e of existsSync(d) ? readdirSync(d) : []) {
      if (!e.startsWith(`${prefix}_`)) continue;
      if (d === '/run/netns') {
        try {
          execFileSync('ip', ['netns', 'del', e], { stdio: 'ignore' });
        } catch {
          /* gone */
        }
      } else rmSync(join(d, e), { recursive: true, force: true });
    }
  }
  const br = runtimeNames(prefix, 'bench-netns').bridge;
  if (existsSync(`/sys/class/net/${br}`)) execFileSync('ip', ['link', 'del', br], { stdio: 'ignore' });
}

const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
const rows: string[][] = [];
const notes: string[] = [];
try {
  log('part 1: loopback');
  const lo = await startAgent('bench-lo', 'loopback');
  const loRes = await applyToReady('bench-lo', PODS);
  const loLat = summarize(loRes.lat);
  rows.push([`apply → Ready, loopback (${loLat.n} pods, one at a time)`, ms(loLat.p50), ms(loLat.p90), ms(loLat.p99), ms(loLat.max)]);
  notes.push(`Burst, loopback: ${PODS} creates at once, all Ready after ${loRes.burstMs} ms (${((PODS * 1000) / loRes.burstMs).toFixed(0)} pods/s).`);
  await deleteAll();
  log('part 1b: kubectl apply');
  const kLat = summarize(await kubectlApplyToReady(20));
  rows.push([`kubectl apply → Ready, loopback, via scheduler (${kLat.n} pods)`, ms(kLat.p50), ms(kLat.p90), ms(kLat.p99), ms(kLat.max)]);
  await deleteAll();
  log('part 2: probe → status');
  const pr = await probeToStatus(lo.worker, 'bench-lo', 20, 10);
  const prA = summarize(pr.agent);
  const prO = summarize(pr.observed);
  rows.push([`readiness probe result → pods/status written (${prA.n} transitions)`, ms(prA.p50), ms(prA.p90), ms(prA.p99), ms(prA.max)]);
  rows.push([`app flips → Ready change seen by a watch, period 1 s (${prO.n})`, ms(prO.p50), ms(prO.p90), ms(prO.p99), ms(prO.max)]);
  const fl = summarize(await patchFloor(100));
  rows.push([`(floor) one pods/status PATCH round trip from the driver (${fl.n})`, ms(fl.p50), ms(fl.p90), ms(fl.p99), ms(fl.max)]);
  await deleteAll();
  log('part 3: steady state');
  const st = await steady(lo.worker, lo.pid, 'bench-lo', STEADY, SECONDS);
  notes.push(
    `Steady state, ${STEADY} pods, HTTP readiness probe every 1 s each, over ${SECONDS} s: agent CPU **${(st.cpu * 100).toFixed(1)}% of one core**, RSS **${st.rss.toFixed(0)} MiB** (${st.rssStart.toFixed(0)} MiB at the start of the window); ${st.attempts.toFixed(0)} probe requests/s reached the probe server; ${st.writes} status writes in the window (no transitions: none expected).`,
  );
  await deleteAll();
  await lo.worker.call('stop', { drain: true });
  await lo.worker.stop();
  if (NETNS) {
    log('part 1: netns');
    const ns = await startAgent('bench-netns', 'netns');
    const nsRes = await applyToReady('bench-netns', PODS);
    const nsLat = summarize(nsRes.lat);
    rows.splice(1, 0, [`apply → Ready, netns (${nsLat.n} pods, one at a time)`, ms(nsLat.p50), ms(nsLat.p90), ms(nsLat.p99), ms(nsLat.max)]);
    notes.splice(1, 0, `Burst, netns: ${PODS} creates at once, all Ready after ${nsRes.burstMs} ms (${((PODS * 1000) / nsRes.burstMs).toFixed(0)} pods/s; each sandbox is 2 \`ip\` runs plus \`ip netns exec\` for the process).`);
    await deleteAll();
    await ns.worker.call('stop', { drain: true });
    await ns.worker.stop();
  } else notes.push('netns mode skipped (not root, or --no-netns).');
} finally {
  if (NETNS) cleanupNetns();
  scheduler.stop();
  client.close();
  await server.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
const load1 = loadavg().map((x) => x.toFixed(2)).join(' ');

const md = `# Node agent benchmark

Command: \`node --import tsx bench/node/run.ts${args.length ? ` ${args.join(' ')}` : ''}\`.
Date: ${new Date(startedAt).toISOString()} (run took ${Math.round((Date.now() - startedAt) / 1000)} s).
Machine: ${cpus()[0]?.model.trim()}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}.
Load average before / after: ${load0} / ${load1} (the machine is shared: other work running at the same time raises every number).

Setup: the API server (SQLite, as \`switchboard up\`) and the scheduler in the benchmark process; the agent in its own process (\`runAgent\`, as \`switchboard agent\` runs it). Pods without a probe run \`/bin/sleep\` (a pod without a readiness probe is Ready when its process starts, so what the program does next does not matter); probe pods run the sample app. "apply → Ready": pods with spec.nodeName set created one at a time (the next 50 ms after the previous one was Ready), latency from the create request to the watch event showing Ready=True. The kubectl row runs one \`kubectl apply -f -\` per pod without nodeName (kubectl start-up, discovery, scheduler and agent included). "probe result → written": measured inside the agent, from the probe attempt's completion that flips the readiness result to the completed PATCH of pods/status.

| what | p50 | p90 | p99 | max |
|---|---:|---:|---:|---:|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

${notes.map((n) => `- ${n}`).join('\n')}

Aims (issue 5): apply → Ready p50 < 300 ms in loopback mode; status written within 50 ms of the probe result.
`;
writeFileSync(OUT, md);
process.stdout.write(md);
process.exit(0);
