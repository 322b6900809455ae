/**
 * The LoadBalancer IP controller (MetalLB-style, for machines without a
 * cloud): gives type LoadBalancer Services an address from the configured
 * pools in status.loadBalancer.ingress (written through services/status),
 * and frees it when the Service is deleted or stops being a LoadBalancer.
 *
 * Level-triggered: handlers only enqueue `namespace/name`; reconcile reads
 * the cache, plans (plan.ts) and writes the status when it differs. The
 * allocation table lives in memory and is rebuilt from the Services'
 * status at start (before any reconcile), so a restart keeps every address
 * where it is. Services left <pending> because a pool is exhausted are
 * retried whenever an address is freed.
 */
import type { Service, LoadBalancerIngress } from '../../api/types.ts';
import { isNotFound } from '../../api/status.ts';
import { Informer, Resources, trimManagedFields, type RestClient } from '../../client/index.ts';
import { apiEventRecorder, NO_EVENTS, type EventRecorder } from '../shared/events.ts';
import { ReconcileLoop } from '../shared/loop.ts';
import { isOurs, ourIngress, planLoadBalancer } from './plan.ts';
import { parsePools, PoolAllocator } from './pools.ts';

export interface LoadBalancerControllerOptions {
  /** Address pools: CIDRs ("127.240.0.0/16") or ranges ("10.0.0.10-10.0.0.20"). */
  pools: string[];
  /** spec.loadBalancerClass this controller serves besides unclassed Services. */
  className?: string;
  /** Record Events (default true). */
  events?: boolean;
  log?: (line: string) => void;
}

export interface LoadBalancerController {
  /** Resolves when the allocation table is rebuilt and reconciles run. */
  readonly synced: Promise<void>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Addresses held per Service (for tests and the dashboard). */
  allocations(): Map<string, string[]>;
  stop(): void;
}

const keyOf = (s: Service) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`;

function sameIngress(svc: Service, ips: string[]): boolean {
  const cur = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? `h:${i.hostname ?? ''}`);
  return cur.length === ips.length && cur.every((ip, i) => ip === ips[i]);
}

export function startLoadBalancerController(client: RestClient, opts: LoadBalancerControllerOptions): LoadBalancerController {
  const alloc = new PoolAllocator(parsePools(opts.pools));
  const className = opts.className;
  const log = opts.log;
  const events: EventRecorder = opts.events === false ? NO_EVENTS : apiEventRecorder(client, 'loadbalancer-controller', { log });
  const services = new Informer<Service>(client, Resources.services, { transform: trimManagedFields, log });
  const pending = new Set<string>();

  const retryPending = () => {
    for (const k of pending) loop.enqueue(k);
  };

  const writeIngress = async (svc: Service, ingress: LoadBalancerIngress[] | null): Promise<void> => {
    try {
      await client.patch(Resources.services, svc.metadata.namespace, svc.metadata.name!, { status: { loadBalancer: { ingress } } }, 'merge', 'status');
    } catch (e) {
      if (isNotFound(e)) return; // deleted meanwhile: the delete event releases
      throw e;
    }
  };

  const reconcile = async (key: string): Promise<void> => {
    const svc = services.cache.get(key);
    const plan = planLoadBalancer(key, svc, alloc, className);
    switch (plan.kind) {
      case 'ignore':
        pending.delete(key);
        return;
      case 'release': {
        pending.delete(key);
        const freed = alloc.release(key);
        if (svc) {
          const mine = new Set(ourIngress(svc, alloc).concat(freed));
          const rest = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => !i.ip || !mine.has(i.ip));
          if (rest.length !== (svc.status?.loadBalancer?.ingress?.length ?? 0)) await writeIngress(svc, rest.length ? rest : null);
          if (freed.length) events.event(svc, 'Normal', 'IPReleased', `Released IP ${JSON.stringify(freed)}: the Service is no longer a LoadBalancer served by this controller`);
        }
        if (freed.length) retryPending();
        return;
      }
      case 'pending': {
        const s = svc!;
        const freed = alloc.release(key);
        pending.add(key);
        events.event(s, 'Warning', plan.reason, `Failed to allocate IP for "${key}": ${plan.message}`);
        if ((s.status?.loadBalancer?.ingress?.length ?? 0) > 0 && ourIngress(s, alloc).length + freed.length > 0) await writeIngress(s, null);
        if (freed.length) retryPending();
        return;
      }
      case 'assign': {
        const s = svc!;
        const ips = [...plan.ips];
        for (const ip of ips) alloc.assign(ip, key);
        for (const fam of plan.allocate) {
          const ip = alloc.allocateNext(fam, key);
          if (!ip) {
            // Exhausted: give back what this attempt took, keep what the Service had.
            for (const got of ips) if (!plan.ips.includes(got)) alloc.releaseIP(got, key);
            pending.add(key);
            events.event(s, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": no available IPs in pool(s) ${alloc.describe(fam)} for ${fam}`);
            if (ips.length === 0) {
              if ((s.status?.loadBalancer?.ingress?.length ?? 0) > 0) await writeIngress(s, null);
              return;
            }
            break;
          }
          ips.push(ip);
        }
        // Anything else this Service held (a changed request) goes back to the pool.
        let freedAny = false;
        for (const old of alloc.ipsOf(key)) {
          if (!ips.includes(old)) {
            alloc.releaseIP(old, key);
            freedAny = true;
          }
        }
        if (ips.length === plan.ips.length + plan.allocate.length) pending.delete(key);
        if (!sameIngress(s, ips)) {
          await writeIngress(
            s,
            ips.map((ip) => ({ ip, ipMode: 'VIP' as const })),
          );
          events.event(s, 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(ips)}`);
        }
        if (freedAny) retryPending();
        return;
      }
    }
  };

  const loop = new ReconcileLoop('loadbalancer', reconcile, { workers: 1, log });
  services.addHandler({
    onAdd: (s) => loop.enqueue(keyOf(s)),
    onUpdate: (o, s) => {
      if (JSON.stringify(o.spec) === JSON.stringify(s.spec) && JSON.stringify(o.status) === JSON.stringify(s.status) && JSON.stringify(o.metadata.annotations) === JSON.stringify(s.metadata.annotations)) return;
      loop.enqueue(keyOf(s));
    },
    onDelete: (s) => loop.enqueue(keyOf(s)),
  });
  services.start();
  let stopped = false;
  const synced = services.waitForSync().then(() => {
    if (stopped) return;
    // Rebuild the table from what Services already show, oldest first (an address shown twice stays with the older Service).
    const ours = services.cache
      .list()
      .filter((s) => isOurs(s, className))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));
    for (const s of ours) for (const ip of ourIngress(s, alloc)) alloc.assign(ip, keyOf(s));
    loop.start();
  });
  return {
    synced,
    idle: async () => {
      await synced;
      await loop.idle();
    },
    allocations: () => {
      const out = new Map<string, string[]>();
      for (const s of services.cache.list()) {
        const ips = alloc.ipsOf(keyOf(s));
        if (ips.length) out.set(keyOf(s), ips);
      }
      return out;
    },
    stop() {
      stopped = true;
      services.stop();
      loop.stop();
    },
  };
}
