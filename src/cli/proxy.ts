/**
 * `switchboard proxy --kubeconfig … --node-name N --mode userspace`: the
 * per-node Service proxy as a plain API client. Also started by `up` and
 * `agent` in-process. Flags mirror kube-proxy's (--min-sync-period,
 * --nodeport-addresses, --metrics-bind-address, --healthz-bind-address).
 */
import { existsSync } from 'node:fs';
import { RestClient, loadClientConfig } from '../client/index.ts';
import { serveProxyHttp, startProxy, type BalanceMode, type IPFamily, type ProxyHttpServer, type ProxyMode, type ProxyOptions, type RunningProxy } from '../proxy/index.ts';
import type { KernelDataPlaneFactory } from '../proxy/kernel.ts';

export interface RunProxyOptions {
  /** Kubeconfig path (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  /** --hostname-override: the Node this proxy serves. */
  nodeName: string;
  /** userspace, or the kernel modes nftables and iptables (root; the current network namespace); ipvs cannot run on this kernel. */
  mode: ProxyMode | string;
  /** --cluster-cidr: the pod ranges of the whole cluster (kernel modes masquerade ClusterIP traffic from outside them). Default 10.244.0.0/16. */
  clusterCIDRs?: string[];
  /** Families the kernel modes program (default IPv4). */
  ipFamilies?: IPFamily[];
  /** Kernel modes: the nftables table (default `switchboard`) or iptables chain prefix (default `KUBE`). */
  kernelName?: string;
  /** --min-sync-period in ms (default 1000). */
  minSyncPeriodMs?: number;
  /** --sync-period in ms (default 30000). */
  syncPeriodMs?: number;
  /** Userspace load balancing: random (default) or round-robin. */
  balance?: BalanceMode;
  /** --nodeport-addresses (default 127.0.0.1 and the Node's own addresses). */
  nodePortAddresses?: string[];
  /** --metrics-bind-address host:port (default 127.0.0.1:10249; "" disables). */
  metricsListen?: string;
  /** --healthz-bind-address host:port (default 127.0.0.1:10256; "" disables). */
  healthzListen?: string;
  /** Print the "ready" line on stdout (default true). */
  banner?: boolean;
  /** Install SIGINT/SIGTERM handlers that stop and exit (default false). */
  handleSignals?: boolean;
  log?: (line: string) => void;
}

export interface ProxyProcess {
  proxy: RunningProxy;
  /** Bound addresses of the HTTP endpoints (when enabled). */
  metricsAddress?: string;
  healthzAddress?: string;
  stop(): Promise<void>;
}

/** The kernel data planes: src/proxy/<mode>/index.ts exports `<mode>DataPlane`, a KernelDataPlaneFactory. */
const KERNEL_MODULES: Record<string, { url: URL; exportName: string }> = {
  nftables: { url: new URL('../proxy/nftables/index.ts', import.meta.url), exportName: 'nftablesDataPlane' },
  iptables: { url: new URL('../proxy/iptables/index.ts', import.meta.url), exportName: 'iptablesDataPlane' },
};

async function loadKernelDataPlane(mode: string): Promise<KernelDataPlaneFactory> {
  const m = KERNEL_MODULES[mode]!;
  const mod = (await import(m.url.href)) as Record<string, unknown>;
  const f = mod[m.exportName];
  if (typeof f !== 'function') throw new Error(`proxy mode "${mode}": ${m.url.pathname} does not export ${m.exportName}`);
  return f as KernelDataPlaneFactory;
}

/** Is the kernel data plane for this mode part of this copy (src/proxy/<mode>/index.ts)? */
export function kernelModeBuilt(mode: string): boolean {
  const m = KERNEL_MODULES[mode];
  return !!m && existsSync(m.url);
}

/** The reason a mode cannot run here, or undefined when it can. */
export function unsupportedModeReason(mode: string): string | undefined {
  switch (mode) {
    case 'userspace':
      return undefined;
    case 'nftables':
    case 'iptables':
      if (!kernelModeBuilt(mode)) return `proxy mode "${mode}" is not built yet in this copy (src/proxy/${mode}/index.ts is missing); use --mode userspace`;
      if (process.getuid?.() !== 0) return `proxy mode "${mode}" programs the kernel and needs root (CAP_NET_ADMIN in the network namespace); use --mode userspace`;
      return undefined;
    case 'ipvs':
      // kube-proxy's IPVS mode (pkg/proxy/ipvs) needs the kernel's ip_vs; upstream deprecated it in v1.35 (KEP-5495) and points its users to nftables (KEP-3866, GA in v1.33).
      return (
        'proxy mode "ipvs" is not available: this kernel is built without IPVS (CONFIG_IP_VS is not set, `ipvsadm -Ln` says "Protocol not available"). ' +
        'Use nftables: its verdict map (ClusterIP . protocol . port → service chain) finds a Service in one hash lookup, the same O(1) that IPVS gives, ' +
        'and kube-proxy itself deprecates IPVS in favour of nftables'
      );
    case 'kernelspace':
      return 'proxy mode "kernelspace" is the Windows HNS data plane and does not exist on Linux; use --mode userspace';
    default:
      return `unknown proxy mode "${mode}": valid modes are userspace, nftables, iptables`;
  }
}

