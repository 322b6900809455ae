/**
 * `switchboard cluster create NAME | list | delete NAME`: a multi-node
 * cluster on this machine in network namespaces (root). See
 * src/cluster/README.md. The `_control-plane` and `_node` subcommands are the
 * cluster's own processes, started by `create`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ClusterError, createCluster, deleteCluster, listClusters, runClusterControlPlane, runClusterNode, SERVICE_CIDR, CLUSTER_CIDR, SERVICE_CIDR6, CLUSTER_CIDR6, LB_POOL } from '../cluster/index.ts';

function fail(e: unknown): never {
  process.stderr.write(`switchboard cluster: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ClusterError ? 1 : 2);
}

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('multi-node clusters on this machine, one network namespace per node (root)');

  cluster
    .command('create <name>')
    .description('create and start a cluster: underlay bridge, node namespaces sb-NAME-node1…N, client namespace sb-NAME-client')
    .option('--nodes <n>', 'number of nodes (1-99)', intArg, 1)
    .option('--zones <a,b,c>', 'topology.kubernetes.io/zone of the nodes, assigned round-robin')
    .option('--dataplane <mode>', 'Service data plane: nftables | iptables | userspace (ipvs: not on this kernel)', 'nftables')
    .option('--ip-family <family>', 'ipv4 | ipv6 | dual', 'ipv4')
    .option('--data-dir <dir>', 'state, logs and kubeconfig (default ./.switchboard/clusters/NAME)')
    .option('--timeout <seconds>', 'how long to wait for every component', intArg, 180)
    .action(async (name: string, o: { nodes: number; zones?: string; dataplane: string; ipFamily: string; dataDir?: string; timeout: number }) => {
      try {
        const zones = (o.zones ?? '').split(',').map((z) => z.trim()).filter(Boolean);
        // Ctrl-C while creating: stop, and remove what was made so far.
        const interrupt = new AbortController();
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => interrupt.abort());
        const { plan, state, seconds } = await createCluster({
          name,
          nodes: o.nodes,
          zones,
          dataplane: o.dataplane,
          ipFamily: o.ipFamily,
          dataDir: o.dataDir,
          timeoutMs: o.timeout * 1000,
          signal: interrupt.signal,
          log: (l) => process.stderr.write(`switchboard cluster: ${l}\n`),
        });
        const out = [
          `switchboard cluster: ${name} ready in ${seconds.toFixed(1)} s — ${plan.nodes.length} node${plan.nodes.length === 1 ? '' : 's'}, data plane ${plan.spec.dataplane}`,
          `  API server:  ${state.apiServer}   (underlay ${plan.bridge} ${plan.subnet})`,
          `  DNS:         kube-dns 10.96.0.10 → ${plan.gateway}:53`,
          `  services:    ${SERVICE_CIDR}${plan.gateway6 ? `,${SERVICE_CIDR6}` : ''}   pods: ${CLUSTER_CIDR}${plan.gateway6 ? `,${CLUSTER_CIDR6}` : ''}   LoadBalancer IPs: ${LB_POOL} (routed via ${plan.nodes[0]!.nodeName})`,
          ...plan.nodes.map((n) => `  node:        ${n.nodeName}  netns ${n.netns}  ${n.ip}${n.ip6 ? ` ${n.ip6}` : ''}  pods ${n.podCIDR}${n.podCIDR6 ? ` ${n.podCIDR6}` : ''}${n.zone ? `  zone ${n.zone}` : ''}`),
          `  client:      netns ${plan.client.netns}  ${plan.client.ip}${plan.client.ip6 ? ` ${plan.client.ip6}` : ''}  (e.g. ip netns exec ${plan.client.netns} curl http://CLUSTER-IP/)`,
          `  kubeconfig:  ${state.kubeconfig}`,
          `  export KUBECONFIG=${state.kubeconfig}`,
          `  delete with: switchboard cluster delete ${name}`,
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      } catch (e) {
        fail(e);
      }
    });

  cluster
    .command('list')
    .description('clusters on this machine and their state')
    .action(() => {
      const cs = listClusters();
      if (!cs.length) {
        process.stdout.write('no clusters\n');
        return;
      }
      process.stdout.write(table([['NAME', 'NODES', 'DATAPLANE', 'API SERVER', 'STATUS', 'KUBECONFIG'], ...cs.map((c) => [c.name, String(c.nodes), c.dataplane, c.apiServer, c.status, c.kubeconfig])]));
    });

  cluster
    .command('delete <name>')
    .description('stop the recorded processes and remove every namespace, interface, route, nft table and file the cluster made')
    .option('--data-dir <dir>', 'where the cluster lives when it is not registered on this host (default ./.switchboard/clusters/NAME)')
    .option('--keep-data', 'keep the data dir (state, logs)')
    .action(async (name: string, o: { dataDir?: string; keepData?: boolean }) => {
      try {
        const r = await deleteCluster(name, { dataDir: o.dataDir, keepData: o.keepData, log: (l) => process.stderr.write(`switchboard cluster: ${l}\n`) });
        process.stdout.write(
          `switchboard cluster: deleted ${name}: stopped ${r.stopped.length} process${r.stopped.length === 1 ? '' : 'es'}` +
            `${r.podProcesses ? ` and ${r.podProcesses} pod process${r.podProcesses === 1 ? '' : 'es'}` : ''}, removed ${r.netns.length} namespaces and ${r.links.length} interfaces` +
            `${o.keepData ? `; data kept in ${r.dataDir}` : ''}\n`,
        );
      } catch (e) {
        fail(e);
      }
    });

  cluster
    .command('_control-plane <dataDir>', { hidden: true })
    .action(async (dataDir: string) => {
      await runClusterControlPlane(dataDir).catch(fail);
    });

  cluster
    .command('_node <dataDir> <k>', { hidden: true })
    .action(async (dataDir: string, k: string) => {
      await runClusterNode(dataDir, Number(k)).catch(fail);
    });
}
