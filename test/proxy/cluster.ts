/**
 * A whole loopback cluster for the proxy's end-to-end tests: the real API
 * server (test/helpers/apiserver.ts), the endpoint controllers
 * (EndpointSlice, Endpoints, mirroring), the LoadBalancer IP controller, one
 * node agent per node (loopback mode, real pod processes running the sample
 * app) and one userspace proxy per node, all in this process; stop() deletes
 * the pods, kills any process left in their groups and stops everything.
 *
 * Every test file uses its own band B: Service CIDR 127.96.B.0/24 (the
 * `kubernetes` Service is 127.96.B.1:443, `kube-dns` 127.96.B.10), node
 * addresses 127.0.B.1…, LB pool 127.240.B.0/24, so files running at the same
 * time never contend for a listening address. Pod addresses come from the
 * agents' host-wide /24 claims in 127.244.0.0/16.
 *
 * The pods' HTTP protocol is the sample app's: GET /name answers the pod's
 * name. ask() opens one connection per request (Connection: close), so every
 * request is a new proxied connection.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, Service, Event } from '../../src/api/types.ts';
import { loopbackNetworkConfig } from '../../src/allocators/index.ts';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import { startControllers, type RunningControllers } from '../../src/controllers/index.ts';
import { startLoadBalancerController, type LoadBalancerController } from '../../src/controllers/loadbalancer/index.ts';
import { startAgent, type Agent } from '../../src/node/index.ts';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.ts';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';
import { isReady, killMarked, samplePod } from '../node/helpers.ts';
import { chiSquareUniform, until } from './helpers.ts';

export interface NodeSpec {
  name: string;
  zone?: string;
}

export interface ProxyClusterOptions {
  /** Third octet of every address this cluster uses (see the header). */
  band: number;
  /** Default one node, "node-1". */
  nodes?: NodeSpec[];
  /** Options for every node's in-process proxy; false: no proxy (the test runs its own). Default minSyncPeriodMs 0. */
  proxy?: Partial<Omit<ProxyOptions, 'nodeName'>> | false;
  /** --service-external-ip-cidrs. */
  externalIPCIDRs?: string[];
}

export interface PodOptions {
  /** Default: the first node. */
  node?: string;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  /** HTTP readiness probe on /healthz every second (default true). */
  probe?: boolean;
  /** Also a UDP echo on this port (the sample app's UDP_PORT). */
  udpPort?: number;
  terminationGracePeriodSeconds?: number;
  /** Wait until Ready (default true). */
  wait?: boolean;
}

export class ProxyCluster {
  readonly agents = new Map<string, Agent>();
  readonly proxies = new Map<string, RunningProxy>();
  private lbController?: LoadBalancerController;
  private controllers?: RunningControllers;

  private constructor(
    readonly band: number,
    readonly api: TestApi,
    readonly client: RestClient,
    /** Agents' data (their pods' shim command lines contain it: the last-resort kill looks for it). */
    readonly dataDir: string,
    readonly nodes: NodeSpec[],
  ) {}

