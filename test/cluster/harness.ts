/**
 * Test harness for `switchboard cluster`: a real cluster made with the CLI as
 * a user runs it, with a unique name (`t` + 4 hex), its own data dir and
 * kubectl home, and a cleanup that always runs: `cluster delete`, then a
 * last-resort sweep of whatever delete missed (recorded processes, processes
 * of pods that carry env SB_TEST_CLUSTER=<name>, namespaces, /etc/netns
 * directories, interfaces, the registry entry). Other suites (scenarios on a
 * kernel-mode cluster) can use it too:
 *
 *   const c = await createTestCluster({ dataplane: 'nftables', nodes: 3, zones: ['a', 'b', 'c'] });
 *   t.after(() => c.cleanup());
 *   await c.kubectl('apply', '-f', …); const ns = await c.podNetns('web'); await curlIn(ns, 'http://…/');
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath } from '../../scripts/kubectl.mjs';
import { interfaceStem, type ClusterState } from '../../src/cluster/index.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/switchboard.js');
export const SAMPLE = join(ROOT, 'examples/sample-app/server.mjs');
const KUBECTL = process.env['SWITCHBOARD_KUBECTL'] || kubectlPath();

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 240_000, maxBuffer: 16 << 20, cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    // A child that exits before reading its stdin makes the write fail with EPIPE: not an error of the run.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input ?? '');
  });
}

export const switchboard = (args: string[], env?: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], { env });

export const uniqueName = () => `t${randomBytes(2).toString('hex')}`;

export async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Everything on the host that carries the cluster's names. */
export function hostObjects(name: string): { netns: string[]; etcNetns: string[]; links: string[] } {
  const mine = (e: string) => e.startsWith(`sb-${name}-`) || e.startsWith(`sb_${name}-`);
  const stem = interfaceStem(name);
  return {
    netns: existsSync('/run/netns') ? readdirSync('/run/netns').filter(mine) : [],
    etcNetns: existsSync('/etc/netns') ? readdirSync('/etc/netns').filter(mine) : [],
    links: readdirSync('/sys/class/net').filter((l) => l === `sb-${stem}` || l.startsWith(`sb-${stem}-`)),
  };
}

/** Start ticks of a PID, undefined when gone or a zombie. */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] === 'Z' || rest[0] === 'X' ? undefined : rest[19];
  } catch {
    return undefined;
  }
}

/** PIDs of processes whose environment carries SB_TEST_CLUSTER=name (the test's pods). */
export function markedPids(name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(`SB_TEST_CLUSTER=${name}`) && startTicks(Number(d))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The last resort after a failed delete: the recorded processes, the pods' processes, the namespaces and links. */
export function sweep(name: string, state: ClusterState | undefined): void {
  for (const p of state?.processes ?? []) if (p.startTicks && startTicks(p.pid) === p.startTicks) process.kill(p.pid, 'SIGKILL');
  const objs = hostObjects(name);
  for (const ns of objs.netns) {
    const pids = execFileSync('ip', ['netns', 'pids', ns]).toString().split(/\s+/).filter(Boolean);
    for (const p of pids) if (ns.startsWith('sb_')) process.kill(Number(p), 'SIGKILL');
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
  for (const p of markedPids(name)) process.kill(p, 'SIGKILL');
  for (const d of objs.etcNetns) rmSync(join('/etc/netns', d), { recursive: true, force: true });
  for (const l of objs.links) {
    try {
      execFileSync('ip', ['link', 'del', l], { stdio: 'ignore' });
    } catch {
      /* went with its peer */
    }
  }
  rmSync(`/run/switchboard/clusters/${name}.json`, { force: true });
}

export interface TestCluster {
  name: string;
  dataDir: string;
  kubeconfig: string;
  /** What `cluster create` printed and how it exited (asserted 0 by createTestCluster). */
  created: Run;
  /** cluster.json as create wrote it (recorded processes, spec). */
  state: ClusterState;
  /** The client namespace outside the cluster. */
  client: string;
  /** kubectl against the cluster; asserts exit 0 and returns stdout. */
  kubectl(...args: string[]): Promise<string>;
  /** kubectl without the assertion (input on stdin). */
  kubectlRun(args: string[], input?: string): Promise<Run>;
  /** The network namespace of a pod (waits until it exists). */
  podNetns(pod: string, namespace?: string): Promise<string>;
  /** `cluster delete`; cleanup() after it only removes the temporary dirs. */
  delete(): Promise<Run>;
  /** Idempotent; always safe to call (t.after / finally). */
  cleanup(): Promise<void>;
}

/**
 * `syncPeriodMs` sets the proxies' periodic full resync (SWITCHBOARD_CLUSTER_SYNC_PERIOD_MS in the
 * environment of `cluster create`, inherited by the node processes; default kube-proxy's 30 s).
 */
export async function createTestCluster(o: { dataplane: string; nodes?: number; zones?: string[]; syncPeriodMs?: number; ipFamily?: string }): Promise<TestCluster> {
  const name = uniqueName();
  const dataDir = mkdtempSync(join(tmpdir(), `sb-cluster-${name}-`));
  const home = mkdtempSync(join(tmpdir(), `sb-kubectl-${name}-`));
  let state: ClusterState | undefined;
  let deleted = false;
  const cleanup = async () => {
    if (!deleted) {
      deleted = true;
      await switchboard(['cluster', 'delete', name]).catch(() => undefined);
      sweep(name, state);
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const args = ['cluster', 'create', name, '--nodes', String(o.nodes ?? 3), '--dataplane', o.dataplane, '--data-dir', dataDir];
    if (o.zones?.length) args.push('--zones', o.zones.join(','));
    if (o.ipFamily) args.push('--ip-family', o.ipFamily);
    const created = await switchboard(args, o.syncPeriodMs ? { ...process.env, SWITCHBOARD_CLUSTER_SYNC_PERIOD_MS: String(o.syncPeriodMs) } : undefined);
    state = existsSync(join(dataDir, 'cluster.json')) ? (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterState) : undefined;
    assert.equal(created.code, 0, `create failed:\n${created.stdout}\n${created.stderr}`);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(created.stdout)?.[1];
    assert.ok(kubeconfig, created.stdout);
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(home, 'cache') };
    const kubectlRun = (args: string[], input?: string) => run(KUBECTL, args, { env, timeoutMs: 60_000, input });
    return {
      name,
      dataDir,
      kubeconfig,
      created,
      state: state!,
      client: `sb-${name}-client`,
      kubectlRun,
      async kubectl(...args: string[]) {
        const r = await kubectlRun(args);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      },
      podNetns: (pod, namespace = 'default') =>
        waitFor(`the network namespace of pod ${namespace}/${pod}`, async () =>
          readdirSync('/run/netns').find((e) => e.startsWith(`sb_${name}-node`) && e.includes(`_${namespace}_${pod}_`)),
        ),
      async delete() {
        const r = await switchboard(['cluster', 'delete', name]);
        deleted = r.code === 0;
        return r;
      },
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** curl in a namespace: exit code (0 ok, 7 refused, 28 timed out) and body. */
export const curlRun = (netns: string, url: string, maxSeconds = 5): Promise<Run> =>
  run('ip', ['netns', 'exec', netns, 'curl', '-s', '-m', String(maxSeconds), url], { timeoutMs: maxSeconds * 1000 + 10_000 });

/** curl in a namespace; the body, or undefined when it did not answer. */
export async function curlIn(netns: string, url: string): Promise<string | undefined> {
  const r = await curlRun(netns, url);
  return r.code === 0 && r.stdout ? r.stdout.trim() : undefined;
}
