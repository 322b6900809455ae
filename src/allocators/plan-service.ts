/**
 * Allocation for one Service write (Kubernetes' service storage alloc.go:
 * allocClusterIPs, initNodePorts / updateNodePorts, allocHealthCheckNodePort):
 * fills unset clusterIPs, nodePorts and healthCheckNodePort, checks requested
 * ones, and returns which allocation keys the write must create and delete.
 *
 * Pure: the taken values come from `view` (derived from storage by the
 * caller); nothing is reserved until the caller commits the plan in the same
 * transaction as the Service. Mutates `svc` (fills the allocated values);
 * throws ApiError with Kubernetes' messages (422 for a requested value that
 * is taken or out of range, 500 "range is full" for an exhausted pool).
 *
 * Assumes the IP-family fields were initialised (initIPFamilyFields) and the
 * object validated, as the registry does before admission.
 */
import type { Service, ServicePort } from '../api/types.ts';
import { ApiError, fieldErr, internalError, invalid, path, type FieldError } from '../api/status.ts';
import { canonicalIP, type IPFamily } from '../api/validation/ip.ts';
import { isHeadless } from '../api/validation/service-ips.ts';
import { needsHealthCheck } from '../api/defaults/service.ts';
import { AlreadyAllocatedError, NotInRangeError, RangeFullError } from './errors.ts';
import { heldClusterIPs, heldNodePorts } from './holdings.ts';
import type { ServiceAllocators } from './network-config.ts';

/** Who holds a value now: the owning Service's uid, or undefined when free. */
export interface AllocationView {
  ipOwner(ip: string): string | undefined;
  portOwner(port: number): string | undefined;
}

export interface AllocationPlan {
  claimIPs: string[];
  releaseIPs: string[];
  claimPorts: number[];
  releasePorts: number[];
}

function rangeError(e: unknown): e is RangeFullError | AlreadyAllocatedError | NotInRangeError {
  return e instanceof RangeFullError || e instanceof AlreadyAllocatedError || e instanceof NotInRangeError;
}

