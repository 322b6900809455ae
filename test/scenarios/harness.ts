/**
 * Scenario harness: a real `switchboard up` child process in loopback mode,
 * driven the way a user drives it — kubectl, HTTP through the Service's
 * addresses, DNS questions to the cluster DNS — with a traffic generator that
 * counts every failed request.
 *
 * Isolation: each cluster gets its own data directory, a free API port, and a
 * "slot" K (claimed host-wide with an O_EXCL lock file) that gives it the
 * service range 127.97.K.0/24 (kube-dns = 127.97.K.10, where the DNS server
 * itself listens), the LoadBalancer pool 127.240.K.0/24 and node addresses
 * 127.93.K.N for extra agents, so parallel scenario files never share a
 * listening address.
 *
 * Cleanup (stop): pods are deleted first (the agent leaves pods running when
 * it stops, for adoption by the next agent), extra agents are stopped with
 * SIGTERM (they run with --drain), `up` gets SIGTERM, then every pod process
 * still recorded in the agents' state files (pid + /proc start time) is
 * killed, and the data directory and slot lock are removed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.ts';
import { kubectlPath } from '../../scripts/kubectl.mjs';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const SAMPLE_APP = join(ROOT, 'examples/sample-app/server.mjs');
const BIN = join(ROOT, 'bin/switchboard.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined/false; throws `what` (and the last error) on timeout. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- slots

const SLOT_DIR = join(tmpdir(), 'switchboard-scenario-slots');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims a free K in 20..249 for this process (stale claims of dead processes are taken over). */
function claimSlot(): { k: number; release(): void } {
  mkdirSync(SLOT_DIR, { recursive: true, mode: 0o777 });
  for (let tries = 0; tries < 400; tries++) {
    const k = 20 + Math.floor(Math.random() * 230);
    const path = join(SLOT_DIR, `${k}.lock`);
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { k, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSafe(path));
      if (!holder || !pidAlive(holder)) rmSync(path, { force: true });
    }
  }
  throw new Error('no free scenario slot (127.97.K.0/24) after 400 tries');
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- kubectl

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runKubectl(kubeconfig: string, home: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectlPath(),
      args,
      { env: { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: kubeconfig }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

// ---------------------------------------------------------------- the cluster

export interface ExtraAgent {
  name: string;
  zone: string;
  /** The node's InternalIP (127.93.K.N): its proxy's NodePorts listen here. */
  nodeIP: string;
  child: ChildProcess;
}

export interface Cluster {
  dir: string;
  kubeconfig: string;
  apiUrl: string;
  /** 127.97.K.0/24 */
  serviceRange: string;
  /** The cluster DNS address (the kube-dns ClusterIP, 127.97.K.10). */
  dnsServer: string;
  dnsPort: number;
  /** 127.240.K.0/24 */
  lbPool: string;
  k: number;
  /** Runs kubectl; never throws. */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** Runs kubectl; throws with stderr when it fails; returns stdout. */
  k8s(args: string[], input?: string): Promise<string>;
  /** kubectl apply -f - of objects (JSON is YAML). */
  apply(...objects: object[]): Promise<string>;
  /** `kubectl get -o json` parsed. */
  getJson<T>(args: string[]): Promise<T>;
  /** A DNS resolver asking the cluster DNS only. */
  resolver(): Resolver;
  /** Starts `switchboard agent --zone Z --node-ip 127.93.K.N --drain` (its own userspace proxy) and waits for its Node to be Ready. */
  startAgent(name: string, zone: string): Promise<ExtraAgent>;
  /** Everything `up` printed so far (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, timeoutMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
  }
}

/** /proc/PID/stat field 22 (start time in clock ticks), as the agent records it. */
function procStartTicks(pid: number): string | undefined {
  const stat = readFileSafe(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** Pod processes recorded under DIR/agents/NODE/pods/*.json that are still the recorded process (pid + start time). */
export function recordedPodPids(dir: string): number[] {
  const out: number[] = [];
  const agents = join(dir, 'agents');
  if (!existsSync(agents)) return out;
  for (const node of readdirSync(agents)) {
    const pods = join(agents, node, 'pods');
    if (!existsSync(pods)) continue;
    for (const f of readdirSync(pods)) {
      if (!f.endsWith('.json')) continue;
      let rec: { containers?: Record<string, { pid?: number; startTicks?: string }>; init?: Record<string, { pid?: number; startTicks?: string }> };
      try {
        rec = JSON.parse(readFileSafe(join(pods, f)));
      } catch {
        continue;
      }
      for (const c of [...Object.values(rec.containers ?? {}), ...Object.values(rec.init ?? {})]) {
        if (c.pid && c.startTicks && procStartTicks(c.pid) === c.startTicks) out.push(c.pid);
      }
    }
  }
  return out;
}

/** Kills every pod process recordedPodPids finds (its process group); returns how many. */
export function killRecordedPods(dir: string): number {
  const pids = recordedPodPids(dir);
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL'); // the container's process group
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  return pids.length;
}

/** Is the DNS address of slot K free (no other cluster's DNS on it, e.g. an `up` someone started by hand with this K)? Port 53 as root, else 1053, as `up` chooses. */
function dnsAddressFree(k: number, port = 53): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EACCES' && port === 53 ? dnsAddressFree(k, 1053) : false));
    s.listen(port, `127.97.${k}.10`, () => s.close(() => resolve(true)));
  });
}

export async function startCluster(opts: { name?: string } = {}): Promise<Cluster> {
  let slot = claimSlot();
  for (let i = 0; i < 20 && !(await dnsAddressFree(slot.k)); i++) {
    const busy = slot;
    slot = claimSlot();
    busy.release();
  }
  const k = slot.k;
  const dir = mkdtempSync(join(tmpdir(), `sbt-${opts.name ?? 'scn'}-`));
  const port = await freePort();
  const serviceRange = `127.97.${k}.0/24`;
  const lbPool = `127.240.${k}.0/24`;
  const args = ['up', '--data-dir', dir, '--api-port', String(port), '--service-cluster-ip-range', serviceRange, '--lb-pool', lbPool];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A crashed test process must not leave `up` behind (its pods are killed from the state files by stop()).
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const agents: ExtraAgent[] = [];

  const kubeconfig = join(dir, 'kubeconfig');
  const kubectl = (a: string[], input?: string) => runKubectl(kubeconfig, dir, a, input);
  const k8s = async (a: string[], input?: string) => {
    const r = await kubectl(a, input);
    if (r.code !== 0) throw new Error(`kubectl ${a.join(' ')} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };

  /**
   * Pods first (the agents leave pods running when they stop): graceful
   * deletion, waited for while a live agent runs the pod; pods bound to a
   * node without an agent (examples that name nodes) never finish it, so
   * they are force-deleted.
   */
  const deleteAllPods = async () => {
    await kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--wait=false']);
    type Pods = { items: { spec: { nodeName?: string } }[] };
    type Nodes = { items: { metadata: { name: string } }[] };
    await until('pods of live nodes gone', async () => {
      const [pods, nodes] = await Promise.all([k8s(['get', 'pods', '-A', '-o', 'json']), k8s(['get', 'nodes', '-o', 'json'])]);
      const live = new Set((JSON.parse(nodes) as Nodes).items.map((n) => n.metadata.name));
      return (JSON.parse(pods) as Pods).items.every((p) => !p.spec.nodeName || !live.has(p.spec.nodeName));
    }, 60_000, 300).catch(() => undefined);
    await kubectl(['delete', 'pods', '--all', '--all-namespaces', '--force', '--grace-period=0', '--wait=false']);
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.exitCode === null) await deleteAllPods();
      await Promise.all(agents.map((a) => stopChild(a.child)));
      await stopChild(child);
    } finally {
      process.removeListener('exit', onExit);
      const leaked = killRecordedPods(dir);
      if (leaked) process.stderr.write(`scenario harness: killed ${leaked} pod process(es) still running after \`up\` stopped (${dir})\n`);
      rmSync(dir, { recursive: true, force: true });
      slot.release();
    }
  };

  try {
    await until(
      '`switchboard up` to print its ready lines',
      () => {
        if (child.exitCode !== null) throw new Error(`switchboard up exited with ${child.exitCode}:\n${out}`);
        return /export KUBECONFIG=/.test(out) && /\n {2}try:/.test(out);
      },
      120_000,
      50,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  const dnsLine = /DNS: (\S+?)(?: port (\d+))? \(/.exec(out);
  const apiUrl = /API server (https:\/\/\S+)/.exec(out)?.[1] ?? '';
  const dnsServer = dnsLine?.[1] ?? `127.97.${k}.10`;
  const dnsPort = dnsLine?.[2] ? Number(dnsLine[2]) : 53;

  const cluster: Cluster = {
    dir,
    kubeconfig,
    apiUrl,
    serviceRange,
    dnsServer,
    dnsPort,
    lbPool,
    k,
    kubectl,
    k8s,
    apply: (...objects) => k8s(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n')),
    getJson: async (a) => JSON.parse(await k8s(['get', ...a, '-o', 'json'])),
    resolver: () => {
      const r = new Resolver({ timeout: 2000, tries: 3 });
      r.setServers([dnsPort === 53 ? dnsServer : `${dnsServer}:${dnsPort}`]);
      return r;
    },
    startAgent: async (name, zone) => {
      const nodeIP = `127.93.${k}.${agents.length + 1}`;
      const a = spawn(
        process.execPath,
        [BIN, 'agent', '--kubeconfig', kubeconfig, '--node-name', name, '--zone', zone, '--node-ip', nodeIP, '--drain', '--data-dir', join(dir, 'agents', name)],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      a.stdout!.on('data', (c: Buffer) => keep(Buffer.from(`[${name}] ${c.toString()}`)));
      a.stderr!.on('data', (c: Buffer) => keep(Buffer.from(`[${name}] ${c.toString()}`)));
      const agent = { name, zone, nodeIP, child: a };
      agents.push(agent);
      await until(`node ${name} Ready and its proxy started`, async () => {
        if (a.exitCode !== null) throw new Error(`agent ${name} exited with ${a.exitCode}`);
        if (!new RegExp(`switchboard proxy: ready — node ${name}\\b`).test(out)) return false;
        const node = await cluster.getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(['node', name]);
        return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      }, 120_000);
      return agent;
    },
    output: () => out,
    stop,
  };
  return cluster;
}

// ---------------------------------------------------------------- objects

export interface PodOptions {
  labels?: Record<string, string>;
  env?: Record<string, string>;
  /** A readiness probe on /healthz every second (failureThreshold 1). */
  probe?: boolean;
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  terminationGracePeriodSeconds?: number;
  port?: number;
}

/** A pod of the sample app (PORT 8080 unless told, POD_IP bound by the app). */
export function samplePod(name: string, o: PodOptions = {}): object {
  const port = o.port ?? 8080;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: o.labels ?? {} },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      terminationGracePeriodSeconds: o.terminationGracePeriodSeconds ?? 10,
      containers: [
        {
          name: 'app',
          image: 'switchboard/sample-app',
          command: ['node', SAMPLE_APP],
          env: Object.entries({ PORT: String(port), ...o.env }).map(([name, value]) => ({ name, value })),
          ports: [{ name: 'http', containerPort: port }],
          ...(o.probe ? { readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } } : {}),
        },
      ],
    },
  };
}

export function service(name: string, spec: Record<string, unknown>): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec };
}