  static async start(o: ProxyClusterOptions): Promise<ProxyCluster> {
    const B = o.band;
    const network = { ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: `127.96.${B}.0/24` }, externalIPCIDRs: o.externalIPCIDRs ?? [] };
    const api = await startTestApi({ network });
    const client = new RestClient(loadClientConfig(api.kubeconfig));
    const dataDir = mkdtempSync(join(tmpdir(), `sb-proxy-e2e-${B}-`));
    const nodes = o.nodes ?? [{ name: 'node-1' }];
    const c = new ProxyCluster(B, api, client, dataDir, nodes);
    try {
      c.controllers = startControllers(c.newClient(), { log: () => {} });
      c.lbController = startLoadBalancerController(c.newClient(), { pools: [c.lbPool()], log: () => {} });
      await Promise.all([c.controllers.synced, c.lbController.synced]);
      for (const [i, n] of nodes.entries()) {
        const a = await startAgent(c.newClient(), {
          nodeName: n.name,
          zone: n.zone,
          nodeIP: c.nodeAddress(i),
          dataDir: join(dataDir, n.name),
          authToken: api.pki.token,
          leaseRenewIntervalMs: 1000,
          log: () => {},
        });
        c.agents.set(n.name, a);
      }
      if (o.proxy !== false) {
        for (const [i, n] of nodes.entries()) {
          const p = startProxy(c.newClient(), { minSyncPeriodMs: 0, nodePortAddresses: [c.nodeAddress(i)], log: () => {}, ...o.proxy, nodeName: n.name });
          c.proxies.set(n.name, p);
        }
        await Promise.all([...c.proxies.values()].map((p) => p.synced));
        // Every proxy knows its node's zone and pod CIDR before a test relies on them.
        for (const [name, p] of c.proxies) {
          const zone = nodes.find((n) => n.name === name)!.zone ?? '';
          await until(() => p.state().node.zone === zone, `${name} sees its zone`);
        }
      }
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  newClient(): RestClient {
    return new RestClient(loadClientConfig(this.api.kubeconfig));
  }

  /** The i-th node's address (its InternalIP and NodePort address). */
  nodeAddress(i: number): string {
    return `127.0.${this.band}.${i + 1}`;
  }

  vip(i: number): string {
    return `127.96.${this.band}.${i}`;
  }

  lbPool(): string {
    return `127.240.${this.band}.0/24`;
  }

  proxy(node = this.nodes[0]!.name): RunningProxy {
    return this.proxies.get(node)!;
  }

  agent(node = this.nodes[0]!.name): Agent {
    return this.agents.get(node)!;
  }

  /** An address in a node's pod CIDR that no pod has (x.x.x.250): a client "on" that node, as a pod there would be. */
  clientOn(node: string): string {
    const cidr = this.agent(node).podCIDR;
    return cidr.replace(/\.0\/24$/, '.250');
  }

  // ------------------------------------------------------------- pods

  /** Creates sample-app pods and waits until each is Ready (unless wait: false). Returns them as the API has them then. */
  async runPods(names: string[], o: PodOptions = {}): Promise<Pod[]> {
    const created = await Promise.all(names.map((n) => this.client.create<Pod>(Resources.pods, 'default', podSpec(n, o.node ?? this.nodes[0]!.name, o))));
    if (o.wait === false) return created;
    return Promise.all(names.map((n) => this.waitPod(n, (p) => isReady(p) && !!p.status?.podIP, 'Ready')));
  }

  async getPod(name: string): Promise<Pod> {
    return this.client.get<Pod>(Resources.pods, 'default', name);
  }

  async waitPod(name: string, pred: (p: Pod) => boolean, what: string, ms = 30_000): Promise<Pod> {
    let last: Pod | undefined;
    await until(
      async () => {
        last = await this.getPod(name).catch(() => undefined);
        return !!last && pred(last);
      },
      `pod ${name} ${what}`,
      ms,
      50,
    );
    return last!;
  }

  async deletePod(name: string, gracePeriodSeconds?: number): Promise<void> {
    await this.client.delete(Resources.pods, 'default', name, gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds });
  }

  /** Deletes a pod and waits until the API no longer has it (its processes have stopped). */
  async deletePodAndWait(name: string, gracePeriodSeconds?: number): Promise<void> {
    await this.deletePod(name, gracePeriodSeconds);
    await until(async () => !(await this.getPod(name).then(() => true, () => false)), `pod ${name} gone`, 30_000, 50);
  }

  // --------------------------------------------------------- services

