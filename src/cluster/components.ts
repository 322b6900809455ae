/**
 * The two kinds of long-running process of a local cluster, each reading
 * cluster.json from the data dir:
 *
 * - the control plane (root namespace, on the underlay gateway): API server
 *   (SQLite, TLS + token, kernel address plan), endpoint controllers,
 *   scheduler, node lifecycle controller, LoadBalancer IP controller (pool
 *   10.250.0.0/24), and the cluster DNS;
 * - a node (inside sb-NAME-nodeK): the node agent in netns mode and the
 *   Service proxy in the cluster's data-plane mode.
 *
 * Each writes a ready file when serving, and stops cleanly on SIGTERM/SIGINT.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RestClient, loadClientConfig } from '../client/index.ts';
import { kernelNetworkConfig } from '../apiserver/admission/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/index.ts';
import { startLoadBalancerController } from '../controllers/loadbalancer/index.ts';
import { runApiServer } from '../cli/apiserver.ts';
import { runControllerManager } from '../cli/controller-manager.ts';
import { runDns } from '../cli/dns.ts';
import { runAgent } from '../cli/agent.ts';
import { runProxy } from '../cli/proxy.ts';
import type { IPFamily } from '../proxy/index.ts';
import { API_PORT, CLUSTER_CIDR, CLUSTER_CIDR6, LB_POOL, planCluster } from './plan.ts';
import { pointKubeDnsAt } from './kube-dns.ts';
import { readState } from './state.ts';

export const controlPlaneReadyFile = (dataDir: string) => join(dataDir, 'control-plane.ready');
export const nodeReadyFile = (dataDir: string, k: number) => join(dataDir, 'nodes', `node${k}`, 'ready');
export const nodeDataDir = (dataDir: string, k: number) => join(dataDir, 'nodes', `node${k}`);

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

function stateOrDie(dataDir: string) {
  const s = readState(dataDir);
  if (!s) throw new Error(`no cluster state in ${dataDir}`);
  return s;
}

function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: shutting down`);
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

export async function runClusterControlPlane(dataDir: string): Promise<void> {
  const state = stateOrDie(dataDir);
  const plan = planCluster(state.spec);
  const ready = controlPlaneReadyFile(dataDir);
  rmSync(ready, { force: true });
  const stops: (() => Promise<void> | void)[] = [];
  onStop(async () => {
    rmSync(ready, { force: true });
    for (const s of stops) await s();
  });
  // Dual-stack: --service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112 (IPv4 primary).
  const network = { ...kernelNetworkConfig({ dualStack: plan.spec.ipFamily === 'dual' }), apiServerIPs: [plan.gateway] };
  const api = await runApiServer({ dataDir, port: API_PORT, host: plan.gateway, storage: 'sqlite', banner: 'up', network });
  stops.unshift(api.stop);
  log(`API server ready at ${api.url}`);
  const client = new RestClient(loadClientConfig(api.kubeconfig));
  client.userAgent = 'switchboard-cluster/0.1';
  stops.unshift(() => client.close());
  await pointKubeDnsAt(client, plan.gateway);
  const cm = await runControllerManager({ kubeconfig: api.kubeconfig, banner: false, log });
  stops.unshift(() => cm.stop());
  const scheduler = startScheduler(client, { log });
  const lifecycle = startNodeLifecycleController(client, { log });
  const lb = startLoadBalancerController(client, { pools: [LB_POOL], log });
  stops.unshift(() => scheduler.stop(), () => lifecycle.stop(), () => lb.stop());
  await Promise.all([scheduler.synced, lifecycle.synced, lb.synced]);
  log('controllers, scheduler, node lifecycle and LoadBalancer IP controllers synced');
  const dns = await runDns({ kubeconfig: api.kubeconfig, listen: `${plan.gateway}:53`, metricsListen: `${plan.gateway}:9153`, banner: false, log });
  stops.unshift(() => dns.stop());
  await dns.ready;
  log(`DNS ready on ${dns.host}:${dns.port}`);
  writeFileSync(ready, `${process.pid}\n`);
}

/**
 * The proxies' --sync-period (periodic full resync that repairs drift):
 * kube-proxy's default 30 s unless SWITCHBOARD_CLUSTER_SYNC_PERIOD_MS, read
 * from the environment of `cluster create` (inherited by the node processes),
 * says otherwise; tests use a few seconds so drift repair is quick to see.
 */
export function proxySyncPeriodMs(env: NodeJS.ProcessEnv): number | undefined {
  const v = Number(env['SWITCHBOARD_CLUSTER_SYNC_PERIOD_MS']);
  return Number.isInteger(v) && v >= 1000 ? v : undefined;
}

export async function runClusterNode(dataDir: string, k: number): Promise<void> {
  const state = stateOrDie(dataDir);
  const plan = planCluster(state.spec);
  const node = plan.nodes[k - 1];
  if (!node) throw new Error(`cluster ${plan.spec.name} has no node ${k}`);
  const ready = nodeReadyFile(dataDir, k);
  rmSync(ready, { force: true });
  const stops: (() => Promise<void> | void)[] = [];
  onStop(async () => {
    rmSync(ready, { force: true });
    for (const s of stops) await s();
  });
  const agent = await runAgent({
    kubeconfig: state.kubeconfig,
    nodeName: node.nodeName,
    zone: node.zone,
    mode: 'netns',
    dataDir: nodeDataDir(dataDir, k),
    handleSignals: false,
    banner: false,
    agent: { nodeIP: node.ip, podCIDR: node.podCIDR, ...(node.podCIDR6 ? { podCIDR6: node.podCIDR6 } : {}), clusterCIDR: CLUSTER_CIDR, workingDir: state.workDir },
    log,
  });
  stops.unshift(() => agent.stop());
  log(`agent ready: node ${agent.nodeName}, pods ${agent.podCIDR}`);
  // Dual-stack: kube-proxy's --cluster-cidr=IPv4,IPv6; the kernel modes program both families (ip and ip6 tables).
  const families = plan.spec.ipFamily === 'dual' ? { clusterCIDRs: [CLUSTER_CIDR, CLUSTER_CIDR6], ipFamilies: ['IPv4', 'IPv6'] as IPFamily[] } : { clusterCIDRs: [CLUSTER_CIDR] };
  const proxy = await runProxy({ kubeconfig: state.kubeconfig, nodeName: node.nodeName, mode: plan.spec.dataplane, ...families, syncPeriodMs: proxySyncPeriodMs(process.env), banner: false, log });
  stops.unshift(() => proxy.stop());
  log(`proxy ready (${plan.spec.dataplane})`);
  writeFileSync(ready, `${process.pid}\n`);
}
