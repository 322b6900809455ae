/**
 * A throwaway node for kernel tests: a "node" network namespace with a
 * bridge, "pod" namespaces on it running small Node servers, and an outside
 * client namespace on a second link. Names carry a random `sbt` + 4 hex
 * prefix; destroy() kills the processes it started (by PID) and deletes
 * every namespace, so the veths and nft tables in them go too.
 *
 *   client  eth0 192.168.77.2 ── veth ── node eth1 192.168.77.1
 *                                        node br0 10.244.1.1/24, fd00:10:244:1::1/64 ── veths ── pods 10.244.1.N, fd00:10:244:1::N
 *   service routes on the node: 10.96.0.0/16 and fd00:30::/112 via br0
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execRunner } from '../../../src/proxy/kernel.ts';

export const NODE_IP = '192.168.77.1';
export const CLIENT_IP = '192.168.77.2';

const SERVER = `
const [name, tcpPorts, udpPort] = process.argv.slice(2);
const net = require('node:net'), dgram = require('node:dgram');
const answer = (s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress.replace(/^::ffff:/, '') + '\\n'); };
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => u.send(name, r.port, r.address));
const ports = tcpPorts.split(',').map(Number);
const listen = (i) => i === ports.length ? u.bind(Number(udpPort), () => console.log('ready')) : net.createServer(answer).listen(ports[i], () => listen(i + 1));
listen(0);
`;

// argv: tcp HOST PORT COUNT | udp HOST PORT SRCPORT. Prints a JSON array: the first word each server answered, or an error code.
const CLIENT = `
const [proto, host, port, arg] = process.argv.slice(2);
const net = require('node:net'), dgram = require('node:dgram');
const one = () => new Promise((resolve) => {
  const s = net.connect({ host, port: Number(port), timeout: 3000 });
  let data = '';
  s.on('data', (d) => (data += d));
  s.on('end', () => resolve(data.trim()));
  s.on('timeout', () => { s.destroy(); resolve('TIMEOUT'); });
  s.on('error', (e) => resolve(e.code));
});
const udp = () => new Promise((resolve) => {
  const s = dgram.createSocket('udp4');
  const timer = setTimeout(() => { s.close(); resolve('TIMEOUT'); }, 2000);
  s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(String(m)); });
  s.on('error', (e) => { clearTimeout(timer); s.close(); resolve(e.code); });
  s.bind(Number(arg), () => s.send('hi', Number(port), host));
});
(async () => {
  const out = [];
  if (proto === 'tcp') for (let i = 0; i < Number(arg); i++) out.push(await one());
  else out.push(await udp());
  console.log(JSON.stringify(out));
})();
`;

/** A pod's IPv6 address: 10.244.1.N → fd00:10:244:1::N (hex of N). */
export function ip6Of(ip: string): string {
  return `fd00:10:244:1::${Number(ip.split('.')[3]).toString(16)}`;
}

export interface Pod {
  ns: string;
  ip: string;
}

