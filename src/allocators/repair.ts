/**
 * Start-up repair (Kubernetes' ipallocator/portallocator repair controllers):
 * makes the allocation keys equal the values the stored Services hold.
 * Normally there is nothing to do — allocation keys commit in the same
 * transaction as their Service — so this catches hand edits, data written by
 * older versions and anything else that bypassed admission.
 *
 * - a key whose Service is gone or no longer holds the value: deleted (leak);
 * - a held value without a key: key created (missing);
 * - a key naming the wrong owner while its value is held by another Service:
 *   re-pointed;
 * - a value held by several Services: reported, left alone (a human must
 *   recreate one of them, as upstream says);
 * - a held value outside the configured range (the range changed): key kept
 *   so the value stays unique, and reported.
 *
 * Every fix is its own transaction with a precondition, so a concurrent API
 * write can only make a fix fail (reported), never corrupt anything. Resolves
 * once the cache reflects the fixes.
 */
import type { Store, TxnOp } from '../storage/index.ts';
import type { Service } from '../api/types.ts';
import { findResource, storagePrefix } from '../api/resources.ts';
import { allocatorsFor, type ClusterNetworkConfig } from './network-config.ts';
import { heldClusterIPs, heldNodePorts } from './holdings.ts';
import { NODE_PORTS_PREFIX, SERVICE_IPS_PREFIX, encodeRecord, ipKey, ownerOf, portKey, type ServiceRef } from './records.ts';
import { familyOf } from '../api/validation/ip.ts';

/** The watch-cache surface repair and admission read (the apiserver's Cacher satisfies it). */
export interface AllocationCache {
  list(prefix: string): readonly { readonly key: string; readonly rv: number; readonly obj: unknown }[];
  get(key: string): { readonly key: string; readonly rv: number; readonly obj: unknown } | undefined;
  waitFor(rev: number): Promise<void>;
}

export interface RepairFix {
  kind: 'ip' | 'port';
  value: string;
  /** namespace/name of the Service concerned. */
  service: string;
}

export interface RepairReport {
  /** Keys created for held values that had none. */
  created: RepairFix[];
  /** Keys deleted because no Service holds their value (service: the stale owner). */
  released: RepairFix[];
  /** Keys re-pointed to the Service that actually holds the value. */
  reassigned: RepairFix[];
  /** Values held by more than one Service: "ip 10.96.0.5: default/a, default/b". */
  conflicts: string[];
  /** Held values outside the configured ranges. */
  outOfRange: RepairFix[];
  /** Fixes that failed (e.g. a concurrent write); safe to rerun. */
  errors: string[];
}

export function repairFixCount(r: RepairReport): number {
  return r.created.length + r.released.length + r.reassigned.length;
}

/** Human-readable lines for the start-up log (empty when everything was consistent). */
export function formatRepairReport(r: RepairReport): string[] {
  const what = (f: RepairFix) => `${f.kind === 'ip' ? 'cluster IP' : 'node port'} ${f.value}`;
  return [
    ...r.created.map((f) => `repair: ${what(f)} of service ${f.service} was not recorded as allocated; recorded it`),
    ...r.released.map((f) => `repair: ${what(f)} was allocated to ${f.service}, which no longer holds it; released it`),
    ...r.reassigned.map((f) => `repair: ${what(f)} was recorded for another owner; now recorded for ${f.service}`),
    ...r.conflicts.map((c) => `repair: ${c} are assigned the same value; please recreate all but one of them`),
    ...r.outOfRange.map((f) => `repair: ${what(f)} of service ${f.service} is outside the configured range; please recreate the service`),
    ...r.errors.map((e) => `repair: ${e}`),
  ];
}

interface Holder {
  ref: ServiceRef;
}

export async function repairAllocations(cache: AllocationCache, store: Store, config: ClusterNetworkConfig): Promise<RepairReport> {
  const report: RepairReport = { created: [], released: [], reassigned: [], conflicts: [], outOfRange: [], errors: [] };
  const al = allocatorsFor(config);
  const services = cache.list(storagePrefix(findResource('', 'v1', 'services')!)).map((c) => c.obj as Service);

  const wantIPs = new Map<string, Holder[]>();
  const wantPorts = new Map<number, Holder[]>();
  const add = <K>(m: Map<K, Holder[]>, k: K, h: Holder) => {
    const l = m.get(k);
    if (l) l.push(h);
    else m.set(k, [h]);
  };
  for (const svc of services) {
    const ref = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '' };
    for (const ip of heldClusterIPs(svc.spec)) add(wantIPs, ip, { ref });
    for (const p of heldNodePorts(svc.spec)) add(wantPorts, p, { ref });
  }

  let lastRev = 0;
  const apply = async (op: TxnOp, what: string): Promise<boolean> => {
    try {
      lastRev = (await store.txn([op])).revision;
      return true;
    } catch (e) {
      report.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  const nameOf = (r: ServiceRef) => `${r.namespace}/${r.name}`;

  const reconcile = async <K extends string | number>(kind: 'ip' | 'port', want: Map<K, Holder[]>, prefix: string, keyOf: (k: K) => string, parse: (s: string) => K, inRange: (k: K) => boolean) => {
    const have = new Map<K, { key: string; rv: number; owner?: ServiceRef }>();
    for (const c of cache.list(prefix)) have.set(parse(c.key.slice(prefix.length)), { key: c.key, rv: c.rv, owner: ownerOf(c.obj) });

    for (const [value, rec] of have) {
      const holders = want.get(value);
      if (!holders) {
        if (await apply({ type: 'delete', key: rec.key, expectedModRevision: rec.rv }, `releasing ${kind} ${value}`)) {
          report.released.push({ kind, value: String(value), service: rec.owner ? nameOf(rec.owner) : '(unknown)' });
        }
        continue;
      }
      if (holders.length > 1) {
        report.conflicts.push(`${kind} ${value}: ${holders.map((h) => nameOf(h.ref)).join(', ')}`);
        if (holders.some((h) => h.ref.uid === rec.owner?.uid)) continue;
      }
      if (rec.owner?.uid !== holders[0]!.ref.uid) {
        const ok = await apply({ type: 'update', key: rec.key, value: encodeRecord(kind, value, holders[0]!.ref), expectedModRevision: rec.rv }, `re-pointing ${kind} ${value}`);
        if (ok) report.reassigned.push({ kind, value: String(value), service: nameOf(holders[0]!.ref) });
      }
    }
    for (const [value, holders] of want) {
      if (!inRange(value)) for (const h of holders) report.outOfRange.push({ kind, value: String(value), service: nameOf(h.ref) });
      if (have.has(value)) continue;
      if (holders.length > 1) report.conflicts.push(`${kind} ${value}: ${holders.map((h) => nameOf(h.ref)).join(', ')}`);
      if (await apply({ type: 'create', key: keyOf(value), value: encodeRecord(kind, value, holders[0]!.ref) }, `recording ${kind} ${value}`)) {
        report.created.push({ kind, value: String(value), service: nameOf(holders[0]!.ref) });
      }
    }
  };

  await reconcile<string>(
    'ip',
    wantIPs,
    SERVICE_IPS_PREFIX,
    ipKey,
    (s) => s,
    (ip) => {
      const fam = familyOf(ip);
      return fam !== undefined && al.ip[fam]?.contains(ip) === true;
    },
  );
  await reconcile<number>('port', wantPorts, NODE_PORTS_PREFIX, portKey, (s) => Number(s), (p) => al.ports.contains(p));
  if (lastRev) await cache.waitFor(lastRev);
  return report;
}