  async service(name: string, spec: Service['spec']): Promise<Service> {
    return this.client.create<Service>(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
  }

  async getService(name: string): Promise<Service> {
    return this.client.get<Service>(Resources.services, 'default', name);
  }

  /** Waits until the LoadBalancer controller has given the Service an ingress IP and every proxy serves it. */
  async loadBalancerIP(name: string, key: string): Promise<string> {
    let ip = '';
    await until(async () => {
      ip = (await this.getService(name)).status?.loadBalancer?.ingress?.[0]?.ip ?? '';
      return ip !== '';
    }, `${name} gets a LoadBalancer IP`);
    await this.programmed(key, (p) => p.state().servicePorts.get(key)?.loadBalancerIPs[0] === ip, `LB IP ${ip}`);
    return ip;
  }

  /** Waits until every proxy (or those named) has applied a view where pred holds. */
  async programmed(key: string, pred: (p: RunningProxy) => boolean, what: string, nodes?: string[], ms = 30_000): Promise<void> {
    for (const [name, p] of this.proxies) {
      if (nodes && !nodes.includes(name)) continue;
      await until(() => pred(p), `${name}: ${key} ${what}`, ms, 5);
      await p.settled();
    }
  }

  /** Waits until every proxy has exactly these pods as ready endpoints of key. */
  async readyEndpoints(key: string, pods: Pod[], nodes?: string[]): Promise<void> {
    const want = pods.map((p) => p.status!.podIP!).sort().join(',');
    await this.programmed(key, (p) => readyIPs(p, key).join(',') === want, `ready endpoints = ${pods.map((p) => p.metadata.name).join(',') || 'none'}`, nodes);
  }

  async events(name: string): Promise<Event[]> {
    const list = await this.client.list<Event>(Resources.events, 'default', { fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  /** Makes the kubeconfig (and its directory) readable by an unprivileged child process. */
  shareKubeconfig(): void {
    chmodSync(this.api.dir, 0o755);
    chmodSync(this.api.kubeconfig, 0o644);
  }

  async stop(): Promise<void> {
    // Delete the pods first so the agents stop their processes; whatever is left is killed by process group.
    const pods = await this.client.list<Pod>(Resources.pods, undefined).catch(() => ({ items: [] as Pod[] }));
    await Promise.all(pods.items.map((p) => this.client.delete(Resources.pods, p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    this.controllers?.stop();
    this.lbController?.stop();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    killMarked(this.dataDir);
    this.client.close();
    await this.api.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function podSpec(name: string, node: string, o: PodOptions): Pod {
  const env: Record<string, string> = { ...o.env };
  if (o.udpPort) env['UDP_PORT'] = String(o.udpPort);
  const container: Partial<Container> = {};
  if (o.probe !== false) container.readinessProbe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1, timeoutSeconds: 1 };
  const p = samplePod(name, { nodeName: node, env, labels: o.labels ?? { app: name }, container });
  if (o.terminationGracePeriodSeconds !== undefined) p.spec.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds;
  return p;
}

/** Ready endpoint addresses a proxy has applied for key, sorted. */
export function readyIPs(p: RunningProxy, key: string): string[] {
  return (p.state().endpoints.get(key) ?? [])
    .filter((e) => e.ready)
    .map((e) => e.ip)
    .sort();
}

/** Pod name by pod IP (to read the proxy's view in pod names). */
export function podNames(pods: Pod[]): Map<string, string> {
  return new Map(pods.map((p) => [p.status!.podIP!, p.metadata.name!]));
}

// ------------------------------------------------------------------ clients

export interface AskOptions {
  localAddress?: string;
  timeoutMs?: number;
  path?: string;
}

/**
 * One HTTP request on a new connection (GET /name by default): resolves with
 * the body, trimmed. Rejects with the socket error (code ECONNREFUSED,
 * ECONNRESET…), TIMEOUT, or EOF when the connection closed without a response.
 */
export function ask(host: string, port: number, o: AskOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress: o.localAddress });
    const chunks: Buffer[] = [];
    const ms = o.timeoutMs ?? 10_000;
    const t = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(`no answer from ${host}:${port} in ${ms} ms`), { code: 'TIMEOUT' }));
    }, ms);
    s.on('connect', () => s.write(`GET ${o.path ?? '/name'} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      const text = Buffer.concat(chunks).toString('utf8');
      const i = text.indexOf('\r\n\r\n');
      if (!text.startsWith('HTTP/1.1 ') || i < 0) reject(Object.assign(new Error(`closed without a response from ${host}:${port}`), { code: 'EOF' }));
      else resolve(text.slice(i + 4).trim());
    });
  });
}

/** "ok:<body>" or the error code of a failed ask. */
export async function outcome(host: string, port: number, o: AskOptions = {}): Promise<string> {
  try {
    return `ok:${await ask(host, port, o)}`;
  } catch (e) {
    return String((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

/** n requests, `parallel` at a time, each on its own connection; counts by pod name (errors as "error:CODE"). */
export async function askMany(host: string, port: number, n: number, parallel = 50, o: AskOptions = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await outcome(host, port, o);
      const k = r.startsWith('ok:') ? r.slice(3) : `error:${r}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return counts;
}

/** The distinct answers of a request set, sorted and joined ("a,b"). */
export const answeredBy = (counts: Map<string, number>): string => [...counts.keys()].sort().join(',');

/** A kept-alive HTTP/1.1 connection: request() sends one GET and reads one response (content-length framed). */
export async function keepAlive(host: string, port: number): Promise<{ request(path: string): Promise<string>; socket: net.Socket; close(): void }> {
  const s = net.connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  let waiter: ((e?: Error) => void) | undefined;
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    waiter?.();
  });
  s.on('error', (e) => waiter?.(e));
  s.on('close', () => waiter?.(Object.assign(new Error('connection closed'), { code: 'EOF' })));
  const response = (): string | undefined => {
    const text = buf.toString('latin1');
    const i = text.indexOf('\r\n\r\n');
    if (i < 0) return undefined;
    const len = Number(/content-length: (\d+)/i.exec(text.slice(0, i))?.[1] ?? 0);
    if (buf.length < i + 4 + len) return undefined;
    const body = buf.subarray(i + 4, i + 4 + len).toString('utf8');
    buf = buf.subarray(i + 4 + len);
    return body.trim();
  };
  return {
    socket: s,
    request: (path) =>
      new Promise<string>((resolve, reject) => {
        waiter = (e) => {
          if (e) {
            waiter = undefined;
            reject(e);
            return;
          }
          const r = response();
          if (r !== undefined) {
            waiter = undefined;
            resolve(r);
          }
        };
        s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      }),
    close: () => s.destroy(),
  };
}

/**
 * A connected UDP client for the sample app's echo ("<pod>: <datagram>").
 * ask() sends msg and waits for the reply that echoes it, ignoring stale
 * replies; it resends up to `attempts` times (as DNS clients do), so a
 * datagram lost while its flow is torn down costs a retry, not a failure.
 */
export async function udpEcho(
  host: string,
  port: number,
  localAddress: string,
): Promise<{ ask(msg: string, o?: { timeoutMs?: number; attempts?: number }): Promise<{ pod: string; text: string }>; close(): void }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind({ address: localAddress, port: 0 }, () => r()));
  await new Promise<void>((r) => sock.connect(port, host, () => r()));
  const waiting = new Map<string, (m: string | Error) => void>();
  sock.on('message', (m) => {
    const text = m.toString();
    const i = text.indexOf(': ');
    if (i >= 0) waiting.get(text.slice(i + 2))?.(text);
  });
  sock.on('error', (e) => {
    for (const w of waiting.values()) w(e);
  });
  const once = (msg: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => {
        waiting.delete(msg);
        reject(Object.assign(new Error(`no UDP reply to "${msg}"`), { code: 'TIMEOUT' }));
      }, timeoutMs);
      waiting.set(msg, (m) => {
        clearTimeout(t);
        waiting.delete(msg);
        if (m instanceof Error) reject(m);
        else resolve(m);
      });
      sock.send(msg);
    });
  return {
    ask: async (msg, o = {}) => {
      for (let a = 1; ; a++) {
        try {
          const text = await once(msg, o.timeoutMs ?? 2000);
          return { pod: text.slice(0, text.indexOf(': ')), text };
        } catch (e) {
          if (a >= (o.attempts ?? 1) || (e as NodeJS.ErrnoException).code !== 'TIMEOUT') throw e;
        }
      }
    },
    close: () => sock.close(),
  };
}

/** χ² critical value for 2 degrees of freedom at p = 1e-5: a correct uniform picker exceeds it once in 100,000 runs. */
export const CHI2_2DF_1E5 = 23.0;

/** Every one of n answers came from one of three pods, spread as a uniform random pick would (χ² test, not timing). */
export function assertUniform(counts: Map<string, number>, names: string[], n: number, what: string): void {
  const per = names.map((x) => counts.get(x) ?? 0);
  assert.equal(per.reduce((a, b) => a + b, 0), n, `${what}: every connection answered by one of ${names.join(', ')} (${JSON.stringify([...counts])})`);
  const chi2 = chiSquareUniform(per);
  assert.ok(chi2 < CHI2_2DF_1E5, `${what}: spread ${per.join('/')} is not uniform (χ²=${chi2.toFixed(1)})`);
}
