/**
 * Service admission: the externalIPs policy and ClusterIP / NodePort /
 * healthCheckNodePort allocation, as AdmissionHooks whose storage ops commit
 * in the same transaction as the Service (see src/allocators/records.ts).
 *
 * Taken values are read from the watch cache at the time of the write; a
 * concurrent write that claimed the same value first makes this write's
 * `create` op fail, so the whole transaction fails (409 Conflict from the
 * registry) and nothing is ever held twice. Releases are `delete` ops with
 * the record's modRevision as precondition.
 *
 * Order (Switchboard's registry): strategy prepare (defaulting, clusterIP
 * normalisation, IP-family defaulting) → validation → these hooks.
 */
import type { ResourceInfo } from '../../api/resources.ts';
import type { KubeObject, Service } from '../../api/types.ts';
import { invalid } from '../../api/status.ts';
import { validateExternalIPPolicy } from '../../api/validation/service.ts';
import { orderServiceFields } from '../../api/defaults/service.ts';
import type { TxnOp } from '../../storage/index.ts';
import {
  allocatorsFor,
  encodeRecord,
  ipKey,
  ownerOf,
  planServiceAllocations,
  planServiceRelease,
  portKey,
  type AllocationCache,
  type AllocationPlan,
  type AllocationView,
  type ClusterNetworkConfig,
} from '../../allocators/index.ts';
import type { AdmissionHooks } from '../strategy.ts';
import { configureNetwork } from './network-state.ts';

export type { ClusterNetworkConfig } from '../../allocators/index.ts';
export { loopbackNetworkConfig, kernelNetworkConfig, networkConfigErrors } from '../../allocators/index.ts';
export { configureNetwork, currentNetwork } from './network-state.ts';

export interface ServiceAdmissionOptions {
  /** Randomness for dynamic allocation (tests pass a seeded one). */
  rand?: () => number;
}

function isService(r: ResourceInfo): boolean {
  return r.group === '' && r.resource === 'services';
}

/** Who owns each value, from the allocation records in the watch cache. */
export function cacheView(cache: AllocationCache): AllocationView {
  const owner = (key: string): string | undefined => {
    const c = cache.get(key);
    if (!c) return undefined;
    return ownerOf(c.obj)?.uid ?? ''; // a malformed record still blocks its value
  };
  return { ipOwner: (ip) => owner(ipKey(ip)), portOwner: (p) => owner(portKey(p)) };
}

function planOps(plan: AllocationPlan, svc: Service, cache: AllocationCache): TxnOp[] {
  const owner = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '' };
  const release = (key: string): TxnOp[] => {
    const c = cache.get(key);
    return c ? [{ type: 'delete', key, expectedModRevision: c.rv }] : [];
  };
  return [
    ...plan.claimIPs.map((ip): TxnOp => ({ type: 'create', key: ipKey(ip), value: encodeRecord('ip', ip, owner) })),
    ...plan.claimPorts.map((p): TxnOp => ({ type: 'create', key: portKey(p), value: encodeRecord('port', p, owner) })),
    ...plan.releaseIPs.flatMap((ip) => release(ipKey(ip))),
    ...plan.releasePorts.flatMap((p) => release(portKey(p))),
  ];
}

/**
 * The admission hooks for Services. Also installs `config` for the Service and
 * Endpoints strategies (configureNetwork). Throws Error on an invalid config.
 */
export function serviceAdmission(config: ClusterNetworkConfig, cache: AllocationCache, opts: ServiceAdmissionOptions = {}): AdmissionHooks {
  configureNetwork(config);
  const al = allocatorsFor(config);
  const view = cacheView(cache);
  const rand = opts.rand ?? Math.random;
  const policy = (svc: Service, old: Service | undefined) => {
    const errs = validateExternalIPPolicy(svc, old, config.externalIPCIDRs);
    if (errs.length) throw invalid('Service', '', svc.metadata.name ?? '', errs);
  };
  return {
    handles: isService,
    onCreate(r: ResourceInfo, obj: KubeObject): TxnOp[] {
      if (!isService(r)) return [];
      const svc = obj as Service;
      policy(svc, undefined);
      const plan = planServiceAllocations(svc, undefined, al, view, rand);
      orderServiceFields(svc);
      return planOps(plan, svc, cache);
    },
    onUpdate(r: ResourceInfo, obj: KubeObject, old: KubeObject): TxnOp[] {
      if (!isService(r)) return [];
      const svc = obj as Service;
      policy(svc, old as Service);
      const plan = planServiceAllocations(svc, old as Service, al, view, rand);
      orderServiceFields(svc);
      return planOps(plan, svc, cache);
    },
    onDelete(r: ResourceInfo, old: KubeObject): TxnOp[] {
      if (!isService(r)) return [];
      return planOps(planServiceRelease(old as Service, view), old as Service, cache);
    },
  };
}

/** Runs several hook sets in order, concatenating their ops (for when more admission arrives). */
export function combineAdmissionHooks(...all: AdmissionHooks[]): AdmissionHooks {
  return {
    handles: (r) => all.some((h) => h.handles?.(r) ?? true),
    async onCreate(r, obj) {
      const ops: TxnOp[] = [];
      for (const h of all) ops.push(...((await h.onCreate?.(r, obj)) ?? []));
      return ops;
    },
    async onUpdate(r, obj, old) {
      const ops: TxnOp[] = [];
      for (const h of all) ops.push(...((await h.onUpdate?.(r, obj, old)) ?? []));
      return ops;
    },
    async onDelete(r, old) {
      const ops: TxnOp[] = [];
      for (const h of all) ops.push(...((await h.onDelete?.(r, old)) ?? []));
      return ops;
    },
  };
}
