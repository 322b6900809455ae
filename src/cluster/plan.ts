/**
 * The address and name plan of a local multi-node cluster: pure functions
 * from (name, node count, zones, data plane, underlay index) to every name,
 * address and route `cluster create` makes, and to the `ip -batch` scripts
 * and the nft ruleset that make them. `cluster delete` tears down exactly what
 * this plan names.
 *
 * Layout (cluster NAME, underlay index U, N nodes):
 *
 *   root netns:  bridge sb-IF  172.30.U.1/24  ← API server :6443, DNS :53 (the "gateway")
 *     ├─ veth sb-IF-K  ⇄  netns sb-NAME-nodeK  eth0 172.30.U.(10+K)/24, default via .1,
 *     │                   10.244.J.0/24 via 172.30.U.(10+J) for every other node J,
 *     │                   agent bridge + one netns per pod (10.244.K.0/24)
 *     └─ veth sb-IF-c  ⇄  netns sb-NAME-client eth0 172.30.U.250/24, 10.96.0.0/16 and the
 *                         LoadBalancer pool 10.250.0.0/24 via node1,
 *                         10.244.K.0/24 via node K (an outside router's view)
 *
 * Dual-stack (--ip-family dual) adds, IPv4 staying primary: the underlay
 * fd00:172:30:U::/64 (gateway ::1 on the bridge, node K ::(10+K), client
 * ::250), each node's IPv6 pod range fd00:10:244:K::/64 routed via that node,
 * and the IPv6 service range fd00:10:96::/112 routed from the client to node 1.
 * Every IPv6 address is added `nodad` (Duplicate Address Detection would keep
 * it unusable for the first second or two).
 *
 * IF is NAME when it is short enough for Linux's 15-character interface names,
 * else a hash of it.
 */
import { createHash } from 'node:crypto';

export const SERVICE_CIDR = '10.96.0.0/16';
export const CLUSTER_CIDR = '10.244.0.0/16';
/** Dual-stack: the IPv6 service and pod ranges (kernelNetworkConfig({ dualStack: true }) has the same). */
export const SERVICE_CIDR6 = 'fd00:10:96::/112';
export const CLUSTER_CIDR6 = 'fd00:10:244::/56';
/**
 * LoadBalancer IPs (the LoadBalancer IP controller's pool). Routed, as a
 * router that learned the pool from the cluster would: the client namespace
 * sends it to node 1, whose data plane DNATs it like a ClusterIP. The root
 * namespace never routes it, so every cluster can use the same pool.
 */
export const LB_POOL = '10.250.0.0/24';
/** Underlay subnets are 172.30.U.0/24, U = 0…255, one per cluster on this host. */
export const UNDERLAY_PREFIX = '172.30';
export const API_PORT = 6443;
export const MAX_NODES = 99;

export type DataPlaneMode = 'userspace' | 'nftables' | 'iptables';
export type IPFamilyChoice = 'ipv4' | 'ipv6' | 'dual';

export interface ClusterSpec {
  name: string;
  nodes: number;
  zones: string[];
  dataplane: DataPlaneMode;
  ipFamily: IPFamilyChoice;
  /** U of the underlay subnet 172.30.U.0/24. */
  underlay: number;
}

export interface NodePlan {
  index: number;
  /** Kubernetes Node name. */
  nodeName: string;
  netns: string;
  /** Root-namespace end of the node's underlay veth (the node's end is eth0). */
  veth: string;
  ip: string;
  podCIDR: string;
  /** Dual-stack: the node's IPv6 underlay address and pod range. */
  ip6?: string;
  podCIDR6?: string;
  zone?: string;
}

export interface ClusterPlan {
  spec: ClusterSpec;
  bridge: string;
  subnet: string;
  gateway: string;
  prefixLen: number;
  /** Dual-stack: the IPv6 underlay's gateway (on the bridge); its prefix is /64. */
  gateway6?: string;
  nodes: NodePlan[];
  client: { netns: string; veth: string; ip: string; ip6?: string };
  /** Every network namespace this cluster's own pods live in starts with one of these (the agents' naming: sb_NODE_…). */
  podNetnsPrefixes: string[];
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Problems with a cluster name; empty when valid. */
export function clusterNameErrors(name: string): string[] {
  if (!LABEL.test(name)) return [`invalid cluster name "${name}": lowercase letters, digits and '-', starting and ending with a letter or digit`];
  if (name.length > 40) return [`invalid cluster name "${name}": at most 40 characters`];
  return [];
}

/** The short name used in interface names: NAME if `sb-NAME-99` fits in 15 characters, else 4 chars + 5 hex of a hash. */
export function interfaceStem(name: string): string {
  if (name.length <= 9) return name;
  return `${name.slice(0, 4)}${createHash('sha1').update(name).digest('hex').slice(0, 5)}`;
}

export function planCluster(spec: ClusterSpec): ClusterPlan {
  const errs = clusterNameErrors(spec.name);
  if (errs.length) throw new Error(errs[0]);
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > MAX_NODES) throw new Error(`--nodes must be between 1 and ${MAX_NODES}`);
  if (!Number.isInteger(spec.underlay) || spec.underlay < 0 || spec.underlay > 255) throw new Error(`underlay index ${spec.underlay} out of range`);
  const stem = interfaceStem(spec.name);
  const net = `${UNDERLAY_PREFIX}.${spec.underlay}`;
  const dual = spec.ipFamily === 'dual';
  const net6 = `fd00:172:30:${spec.underlay}:`;
  const nodes: NodePlan[] = [];
  for (let k = 1; k <= spec.nodes; k++) {
    const zone = spec.zones.length ? spec.zones[(k - 1) % spec.zones.length] : undefined;
    nodes.push({
      index: k,
      nodeName: `${spec.name}-node${k}`,
      netns: `sb-${spec.name}-node${k}`,
      veth: `sb-${stem}-${k}`,
      ip: `${net}.${10 + k}`,
      podCIDR: `10.244.${k}.0/24`,
      ...(dual ? { ip6: `${net6}:${10 + k}`, podCIDR6: `fd00:10:244:${k}::/64` } : {}),
      ...(zone ? { zone } : {}),
    });
  }
  return {
    spec,
    bridge: `sb-${stem}`,
    subnet: `${net}.0/24`,
    gateway: `${net}.1`,
    prefixLen: 24,
    ...(dual ? { gateway6: `${net6}:1` } : {}),
    nodes,
    client: { netns: `sb-${spec.name}-client`, veth: `sb-${stem}-c`, ip: `${net}.250`, ...(dual ? { ip6: `${net6}:250` } : {}) },
    podNetnsPrefixes: nodes.map((n) => `sb_${n.nodeName}_`),
  };
}

