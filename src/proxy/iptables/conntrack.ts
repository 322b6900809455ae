/**
 * Which UDP conntrack entries to delete after a sync (kube-proxy
 * pkg/proxy/conntrack/cleanup.go CleanStaleEntries, with the stale-entry
 * detection of pkg/proxy/endpointsmap.go detectStaleConntrackEntries). Pure:
 * returns `conntrack` argument lists; the applier runs them.
 *
 * - A UDP endpoint that was serving and is gone (or no longer serving):
 *   entries DNATed to it from each service IP (clusterIP, externalIPs, LB
 *   IPs) and from the nodePort are deleted, so a client that keeps sending
 *   from the same port is balanced anew instead of blackholed.
 * - A UDP service port that goes from no serving endpoint to some, or that
 *   was deleted: every entry towards its IPs:port and nodePort is deleted
 *   (while it had no endpoints, packets may have created entries that never
 *   got DNATed).
 * TCP is never cleaned: a TCP client sees a reset and reconnects.
 */
import type { EndpointInfo, IPFamily, ProxyState, ServicePortInfo } from '../types.ts';
import { endpointString, ipFamilyOf } from '../types.ts';

const famArgs = (family: IPFamily) => (family === 'IPv6' ? ['-f', 'ipv6'] : []);

function serviceIPs(sp: ServicePortInfo, family: IPFamily): string[] {
  return [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) => ipFamilyOf(ip) === family);
}

function servingIn(eps: readonly EndpointInfo[] | undefined, family: IPFamily): EndpointInfo[] {
  return (eps ?? []).filter((e) => e.family === family && e.serving);
}

/** conntrack argument lists for the keys a sync looked at (changed, deleted; every key on a full sync). */
export function planConntrackCleanup(prev: ProxyState, next: ProxyState, keys: Iterable<string>, family: IPFamily): string[][] {
  const cmds = new Map<string, string[]>();
  const add = (args: string[]) => cmds.set(args.join(' '), args);
  const clearService = (sp: ServicePortInfo) => {
    // ClearEntriesForIPPort / ClearEntriesForPort
    for (const ip of serviceIPs(sp, family)) add(['-D', '--orig-dst', ip, '-p', 'udp', '--dport', String(sp.port), ...famArgs(family)]);
    if (sp.nodePort) add(['-D', '-p', 'udp', '--dport', String(sp.nodePort), ...famArgs(family)]);
  };
  for (const key of keys) {
    const before = prev.servicePorts.get(key);
    const now = next.servicePorts.get(key);
    const udp = (before ?? now)?.spn.protocol === 'UDP';
    if (!udp) continue;
    if (before && !now) {
      clearService(before);
      continue;
    }
    if (!now || now.spn.protocol !== 'UDP') continue;
    const oldServing = servingIn(prev.endpoints.get(key), family);
    const newServing = servingIn(next.endpoints.get(key), family);
    if (newServing.length > 0 && oldServing.length === 0) clearService(now);
    const still = new Set(newServing.map(endpointString));
    for (const ep of oldServing) {
      if (still.has(endpointString(ep))) continue;
      // ClearEntriesForPortNAT / ClearEntriesForNAT
      if (now.nodePort) add(['-D', '-p', 'udp', '--dport', String(now.nodePort), '--dst-nat', ep.ip, ...famArgs(family)]);
      for (const ip of serviceIPs(now, family)) add(['-D', '--orig-dst', ip, '--dst-nat', ep.ip, '-p', 'udp', ...famArgs(family)]);
    }
  }
  return [...cmds.values()];
}

/** conntrack exits 1 with this message when nothing matched; kube-proxy treats it as success. */
export function isNothingDeleted(err: unknown): boolean {
  return err instanceof Error && /0 flow entries have been deleted/.test(err.message);
}
