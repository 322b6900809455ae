/**
 * `switchboard up`: the embedded single-machine cluster in one process tree —
 * API server (SQLite), endpoint controllers, LoadBalancer IP controller,
 * scheduler, node lifecycle controller, cluster DNS, the Service proxy and
 * the local node agent (loopback mode; with `--dataplane nftables`, this
 * machine as a kernel-mode node, see up-kernel.ts). Every component talks to
 * the API server through the kubeconfig, exactly as it would as its own
 * process. Stopping `up` (Ctrl-C) stops everything, the pods' processes
 * included, as a machine going down does; the objects stay in SQLite and the
 * next `up` restarts the pods.
 *
 * DNS: in loopback mode the DNS server itself listens on the kube-dns
 * ClusterIP (port 53 when it may bind it, else 1053), so the kube-dns
 * Service carries `service.kubernetes.io/service-proxy-name` and the proxy
 * leaves it alone — the label Kubernetes gives Services that another proxy
 * implements.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RestClient, Resources, loadClientConfig } from '../client/index.ts';
import type { Service } from '../api/types.ts';
import { startScheduler } from '../scheduler/index.ts';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/index.ts';
import { LOOPBACK_LB_POOL, startLoadBalancerController } from '../controllers/loadbalancer/index.ts';
import { LABEL_SERVICE_PROXY_NAME } from '../proxy/index.ts';
import { runApiServer, printReady, onSignal, type RunOptions } from './apiserver.ts';
import { runControllerManager } from './controller-manager.ts';
import { runAgent } from './agent.ts';
import { runDns } from './dns.ts';
import { runProxy, unsupportedModeReason } from './proxy.ts';
import { pointKubeDnsAt } from '../cluster/kube-dns.ts';
import { CLUSTER_CIDR, LB_POOL } from '../cluster/plan.ts';
import { cleanupHostNode, planHostNode, prepareHostNode, type HostNodePlan } from './up-kernel.ts';

export interface UpOptions extends RunOptions {
  nodeName?: string;
  /** LoadBalancer address pools (default 127.240.0.0/16; 10.250.0.0/24 with the nftables data plane). */
  lbPools?: string[];
  /** Proxy --min-sync-period in ms (default 100: one machine, changes should show at once). */
  minSyncPeriodMs?: number;
  /** The kubelet's --max-pods (default 110). */
  maxPods?: number;
  /** The kubelet's --pod-cidr for the local node (default: a free /24 of 127.244.0.0/16; 10.244.0.0/24 with nftables). */
  podCIDR?: string;
  /**
   * userspace (default): loopback mode, no privileges. nftables (root): this
   * machine is a kernel-mode node — pods in network namespaces, the nftables
   * proxy in the root namespace (see up-kernel.ts); `o.network` must then be
   * the kernel address plan.
   */
  dataplane?: 'userspace' | 'nftables';
}

/** The label value that tells proxies the DNS server serves the kube-dns ClusterIP itself. */
export const DNS_PROXY_NAME = 'switchboard-dns';

