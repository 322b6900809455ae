/**
 * Which UDP conntrack entries to delete after a sync (kube-proxy
 * pkg/proxy/conntrack/cleanup.go CleanStaleEntries, with the stale endpoint
 * and newly-active service detection of endpointschangetracker.go
 * detectStaleConntrackEntries). UDP has no connection to close, so without
 * this a client keeps sending to a removed pod, or to a Service that was
 * REJECTing before it got its first endpoint, until its conntrack entry
 * times out. Pure: returns `conntrack` argument lists, sorted and unique.
 *
 * - an endpoint that was serving and no longer is (or is gone): entries
 *   DNATed to it from the ClusterIP, externalIPs, LoadBalancer IPs and the
 *   NodePort (`-D --orig-dst VIP --dst-nat EP`, `-D --dport NP --dst-nat EP`);
 * - a service port that went from no serving endpoint to some: every entry
 *   towards its ClusterIP, externalIPs, LoadBalancer IPs and NodePort;
 * - a deleted service port: every entry towards its ClusterIPs.
 */
import type { EndpointInfo, IPFamily, ProxyState, ServicePortInfo } from '../types.ts';
import { endpointString, ipFamilyOf } from '../types.ts';

const fam = (f: IPFamily): string[] => (f === 'IPv6' ? ['-f', 'ipv6'] : []);
const serving = (eps: readonly EndpointInfo[] | undefined, f: IPFamily) => (eps ?? []).filter((e) => e.serving && e.family === f);

function vips(sp: ServicePortInfo, f: IPFamily): string[] {
  return [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) => ipFamilyOf(ip) === f);
}

export function planConntrackCleanup(prev: ProxyState, next: ProxyState, keys: Iterable<string>, families: readonly IPFamily[]): string[][] {
  const cmds = new Map<string, string[]>();
  const add = (args: string[]) => cmds.set(args.join(' '), args);
  for (const key of new Set(keys)) {
    const before = prev.servicePorts.get(key);
    const after = next.servicePorts.get(key);
    const sp = after ?? before;
    if (!sp || sp.spn.protocol !== 'UDP') continue;
    for (const f of families) {
      if (!after) {
        for (const ip of before!.clusterIPs) if (ipFamilyOf(ip) === f) add(['-D', '--orig-dst', ip, '-p', 'udp', ...fam(f)]);
        continue;
      }
      const old = serving(prev.endpoints.get(key), f);
      const now = serving(next.endpoints.get(key), f);
      const still = new Set(now.map(endpointString));
      for (const ep of old) {
        if (still.has(endpointString(ep))) continue;
        for (const ip of vips(after, f)) add(['-D', '--orig-dst', ip, '--dst-nat', ep.ip, '-p', 'udp', ...fam(f)]);
        if (after.nodePort) add(['-D', '-p', 'udp', '--dport', String(after.nodePort), '--dst-nat', ep.ip, ...fam(f)]);
      }
      if (now.length > 0 && old.length === 0) {
        for (const ip of vips(after, f)) add(['-D', '--orig-dst', ip, '-p', 'udp', ...fam(f)]);
        if (after.nodePort) add(['-D', '-p', 'udp', '--dport', String(after.nodePort), ...fam(f)]);
      }
    }
  }
  return [...cmds.keys()].sort().map((k) => cmds.get(k)!);
}
