/**
 * `switchboard up`: the embedded single-machine cluster in one process tree —
 * API server (SQLite), endpoint controllers, LoadBalancer IP controller,
 * scheduler, node lifecycle controller, cluster DNS, the Service proxy and
 * the local node agent (loopback mode). Every component talks to the API
 * server through the kubeconfig, exactly as it would as its own process.
 *
 * DNS: in loopback mode the DNS server itself listens on the kube-dns
 * ClusterIP (port 53 when it may bind it, else 1053), so the kube-dns
 * Service carries `service.kubernetes.io/service-proxy-name` and the proxy
 * leaves it alone — the label Kubernetes gives Services that another proxy
 * implements.
 */
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
import { runProxy } from './proxy.ts';

export interface UpOptions extends RunOptions {
  nodeName?: string;
  /** LoadBalancer address pools (default 127.240.0.0/16). */
  lbPools?: string[];
  /** Proxy --min-sync-period in ms (default 100: one machine, changes should show at once). */
  minSyncPeriodMs?: number;
  /** The kubelet's --max-pods (default 110). */
  maxPods?: number;
  /** The kubelet's --pod-cidr for the local node (default: a free /24 of 127.244.0.0/16). */
  podCIDR?: string;
}

/** The label value that tells proxies the DNS server serves the kube-dns ClusterIP itself. */
export const DNS_PROXY_NAME = 'switchboard-dns';

export async function runUp(o: UpOptions): Promise<void> {
  const t0 = Date.now();
  const progress = (what: string) => process.stderr.write(`switchboard up: ${what} (${Date.now() - t0} ms)\n`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stops: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const s of stops) {
      try {
        await s();
      } catch (e) {
        log(`switchboard up: stopping: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  onSignal(stopAll);

  const api = await runApiServer(o);
  stops.unshift(api.stop);
  progress(`API server ready at ${api.url}`);
  const kubeconfig = api.kubeconfig;
  const client = new RestClient(loadClientConfig(kubeconfig));
  client.userAgent = 'switchboard-up/0.1';
  stops.unshift(() => client.close());

  // The controllers, the scheduler and DNS only need the API; start them together.
  const [cm, dns] = await Promise.all([
    runControllerManager({ kubeconfig, banner: false, log }),
    (async () => {
      await client.patch<Service>(Resources.services, 'kube-system', 'kube-dns', { metadata: { labels: { [LABEL_SERVICE_PROXY_NAME]: DNS_PROXY_NAME } } }, 'merge');
      return runDns({ kubeconfig, banner: false, log });
    })(),
  ]);
  stops.unshift(() => cm.stop(), () => dns.stop());
  const scheduler = startScheduler(client, { log });
  const lifecycle = startNodeLifecycleController(client, { log });
  const lb = startLoadBalancerController(client, { pools: o.lbPools ?? [LOOPBACK_LB_POOL], log });
  stops.unshift(() => scheduler.stop(), () => lifecycle.stop(), () => lb.stop());
  await Promise.all([scheduler.synced, lifecycle.synced, lb.synced]);
  progress('controllers synced (EndpointSlice, Endpoints, mirroring, LoadBalancer IPs, scheduler, node lifecycle)');
  void dns.ready.then(() => progress(`DNS ready on ${dns.host}:${dns.port}`));

  const nodeName = o.nodeName ?? (hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'node');
  const agent = await runAgent({ kubeconfig, nodeName, mode: 'loopback', dataDir: join(api.dataDir, 'agents', nodeName), handleSignals: false, banner: false, log, agent: { maxPods: o.maxPods, podCIDR: o.podCIDR } });
  // The agent stops first; its pods keep running and are adopted by the next `up`.
  stops.unshift(() => agent.stop());
  progress(`node agent ready (node ${nodeName}, loopback mode)`);
  // On kube-proxy's ports, or on a free one when another proxy on this machine has them (runProxy decides).
  const proxy = await runProxy({ kubeconfig, nodeName, mode: 'userspace', minSyncPeriodMs: o.minSyncPeriodMs ?? 100, banner: false, log });
  stops.unshift(() => proxy.stop());
  progress('Service proxy ready (userspace mode)');
  await dns.ready;
  if (stopping) return;

  const svc = await client.get<Service>(Resources.services, 'default', 'kubernetes');
  const dnsAddr = dns.port === 53 ? dns.host : `${dns.host} port ${dns.port}`;
  const digPort = dns.port === 53 ? '' : ` -p ${dns.port}`;
  printReady(o, api.url, api.dataDir, kubeconfig, [
    `ready in ${Date.now() - t0} ms`,
    `node: ${nodeName} (loopback mode: pods on ${agent.podCIDR}, each binds its POD_IP)`,
    `service ClusterIPs: ${Object.values(o.network.serviceCIDRs).filter(Boolean).join(', ')} (kubernetes = ${svc.spec.clusterIP}), NodePorts: ${o.network.nodePortRange.base}-${o.network.nodePortRange.base + o.network.nodePortRange.size - 1}, LoadBalancer IPs: ${(o.lbPools ?? [LOOPBACK_LB_POOL]).join(', ')}`,
    `DNS: ${dnsAddr} (cluster.local)`,
    `data plane: userspace proxy${proxy.metricsAddress ? ` (metrics http://${proxy.metricsAddress}/metrics)` : ''}`,
  ]);
  process.stdout.write(
    [
      '  try:',
      '    kubectl apply -f examples/clusterip.yaml',
      `    curl http://$(kubectl get svc hello -o jsonpath='{.spec.clusterIP}'):8080/`,
      `    dig @${dns.host}${digPort} +short hello.default.svc.cluster.local`,
      '',
    ].join('\n'),
  );
}
