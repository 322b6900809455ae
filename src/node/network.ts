/**
 * Pod sandboxes: an IP address, and in netns mode a network namespace.
 *
 * loopback: the pod gets an address of the node's block inside 127.244.0.0/16
 * (all of 127/8 is local on Linux, nothing to configure) and must bind it.
 * netns: `ip netns add`, a veth pair whose host end joins the node bridge,
 * the pod address on eth0, a default route via the bridge, and
 * /etc/netns/NAME/{resolv.conf,hosts}, which `ip netns exec` mounts over /etc.
 * Teardown kills whatever still runs in the namespace, deletes it (the veth
 * goes with it) and its /etc/netns directory; it is idempotent.
 *
 * Dual-stack (netns mode, given an IPv6 block too): the bridge also gets the
 * block's ::1, each pod eth0 its paired IPv6 address (see ipam.ts) and a
 * default IPv6 route via ::1; the addresses are added `nodad` so Duplicate
 * Address Detection does not hold them "tentative" (unusable) for a second or
 * two — as the CNI bridge plugin, which sets accept_dad=0 in the pod. The
 * sandbox's podIPs then list both, IPv4 (primary) first.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { PodAddressAllocator, gateway6Of, gatewayOf, ipv6PrefixLen, pairedIPv6, parseCidr } from './ipam.ts';
import type { RuntimeNames } from './names.ts';
import { IP_BIN } from './runtime.ts';

export interface Sandbox {
  podIP: string;
  /** Dual-stack: every address of the pod, primary (podIP) first; absent when podIP is the only one. */
  podIPs?: string[];
  netns?: string;
  veth?: string;
}

