/**
 * A throwaway network topology for the kernel tests and the benchmark (root):
 *
 *   <p>x "outside" ── eth1 192.168.77.2 ─veth─ eth1 192.168.77.1 ── <p>n "node" (rules loaded here)
 *                                                                   br0 10.244.1.1/24, fd00:10:244:1::1/64
 *                                                                   default via 192.168.77.2
 *                                               pods <p>a, <p>b, … : eth0 10.244.1.(2+i) ─veth─ v<i> on br0
 *
 * Names carry a unique prefix; stop() deletes every namespace and kills every
 * process it started (by PID), also after a failure half-way through start().
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { netnsRunner, type CommandRunner } from '../../../src/proxy/kernel.ts';

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'netns-agent.mjs');

export function sh(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, [...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout)),
    ),
  );
}

export interface Pod {
  name: string;
  ns: string;
  ip: string;
  ip6: string;
}

export interface ClientResult {
  data?: string;
  err?: string;
  /** Connect times (µs) of a latency run. */
  us?: number[];
}

export class Agent {
  private next = 0;
  private readonly waiting = new Map<number, (r: ClientResult) => void>();
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const r = JSON.parse(line) as ClientResult & { id: number };
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
  }

  private ask(req: Record<string, unknown>): Promise<ClientResult> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(`${JSON.stringify({ id, ...req })}\n`);
    });
  }

  tcp(host: string, port: number, timeoutMs = 3000): Promise<ClientResult> {
    return this.ask({ op: 'tcp', host, port, timeoutMs });
  }

  /** `count` sequential connects; the time from connect() to established, in µs. */
  latency(host: string, port: number, count: number): Promise<ClientResult> {
    return this.ask({ op: 'lat', host, port, count });
  }

  udp(host: string, port: number, srcPort: number, timeoutMs = 2000): Promise<ClientResult> {
    return this.ask({ op: 'udp', host, port, srcPort, timeoutMs });
  }
}

export class Topology {
  readonly prefix: string;
  readonly node: string;
  readonly outside: string;
  readonly pods: Pod[] = [];
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(prefix = `sbt${randomBytes(2).toString('hex')}`) {
    this.prefix = prefix;
    this.node = `${prefix}n`;
    this.outside = `${prefix}x`;
  }

  /** Runs a tool in the node namespace. */
  get nodeRunner(): CommandRunner {
    return netnsRunner(this.node);
  }

  in(ns: string, file: string, ...args: string[]): Promise<string> {
    return sh('ip', ['netns', 'exec', ns, file, ...args]);
  }

  private async addNs(ns: string): Promise<void> {
    await sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** Creates the node, the outside namespace and `podNames.length` pods. */
  async start(podNames: readonly string[]): Promise<void> {
    const n = this.node;
    await this.addNs(n);
    const ipn = (...a: string[]) => sh('ip', ['-n', n, ...a]);
    await ipn('link', 'add', 'br0', 'type', 'bridge');
    await ipn('addr', 'add', '10.244.1.1/24', 'dev', 'br0');
    await ipn('addr', 'add', 'fd00:10:244:1::1/64', 'dev', 'br0', 'nodad');
    await ipn('link', 'set', 'br0', 'up');
    await this.in(n, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');

    await this.addNs(this.outside);
    await ipn('link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', this.outside);
    await ipn('addr', 'add', '192.168.77.1/24', 'dev', 'eth1');
    await ipn('addr', 'add', 'fd00:77::1/64', 'dev', 'eth1', 'nodad');
    await ipn('link', 'set', 'eth1', 'up');
    const ipx = (...a: string[]) => sh('ip', ['-n', this.outside, ...a]);
    await ipx('addr', 'add', '192.168.77.2/24', 'dev', 'eth1');
    await ipx('addr', 'add', 'fd00:77::2/64', 'dev', 'eth1', 'nodad');
    await ipx('link', 'set', 'eth1', 'up');
    // The node's default route points at the underlay, as on a real node: traffic to a ClusterIP that is
    // not DNATed is forwarded there (so filter FORWARD can REJECT it) and locally generated traffic to
    // ClusterIPs has a route before it reaches nat OUTPUT. (An on-link route on br0 would make the node
    // send ICMP redirects, which use up the per-host ICMP budget that REJECT needs.)
    await ipn('route', 'add', 'default', 'via', '192.168.77.2');
    await ipn('-6', 'route', 'add', 'default', 'via', 'fd00:77::2');

    for (const [i, name] of podNames.entries()) {
      const ns = `${this.prefix}${name}`;
      const pod: Pod = { name, ns, ip: `10.244.1.${2 + i}`, ip6: `fd00:10:244:1::${2 + i}` };
      await this.addNs(ns);
      await ipn('link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ipn('link', 'set', `v${i}`, 'master', 'br0', 'up');
      // Hairpin: a pod reaching itself through its Service comes back out of the port it went in by.
      await sh('ip', ['netns', 'exec', n, 'bridge', 'link', 'set', 'dev', `v${i}`, 'hairpin', 'on']);
      const ipp = (...a: string[]) => sh('ip', ['-n', ns, ...a]);
      await ipp('addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
      await ipp('addr', 'add', `${pod.ip6}/64`, 'dev', 'eth0', 'nodad');
      await ipp('link', 'set', 'eth0', 'up');
      await ipp('route', 'add', 'default', 'via', '10.244.1.1');
      await ipp('-6', 'route', 'add', 'default', 'via', 'fd00:10:244:1::1');
      this.pods.push(pod);
    }
  }

  /** More addresses on a pod's eth0 (one server answers on all of them). */
  async addAddresses(pod: string, ips: readonly string[]): Promise<void> {
    for (const ip of ips) await sh('ip', ['-n', this.pod(pod).ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  }

  /** An empty namespace (lo up), removed by stop(). */
  async bareNamespace(suffix: string): Promise<string> {
    const ns = `${this.prefix}${suffix}`;
    await this.addNs(ns);
    return ns;
  }

  pod(name: string): Pod {
    const p = this.pods.find((x) => x.name === name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  private async spawnAgent(ns: string, args: string[]): Promise<ChildProcess> {
    // `ip netns exec` execs node, so the PID is node's.
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      const onLine = (l: string) => {
        if (l === 'ready') {
          rl.off('line', onLine);
          resolve();
        }
      };
      rl.on('line', onLine);
      child.once('exit', (code) => reject(new Error(`agent in ${ns} exited with ${code}`)));
    });
    return child;
  }

  /** TCP+UDP server on [::]:port in the pod, answering with its name. */
  async serve(pod: string, port = 8080): Promise<void> {
    await this.spawnAgent(this.pod(pod).ns, ['serve', pod, String(port)]);
  }

  /** A client in a namespace (a pod's, the node's or the outside one). */
  async client(ns: string): Promise<Agent> {
    return new Agent(await this.spawnAgent(ns, ['client']));
  }

  async stop(): Promise<void> {
    for (const c of this.children) {
      if (c.exitCode === null && c.pid) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    for (const ns of this.namespaces.reverse()) {
      await sh('ip', ['netns', 'del', ns]).catch(() => {});
    }
  }
}
