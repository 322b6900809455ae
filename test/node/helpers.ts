/**
 * Helpers for the node agent's integration tests: a real API server, agents
 * in-process or as child processes, pods running the sample app, polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Container, EndpointConditions, EndpointSlice, Pod, Service } from '../../src/api/types.ts';
import { RestClient, loadClientConfig, Resources } from '../../src/client/index.ts';
import type { Agent, AgentOptions } from '../../src/node/index.ts';
import { startAgent } from '../../src/node/index.ts';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const SAMPLE_APP = join(ROOT, 'examples/sample-app/server.mjs');
export const NODE = process.execPath;

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function condition(p: Pod | undefined, type: string): string | undefined {
  return p?.status?.conditions?.find((c) => c.type === type)?.status;
}

export function isReady(p: Pod | undefined): boolean {
  return condition(p, 'Ready') === 'True';
}

export interface Env {
  api: TestApi;
  client: RestClient;
  dir: string;
  agents: Agent[];
  startAgent(o: Partial<AgentOptions> & { nodeName: string }): Promise<Agent>;
  pod(name: string, ns?: string): Promise<Pod | undefined>;
  create(p: Pod): Promise<Pod>;
  stop(): Promise<void>;
}

export async function startEnv(): Promise<Env> {
  const api = await startTestApi();
  const client = new RestClient(loadClientConfig(api.kubeconfig));
  const dir = mkdtempSync(join(tmpdir(), 'sb-node-'));
  const agents: Agent[] = [];
  return {
    api,
    client,
    dir,
    agents,
    async startAgent(o) {
      const a = await startAgent(client, {
        dataDir: join(dir, o.nodeName),
        authToken: api.pki.token,
        leaseRenewIntervalMs: 500,
        backoff: { initialMs: 1000, maxMs: 4000 },
        log: () => undefined,
        ...o,
      });
      agents.push(a);
      return a;
    },
    async pod(name, ns = 'default') {
      try {
        return await client.get<Pod>(Resources.pods, ns, name);
      } catch {
        return undefined;
      }
    },
    create: (p) => client.create<Pod>(Resources.pods, p.metadata.namespace ?? 'default', p),
    async stop() {
      // Delete what is left so no process outlives the test.
      for (const a of agents) {
        const list = await client.list<Pod>(Resources.pods, undefined, { fieldSelector: `spec.nodeName=${a.nodeName}` }).catch(() => ({ items: [] as Pod[] }));
        for (const p of list.items) await client.delete(Resources.pods, p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      await Promise.all(agents.map((a) => a.stop()));
      killMarked(dir);
      client.close();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pod running the sample app (absolute paths: no PATH or working directory assumptions). */
export function samplePod(name: string, o: { nodeName?: string; env?: Record<string, string>; container?: Partial<Container>; spec?: Partial<Pod['spec']>; labels?: Record<string, string>; marker?: string } = {}): Pod {
  const env = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...Object.entries(o.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels ?? { app: name } },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'app',
          image: 'switchboard/sample-app',
          command: [NODE, SAMPLE_APP, ...(o.marker ? [`--marker=${o.marker}`] : [])],
          env,
          ports: [{ name: 'http', containerPort: 8080 }],
          ...o.container,
        },
      ],
      ...o.spec,
    },
  };
}

/** GET http://ip:port/path from the sample app. */
export async function httpGet(ip: string, port: number, path: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${ip}:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** GET from an agent's HTTPS endpoint (self-signed: not verified here). */
export function agentGet(port: number, path: string, token: string | undefined, host = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve_, reject) => {
    const req = https.request({ host, port, path, method: 'GET', rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve_({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Processes whose command line contains `marker`, with their process group. */
export function processesWith(marker: string): { pid: number; pgid: number; cmd: string }[] {
  const out: { pid: number; pgid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmd.includes(marker)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      out.push({ pid: Number(d), pgid: Number(rest[2]), cmd });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Is any (non-zombie) process of this process group left? */
export function groupAlive(pgid: number): boolean {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) return true;
    } catch {
      /* gone */
    }
  }
  return false;
}

/** Last-resort cleanup: kill every process group started for pods of this test (their log paths contain dir). */
export function killMarked(marker: string): void {
  for (const p of processesWith(marker)) {
    try {
      process.kill(-p.pgid, 'SIGKILL');
    } catch {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** Runs an agent in its own process (test/node/fixtures/agent-main.ts). */
export function spawnAgent(opts: Record<string, unknown>): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/node/fixtures/agent-main.ts'), JSON.stringify(opts)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let out = '';
  const ready = new Promise<void>((res, rej) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('switchboard agent: ready')) res();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => rej(new Error(`agent exited with ${code}: ${out}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, output: () => out, ready, exited };
}

/** A Service selecting app=NAME on port 80 → the pod port named "http" (the sample app's 8080). */
export function sampleService(name: string, selector: Record<string, string> = { app: name }): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}

/**
 * The EndpointSlice conditions of a pod's endpoint in a Service's slices, as
 * `kubectl get endpointslice -o yaml` shows them; undefined when the pod has no endpoint.
 */
export async function endpointConditions(client: RestClient, service: string, pod: string, ns = 'default'): Promise<EndpointConditions | undefined> {
  const slices = await client.list<EndpointSlice>(Resources.endpointSlices, ns, { labelSelector: `kubernetes.io/service-name=${service}` });
  for (const s of slices.items) for (const e of s.endpoints ?? []) if (e.targetRef?.name === pod) return e.conditions ?? {};
  return undefined;
}