export async function runProxy(opts: RunProxyOptions): Promise<ProxyProcess> {
  const why = unsupportedModeReason(opts.mode);
  if (why) throw new Error(why);
  if (!opts.nodeName) throw new Error('--node-name is required');
  const cfg = loadClientConfig(opts.kubeconfig, opts.context);
  const client = new RestClient(cfg);
  client.userAgent = `switchboard-proxy/0.1 (${opts.nodeName})`;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let dataPlane: ProxyOptions['dataPlane'];
  if (opts.mode === 'nftables' || opts.mode === 'iptables') {
    const factory = await loadKernelDataPlane(opts.mode);
    const clusterCIDRs = opts.clusterCIDRs ?? ['10.244.0.0/16'];
    const ipFamilies = opts.ipFamilies ?? ['IPv4'];
    dataPlane = (ctx) => factory({ addressing: ctx.addressing, events: ctx.events, ipFamilies, clusterCIDRs, log, ...(opts.kernelName ? { name: opts.kernelName } : {}) });
  }
  const proxy = startProxy(client, {
    dataPlane,
    nodeName: opts.nodeName,
    minSyncPeriodMs: opts.minSyncPeriodMs,
    syncPeriodMs: opts.syncPeriodMs,
    balance: opts.balance,
    nodePortAddresses: opts.nodePortAddresses,
    log,
  });
  const servers: ProxyHttpServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.close()));
    await proxy.stop();
    client.close();
  };
  let metricsAddress: string | undefined;
  let healthzAddress: string | undefined;
  const serveHttp = async (metricsListen: string, healthzListen: string) => {
    if (metricsListen) {
      const s = await serveProxyHttp(proxy, metricsListen);
      servers.push(s);
      metricsAddress = s.address;
    }
    if (healthzListen && healthzListen !== metricsListen) {
      const s = await serveProxyHttp(proxy, healthzListen);
      servers.push(s);
      healthzAddress = s.address;
    } else if (healthzListen) {
      healthzAddress = metricsAddress;
    }
  };
  try {
    try {
      await serveHttp(opts.metricsListen ?? '127.0.0.1:10249', opts.healthzListen ?? '127.0.0.1:10256');
    } catch (e) {
      // Several nodes' proxies on one machine (`up` and `agent --zone …` processes in loopback mode)
      // cannot all have kube-proxy's default ports: when those are taken, metrics go to a free port.
      const defaults = opts.metricsListen === undefined && opts.healthzListen === undefined;
      if (!defaults || !/EADDRINUSE/.test(e instanceof Error ? e.message : String(e))) throw e;
      await Promise.all(servers.splice(0).map((s) => s.close()));
      metricsAddress = healthzAddress = undefined;
      await serveHttp('127.0.0.1:0', '');
      log(`switchboard proxy: node ${opts.nodeName}: 127.0.0.1:10249/10256 are in use (another proxy on this machine); metrics on http://${metricsAddress}/metrics`);
    }
  } catch (e) {
    await stop();
    throw new Error(`proxy: cannot serve metrics/health: ${e instanceof Error ? e.message : String(e)}`);
  }
  await proxy.synced;
  if (opts.banner !== false) {
    process.stdout.write(
      `switchboard proxy: ready — node ${opts.nodeName}, mode ${opts.mode}, against ${cfg.server}` +
        `${metricsAddress ? `, metrics http://${metricsAddress}/metrics` : ''}${healthzAddress ? `, health http://${healthzAddress}/healthz` : ''}\n`,
    );
  }
  if (opts.handleSignals) {
    const shutdown = (sig: string) => {
      process.stderr.write(`switchboard proxy: ${sig}: shutting down\n`);
      void stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  }
  return { proxy, metricsAddress, healthzAddress, stop };
}
