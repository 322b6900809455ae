/**
 * `switchboard up` start-up and idle footprint (issue 9).
 *
 *   node --import tsx bench/up/run.ts [--services 100] [--pods 300] [--rounds 3]
 *
 * Measures, on this machine, in one run:
 * - cold start: `switchboard up` on an empty data dir (PKI generated with
 *   openssl, SQLite created) until the summary's `export KUBECONFIG=` line;
 * - warm restart: `up` on the same data dir holding 100 Services and 300
 *   running pods (adopted, not restarted), until the same line; median of
 *   --rounds restarts (the node gets --max-pods 310 and a /22 pod range:
 *   the kubelet's default of 110 pods per node would leave 190 Pending);
 * - RSS of the switchboard process tree idle (the `up` process and its
 *   helpers: the perl launcher), and separately the pods' own processes
 *   (each pod is `sleep`, so the figure is the cluster's cost, not an app's);
 * - the baseline a user would pay for the smallest piece of a real control
 *   plane that installs here: etcd from Debian (`etcd-server`), time to a
 *   healthy /health and its RSS — kind, minikube and k3s need Docker images
 *   or downloads that this machine cannot reach.
 * Results go to bench/results/up.md.
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Up {
  child: ChildProcess;
  ms: number;
}

async function startUp(dir: string, port: number): Promise<Up> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'up', '--data-dir', dir, '--api-port', String(port), '--service-cluster-ip-range', '127.95.0.0/16', '--max-pods', String(PODS + 10), '--pod-cidr', '127.244.64.0/22'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
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

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
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
  const load0 = loadavg();
  let u = await startUp(dir, port);
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
    console.error('idle 15 s before measuring memory');
    await sleep(15_000);
    const pids = tree(u.child.pid!);
    let sbKiB = 0;
    let podKiB = 0;
    let podProcs = 0;
    for (const p of pids) {
      const c = cmdline(p);
      // Pod processes: the sh shim and the container command (sleep).
      if (/sb-shim|^sleep /.test(c)) {
        podKiB += rssKiB(p);
        podProcs++;
      } else sbKiB += rssKiB(p);
    }
    // Adopted pods (started by an earlier `up`) are no longer in this tree: find their shims, count them and their children.
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || pids.includes(Number(d))) continue;
      const c = cmdline(Number(d));
      if (c.includes(dir) && /sb-shim/.test(c)) {
        for (const p of tree(Number(d))) {
          podKiB += rssKiB(p);
          podProcs++;
        }
      }
    }
    const etcd = await etcdBaseline();
    const load1 = loadavg();
    const lines = [
      '# `switchboard up`: start-up time and idle memory',
      '',
      `Command: \`node --import tsx bench/up/run.ts --services ${SERVICES} --pods ${PODS} --rounds ${ROUNDS}\`  `,
      `Date: ${new Date().toISOString()}  `,
      `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')} (the machine is shared with other work).`,
      '',
      'Times are from spawning `switchboard up` to its summary (`export KUBECONFIG=` line), which is printed only after the API server, controllers, DNS (caches synced), proxy (first sync applied) and node agent (node registered, pods adopted) are ready. "After install": node_modules present.',
      '',
      '| | switchboard up | aim |',
      '|---|---:|---|',
      `| cold start, empty data dir (PKI + SQLite created) | ${cold.toFixed(0)} ms | < 5 s |`,
      `| warm restart with ${SERVICES} Services and ${PODS} running pods (median of ${ROUNDS}: ${warm.map((w) => w.toFixed(0)).join(', ')} ms) | ${median(warm).toFixed(0)} ms | < 3 s |`,
      `| RSS of the switchboard processes, idle, ${SERVICES} Services / ${PODS} pods | ${(sbKiB / 1024).toFixed(1)} MiB | < 150 MiB |`,
      `| RSS of the pods' own processes (${podProcs} processes: a shell shim + \`sleep\` per pod) | ${(podKiB / 1024).toFixed(1)} MiB | (the workload, not the cluster) |`,
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
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
