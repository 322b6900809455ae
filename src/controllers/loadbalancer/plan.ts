/**
 * What a LoadBalancer Service should get (pure; reads the allocator, changes
 * it only through the returned plan being applied by the caller).
 *
 * Rules (MetalLB's controller, reduced to one L2-style announcer):
 * - Only type LoadBalancer Services whose spec.loadBalancerClass is unset or
 *   equal to our class are ours. Others are left alone (another controller
 *   may serve them); if we held addresses for them (type changed away from
 *   LoadBalancer) those are released and our ingress entries removed.
 * - Requested addresses: the annotation `metallb.io/loadBalancerIPs` (or
 *   the older `metallb.universe.tf/loadBalancerIPs`), comma-separated, else
 *   the deprecated spec.loadBalancerIP. A requested address must be in a
 *   pool and free (or already this Service's); otherwise the Service stays
 *   <pending> with an Event saying why.
 * - Otherwise one address per IP family the Service has (all families unless
 *   SingleStack) from the pools of that family; an address the Service
 *   already holds is kept.
 * - allocateLoadBalancerNodePorts=false needs nothing special here: the
 *   address is served by the proxy on the Service port itself; node ports
 *   only matter to external load balancers that target nodes.
 */
import type { Service } from '../../api/types.ts';
import { familyOf, type IPFamily } from '../../api/validation/ip.ts';
import { canonical, type PoolAllocator } from './pools.ts';

export const ANNOTATION_LB_IPS = 'metallb.io/loadBalancerIPs';
export const ANNOTATION_LB_IPS_OLD = 'metallb.universe.tf/loadBalancerIPs';

export type LBPlan =
  | { kind: 'ignore' }
  /** Not ours (any more): free what we hold, strip our addresses from status. */
  | { kind: 'release' }
  /** Hold exactly `ips`, plus one new address for each family in `allocate`. */
  | { kind: 'assign'; ips: string[]; allocate: IPFamily[] }
  | { kind: 'pending'; reason: string; message: string };

export function isOurs(svc: Service, className: string | undefined): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return false;
  const cls = svc.spec.loadBalancerClass;
  return cls === undefined || cls === null || cls === '' || (className !== undefined && cls === className);
}

export function requestedIPs(svc: Service): string[] {
  const ann = svc.metadata.annotations?.[ANNOTATION_LB_IPS] ?? svc.metadata.annotations?.[ANNOTATION_LB_IPS_OLD];
  if (ann !== undefined) return ann.split(',').map((s) => s.trim()).filter(Boolean);
  const single = svc.spec?.loadBalancerIP;
  return single ? [single.trim()] : [];
}

function wantedFamilies(svc: Service): IPFamily[] {
  const fams = svc.spec.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4' as IPFamily];
  return svc.spec.ipFamilyPolicy === 'SingleStack' || !svc.spec.ipFamilyPolicy ? [fams[0]!] : [...fams];
}

export function planLoadBalancer(key: string, svc: Service | undefined, alloc: PoolAllocator, className: string | undefined): LBPlan {
  if (!svc) return { kind: 'release' };
  if (!isOurs(svc, className)) return alloc.ipsOf(key).length > 0 || ourIngress(svc, alloc).length > 0 ? { kind: 'release' } : { kind: 'ignore' };
  const requested = requestedIPs(svc);
  if (requested.length > 0) {
    const ips: string[] = [];
    for (const r of requested) {
      const ip = canonical(r);
      if (!ip) return { kind: 'pending', reason: 'AllocationFailed', message: `requested IP "${r}" is not a valid IP address` };
      if (!alloc.poolOf(ip)) {
        return { kind: 'pending', reason: 'AllocationFailed', message: `requested IP ${ip} is not in any pool (pools: ${alloc.describe() || 'none'})` };
      }
      const owner = alloc.ownerOf(ip);
      if (owner !== undefined && owner !== key) {
        return { kind: 'pending', reason: 'AllocationFailed', message: `requested IP ${ip} is already in use by Service ${owner}` };
      }
      ips.push(ip);
    }
    return { kind: 'assign', ips, allocate: [] };
  }
  const held = alloc.ipsOf(key);
  const fromStatus = ourIngress(svc, alloc);
  const ips: string[] = [];
  const missing: IPFamily[] = [];
  for (const fam of wantedFamilies(svc)) {
    const keep = held.find((ip) => familyOf(ip) === fam) ?? fromStatus.find((ip) => familyOf(ip) === fam && (alloc.ownerOf(ip) ?? key) === key);
    if (keep) ips.push(keep);
    else if (alloc.pools.some((p) => p.family === fam)) missing.push(fam);
  }
  if (ips.length === 0 && missing.length === 0) {
    return { kind: 'pending', reason: 'AllocationFailed', message: `no pool serves the Service's IP families (${wantedFamilies(svc).join(', ')}); pools: ${alloc.describe() || 'none'}` };
  }
  return { kind: 'assign', ips, allocate: missing };
}

/** status.loadBalancer.ingress IPs that fall in our pools. */
export function ourIngress(svc: Service, alloc: PoolAllocator): string[] {
  return (svc.status?.loadBalancer?.ingress ?? [])
    .map((i) => (i.ip ? canonical(i.ip) : undefined))
    .filter((ip): ip is string => ip !== undefined && alloc.poolOf(ip) !== undefined);
}