/** A data dir keeps the data plane it was made with: the two use different address plans. */
function checkDataplaneOfDataDir(dataDir: string, dataplane: string): void {
  const file = join(dataDir, 'dataplane');
  const was = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (was && was !== dataplane) {
    throw new Error(`${dataDir} holds a cluster made by \`up --dataplane ${was}\` (its Services have addresses of that mode's plan); start it with --dataplane ${was}, or use another --data-dir`);
  }
  if (!was) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${dataplane}\n`);
  }
}

export async function runUp(o: UpOptions): Promise<void> {
  const t0 = Date.now();
  const progress = (what: string) => process.stderr.write(`switchboard up: ${what} (${Date.now() - t0} ms)\n`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const kernel = o.dataplane === 'nftables';
  const nodeName = o.nodeName ?? (hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'node');
  const lbPools = o.lbPools ?? [kernel ? LB_POOL : LOOPBACK_LB_POOL];
  let host: HostNodePlan | undefined;
  if (kernel) {
    const why = unsupportedModeReason('nftables');
    if (why) throw new Error(`--dataplane nftables: ${why.replace(/; use --mode userspace$/, '; run `switchboard up` without --dataplane for loopback mode')}`);
    host = planHostNode({ nodeName, podCIDR: o.podCIDR, lbPools, network: o.network });
  }
  checkDataplaneOfDataDir(o.dataDir, o.dataplane ?? 'userspace');

  const stops: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const s of stops.splice(0)) {
      try {
        await s();
      } catch (e) {
        log(`switchboard up: stopping: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  onSignal(stopAll);
  try {
    await start();
  } catch (e) {
    await stopAll();
    throw e;
  }

  async function start(): Promise<void> {
    // Kernel mode: the `kubernetes` Service's endpoint is the node address (Endpoints may not be loopback). The API
    // server itself stays on --api-host (loopback by default), so pods do not reach it through that Service here.
    const api = await runApiServer(host ? { ...o, network: { ...o.network, apiServerIPs: [host.nodeIP] } } : o);
    stops.unshift(api.stop);
    progress(`API server ready at ${api.url}`);
    const kubeconfig = api.kubeconfig;
    const client = new RestClient(loadClientConfig(kubeconfig));
    client.userAgent = 'switchboard-up/0.1';
    stops.unshift(() => client.close());
    const agentData = join(api.dataDir, 'agents', nodeName);

    // Loopback mode: the DNS server listens on the kube-dns ClusterIP itself, and the label keeps the proxy off it.
    // Kernel mode: the DNS server listens on the node's address and kube-dns points there (selectorless, as in
    // `cluster create`), so the data plane DNATs the ClusterIP to it like any Service.
    const dnsPlacement = host
      ? async () => {
          await client.patch<Service>(Resources.services, 'kube-system', 'kube-dns', { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: null } } }, 'merge');
          await pointKubeDnsAt(client, host!.nodeIP);
        }
      : () => client.patch<Service>(Resources.services, 'kube-system', 'kube-dns', { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: DNS_PROXY_NAME } } }, 'merge');
    const startDns = () => runDns({ kubeconfig, banner: false, log, ...(host ? { listen: `${host.nodeIP}:53`, metricsListen: `${host.nodeIP}:9153` } : {}) });

    // The controllers, the scheduler and (loopback) DNS only need the API; start them together.
    const [cm, loopbackDns] = await Promise.all([
      runControllerManager({ kubeconfig, banner: false, log }),
      (async () => {
        await dnsPlacement();
        return host ? undefined : startDns();
      })(),
    ]);
    stops.unshift(() => cm.stop());
    if (loopbackDns) stops.unshift(() => loopbackDns.stop());
    const scheduler = startScheduler(client, { log });
    const lifecycle = startNodeLifecycleController(client, { log });
    const lb = startLoadBalancerController(client, { pools: lbPools, log });
    stops.unshift(() => scheduler.stop(), () => lifecycle.stop(), () => lb.stop());
    await Promise.all([scheduler.synced, lifecycle.synced, lb.synced]);
    progress('controllers synced (EndpointSlice, Endpoints, mirroring, LoadBalancer IPs, scheduler, node lifecycle)');
    if (loopbackDns) void loopbackDns.ready.then(() => progress(`DNS ready on ${loopbackDns.host}:${loopbackDns.port}`));

    const agent = await runAgent({
      kubeconfig,
      nodeName,
      mode: host ? 'netns' : 'loopback',
      dataDir: agentData,
      handleSignals: false,
      banner: false,
      log,
      agent: { maxPods: o.maxPods, podCIDR: host?.podCIDR ?? o.podCIDR, ...(host ? { nodeIP: host.nodeIP, clusterCIDR: CLUSTER_CIDR } : {}) },
    });
    // `up` is the machine: stopping it stops the pods too (they stay in the API; the next `up` restarts them).
    stops.unshift(() => agent.shutdown({ removeNetwork: !!host }));
    progress(`node agent ready (node ${nodeName}, ${host ? `netns mode, bridge ${host.bridge}` : 'loopback mode'})`);

    let dns = loopbackDns;
    if (host) {
      const h = host;
      stops.unshift(() => cleanupHostNode(h));
      await prepareHostNode(h);
      const kernelDns = await startDns();
      stops.unshift(() => kernelDns.stop());
      dns = kernelDns;
      void kernelDns.ready.then(() => progress(`DNS ready on ${kernelDns.host}:${kernelDns.port}`));
    }
    // On kube-proxy's ports, or on a free one when another proxy on this machine has them (runProxy decides).
    const proxy = await runProxy({
      kubeconfig,
      nodeName,
      mode: host ? 'nftables' : 'userspace',
      minSyncPeriodMs: o.minSyncPeriodMs ?? 100,
      banner: false,
      log,
      // Kernel mode: metrics and health on the node's address (one per `up`; health is where `switchboard status` looks).
      ...(host ? { kernelName: host.table, clusterCIDRs: [CLUSTER_CIDR], metricsListen: `${host.nodeIP}:10249`, healthzListen: `${host.nodeIP}:10256` } : {}),
    });
    stops.unshift(() => proxy.stop());
    progress(`Service proxy ready (${host ? `nftables mode, table ip ${host.table}` : 'userspace mode'})`);
    await dns!.ready;
    if (stopping) return;

    const svc = await client.get<Service>(Resources.services, 'default', 'kubernetes');
    const nodePorts = `${o.network.nodePortRange.base}-${o.network.nodePortRange.base + o.network.nodePortRange.size - 1}`;
    // Kernel mode: kube-dns's ClusterIP answers on 53 through the data plane; loopback: the DNS server's own address.
    const dnsHost = host ? (await client.get<Service>(Resources.services, 'kube-system', 'kube-dns')).spec.clusterIP! : dns!.host;
    const dnsPort = host ? 53 : dns!.port;
    const digPort = dnsPort === 53 ? '' : ` -p ${dnsPort}`;
    printReady(o, api.url, api.dataDir, kubeconfig, [
      `ready in ${Date.now() - t0} ms`,
      host
        ? `node: ${nodeName} (netns mode: each pod in its own network namespace on bridge ${host.bridge}, pods ${agent.podCIDR}, node IP ${host.nodeIP})`
        : `node: ${nodeName} (loopback mode: pods on ${agent.podCIDR}, each binds its POD_IP)`,
      `service ClusterIPs: ${Object.values(o.network.serviceCIDRs).filter(Boolean).join(', ')} (kubernetes = ${svc.spec.clusterIP}), NodePorts: ${nodePorts}${host ? ` on ${host.nodeIP}` : ''}, LoadBalancer IPs: ${lbPools.join(', ')}`,
      `DNS: ${dnsPort === 53 ? dnsHost : `${dnsHost} port ${dnsPort}`} (cluster.local)${host ? `, served at ${dns!.host}:${dns!.port}` : ''}`,
      host
        ? `data plane: nftables (table ip ${host.table}; service and LoadBalancer ranges routed through ${host.bridge})${proxy.metricsAddress ? `, metrics http://${proxy.metricsAddress}/metrics` : ''}`
        : `data plane: userspace proxy${proxy.metricsAddress ? ` (metrics http://${proxy.metricsAddress}/metrics)` : ''}`,
    ]);
    process.stdout.write(
      [
        '  try:',
        '    kubectl apply -f examples/clusterip.yaml',
        `    curl http://$(kubectl get svc hello -o jsonpath='{.spec.clusterIP}'):8080/`,
        `    dig @${dnsHost}${digPort} +short hello.default.svc.cluster.local`,
        '',
      ].join('\n'),
    );
  }
}
