/**
 * `switchboard proxy --kubeconfig … --node-name N --mode userspace`: the
 * per-node Service proxy as a plain API client. Also started by `up` and
 * `agent` in-process. Flags mirror kube-proxy's (--min-sync-period,
 * --nodeport-addresses, --metrics-bind-address, --healthz-bind-address).
 */
import { RestClient, loadClientConfig } from '../client/index.ts';
import { serveProxyHttp, startProxy, type BalanceMode, type ProxyHttpServer, type ProxyMode, type RunningProxy } from '../proxy/index.ts';

export interface RunProxyOptions {
  /** Kubeconfig path (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  /** --hostname-override: the Node this proxy serves. */
  nodeName: string;
  /** Only userspace is built; nftables and iptables come in a later issue; ipvs cannot run on this kernel. */
  mode: ProxyMode | string;
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

/** The reason a mode cannot run here, or undefined when it can. */
export function unsupportedModeReason(mode: string): string | undefined {
  switch (mode) {
    case 'userspace':
      return undefined;
    case 'nftables':
    case 'iptables':
      return `proxy mode "${mode}" is not built yet (kernel modes come in a later release); use --mode userspace`;
    case 'ipvs':
      return 'proxy mode "ipvs" is not available: this kernel is built without IPVS (CONFIG_IP_VS is not set, `ipvsadm -Ln` says "Protocol not available"), and kube-proxy itself deprecates IPVS in favour of nftables; use --mode userspace';
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
  const proxy = startProxy(client, {
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
  try {
    const metricsListen = opts.metricsListen ?? '127.0.0.1:10249';
    const healthzListen = opts.healthzListen ?? '127.0.0.1:10256';
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
  } catch (e) {
    await stop();
    throw new Error(`proxy: cannot serve metrics/health: ${e instanceof Error ? e.message : String(e)}`);
  }
  await proxy.synced;
  if (opts.banner !== false) {
    process.stdout.write(
      `switchboard proxy: ready — node ${opts.nodeName}, mode userspace, against ${cfg.server}` +
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
