/**
 * The Service registry's field logic that runs before validation (Kubernetes
 * pkg/registry/core/service: storage.go normalizeClusterIPs /
 * patchAllocatedValues, alloc.go initIPFamilyFields, strategy.go
 * dropTypeDependentFields). Pure functions over the Service being written and
 * the stored one; they mutate the new object only.
 */
import type { Service, ServiceSpec } from '../../api/types.ts';
import { fieldErr, path, type FieldError } from '../../api/status.ts';
import { familyOf, type IPFamily } from '../../api/validation/ip.ts';
import { validateServiceClusterIPsRelatedFields } from '../../api/validation/service.ts';
import { externallyAccessible } from '../../api/defaults/service.ts';

export interface IPFamilySetup {
  /** Families with a service CIDR, primary first. */
  families: readonly IPFamily[];
  primary: IPFamily;
}

function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}
function sameList(a: unknown, b: unknown): boolean {
  const x = list<unknown>(a);
  const y = list<unknown>(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
function other(f: IPFamily): IPFamily {
  return f === 'IPv4' ? 'IPv6' : 'IPv4';
}
function selectorEmpty(spec: ServiceSpec): boolean {
  return !spec.selector || typeof spec.selector !== 'object' || Object.keys(spec.selector).length === 0;
}
function needsClusterIP(s: ServiceSpec): boolean {
  return s.type !== 'ExternalName';
}
function needsNodePort(s: ServiceSpec): boolean {
  return s.type === 'NodePort' || s.type === 'LoadBalancer';
}
function needsHCNodePort(s: ServiceSpec): boolean {
  return s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
}

/**
 * normalizeClusterIPs: keep clusterIP and clusterIPs in step, so old clients
 * that only know the singular field keep working.
 */
export function normalizeClusterIPs(svc: Service, old: Service | undefined): void {
  const s = svc.spec;
  if (!old) {
    if (s.clusterIP && list(s.clusterIPs).length === 0) s.clusterIPs = [s.clusterIP];
    return;
  }
  const o = old.spec;
  // An old client patching another field dropped clusterIPs but kept clusterIP.
  if (list(o.clusterIPs).length > 0 && list(s.clusterIPs).length === 0 && (o.clusterIP ?? '') === (s.clusterIP ?? '')) {
    s.clusterIPs = [...list<string>(o.clusterIPs)];
  }
  if ((o.clusterIP ?? '') !== (s.clusterIP ?? '')) {
    // Clearing the singular with the plural untouched clears both.
    if (o.clusterIP && !s.clusterIP && sameList(o.clusterIPs, s.clusterIPs)) delete s.clusterIPs;
    // Changing the singular with the plural untouched: the plural follows.
    if (s.clusterIP && sameList(o.clusterIPs, s.clusterIPs)) s.clusterIPs = [s.clusterIP];
  }
}

/**
 * patchAllocatedValues: values the server allocated and the client left out
 * (clusterIP(s), nodePorts matched by port name, healthCheckNodePort) are
 * carried over, so re-applying the same manifest is a no-op.
 */
export function patchAllocatedValues(svc: Service, old: Service): void {
  const s = svc.spec;
  const o = old.spec;
  if (needsClusterIP(o) && needsClusterIP(s)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if (list(s.clusterIPs).length === 0 && list(o.clusterIPs).length > 0) s.clusterIPs = [...list<string>(o.clusterIPs)];
  }
  if (needsNodePort(o) && needsNodePort(s)) {
    const used = (spec: ServiceSpec) => new Set(list<{ nodePort?: number }>(spec.ports).map((p) => p?.nodePort ?? 0).filter((n) => n !== 0));
    const newUsed = used(s);
    const both = new Set([...used(o)].filter((n) => newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of list<{ name?: string; nodePort?: number }>(o.ports)) byName.set(p?.name ?? '', p?.nodePort ?? 0);
    for (const p of list<{ name?: string; nodePort?: number }>(s.ports)) {
      if (!p || typeof p !== 'object' || p.nodePort) continue;
      const prev = byName.get(p.name ?? '') ?? 0;
      if (prev && !both.has(prev)) p.nodePort = prev;
    }
  }
  if (needsHCNodePort(o) && needsHCNodePort(s) && !s.healthCheckNodePort && o.healthCheckNodePort) {
    s.healthCheckNodePort = o.healthCheckNodePort;
  }
}

/** isMatchingPreferDualStackClusterIPFields: an unchanged PreferDualStack Service is never up/downgraded. */
function unchangedPreferDualStack(s: ServiceSpec, o: ServiceSpec | undefined): boolean {
  if (!o || s.ipFamilyPolicy === undefined || s.ipFamilyPolicy === null) return false;
  if (o.type !== s.type || !needsClusterIP(s)) return false;
  if (s.ipFamilyPolicy !== 'PreferDualStack') return false;
  if (o.ipFamilyPolicy !== undefined && o.ipFamilyPolicy !== null && o.ipFamilyPolicy !== 'PreferDualStack') return false;
  return sameList(o.clusterIPs, s.clusterIPs) && sameList(o.ipFamilies, s.ipFamilies);
}

/**
 * initIPFamilyFields: defaults ipFamilyPolicy (SingleStack; headless without
 * selector: RequireDualStack; on update: the old policy) and ipFamilies (the
 * primary family, plus the other one for dual-stack policies on a dual-stack
 * cluster — and always for headless+selectorless), infers families from given
 * clusterIPs, trims the secondary on a downgrade to SingleStack, and rejects
 * families the cluster does not have. Returns upstream's field errors.
 */
export function initIPFamilyFields(svc: Service, old: Service | undefined, setup: IPFamilySetup): FieldError[] {
  const s = svc.spec;
  if (s.type === 'ExternalName') return [];
  if (unchangedPreferDualStack(s, old?.spec)) return [];
  const configured = (f: unknown) => setup.families.includes(f as IPFamily);
  const policyPath = path('spec', 'ipFamilyPolicy');

  if (s.ipFamilyPolicy === undefined || s.ipFamilyPolicy === null) {
    if (old?.spec.ipFamilyPolicy) s.ipFamilyPolicy = old.spec.ipFamilyPolicy;
    else if (s.clusterIP === 'None' && selectorEmpty(s)) s.ipFamilyPolicy = 'RequireDualStack';
    else s.ipFamilyPolicy = 'SingleStack';
  }

  // Loose pre-validation, so the rest need not consider malformed input.
  const pre = validateServiceClusterIPsRelatedFields(s);
  if (pre.length) return pre;

  let ips = list<string>(s.clusterIPs);
  let fams = list<IPFamily>(s.ipFamilies);
  const el: FieldError[] = [];
  if (old) {
    if (s.ipFamilyPolicy === 'SingleStack') {
      // Unchanged fields + SingleStack is a clear request to drop the secondary.
      if (sameList(old.spec.clusterIPs, ips) && ips.length > 1) ips = ips.slice(0, 1);
      if (sameList(old.spec.ipFamilies, fams) && fams.length > 1) fams = fams.slice(0, 1);
    } else {
      if (ips.length > 0 && ips.length < list(old.spec.clusterIPs).length) {
        el.push(fieldErr.invalid(policyPath, s.ipFamilyPolicy, "must be 'SingleStack' to release the secondary cluster IP"));
      }
      if (fams.length > 0 && fams.length < list(old.spec.ipFamilies).length) {
        el.push(fieldErr.invalid(policyPath, s.ipFamilyPolicy, "must be 'SingleStack' to release the secondary IP family"));
      }
    }
  }
  if (s.ipFamilyPolicy === 'SingleStack') {
    if (ips.length === 2) el.push(fieldErr.invalid(policyPath, s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (fams.length === 2) el.push(fieldErr.invalid(policyPath, s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  // Families follow the given IPs.
  for (let i = 0; i < ips.length; i++) {
    if (ips[i] === 'None') break;
    const fam = familyOf(ips[i]);
    if (i >= fams.length && fam) {
      if (!configured(fam)) el.push(fieldErr.invalid(path('spec', 'clusterIPs').index(i), ips, `${fam} is not configured on this cluster`));
      else fams = [...fams, fam];
    }
  }
  const commit = () => {
    if (ips.length || Array.isArray(s.clusterIPs)) s.clusterIPs = ips;
    s.ipFamilies = fams;
  };
  if (el.length) return el;

  // Headless without selector: may carry both families even on a single-stack cluster.
  if (s.clusterIP === 'None' && selectorEmpty(s)) {
    if (fams.length === 0) fams = [setup.primary];
    if (fams.length < 2 && s.ipFamilyPolicy !== 'SingleStack') fams = [...fams, other(fams[0]!)];
    commit();
    return [];
  }

  if (s.ipFamilyPolicy === 'RequireDualStack' && setup.families.length < 2) {
    el.push(fieldErr.invalid(policyPath, s.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  fams.forEach((f, i) => {
    if (!configured(f)) el.push(fieldErr.invalid(path('spec', 'ipFamilies').index(i), f, 'not configured on this cluster'));
  });
  if (el.length) return el;

  if (fams.length === 0) fams = [setup.primary];
  if (s.ipFamilyPolicy !== 'SingleStack' && fams.length === 1 && setup.families.length === 2) fams = [...fams, other(fams[0]!)];
  commit();
  return [];
}

/**
 * dropTypeDependentFields (update only): when the type no longer needs a
 * field the server may have filled in, and the user did not also change it,
 * wipe it — its allocation is then released by admission. Changing it at the
 * same time is left for validation to reject.
 */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const s = svc.spec;
  const o = old.spec;
  if (needsClusterIP(o) && !needsClusterIP(s)) {
    if (sameList(o.clusterIPs, s.clusterIPs)) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (sameList(o.ipFamilies, s.ipFamilies)) delete s.ipFamilies;
    if ((o.ipFamilyPolicy ?? null) === (s.ipFamilyPolicy ?? null)) delete s.ipFamilyPolicy;
  }
  if (needsNodePort(o) && !needsNodePort(s)) {
    // sameNodePorts: no net-new nodePort values.
    const oldSet = new Set(list<{ nodePort?: number }>(o.ports).map((p) => p?.nodePort ?? 0));
    const newPorts = list<{ nodePort?: number }>(s.ports);
    if (newPorts.every((p) => !p?.nodePort || oldSet.has(p.nodePort))) {
      for (const p of newPorts) if (p && typeof p === 'object') delete p.nodePort;
    }
  }
  if (needsHCNodePort(o) && !needsHCNodePort(s) && (o.healthCheckNodePort ?? 0) === (s.healthCheckNodePort ?? 0)) delete s.healthCheckNodePort;
  if (o.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (typeof o.allocateLoadBalancerNodePorts === 'boolean' && o.allocateLoadBalancerNodePorts === s.allocateLoadBalancerNodePorts) delete s.allocateLoadBalancerNodePorts;
    if ((o.loadBalancerClass ?? null) === (s.loadBalancerClass ?? null)) delete s.loadBalancerClass;
  }
  if (externallyAccessible(o) && !externallyAccessible(s) && (o.externalTrafficPolicy ?? '') === (s.externalTrafficPolicy ?? '')) {
    delete s.externalTrafficPolicy;
  }
  // The load balancer status goes with the type.
  if (s.type !== 'LoadBalancer' && svc.status && typeof svc.status === 'object') svc.status = { ...svc.status, loadBalancer: {} };
}
