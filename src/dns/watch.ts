/**
 * The informer shell around ClusterIndex: list+watch Namespaces, Services,
 * EndpointSlices (discovery.k8s.io/v1) and, for verified pod records, Pods;
 * every event updates the index. The view is marked synced once every
 * informer has listed; until then in-zone answers are SERVFAIL.
 *
 * Also records CoreDNS's DNS programming latency: for a slice carrying
 * endpoints.kubernetes.io/last-change-trigger-time, the time from that
 * trigger to the moment this server applied the change.
 */
import { Informer, Resources, trimManagedFields, type RestClient } from '../client/index.ts';
import type { EndpointSlice, Namespace, Pod, Service } from '../api/types.ts';
import { ClusterIndex } from './view.ts';

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

export interface ClusterWatchOptions {
  /** Watch Pods (needed only for `pods verified`). */
  pods: boolean;
  log?: (line: string) => void;
  now?: () => number;
  /** DNS programming latency (service kind as CoreDNS labels it, seconds). */
  onProgrammed?: (serviceKind: string, seconds: number) => void;
}

export interface ClusterWatch {
  view: ClusterIndex;
  /** Resolves once every informer has listed (the view is then synced). */
  synced: Promise<void>;
  stop(): void;
}

export function watchCluster(client: RestClient, o: ClusterWatchOptions): ClusterWatch {
  const now = o.now ?? Date.now;
  const view = new ClusterIndex({ now });
  const log = o.log;
  const namespaces = new Informer<Namespace>(client, Resources.namespaces, { transform: trimManagedFields, log });
  const services = new Informer<Service>(client, Resources.services, { transform: trimManagedFields, log });
  const slices = new Informer<EndpointSlice>(client, Resources.endpointSlices, { transform: trimManagedFields, log });
  const pods = o.pods ? new Informer<Pod>(client, Resources.pods, { transform: trimManagedFields, log }) : undefined;

  namespaces.addHandler({
    onAdd: (n) => view.upsertNamespace(n),
    onUpdate: (_, n) => view.upsertNamespace(n),
    onDelete: (n) => view.deleteNamespace(n),
  });
  services.addHandler({
    onAdd: (s) => view.upsertService(s),
    onUpdate: (_, s) => view.upsertService(s),
    onDelete: (s) => view.deleteService(s),
  });
  const programmed = (old: EndpointSlice | undefined, s: EndpointSlice) => {
    if (!o.onProgrammed || !slices.hasSynced()) return;
    const t = s.metadata.annotations?.[TRIGGER_TIME_ANNOTATION];
    if (!t || t === old?.metadata.annotations?.[TRIGGER_TIME_ANNOTATION]) return;
    const at = Date.parse(t);
    if (!Number.isFinite(at)) return;
    const svcName = s.metadata.labels?.['kubernetes.io/service-name'];
    const svc = svcName ? view.service((s.metadata.namespace ?? '').toLowerCase(), svcName.toLowerCase()) : undefined;
    if (!svc) return;
    const kind = svc.kind === 'ClusterIP' ? 'cluster_ip' : s.metadata.labels?.[MANAGED_BY] === 'endpointslice-controller.k8s.io' ? 'headless_with_selector' : 'headless_without_selector';
    o.onProgrammed(kind, Math.max(0, (now() - at) / 1000));
  };
  slices.addHandler({
    onAdd: (s) => {
      view.upsertEndpointSlice(s);
      programmed(undefined, s);
    },
    onUpdate: (old, s) => {
      view.upsertEndpointSlice(s);
      programmed(old, s);
    },
    onDelete: (s) => view.deleteEndpointSlice(s),
  });
  pods?.addHandler({
    onAdd: (p) => view.upsertPod(p),
    onUpdate: (_, p) => view.upsertPod(p),
    onDelete: (p) => view.deletePod(p),
  });
  const all = [namespaces, services, slices, ...(pods ? [pods] : [])] as Informer<Namespace | Service | EndpointSlice | Pod>[];
  for (const i of all) i.start();
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => view.markSynced());
  return {
    view,
    synced,
    stop: () => {
      for (const i of all) i.stop();
    },
  };
}