/** `ip -batch` for the root namespace: the underlay bridge, every namespace and its veth. */
export function renderRootBatch(p: ClusterPlan): string {
  const l = [`link add ${p.bridge} type bridge`, `addr add ${p.gateway}/${p.prefixLen} dev ${p.bridge}`, `link set ${p.bridge} up`];
  if (p.gateway6) l.splice(2, 0, `addr add ${p.gateway6}/64 dev ${p.bridge} nodad`);
  for (const x of [...p.nodes, p.client]) {
    l.push(`netns add ${x.netns}`, `link add ${x.veth} type veth peer name eth0 netns ${x.netns}`, `link set ${x.veth} master ${p.bridge} up`);
  }
  return `${l.join('\n')}\n`;
}

/**
 * `ip -n sb-NAME-nodeK -batch` for one node: its underlay address, a default
 * route to the gateway (the API server and DNS), and a route to every other
 * node's pod range via that node. In userspace mode the whole service range
 * is local (`local 10.96.0.0/16 dev lo`) and every LB pool address is on lo,
 * so the proxy can bind any ClusterIP or LB IP and pods' packets to one are
 * delivered to it; the kernel modes DNAT
 * instead and need no such route.
 */
export function renderNodeBatch(p: ClusterPlan, k: number): string {
  const n = p.nodes[k - 1]!;
  const l = ['link set lo up', `addr add ${n.ip}/${p.prefixLen} dev eth0`, 'link set eth0 up', `route add default via ${p.gateway}`];
  for (const o of p.nodes) if (o.index !== k) l.push(`route add ${o.podCIDR} via ${o.ip}`);
  if (n.ip6 && p.gateway6) {
    l.push(`addr add ${n.ip6}/64 dev eth0 nodad`, `route add ::/0 via ${p.gateway6}`);
    for (const o of p.nodes) if (o.index !== k && o.podCIDR6 && o.ip6) l.push(`route add ${o.podCIDR6} via ${o.ip6}`);
  }
  if (p.spec.dataplane === 'userspace') {
    l.push(`route add local ${SERVICE_CIDR} dev lo table local`);
    // The userspace proxy serves an LB IP only where it is an address of the node (what an L2 announcer would add).
    for (let h = 1; h <= 254; h++) l.push(`addr add ${LB_POOL.replace(/\.0\/24$/, `.${h}`)}/32 dev lo`);
  }
  return `${l.join('\n')}\n`;
}

export function renderClientBatch(p: ClusterPlan): string {
  const l = ['link set lo up', `addr add ${p.client.ip}/${p.prefixLen} dev eth0`, 'link set eth0 up', `route add ${SERVICE_CIDR} via ${p.nodes[0]!.ip}`, `route add ${LB_POOL} via ${p.nodes[0]!.ip}`];
  for (const n of p.nodes) l.push(`route add ${n.podCIDR} via ${n.ip}`);
  if (p.client.ip6) {
    const node1 = p.nodes[0]!;
    l.push(`addr add ${p.client.ip6}/64 dev eth0 nodad`, `route add ${SERVICE_CIDR6} via ${node1.ip6}`);
    for (const n of p.nodes) if (n.podCIDR6 && n.ip6) l.push(`route add ${n.podCIDR6} via ${n.ip6}`);
  }
  return `${l.join('\n')}\n`;
}

/** nft table of the node's pod network ("CNI") in each node namespace. */
export const NODE_NFT_TABLE = 'switchboard-node';

/**
 * What a CNI plugin's ip-masq does: pod traffic that leaves the node for an
 * address outside the cluster's pod range (the DNS server and API server on
 * the gateway, the client namespace) is masqueraded to the node's underlay
 * address, so the root namespace and outside hosts need no routes to pod
 * ranges. Pod-to-pod traffic keeps its source. Service traffic is the proxy's
 * business (kube-proxy masquerades it itself where Kubernetes does).
 */
export function renderNodeNftables(p: ClusterPlan, k: number): string {
  const n = p.nodes[k - 1]!;
  const table = (family: 'ip' | 'ip6', podCIDR: string, clusterCIDR: string) => [
    `table ${family} ${NODE_NFT_TABLE} {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat + 10; policy accept;',
    `    ${family} saddr ${podCIDR} ${family} daddr != ${clusterCIDR} oifname "eth0" masquerade`,
    '  }',
    '}',
  ];
  return [...table('ip', n.podCIDR, CLUSTER_CIDR), ...(n.podCIDR6 ? table('ip6', n.podCIDR6, CLUSTER_CIDR6) : []), ''].join('\n');
}
