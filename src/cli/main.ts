/**
 * `switchboard` command line. Each command is a thin shell over a component's
 * public face; flags mirror the Kubernetes component flags where one exists.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runApiServer } from './apiserver.ts';
import { runUp } from './up.ts';
import { addNetworkFlags, networkConfigFromFlags, type NetworkFlags } from './network-flags.ts';
import { kernelNetworkConfig, type ClusterNetworkConfig } from '../apiserver/admission/index.ts';
import { runAgent } from './agent.ts';
import { runDns } from './dns.ts';
import { runProxy, unsupportedModeReason } from './proxy.ts';
import { runControllerManager, parseMaxEndpointsPerSlice } from './controller-manager.ts';
import { registerClusterCommand } from './cluster.ts';
import { runStatus } from './status.ts';
import { existsSync } from 'node:fs';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function network(f: NetworkFlags, base?: ClusterNetworkConfig): ClusterNetworkConfig {
  try {
    return networkConfigFromFlags(f, base);
  } catch (e) {
    return program.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const program = new Command();
program.name('switchboard').description('The Kubernetes Service layer, real and runnable on one machine in seconds.');

addNetworkFlags(program
  .command('up'))
  .description('start the embedded single-machine cluster: API server (SQLite), controllers, DNS, Service proxy, scheduler and the local node agent')
  .option('--data-dir <dir>', 'state, certificates and kubeconfig', '.switchboard')
  .option('--api-port <port>', 'API server port', port, 6443)
  .option('--api-host <addr>', 'address the API server listens on', '127.0.0.1')
  .option('--node-name <name>', 'the local node (default: the host name)')
  .option('--lb-pool <cidrs>', 'comma-separated LoadBalancer address pools (default 127.240.0.0/16; 10.250.0.0/24 with nftables)')
  .option('--min-sync-period <ms>', 'proxy: coalesce changes for at least this long', (v) => Number(v), 100)
  .option('--max-pods <n>', 'pods the local node takes (the kubelet default is 110)', (v) => Number(v))
  .option('--pod-cidr <cidr>', 'the local node\'s pod range (default: a free /24 of 127.244.0.0/16; 10.244.0.0/24 with nftables)')
  .option('--dataplane <mode>', 'userspace (loopback mode, no privileges) or nftables (root: pods in network namespaces, kernel NAT in this machine\'s namespace)', 'userspace')
  .action(async (o: { dataDir: string; apiPort: number; apiHost: string; nodeName?: string; lbPool?: string; minSyncPeriod: number; maxPods?: number; podCidr?: string; dataplane: string } & NetworkFlags) => {
    if (o.maxPods !== undefined && (!Number.isInteger(o.maxPods) || o.maxPods < 1)) program.error('error: --max-pods must be a positive integer');
    if (o.dataplane === 'iptables') {
      program.error('error: --dataplane iptables: `up` runs userspace or nftables; iptables chains are shared by the whole host (no table of our own to remove at exit), so run it in its own namespaces: switchboard cluster create NAME --dataplane iptables');
    }
    if (o.dataplane !== 'userspace' && o.dataplane !== 'nftables') program.error(`error: --dataplane: ${unsupportedModeReason(o.dataplane) ?? `unknown data plane "${o.dataplane}"`}`);
    const kernel = o.dataplane === 'nftables';
    try {
      await runUp({
        dataDir: o.dataDir,
        port: o.apiPort,
        host: o.apiHost,
        storage: 'sqlite',
        banner: 'up',
        network: network(o, kernel ? kernelNetworkConfig() : undefined),
        nodeName: o.nodeName,
        lbPools: o.lbPool?.split(',').map((x) => x.trim()).filter(Boolean),
        minSyncPeriodMs: o.minSyncPeriod,
        maxPods: o.maxPods,
        podCIDR: o.podCidr,
        dataplane: kernel ? 'nftables' : 'userspace',
      });
    } catch (e) {
      program.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

program
  .command('status')
  .description('the cluster at a glance: component health, nodes, and each Service with its addresses and ready/total endpoints')
  .option('--kubeconfig <path>', 'kubeconfig (default $KUBECONFIG, then ./.switchboard/kubeconfig, then ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context')
  .action(async (o: { kubeconfig?: string; context?: string }) => {
    const local = '.switchboard/kubeconfig';
    const kubeconfig = o.kubeconfig ?? (!process.env['KUBECONFIG'] && existsSync(local) ? local : undefined);
    try {
      process.exitCode = await runStatus({ kubeconfig, context: o.context });
    } catch (e) {
      program.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

addNetworkFlags(program
  .command('apiserver'))
  .description('run the API server alone')
  .option('--data-dir <dir>', 'state, certificates and kubeconfig', '.switchboard')
  .option('--api-port <port>', 'API server port', port, 6443)
  .option('--api-host <addr>', 'address the API server listens on', '127.0.0.1')
  .option('--storage <kind>', 'memory | sqlite', 'sqlite')
  .action(async (o: { dataDir: string; apiPort: number; apiHost: string; storage: string } & NetworkFlags) => {
    if (o.storage !== 'memory' && o.storage !== 'sqlite') {
      program.error(`error: --storage must be "memory" or "sqlite", not "${o.storage}"`);
    }
    await runApiServer({ dataDir: o.dataDir, port: o.apiPort, host: o.apiHost, storage: o.storage as 'memory' | 'sqlite', banner: 'apiserver', network: network(o) });
  });

program
  .command('controller-manager')
  .description('run the endpoint controllers (EndpointSlice, Endpoints, mirroring) against an API server')
  .option('--kubeconfig <path>', 'kubeconfig (default $KUBECONFIG, then ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context')
  .option('--max-endpoints-per-slice <n>', 'endpoints per EndpointSlice (1-1000)', (v) => {
    try {
      return parseMaxEndpointsPerSlice(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  }, 100)
  .action(async (o: { kubeconfig?: string; context?: string; maxEndpointsPerSlice: number }) => {
    await runControllerManager({ kubeconfig: o.kubeconfig, context: o.context, maxEndpointsPerSlice: o.maxEndpointsPerSlice, handleSignals: true });
  });

program
  .command('agent')
  .description('run the node agent: register a node, run its pods as processes, probe them, report status')
  .requiredOption('--node-name <name>', 'the Node this agent runs')
  .option('--kubeconfig <path>', 'kubeconfig (default $KUBECONFIG, then ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context')
  .option('--zone <zone>', 'topology.kubernetes.io/zone label')
  .option('--region <region>', 'topology.kubernetes.io/region label')
  .option('--mode <mode>', 'loopback (pod IPs on 127.244.0.0/16, no root) | netns (a network namespace per pod, root)', 'loopback')
  .option('--data-dir <dir>', 'pod state and logs (default .switchboard/agents/NODE)')
  .option('--drain', 'on SIGINT/SIGTERM, terminate the pods gracefully and deregister the node')
  .option('--proxy-mode <mode>', 'the Service proxy started with the agent: userspace | nftables | iptables | none', 'userspace')
  .option('--node-ip <addr>', "the Node's InternalIP (kubelet --node-ip); in loopback mode a 127/8 address of its own keeps this node's NodePorts apart from other nodes' on the machine")
  .action(async (o: { nodeName: string; kubeconfig?: string; context?: string; zone?: string; region?: string; mode: string; dataDir?: string; drain?: boolean; proxyMode: string; nodeIp?: string }) => {
    if (o.mode !== 'loopback' && o.mode !== 'netns') program.error(`error: --mode must be "loopback" or "netns", not "${o.mode}"`);
    const why = o.proxyMode === 'none' ? undefined : unsupportedModeReason(o.proxyMode);
    if (why) program.error(`error: --proxy-mode: ${why}`);
    const agent = await runAgent({ kubeconfig: o.kubeconfig, context: o.context, nodeName: o.nodeName, zone: o.zone, region: o.region, mode: o.mode as 'loopback' | 'netns', dataDir: o.dataDir, drain: o.drain, agent: o.nodeIp ? { nodeIP: o.nodeIp } : undefined });
    if (o.proxyMode !== 'none') {
      // With --node-ip, NodePorts listen on that address only (kube-proxy's --nodeport-addresses default: the node's IPs).
      const proxy = await runProxy({ kubeconfig: o.kubeconfig, context: o.context, nodeName: o.nodeName, mode: o.proxyMode, nodePortAddresses: o.nodeIp ? [o.nodeIp] : undefined });
      void agent.done.then(() => proxy.stop());
    }
  });

program
  .command('dns')
  .description('run the cluster DNS server (the Kubernetes DNS specification, forwarding everything else)')
  .option('--kubeconfig <path>', 'kubeconfig (default $KUBECONFIG, then ~/.kube/config)')
  .option('--listen <addr:port>', 'where to serve (default: the kube-dns ClusterIP, port 53 when allowed)')
  .option('--zone <zone>', 'cluster domain', 'cluster.local')
  .option('--ttl <seconds>', 'answer TTL', (v) => Number(v), 5)
  .option('--upstream <addrs>', 'comma-separated upstream resolvers (default: /etc/resolv.conf)')
  .option('--pods <mode>', 'pod records: disabled | insecure | verified', 'disabled')
  .option('--workers <n>', 'worker processes sharing the socket', (v) => Number(v), 1)
  .action(async (o: { kubeconfig?: string; listen?: string; zone: string; ttl: number; upstream?: string; pods: string; workers: number }) => {
    if (!['disabled', 'insecure', 'verified'].includes(o.pods)) program.error(`error: --pods must be disabled, insecure or verified`);
    await runDns({
      kubeconfig: o.kubeconfig,
      listen: o.listen,
      zone: o.zone,
      ttl: o.ttl,
      upstream: o.upstream?.split(',').map((s) => s.trim()).filter(Boolean),
      pods: o.pods as 'disabled' | 'insecure' | 'verified',
      workers: o.workers,
      handleSignals: true,
    });
  });

program
  .command('proxy')
  .description('run the per-node Service proxy: userspace, or nftables / iptables DNAT in this network namespace (root)')
  .requiredOption('--node-name <name>', 'the Node this proxy serves')
  .option('--kubeconfig <path>', 'kubeconfig (default $KUBECONFIG, then ~/.kube/config)')
  .option('--mode <mode>', 'userspace | nftables | iptables (ipvs: not on this kernel)', 'userspace')
  .option('--min-sync-period <ms>', 'coalesce changes for at least this long', (v) => Number(v), 1000)
  .option('--balance <how>', 'random | round-robin', 'random')
  .action(async (o: { nodeName: string; kubeconfig?: string; mode: string; minSyncPeriod: number; balance: string }) => {
    if (o.balance !== 'random' && o.balance !== 'round-robin') program.error('error: --balance must be random or round-robin');
    await runProxy({ kubeconfig: o.kubeconfig, nodeName: o.nodeName, mode: o.mode, minSyncPeriodMs: o.minSyncPeriod, balance: o.balance as 'random' | 'round-robin', handleSignals: true });
  });

// `switchboard cluster create|list|delete`: multi-node clusters in network namespaces (src/cli/cluster.ts).
registerClusterCommand(program);

await program.parseAsync(process.argv);