export interface DnsSettings {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export interface PodNetwork {
  readonly mode: 'loopback' | 'netns';
  readonly block: string;
  init(): Promise<void>;
  /** Creates the sandbox; on failure nothing is left behind. */
  setup(key: { namespace: string; name: string; uid: string; hostname: string }, dns: DnsSettings | undefined): Promise<Sandbox>;
  /** Re-reserves a sandbox a previous agent created; false when it is gone. */
  adopt(s: Sandbox): boolean;
  teardown(s: Sandbox): Promise<void>;
  /** Namespaces of this node that no known sandbox owns (leaks of a crash, or every one at node shutdown), deleted. */
  sweep(known: ReadonlySet<string>, why?: string): Promise<string[]>;
  /** Removes the node bridge (after the last pod is gone). */
  close(): Promise<void>;
}

function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export class LoopbackNetwork implements PodNetwork {
  readonly mode = 'loopback';
  private readonly ips: PodAddressAllocator;

  constructor(readonly block: string) {
    this.ips = new PodAddressAllocator(block);
  }

  async init(): Promise<void> {}

  async setup(): Promise<Sandbox> {
    return { podIP: this.ips.allocate() };
  }

  adopt(s: Sandbox): boolean {
    return this.ips.reserve(s.podIP);
  }

  async teardown(s: Sandbox): Promise<void> {
    this.ips.release(s.podIP);
  }

  async sweep(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {}
}

export function resolvConf(d: DnsSettings): string {
  const lines: string[] = [];
  if (d.searches.length) lines.push(`search ${d.searches.join(' ')}`);
  for (const ns of d.nameservers) lines.push(`nameserver ${ns}`);
  if (d.options.length) lines.push(`options ${d.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export class NetnsNetwork implements PodNetwork {
  readonly mode = 'netns';
  private readonly ips: PodAddressAllocator;
  /** Sandboxes are set up a few at a time, first come first served (netlink work serializes in the kernel anyway). */
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly prefixLen: number;
  private readonly gateway: string;

  constructor(
    readonly block: string,
    private readonly names: RuntimeNames,
    private readonly log: (l: string) => void = () => undefined,
    /** Dual-stack: the node's IPv6 pod block (e.g. fd00:10:244:1::/64). */
    readonly block6?: string,
  ) {
    this.ips = new PodAddressAllocator(block);
    this.prefixLen = parseCidr(block).prefix;
    this.gateway = gatewayOf(block);
    if (block6) ipv6PrefixLen(block6);
  }

  async init(): Promise<void> {
    const br = this.names.bridge;
    if (!existsSync(`/sys/class/net/${br}`)) {
      await run(IP_BIN, ['link', 'add', br, 'type', 'bridge']).catch((e: Error) => {
        if (!existsSync(`/sys/class/net/${br}`)) throw e;
      });
    }
    const addrs = await run(IP_BIN, ['-4', '-o', 'addr', 'show', 'dev', br]);
    if (!addrs.includes(` ${this.gateway}/`)) await run(IP_BIN, ['addr', 'add', `${this.gateway}/${this.prefixLen}`, 'dev', br]);
    if (this.block6) {
      const gw6 = gateway6Of(this.block6);
      const addrs6 = await run(IP_BIN, ['-6', '-o', 'addr', 'show', 'dev', br]);
      if (!addrs6.includes(` ${gw6}/`)) await run(IP_BIN, ['addr', 'add', `${gw6}/${ipv6PrefixLen(this.block6)}`, 'dev', br, 'nodad']);
    }
    await run(IP_BIN, ['link', 'set', br, 'up']);
  }

  async setup(key: { namespace: string; name: string; uid: string; hostname: string }, dns: DnsSettings | undefined): Promise<Sandbox> {
    if (this.active >= 4) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await this.setupOne(key, dns);
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async setupOne(key: { namespace: string; name: string; uid: string; hostname: string }, dns: DnsSettings | undefined): Promise<Sandbox> {
    const podIP = this.ips.allocate();
    const netns = this.names.netns(key.namespace, key.name, key.uid);
    const veth = this.names.veth(key.uid);
    const podIP6 = this.block6 ? pairedIPv6(this.block, this.block6, podIP) : undefined;
    const s: Sandbox = podIP6 ? { podIP, podIPs: [podIP, podIP6], netns, veth } : { podIP, netns, veth };
    try {
      await mkdir(`/etc/netns/${netns}`, { recursive: true });
      if (dns) await writeFile(`/etc/netns/${netns}/resolv.conf`, resolvConf(dns));
      // One line per pod IP, as the kubelet's managedHostsFileContent.
      const own = (s.podIPs ?? [podIP]).map((ip) => `${ip}\t${key.hostname}\n`).join('');
      await writeFile(`/etc/netns/${netns}/hosts`, `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${own}`);
      // Two ip runs per pod: the namespace and the veth pair from the node's side, then the pod's side.
      // Hairpin on the bridge port, as the kubelet's hairpin-veth mode: a pod reaching itself through a Service's VIP
      // (DNAT back to its own address) gets the packet back out of the port it came in on.
      await run(
        IP_BIN,
        ['-batch', '-'],
        `netns add ${netns}\nlink add ${veth} type veth peer name eth0 netns ${netns}\nlink set ${veth} master ${this.names.bridge} up\nlink set ${veth} type bridge_slave hairpin on\n`,
      );
      const v6 = podIP6 && this.block6 ? `addr add ${podIP6}/${ipv6PrefixLen(this.block6)} dev eth0 nodad\nroute add ::/0 via ${gateway6Of(this.block6)}\n` : '';
      await run(IP_BIN, ['-n', netns, '-batch', '-'], `link set lo up\naddr add ${podIP}/${this.prefixLen} dev eth0\nlink set eth0 up\nroute add default via ${this.gateway}\n${v6}`);
      return s;
    } catch (e) {
      await this.teardown(s).catch(() => undefined);
      throw e;
    }
  }

  adopt(s: Sandbox): boolean {
    if (!s.netns || !existsSync(`/run/netns/${s.netns}`)) return false;
    return this.ips.reserve(s.podIP);
  }

  async teardown(s: Sandbox): Promise<void> {
    if (s.netns) {
      if (existsSync(`/run/netns/${s.netns}`)) {
        const pids = await run(IP_BIN, ['netns', 'pids', s.netns]).catch(() => '');
        for (const p of pids.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await run(IP_BIN, ['netns', 'del', s.netns]).catch((e: Error) => {
          if (existsSync(`/run/netns/${s.netns}`)) throw e;
        });
      }
      await rm(`/etc/netns/${s.netns}`, { recursive: true, force: true });
    }
    if (s.veth && existsSync(`/sys/class/net/${s.veth}`)) await run(IP_BIN, ['link', 'del', s.veth]).catch(() => undefined);
    this.ips.release(s.podIP);
  }

  async sweep(known: ReadonlySet<string>, why = 'leaked'): Promise<string[]> {
    const found = new Set<string>();
    for (const dir of ['/run/netns', '/etc/netns']) {
      const entries = await readdir(dir).catch(() => [] as string[]);
      for (const e of entries) if (e.startsWith(this.names.netnsPrefix) && !known.has(e)) found.add(e);
    }
    for (const netns of found) {
      this.log(`deleting ${why} network namespace ${netns}`);
      await this.teardown({ podIP: '', netns }).catch((e: Error) => this.log(`cannot delete ${netns}: ${e.message}`));
    }
    return [...found];
  }

  async close(): Promise<void> {
    if (existsSync(`/sys/class/net/${this.names.bridge}`)) await run(IP_BIN, ['link', 'del', this.names.bridge]).catch(() => undefined);
  }
}