// ---------------------------------------------------------------- HTTP

export interface Reply {
  status: number;
  body: string;
  /** The first word of the sample app's answer: the pod's name. */
  pod: string;
}

/** One GET on a new connection (no keep-alive: every request is load-balanced on its own). */
export function get(host: string, port: number, path = '/', timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, pod: body.split(/\s/)[0] ?? '' }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

/** `n` sequential requests; the answering pods in order (throws on the first failure). */
export async function sample(host: string, port: number, n: number): Promise<string[]> {
  const pods: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(host, port);
    if (r.status !== 200) throw new Error(`HTTP ${r.status} from ${host}:${port}: ${r.body}`);
    pods.push(r.pod);
  }
  return pods;
}

// ---------------------------------------------------------------- traffic

export interface TrafficStats {
  ok: number;
  failed: number;
  /** Failures by cause (error code or "HTTP 503"). */
  errors: Record<string, number>;
  /** Successful answers per pod. */
  byPod: Record<string, number>;
  /** When each failure happened (ms since the epoch) and why. */
  failures: { at: number; error: string }[];
}

export interface Traffic {
  readonly stats: TrafficStats;
  /** The pods that answered, in order (successes only). */
  readonly answers: string[];
  /** Resolves once `n` more requests (ok or failed) have completed. */
  more(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<TrafficStats>;
}

export function describe(s: TrafficStats): string {
  const errs = Object.entries(s.errors).map(([k, v]) => `${k} ×${v}`).join(', ');
  return `${s.failed} of ${s.ok + s.failed} requests failed${errs ? ` (${errs})` : ''}; answers per pod ${JSON.stringify(s.byPod)}`;
}

/**
 * Sends requests continuously (`concurrency` loops, each waiting `gapMs`
 * between requests) and counts every failure: a refused or reset
 * connection, a timeout, or a non-200 answer.
 */
export function startTraffic(host: string, port: number, o: { concurrency?: number; gapMs?: number; timeoutMs?: number } = {}): Traffic {
  const stats: TrafficStats = { ok: 0, failed: 0, errors: {}, byPod: {}, failures: [] };
  const answers: string[] = [];
  let running = true;
  let done = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const tick = () => {
    done++;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (done >= waiters[i]!.at) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
  };
  const loop = async () => {
    while (running) {
      try {
        const r = await get(host, port, '/', o.timeoutMs ?? 10_000);
        if (r.status === 200) {
          stats.ok++;
          stats.byPod[r.pod] = (stats.byPod[r.pod] ?? 0) + 1;
          answers.push(r.pod);
        } else {
          stats.failed++;
          stats.errors[`HTTP ${r.status}`] = (stats.errors[`HTTP ${r.status}`] ?? 0) + 1;
          stats.failures.push({ at: Date.now(), error: `HTTP ${r.status}` });
        }
      } catch (e) {
        stats.failed++;
        const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
        stats.errors[code] = (stats.errors[code] ?? 0) + 1;
        stats.failures.push({ at: Date.now(), error: code });
      }
      tick();
      await sleep(o.gapMs ?? 10);
    }
  };
  const loops = Array.from({ length: o.concurrency ?? 2 }, () => loop());
  return {
    stats,
    answers,
    more: (n, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`traffic: ${n} more requests did not complete in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          at: done + n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return { ...stats, errors: { ...stats.errors }, byPod: { ...stats.byPod }, failures: [...stats.failures] };
    },
  };
}

// ---------------------------------------------------------------- readiness

/** Waits until every named pod has condition Ready=True (kubectl wait). */
export async function waitReady(c: Cluster, pods: string[], timeout = '90s'): Promise<void> {
  await c.k8s(['wait', '--for=condition=Ready', `--timeout=${timeout}`, ...pods.map((p) => `pod/${p}`)]);
}

/** The endpoints of a Service's EndpointSlices: address → ready. */
export async function sliceEndpoints(c: Cluster, svc: string): Promise<Map<string, boolean>> {
  const list = await c.getJson<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>(['endpointslices', '-l', `kubernetes.io/service-name=${svc}`]);
  const m = new Map<string, boolean>();
  for (const s of list.items) for (const e of s.endpoints ?? []) m.set(e.addresses[0]!, e.conditions?.ready !== false);
  return m;
}
