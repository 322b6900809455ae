/**
 * Endpoint controllers benchmark (issue 4):
 *
 * 1. Cold start: 10,000 Services × 10 ready pods exist, no slices and no
 *    Endpoints; the controller-manager starts. Time until every Service is
 *    complete in its EndpointSlices and in its Endpoints, as seen by a watch.
 * 2. Churn: 1,000 pod Ready flips per second for 30 s through pods/status;
 *    latency from the status write to the slice event that shows it
 *    (p50/p99), and slice writes per change.
 * 3. The same churn after restarting the controller-manager with only the
 *    EndpointSlice controller (the restart itself must write nothing).
 *
 * Processes: this one runs the API server (in-process, memory store; the
 * objects are seeded through its registry — admission, defaulting and
 * validation included, but no HTTP — for setup speed); the controller-manager
 * and the load driver are child processes talking HTTPS to it.
 *
 *   node --import tsx bench/controllers/run.ts [--services N] [--pods N]
 *        [--rate N] [--seconds N] [--quick] [--out FILE]
 */
import { cpus, totalmem, release } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import { loopbackNetworkConfig } from '../../src/allocators/index.ts';
import { findResource } from '../../src/api/resources.ts';
import type { KubeObject, Pod } from '../../src/api/types.ts';
import { summarize, type Summary } from '../apiserver/stats.ts';
import { spawnWorker, type Worker } from '../apiserver/worker-rpc.ts';
import { startLoadMeter, waitQuiet } from '../apiserver/machine-load.ts';
import { NAMESPACE, podIP, podName, serviceName } from './shape.ts';
import { startProfile, stopProfile, type ProfileSummary } from './profile.ts';
import { DEFAULT_WORKERS } from '../../src/controllers/index.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const quick = flag('quick');
const SERVICES = opt('services', quick ? 1000 : 10_000);
const PODS = opt('pods', 10);
const RATE = opt('rate', 1000);
const SECONDS = opt('seconds', quick ? 10 : 30);
const SWEEP = (() => {
  const i = args.indexOf('--sweep');
  return i >= 0 ? args[i + 1]!.split(',').map(Number) : [100, 250, 500];
})();
const SWEEP_SECONDS = opt('sweep-seconds', 10);
const outIdx = args.indexOf('--out');
const OUT = outIdx >= 0 ? args[outIdx + 1]! : join(ROOT, 'bench/results/controllers.md');
const now = () => performance.timeOrigin + performance.now();
const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fmt = (n: number, d = 1) => n.toFixed(d);
const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)} ms`;

interface ChurnResult {
  sent: number;
  skipped: number;
  sendSeconds: number;
  observed: number;
  unobserved: number;
  errors: number;
  firstError: string;
  maxInflight: number;
  latencies: number[];
  fromAck: number[];
  writeRtt: number[];
  sliceEvents: number;
  endpointsEvents: number;
  cpuMs: number;
}

type Probes = { toController: number[]; queueWait: number[]; plan: number[]; reconcile: number[]; put: number[]; readinessEvents: number };

interface CtlStats {
  stats: Record<string, { syncs: number; creates: number; updates: number; deletes: number }>;
  probes: Probes;
  workers: number;
  cpuMs: number;
  rssMiB: number;
  heapMiB: number;
}

async function seed(server: ApiServer): Promise<{ seconds: number }> {
  const t0 = now();
  const reg = server.registry;
  const R = (res: string) => findResource('', 'v1', res)!;
  await reg.create(R('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  for (let n = 0; n < 12; n++) {
    await reg.create(R('nodes'), undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${n}`, labels: { 'topology.kubernetes.io/zone': zones[n % 3]!, 'kubernetes.io/hostname': `node-${n}` } },
    });
  }
  const inChunks = async (count: number, f: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < count; i += 200) {
      const batch: Promise<unknown>[] = [];
      for (let k = i; k < Math.min(count, i + 200); k++) batch.push(f(k));
      await Promise.all(batch);
    }
  };
  await inChunks(SERVICES, (i) =>
    reg.create(R('services'), NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceName(i), namespace: NAMESPACE, labels: { tier: 'bench' } },
      spec: { selector: { app: serviceName(i) }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    } as KubeObject),
  );
  log(`seeded ${SERVICES} Services`);
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await inChunks(SERVICES * PODS, async (k) => {
    const i = Math.floor(k / PODS);
    const j = k % PODS;
    const name = podName(i, j);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NAMESPACE, labels: { app: serviceName(i) } },
      spec: { nodeName: `node-${k % 12}`, containers: [{ name: 'app', image: 'registry.example/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    };
    await reg.create(R('pods'), NAMESPACE, pod);
    await reg.guaranteedUpdate(R('pods'), NAMESPACE, name, { subresource: 'status' }, (cur) => ({
      ...cur,
      status: {
        phase: 'Running',
        podIP: podIP(k),
        podIPs: [{ ip: podIP(k) }],
        hostIP: '127.0.0.1',
        conditions: [
          { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: stamp },
          { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: stamp },
        ],
      },
    }));
    if ((k + 1) % 20_000 === 0) log(`seeded ${k + 1} pods`);
  });
  return { seconds: (now() - t0) / 1000 };
}

const PROFILE = flag('profile');
/** The machine is shared: wait (up to 5 min) until other processes use < 0.2 cores before each measured part. */
const MAX_WAIT = opt('max-wait', 300);
async function quiet(what: string): Promise<number> {
  const load = await waitQuiet(0.2, MAX_WAIT);
  if (load >= 0.2) log(`${what}: machine still busy (${fmt(load, 2)} cores used by others); measuring anyway`);
  return load;
}
const WORKERS = opt('workers', DEFAULT_WORKERS);
const SKIP_CHURN = flag('skip-churn');
const MAX_INFLIGHT = opt('max-inflight', 64);

interface Churn {
  label: string;
  rate: number;
  seconds: number;
  r: ChurnResult;
  wall: number;
  es: { syncs: number; creates: number; updates: number; deletes: number };
  ep: { syncs: number; creates: number; updates: number; deletes: number };
  profile?: ProfileSummary;
  serverProfile?: ProfileSummary;
  probes?: Probes;
  ctlCpu: number;
  serverCpu: number;
  /** CPU (in cores) used by processes outside the benchmark meanwhile. */
  otherCores: number;
  rssMiB: number;
  heapMiB: number;
}

async function churn(label: string, driver: Worker, ctl: Worker | undefined, cpuOfServer: () => number, rate: number, seconds: number, profile = PROFILE): Promise<Churn> {
  const zero = { syncs: 0, creates: 0, updates: 0, deletes: 0 };
  await quiet(label);
  const meter = startLoadMeter();
  if (ctl) await ctl.call('resetProbes', {});
  if (ctl && profile) await ctl.call('profileStart', {});
  if (profile) await startProfile();
  const before = ctl ? await ctl.call<CtlStats>('stats', {}) : undefined;
  const s0 = cpuOfServer();
  const t0 = now();
  const r = await driver.call<ChurnResult>('churn', {
    namespace: NAMESPACE,
    services: SERVICES,
    podsPerService: PODS,
    rate,
    seconds,
    drainMs: 10_000,
    seed: 42 + Math.round(rate),
    maxInflight: MAX_INFLIGHT,
    observe: ctl !== undefined,
    kubeconfig: '',
  });
  const wall = (now() - t0) / 1000;
  const others = meter.read();
  const prof = ctl && profile ? await ctl.call<Churn['profile']>('profileStop', { top: 20 }) : undefined;
  const serverProfile = profile ? await stopProfile(20, `server-${rate}`) : undefined;
  const after = ctl ? await ctl.call<CtlStats>('stats', {}) : undefined;
  const sCpu = cpuOfServer() - s0;
  const d = (k: string) =>
    after && before
      ? {
          updates: after.stats[k]!.updates - before.stats[k]!.updates,
          creates: after.stats[k]!.creates - before.stats[k]!.creates,
          deletes: after.stats[k]!.deletes - before.stats[k]!.deletes,
          syncs: after.stats[k]!.syncs - before.stats[k]!.syncs,
        }
      : zero;
  const lat = summarize(r.latencies);
  const ctlCpu = after && before ? after.cpuMs - before.cpuMs : 0;
  log(
    `${label} @${rate}/s: sent ${r.sent} (+${r.skipped} not offered), observed ${r.observed}, p50 ${ms(lat.p50)} p99 ${ms(lat.p99)}, status RTT p99 ${ms(summarize(r.writeRtt).p99)}; ` +
      `CPU per change: API server ${ms(sCpu / Math.max(1, r.sent))}, controller-manager ${ms(ctlCpu / Math.max(1, r.sent))}, driver ${ms(r.cpuMs / Math.max(1, r.sent))}; others used ${fmt(others.otherCpuS / others.wallS, 2)} cores`,
  );
  return {
    label,
    rate,
    seconds,
    r,
    wall,
    es: d('endpointslice'),
    ep: d('endpoints'),
    profile: prof,
    serverProfile,
    probes: after?.probes,
    ctlCpu,
    serverCpu: sCpu,
    otherCores: others.otherCpuS / others.wallS,
    rssMiB: after?.rssMiB ?? 0,
    heapMiB: after?.heapMiB ?? 0,
  };
}

function pct(s: Summary): string {
  return `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.p99)} / ${ms(s.max)}`;
}

function churnSection(c: Churn): string {
  const lat = summarize(c.r.latencies);
  const ack = summarize(c.r.fromAck);
  const rtt = summarize(c.r.writeRtt);
  const core = (cpu: number) => `${fmt((cpu / 1000 / c.r.sendSeconds) * 100, 0)}%`;
  const p = c.probes!;
  return [
    `| what | value |`,
    `|---|---:|`,
    `| status writes (target ${c.rate.toLocaleString('en')}/s × ${c.seconds} s; at most ${MAX_INFLIGHT} in flight) | ${c.r.sent.toLocaleString('en')} sent in ${fmt(c.r.sendSeconds)} s = **${fmt(c.r.sent / c.r.sendSeconds, 0)}/s**${c.r.skipped ? `; ${c.r.skipped.toLocaleString('en')} not offered (API server saturated)` : ''} |`,
    `| changes seen in a slice / not seen within 10 s / write errors | ${c.r.observed.toLocaleString('en')} / ${c.r.unobserved} / ${c.r.errors}${c.r.firstError ? ` (${c.r.firstError.slice(0, 80)})` : ''} |`,
    `| **status write sent → slice event, p50 / p90 / p99 / max** | **${pct(lat)}** |`,
    `| status write acknowledged → slice event, p50 / p90 / p99 / max | ${pct(ack)} |`,
    `| status write round trip (PATCH pods/status), p50 / p90 / p99 / max | ${pct(rtt)} |`,
    `| **EndpointSlice writes per change** (slice watch events ÷ changes) | **${fmt(c.r.sliceEvents / Math.max(1, c.r.sent), 3)}** (${c.r.sliceEvents.toLocaleString('en')} events; controller: ${c.es.updates.toLocaleString('en')} updates, ${c.es.creates} creates, ${c.es.deletes} deletes, ${c.es.syncs.toLocaleString('en')} syncs) |`,
    `| Endpoints writes per change | ${fmt(c.r.endpointsEvents / Math.max(1, c.r.sent), 3)} (${c.r.endpointsEvents.toLocaleString('en')} events) |`,
    `| CPU while sending (share of one core): API server process / controller-manager / driver | ${core(c.serverCpu)} / ${core(c.ctlCpu)} / ${core(c.r.cpuMs)} |`,
    `| controller-manager RSS / heap used | ${fmt(c.rssMiB, 0)} MiB / ${fmt(c.heapMiB, 0)} MiB |`,
    `| CPU used by other processes on the machine meanwhile | ${fmt(c.otherCores, 2)} cores |`,
    '',
    `Where the time goes (controller-side probes; same clock):`,
    '',
    `| stage | p50 / p90 / p99 / max |`,
    `|---|---:|`,
    `| status write sent → pod event at the controller (API server write + watch delivery) | ${pct(summarize(p.toController))} |`,
    `| pod event → sync of its Service starts (work queue wait; ${c.es.syncs.toLocaleString('en')} syncs for ${p.readinessEvents.toLocaleString('en')} readiness events) | ${pct(summarize(p.queueWait))} |`,
    `| sync start → slice PUT sent (cache reads, planning) | ${pct(summarize(p.plan))} |`,
    `| slice PUT round trip (API server) | ${pct(summarize(p.put))} |`,
    `| total: status write sent → slice event at the driver | ${pct(lat)} |`,
    ...(c.profile ? ['', profileTable('controller-manager CPU profile while sending', c.profile)] : []),
    ...(c.serverProfile ? ['', profileTable('API server process CPU profile while sending', c.serverProfile)] : []),
  ].join('\n');
}

function profileTable(title: string, p: ProfileSummary): string {
  return [`${title} (self time, top functions; ${fmt(p.totalMs / 1000, 1)} s sampled):`, '', '| function | self ms | share |', '|---|---:|---:|', ...p.top.map((t) => `| \`${t.fn}\` | ${fmt(t.ms, 0)} | ${fmt(t.share * 100)}% |`)].join('\n');
}

function sweepRow(c: Churn): string {
  const lat = summarize(c.r.latencies);
  const rtt = summarize(c.r.writeRtt);
  const put = summarize(c.probes!.put);
  return `| ${c.rate.toLocaleString('en')}/s | ${fmt(c.r.sent / c.r.sendSeconds, 0)}/s | ${fmt(c.otherCores, 2)} | ${ms(lat.p50)} | ${ms(lat.p99)} | ${ms(rtt.p50)} / ${ms(rtt.p99)} | ${ms(put.p50)} / ${ms(put.p99)} | ${fmt(c.r.sliceEvents / Math.max(1, c.r.sent), 3)} | ${c.r.unobserved} |`;
}

async function main(): Promise<void> {
  const started = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-ctl-'));
  const store = await openStore({ kind: 'memory' });
  const pki = ensurePki(dir, []);
  // Loopback mode, with the pod range widened from /16 to /14: 100,000 pods need more than 65,534 addresses.
  const network = { ...loopbackNetworkConfig(), podCIDRs: ['127.244.0.0/14'] };
  const server = new ApiServer({ store, pki, port: 0, network });
  const url = await server.start();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  log(`API server ${url} (memory store, in-process)`);
  const seeded = await seed(server);
  log(`seeded ${SERVICES * PODS} pods in ${fmt(seeded.seconds)} s`);
  const serverCpu = () => cpuMs();

  const progress = (n: string) => log(n);
  const driver = spawnWorker(join(ROOT, 'bench/controllers/driver-process.ts'), [], progress);
  let ctl = spawnWorker(join(ROOT, 'bench/controllers/controller-process.ts'), [], progress);
  const shape = { kubeconfig, namespace: NAMESPACE, services: SERVICES, podsPerService: PODS };
  const sections: string[] = [];
  let ctlStopped = false;
  try {
    // ------------------------------------------------------------ cold start
    await driver.call('prepareConverge', shape);
    await quiet('cold start');
    const coldMeter = startLoadMeter();
    if (PROFILE) {
      await ctl.call('profileStart', {});
      await startProfile();
    }
    const s0 = serverCpu();
    const t0 = now();
    const started1 = await ctl.call<{ startedAt: number; syncMs: number }>('start', { kubeconfig, workers: WORKERS });
    log(`informers synced in ${ms(started1.syncMs)}`);
    const conv = await driver.call<{ slicesAt: number; endpointsAt: number; sliceEvents: number; endpointsEvents: number; slices: number }>('awaitConverge', { ...shape, timeoutMs: 600_000 });
    await ctl.call('idle', {});
    const idleAt = now();
    const cold = await ctl.call<CtlStats>('stats', {});
    const coldServerCpu = serverCpu() - s0;
    const coldWall = (idleAt - t0) / 1000;
    const coldOthers = coldMeter.read();
    const coldCtlProfile = PROFILE ? await ctl.call<ProfileSummary>('profileStop', { top: 20 }) : undefined;
    const coldServerProfile = PROFILE ? await stopProfile(20) : undefined;
    log(`cold start: slices converged after ${ms(conv.slicesAt - t0)}, Endpoints after ${ms(conv.endpointsAt - t0)}`);
    sections.push(
      [
        `### 1. Cold start: ${SERVICES.toLocaleString('en')} Services × ${PODS} ready pods, no slices or Endpoints yet`,
        '',
        `| what | value |`,
        `|---|---:|`,
        `| informers listed and synced (pods, services, nodes, endpointslices, endpoints) | ${ms(started1.syncMs)} |`,
        `| **all Services complete in their EndpointSlices** (from controller start, seen by a watch) | **${fmt((conv.slicesAt - t0) / 1000, 2)} s** |`,
        `| all Services complete in their Endpoints | ${fmt((conv.endpointsAt - t0) / 1000, 2)} s |`,
        `| controllers idle | ${fmt(coldWall, 2)} s |`,
        `| EndpointSlices created / Endpoints created | ${cold.stats['endpointslice']!.creates} / ${cold.stats['endpoints']!.creates} (slice writes per Service: ${fmt((cold.stats['endpointslice']!.creates + cold.stats['endpointslice']!.updates) / SERVICES, 2)}) |`,
        `| CPU over the cold start: API server process / controller-manager | ${fmt(coldServerCpu / 1000, 1)} s / ${fmt(cold.cpuMs / 1000, 1)} s (of ${fmt(coldWall, 1)} s wall) |`,
        `| controller-manager RSS / heap used after | ${fmt(cold.rssMiB, 0)} MiB / ${fmt(cold.heapMiB, 0)} MiB |`,
        `| CPU used by other processes on the machine meanwhile | ${fmt(coldOthers.otherCpuS / coldOthers.wallS, 2)} cores |`,
        ...(coldCtlProfile ? ['', profileTable('controller-manager CPU profile over the cold start', coldCtlProfile)] : []),
        ...(coldServerProfile ? ['', profileTable('API server process CPU profile over the cold start', coldServerProfile)] : []),
      ].join('\n'),
    );

    if (flag('cold-only')) return void (await writeOut(started, seeded.seconds, sections));
    // ------------------------------------------------------------ churn, all controllers
    if (!SKIP_CHURN) {
      const a = await churn('churn, all three controllers', driver, ctl, serverCpu, RATE, SECONDS);
      // Let a backlog drain before the restart, so the restart starts from a converged state.
      const d0 = now();
      await ctl.call('idle', {});
      const drained = (now() - d0) / 1000;
      sections.push(`### 2. ${RATE.toLocaleString('en')} Ready flips/s for ${SECONDS} s — all three controllers (EndpointSlice, Endpoints, mirroring)\n\n${churnSection(a)}\n\nBacklog left when the driver stopped (10 s drain included) was worked off ${fmt(drained, 1)} s later.`);
    }

    // ------------------------------------------------------------ restart with the EndpointSlice controller only
    await ctl.call('stop', {});
    await ctl.stop();
    ctl = spawnWorker(join(ROOT, 'bench/controllers/controller-process.ts'), [], progress);
    const r0 = now();
    const restarted = await ctl.call<{ syncMs: number }>('start', { kubeconfig, controllers: ['endpointslice'], workers: WORKERS });
    await ctl.call('idle', {});
    const restartIdle = now() - r0;
    const restartStats = await ctl.call<CtlStats>('stats', {});
    const rs = restartStats.stats['endpointslice']!;
    log(`restart: synced in ${ms(restarted.syncMs)}, idle after ${ms(restartIdle)}, writes ${rs.creates + rs.updates + rs.deletes}`);
    const b = SKIP_CHURN ? undefined : await churn('churn, EndpointSlice controller only', driver, ctl, serverCpu, RATE, SECONDS);
    sections.push(
      [
        `### 3. Restart${b ? ', then the same churn — EndpointSlice controller only' : ' with the EndpointSlice controller only'}`,
        '',
        `Restart over the converged state: informers synced in ${ms(restarted.syncMs)}, all ${SERVICES.toLocaleString('en')} Services re-synced and idle after ${fmt(restartIdle / 1000, 2)} s, **${rs.creates + rs.updates + rs.deletes} writes** (${rs.syncs.toLocaleString('en')} syncs).`,
        ...(b ? ['', churnSection(b)] : []),
      ].join('\n'),
    );
    if (b) {
      const d0 = now();
      await ctl.call('idle', {});
      log(`backlog drained ${fmt((now() - d0) / 1000, 1)} s after the churn`);
    }

    // ------------------------------------------------------------ rate sweep, EndpointSlice controller only
    const rows: string[] = [];
    for (const rate of SWEEP) rows.push(sweepRow(await churn('sweep', driver, ctl, serverCpu, rate, SWEEP_SECONDS, flag('profile-sweep'))));
    sections.push(
      [
        `### 4. Rate sweep — EndpointSlice controller only, ${SWEEP_SECONDS} s per rate`,
        '',
        `| offered | achieved | others' CPU (cores) | write → slice p50 | write → slice p99 | status PATCH p50 / p99 | slice PUT p50 / p99 | slice writes per change | not seen |`,
        `|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
        ...rows,
      ].join('\n'),
    );

    // ------------------------------------------------------------ baseline: the status writes alone
    await ctl.call('stop', {});
    await ctl.stop();
    ctlStopped = true;
    const base = await churn('baseline, no controller', driver, undefined, serverCpu, RATE, SWEEP_SECONDS, false);
    const brtt = summarize(base.r.writeRtt);
    sections.push(
      [
        `### 5. Baseline — the same status writes with no controller running`,
        '',
        `${base.r.sent.toLocaleString('en')} status writes in ${fmt(base.r.sendSeconds)} s = **${fmt(base.r.sent / base.r.sendSeconds, 0)}/s** offered ${RATE.toLocaleString('en')}/s${base.r.skipped ? ` (${base.r.skipped.toLocaleString('en')} not offered: API server saturated)` : ''}; PATCH round trip p50 / p90 / p99 / max ${pct(brtt)}; API server CPU ${fmt((base.serverCpu / 1000 / base.r.sendSeconds) * 100, 0)}% of one core.`,
      ].join('\n'),
    );
  } finally {
    await driver.call('stop', {}).catch(() => undefined);
    await driver.stop();
    if (!ctlStopped) {
      await ctl.call('stop', {}).catch(() => undefined);
      await ctl.stop();
    }
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  await writeOut(started, seeded.seconds, sections);
}

async function writeOut(started: Date, seededSeconds: number, sections: string[]): Promise<void> {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  let osName = '';
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    osName = '';
  }
  const report = [
    `# Endpoint controllers benchmark`,
    '',
    `Generated by \`node --import tsx bench/controllers/run.ts${args.length ? ` ${args.join(' ')}` : ''}\` on ${started.toISOString()} (run took ${fmt((Date.now() - started.getTime()) / 1000, 0)} s).`,
    '',
    `## Machine`,
    '',
    `- ${cpus().length} CPUs (${cpuModel}), ${fmt(totalmem() / 2 ** 30, 1)} GiB memory, kernel ${release()}${osName ? `, ${osName}` : ''}`,
    `- Node ${process.version}; no CPU pinning: the three processes share the CPUs`,
    '',
    `## Setup`,
    '',
    `- API server: in-process in the benchmark's main process, **memory store** (no fsync), HTTPS with a bearer token, loopback network mode with the pod range widened to 127.244.0.0/14 (${(SERVICES * PODS).toLocaleString('en')} pod IPs do not fit the default /16).`,
    `- Objects seeded through the API server's registry (admission, defaulting, validation, storage and watch events, but no HTTP) for setup speed: 1 namespace, 12 nodes in 3 zones, ${SERVICES.toLocaleString('en')} Services (selector app=<name>, one port, targetPort 8080), ${(SERVICES * PODS).toLocaleString('en')} pods with nodeName and a Ready status (seeding took ${fmt(seededSeconds, 0)} s).`,
    `- controller-manager: a child process running \`startControllers\` exactly as \`switchboard controller-manager --kubeconfig …\` does (${WORKERS} workers per controller${WORKERS === DEFAULT_WORKERS ? ', the default' : ''}; Kubernetes' default is 5; events off), over HTTPS.`,
    `- driver: a child process that writes pod status (JSON merge patch on pods/status, Ready flipped, write time stamped in an annotation) at a fixed rate on random pods, and watches EndpointSlices and Endpoints; latency = slice watch event received − status write sent (same machine clock).`,
    '',
    `## Results`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  let notes = '';
  try {
    const old = readFileSync(OUT, 'utf8');
    const i = old.indexOf('## Notes');
    if (i >= 0) notes = old.slice(i);
  } catch {
    notes = '';
  }
  writeFileSync(OUT, `${report}\n${notes}`);
  log(`wrote ${OUT}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
