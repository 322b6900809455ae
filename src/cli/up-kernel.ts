/**
 * `switchboard up --dataplane nftables`: this machine is the node, as a
 * kube-proxy node is. The agent runs in netns mode in the root network
 * namespace (each pod its own namespace, a veth on the node bridge, an
 * address of the node's pod range), and the nftables proxy programs the root
 * namespace, so ClusterIPs, NodePorts and LoadBalancer IPs answer from this
 * machine's own shell.
 *
 * What the host needs beyond what the agent and proxy do themselves:
 * - routes for the service range(s) and the LoadBalancer pools through the
 *   node bridge (source: its address), so a packet to a VIP never leaves by
 *   the default route, whether or not a rule is there to DNAT it — and the
 *   host needs no default route at all;
 * - IPv4 forwarding on the node bridge only (net.ipv4.conf.BRIDGE.forwarding;
 *   the input device's setting decides): a pod reaching another pod through
 *   a ClusterIP is routed back out of the bridge, while the machine's
 *   net.ipv4.ip_forward stays as it is;
 * - at exit, the proxy's table deleted (kube-proxy --cleanup); the agent
 *   deletes the pods' namespaces and the bridge, which takes the routes and
 *   the sysctl with it.
 * The address plan (pure) is planHostNode; the shell is prepareHostNode and
 * cleanupHostNode.
 */
import { writeFile } from 'node:fs/promises';
import { runtimeNames } from '../node/names.ts';
import { gatewayOf } from '../node/ipam.ts';
import { cidrContains, isLoopback, parseCIDR } from '../api/validation/ip.ts';
import { IP_BIN } from '../node/runtime.ts';
import type { ClusterNetworkConfig } from '../apiserver/admission/index.ts';
import { execRunner } from '../proxy/kernel.ts';
import { CLUSTER_CIDR, LB_POOL } from '../cluster/plan.ts';

/** `cluster create`'s kernel plan (CLUSTER_CIDR, LB_POOL); this node takes the first /24 of the pod range. */
export const KERNEL_NODE_POD_CIDR = '10.244.0.0/24';

export interface HostNodePlan {
  nodeName: string;
  /** The node bridge the agent makes (runtimeNames' name for this node). */
  bridge: string;
  podCIDR: string;
  /** The bridge's address: the pods' gateway and the node's InternalIP. */
  nodeIP: string;
  /** IPv4 prefixes routed through the bridge: the service range and the LoadBalancer pools. */
  routes: string[];
  /** The proxy's nftables table (`ip` family). */
  table: string;
}

/** Checks and plans; throws an Error whose message is ready to print. */
export function planHostNode(o: { nodeName: string; podCIDR?: string; lbPools: string[]; network: ClusterNetworkConfig }): HostNodePlan {
  const podCIDR = o.podCIDR ?? KERNEL_NODE_POD_CIDR;
  const pod = parseCIDR(podCIDR);
  const cluster = parseCIDR(CLUSTER_CIDR)!;
  if (!pod || pod.family !== 'IPv4') throw new Error(`--pod-cidr: "${podCIDR}" is not an IPv4 CIDR`);
  if (pod.prefix > 29) throw new Error(`--pod-cidr: "${podCIDR}" is too small for pods (use /24, say)`);
  if (pod.prefix < cluster.prefix || !cidrContains(cluster, { family: 'IPv4', value: pod.base })) {
    throw new Error(`--pod-cidr: "${podCIDR}" is not inside the cluster's pod range ${CLUSTER_CIDR}`);
  }
  if (o.network.serviceCIDRs.ipv6) throw new Error('--dataplane nftables: `up` runs IPv4 only; for dual-stack use `switchboard cluster create --ip-family dual`');
  const serviceCIDR = o.network.serviceCIDRs.ipv4!;
  const loopback = (c: string) => isLoopback({ family: 'IPv4', value: parseCIDR(c)!.base });
  if (loopback(serviceCIDR)) throw new Error(`--service-cluster-ip-range: "${serviceCIDR}" is loopback; a kernel data plane needs a routable range (default 10.96.0.0/16)`);
  for (const r of o.lbPools) {
    const p = parseCIDR(r);
    if (!p || p.family !== 'IPv4') throw new Error(`--lb-pool: "${r}" is not an IPv4 CIDR`);
    if (loopback(r)) throw new Error(`--lb-pool: "${r}" is loopback; a kernel data plane needs routable LoadBalancer addresses (default ${LB_POOL})`);
  }
  return {
    nodeName: o.nodeName,
    bridge: runtimeNames('sb', o.nodeName).bridge,
    podCIDR,
    nodeIP: gatewayOf(podCIDR),
    routes: [serviceCIDR, ...o.lbPools],
    // nft identifiers: letters, digits, '-', '_', '.'; node names are DNS subdomains.
    table: `switchboard-${o.nodeName}`,
  };
}

/** A route for `prefix` that does not go through `bridge` (someone else's network), as `ip route` prints it. */
export function foreignRoute(routeShow: string, bridge: string): string | undefined {
  return routeShow
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !new RegExp(`\\bdev ${bridge}\\b`).test(l));
}

/** Routes and forwarding, once the agent has made the bridge. Refuses ranges this host already routes elsewhere. */
export async function prepareHostNode(p: HostNodePlan): Promise<void> {
  for (const prefix of p.routes) {
    const taken = foreignRoute(await execRunner(IP_BIN, ['-4', 'route', 'show', 'exact', prefix]), p.bridge);
    if (taken) throw new Error(`${prefix} is already routed on this host (${taken}); choose another range (--service-cluster-ip-range, --lb-pool)`);
  }
  for (const prefix of p.routes) await execRunner(IP_BIN, ['-4', 'route', 'replace', prefix, 'dev', p.bridge, 'src', p.nodeIP]);
  await writeFile(`/proc/sys/net/ipv4/conf/${p.bridge}/forwarding`, '1\n');
}

/** The proxy's table (kube-proxy --cleanup); the routes go with the bridge, which the agent deletes. Idempotent. */
export async function cleanupHostNode(p: HostNodePlan): Promise<void> {
  await execRunner('nft', ['delete', 'table', 'ip', p.table]).catch((e: Error) => {
    if (!/No such file or directory/.test(e.message)) throw e;
  });
}
