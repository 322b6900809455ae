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
import { API_PORT, CLUSTER_CIDR, LB_POOL, planCluster } from './plan.ts';
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
  const network = { ...kernelNetworkConfig(), apiServerIPs: [plan.gateway] };
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
    agent: { nodeIP: node.ip, podCIDR: node.podCIDR, clusterCIDR: CLUSTER_CIDR, workingDir: state.workDir },
    log,
  });
  stops.unshift(() => agent.stop());
  log(`agent ready: node ${agent.nodeName}, pods ${agent.podCIDR}`);
  const proxy = await runProxy({ kubeconfig: state.kubeconfig, nodeName: node.nodeName, mode: plan.spec.dataplane, clusterCIDRs: [CLUSTER_CIDR], banner: false, log });
  stops.unshift(() => proxy.stop());
  log(`proxy ready (${plan.spec.dataplane})`);
  writeFileSync(ready, `${process.pid}\n`);
}