export function planServiceAllocations(svc: Service, old: Service | undefined, al: ServiceAllocators, view: AllocationView, rand: () => number = Math.random): AllocationPlan {
  const uid = svc.metadata.uid ?? '';
  const name = svc.metadata.name ?? '';
  const spec = svc.spec;
  const fail = (errs: FieldError[]): ApiError => invalid('Service', '', name, errs);
  const othersHold = (owner: string | undefined) => owner !== undefined && owner !== uid;

  const oldIPs = new Set(old ? heldClusterIPs(old.spec) : []);
  const oldPorts = new Set(old ? heldNodePorts(old.spec) : []);
  const pickedIPs = new Set<string>();
  const pickedPorts = new Set<number>();
  const ipTaken = (ip: string) => pickedIPs.has(ip) || (!oldIPs.has(ip) && othersHold(view.ipOwner(ip)));
  const portTaken = (p: number) => pickedPorts.has(p) || (!oldPorts.has(p) && othersHold(view.portOwner(p)));

  // ---- cluster IPs (allocClusterIPs: one per ipFamilies entry, "" = pick one)
  if (spec.type !== 'ExternalName' && !isHeadless(spec)) {
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
      spec.ipFamilies = [al.primaryFamily];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    const fams = spec.ipFamilies as IPFamily[];
    const ips = Array.isArray(spec.clusterIPs) ? [...spec.clusterIPs] : [];
    while (ips.length < fams.length) ips.push(''); // markers, as upstream (they show in errors)
    fams.forEach((fam, i) => {
      const a = al.ip[fam];
      if (!a) throw fail([fieldErr.invalid(path('spec', 'ipFamilies').index(i), fam, 'not configured on this cluster')]);
      const want = ips[i]!;
      if (want === '') {
        try {
          ips[i] = a.allocateNext(ipTaken, rand);
        } catch (e) {
          if (e instanceof RangeFullError) throw internalError(`failed to allocate a serviceIP: ${e.message}`);
          throw e;
        }
      } else if (!oldIPs.has(canonicalIP(want) ?? want)) {
        try {
          a.allocate(want, ipTaken);
        } catch (e) {
          if (rangeError(e)) throw fail([fieldErr.invalid(path('spec', 'clusterIPs'), ips, `failed to allocate IP ${want}: ${e.message}`)]);
          throw e;
        }
      }
      pickedIPs.add(canonicalIP(ips[i]) ?? ips[i]!);
    });
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
  }

  // ---- node ports
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  const claimPort = (np: number, i: number) => {
    try {
      al.ports.allocate(np, portTaken);
    } catch (e) {
      if (rangeError(e)) throw fail([fieldErr.invalid(path('spec', 'ports').index(i).child('nodePort'), np, e.message)]);
      throw e;
    }
    pickedPorts.add(np);
  };
  const nextPort = (): number => {
    try {
      const n = al.ports.allocateNext(portTaken, rand);
      pickedPorts.add(n);
      return n;
    } catch (e) {
      if (e instanceof RangeFullError) throw internalError(`failed to allocate a nodePort: ${e.message}`);
      throw e;
    }
  };
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    // shouldAllocateNodePorts: LoadBalancers may opt out; explicit values are still honoured.
    const allocate = spec.type === 'NodePort' || spec.allocateLoadBalancerNodePorts !== false;
    if (!old) {
      // initNodePorts: ports with the same port number (53/TCP + 53/UDP) share one nodePort.
      const byPort = new Map<number, number>();
      ports.forEach((sp: ServicePort, i) => {
        if (!sp.nodePort && !allocate) return;
        const shared = byPort.get(sp.port);
        if (shared === undefined) {
          const requested = ports.find((q) => q.port === sp.port && q.nodePort)?.nodePort;
          if (requested) {
            claimPort(requested, i);
            sp.nodePort = requested;
          } else {
            sp.nodePort = nextPort();
          }
          byPort.set(sp.port, sp.nodePort);
        } else if (sp.nodePort !== shared) {
          if (!sp.nodePort) sp.nodePort = shared;
          else claimPort(sp.nodePort, i);
        }
      });
    } else {
      // updateNodePorts: keep the old ones, claim new requests, fill the rest.
      const oldNumbers = new Set((Array.isArray(old.spec.ports) ? old.spec.ports : []).map((p) => p.nodePort ?? 0).filter((n) => n > 0));
      const claimed = new Set<number>();
      ports.forEach((sp, i) => {
        if (!sp.nodePort && !allocate) return;
        if (sp.nodePort) {
          if (!oldNumbers.has(sp.nodePort) && !claimed.has(sp.nodePort)) {
            claimPort(sp.nodePort, i);
            claimed.add(sp.nodePort);
          }
        } else {
          sp.nodePort = nextPort();
        }
      });
    }
  }

  // ---- health check node port (allocHealthCheckNodePort / updateHealthCheckNodePort)
  if (needsHealthCheck(spec) && !(old && needsHealthCheck(old.spec))) {
    const hc = spec.healthCheckNodePort ?? 0;
    if (hc) {
      try {
        al.ports.allocate(hc, portTaken);
        pickedPorts.add(hc);
      } catch (e) {
        if (rangeError(e)) throw internalError(`failed to allocate requested HealthCheck NodePort ${hc}: ${e.message}`);
        throw e;
      }
    } else {
      try {
        spec.healthCheckNodePort = al.ports.allocateNext(portTaken, rand);
        pickedPorts.add(spec.healthCheckNodePort);
      } catch (e) {
        if (e instanceof RangeFullError) throw internalError(`failed to allocate a HealthCheck NodePort 0: ${e.message}`);
        throw e;
      }
    }
  }

  // ---- the key diff: claim what is held and unrecorded, release what is no longer held
  const newIPs = heldClusterIPs(spec);
  const newPorts = heldNodePorts(spec);
  return {
    claimIPs: newIPs.filter((ip) => view.ipOwner(ip) === undefined),
    releaseIPs: [...oldIPs].filter((ip) => !newIPs.includes(ip) && view.ipOwner(ip) === uid),
    claimPorts: newPorts.filter((p) => view.portOwner(p) === undefined),
    releasePorts: [...oldPorts].filter((p) => !newPorts.includes(p) && view.portOwner(p) === uid),
  };
}

/** What deleting a Service releases: every recorded value it owns. */
export function planServiceRelease(old: Service, view: AllocationView): AllocationPlan {
  const uid = old.metadata.uid ?? '';
  return {
    claimIPs: [],
    releaseIPs: heldClusterIPs(old.spec).filter((ip) => view.ipOwner(ip) === uid),
    claimPorts: [],
    releasePorts: heldNodePorts(old.spec).filter((p) => view.portOwner(p) === uid),
  };
}
