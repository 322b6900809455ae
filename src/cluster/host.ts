/**
 * The thin shell that makes and removes a cluster's kernel objects in the
 * root namespace and the node/client namespaces, from a ClusterPlan.
 * Idempotent teardown: every step tolerates the object being gone already.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import {
  UNDERLAY_PREFIX,
  renderClientBatch,
  renderNodeBatch,
  renderNodeNftables,
  renderRootBatch,
  type ClusterPlan,
} from './plan.ts';

export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const NODE_SYSCTLS = [
  'echo 1 > /proc/sys/net/ipv4/ip_forward',
  'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables',
  'echo 1 > /proc/sys/net/bridge/bridge-nf-call-ip6tables',
  '{ [ ! -e /proc/sys/net/ipv6 ] || echo 1 > /proc/sys/net/ipv6/conf/all/forwarding; }',
].join(' && ');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Is 172.30.U.0/24 already on one of this host's interfaces (made by something else)? */
export function underlayInUse(u: number): boolean {
  const prefix = `${UNDERLAY_PREFIX}.${u}.`;
  return Object.values(os.networkInterfaces()).some((addrs) => (addrs ?? []).some((a) => a.address.startsWith(prefix)));
}

export const netnsExists = (name: string) => existsSync(`/run/netns/${name}`);
export const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

/** Namespaces of the cluster: nodes, client, and the pods its agents made (sb_NODE_…). */
export function clusterNetns(p: ClusterPlan): string[] {
  const own = [...p.nodes.map((n) => n.netns), p.client.netns];
  const all = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  const pods = all.filter((e) => p.podNetnsPrefixes.some((pre) => e.startsWith(pre)));
  return [...own.filter(netnsExists), ...pods.sort()];
}

/** Root-namespace interfaces of the cluster that exist. */
export function clusterLinks(p: ClusterPlan): string[] {
  return [p.bridge, ...p.nodes.map((n) => n.veth), p.client.veth].filter(linkExists);
}

/**
 * Builds the underlay and the namespaces (§1.2 of the machine notes):
 * bridge + veths in one `ip -batch`, then each node's addresses, routes,
 * forwarding sysctls and ip-masq table, then the client.
 */
export async function buildTopology(p: ClusterPlan): Promise<void> {
  await run('ip', ['-batch', '-'], renderRootBatch(p));
  for (const n of p.nodes) {
    await run('ip', ['-n', n.netns, '-batch', '-'], renderNodeBatch(p, n.index));
    // Forwarding is per namespace and off in a new one (machine notes §1.7); bridge-nf-call-iptables is on by default,
    // which the kernel data planes need for replies between pods on one bridge.
    // Written through /proc/sys (net.* there is the namespace of the writer), so procps' sysctl is not needed.
    await run('ip', ['netns', 'exec', n.netns, 'sh', '-c', NODE_SYSCTLS]);
    await run('ip', ['netns', 'exec', n.netns, 'nft', '-f', '-'], renderNodeNftables(p, n.index));
  }
  await run('ip', ['-n', p.client.netns, '-batch', '-'], renderClientBatch(p));
}

/** Kills every process in a namespace (its pods' processes), by PID. */
async function killNetnsProcesses(netns: string): Promise<number> {
  const out = await run('ip', ['netns', 'pids', netns]).catch(() => '');
  let n = 0;
  for (const p of out.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(p), 'SIGKILL');
      n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

async function deleteNetns(netns: string): Promise<void> {
  if (netnsExists(netns)) {
    await run('ip', ['netns', 'del', netns]).catch((e: Error) => {
      if (netnsExists(netns)) throw e;
    });
  }
  rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
}

/**
 * Removes the pods' namespaces (after killing what runs in them), the node
 * and client namespaces (their interfaces, routes and nft tables go with
 * them), the root veths and the bridge, and waits until the kernel has let
 * the veths go (peers disappear asynchronously after `ip netns del`).
 * Returns what it removed. Processes in the node namespaces are not touched
 * here: the caller stops exactly the ones it recorded first.
 */
export async function teardownTopology(p: ClusterPlan, log: (l: string) => void = () => undefined): Promise<{ netns: string[]; links: string[]; podProcesses: number }> {
  const netns = clusterNetns(p);
  const links = clusterLinks(p);
  const podNetns = netns.filter((e) => e.startsWith('sb_'));
  let podProcesses = 0;
  for (const ns of podNetns) podProcesses += await killNetnsProcesses(ns);
  for (const ns of podNetns) await deleteNetns(ns).catch((e: Error) => log(`cannot delete ${ns}: ${e.message}`));
  // Leftover /etc/netns dirs of pods whose namespace is already gone.
  for (const e of existsSync('/etc/netns') ? readdirSync('/etc/netns') : []) {
    if (p.podNetnsPrefixes.some((pre) => e.startsWith(pre))) rmSync(`/etc/netns/${e}`, { recursive: true, force: true });
  }
  for (const ns of [...p.nodes.map((n) => n.netns), p.client.netns]) {
    const left = await run('ip', ['netns', 'pids', ns]).catch(() => '');
    if (left.trim()) log(`namespace ${ns} still has processes not started by this cluster: ${left.trim().split(/\s+/).join(' ')}`);
    await deleteNetns(ns).catch((e: Error) => log(`cannot delete ${ns}: ${e.message}`));
  }
  for (const l of clusterLinks(p).filter((x) => x !== p.bridge)) await run('ip', ['link', 'del', l]).catch(() => undefined);
  if (linkExists(p.bridge)) await run('ip', ['link', 'del', p.bridge]).catch((e: Error) => log(`cannot delete bridge ${p.bridge}: ${e.message}`));
  for (let i = 0; i < 50 && clusterLinks(p).length; i++) await sleep(100);
  return { netns, links, podProcesses };
}