export class TestNode {
  readonly prefix = `sbnf${randomBytes(2).toString('hex')}`;
  readonly node = `${this.prefix}n`;
  readonly client = `${this.prefix}c`;
  private readonly namespaces: string[] = [];
  private readonly procs: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'sb-nft-'));

  private ip(...args: string[]): Promise<string> {
    return execRunner('ip', args);
  }

  private async addNs(name: string): Promise<void> {
    await this.ip('netns', 'add', name);
    this.namespaces.push(name);
    await this.ip('-n', name, 'link', 'set', 'lo', 'up');
  }

  async create(): Promise<void> {
    writeFileSync(join(this.dir, 'server.js'), SERVER);
    writeFileSync(join(this.dir, 'client.js'), CLIENT);
    await this.addNs(this.node);
    await this.ip('-n', this.node, 'link', 'add', 'br0', 'type', 'bridge');
    await this.ip('-n', this.node, 'addr', 'add', '10.244.1.1/24', 'dev', 'br0');
    await this.ip('-n', this.node, 'addr', 'add', 'fd00:10:244:1::1/64', 'dev', 'br0', 'nodad');
    await this.ip('-n', this.node, 'link', 'set', 'br0', 'up');
    // No ICMP redirects: with the service route on the pod bridge, a pod's packet to a ClusterIP leaves by the
    // interface it came in on, and the redirect would use up the per-host ICMP budget a REJECT needs.
    await execRunner('ip', ['netns', 'exec', this.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.br0.send_redirects=0', 'net.ipv6.conf.all.forwarding=1']);
    // Locally generated traffic to a ClusterIP needs a route before it reaches the nat output hook.
    await this.ip('-n', this.node, 'route', 'add', '10.96.0.0/16', 'dev', 'br0');
    await this.ip('-n', this.node, 'route', 'add', 'fd00:30::/112', 'dev', 'br0');
    await this.addNs(this.client);
    await this.ip('-n', this.node, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.client);
    await this.ip('-n', this.node, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth1');
    await this.ip('-n', this.node, 'link', 'set', 'eth1', 'up');
    await this.ip('-n', this.client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    await this.ip('-n', this.client, 'link', 'set', 'eth0', 'up');
  }

  /** A pod namespace on the node's bridge; with `name`, it runs a server answering `name <peer address>` on TCP and `name` on UDP. */
  async pod(suffix: string, ip: string, name?: string, ports: { tcp: number[]; udp: number } = { tcp: [8080], udp: 5353 }): Promise<Pod> {
    const ns = `${this.prefix}${suffix}`;
    await this.addNs(ns);
    const host = `${this.prefix}v${suffix}`;
    await this.ip('-n', this.node, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await this.ip('-n', this.node, 'link', 'set', host, 'master', 'br0', 'up');
    // Hairpin mode (kubelet's hairpin-veth): a pod's packet DNATed back to itself may leave by the port it came in.
    await this.ip('-n', this.node, 'link', 'set', 'dev', host, 'type', 'bridge_slave', 'hairpin', 'on');
    await this.ip('-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    await this.ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await this.ip('-n', ns, 'addr', 'add', `${ip6Of(ip)}/64`, 'dev', 'eth0', 'nodad');
    await this.ip('-n', ns, 'route', 'add', 'default', 'via', '10.244.1.1');
    await this.ip('-n', ns, '-6', 'route', 'add', 'default', 'via', 'fd00:10:244:1::1');
    if (name) await this.serve(ns, name, ports);
    return { ns, ip };
  }

  private serve(ns: string, name: string, ports: { tcp: number[]; udp: number }): Promise<void> {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, join(this.dir, 'server.js'), name, ports.tcp.join(','), String(ports.udp)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.procs.push(p);
    return new Promise((resolve, reject) => {
      p.once('exit', (code) => reject(new Error(`server ${name} exited with ${code}`)));
      p.stdout!.once('data', () => resolve());
    });
  }

  /** `count` TCP connections from namespace `ns`, one after the other: each gives the answering server's first word or an error code. */
  async tcp(ns: string, host: string, port: number, count: number): Promise<string[]> {
    const out = await execRunner('ip', ['netns', 'exec', ns, process.execPath, join(this.dir, 'client.js'), 'tcp', host, String(port), String(count)]);
    return (JSON.parse(out) as string[]).map((s) => s.split(' ')[0]!);
  }

  /** The full TCP answers (`name peerAddress`). */
  async tcpRaw(ns: string, host: string, port: number, count: number): Promise<string[]> {
    const out = await execRunner('ip', ['netns', 'exec', ns, process.execPath, join(this.dir, 'client.js'), 'tcp', host, String(port), String(count)]);
    return JSON.parse(out) as string[];
  }

  /** One UDP datagram from a fixed source port (so conntrack sees the same flow each time). */
  async udp(ns: string, host: string, port: number, srcPort: number): Promise<string> {
    const out = await execRunner('ip', ['netns', 'exec', ns, process.execPath, join(this.dir, 'client.js'), 'udp', host, String(port), String(srcPort)]);
    return (JSON.parse(out) as string[])[0]!;
  }

  async destroy(): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode === null && p.pid) {
        p.removeAllListeners('exit');
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of this.namespaces.reverse()) await this.ip('netns', 'del', ns).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
