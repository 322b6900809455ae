/**
 * The informer caches the endpoint controllers share, their indexes, and
 * the lookups ("listers") built on them.
 *
 * Indexes:
 * - pods by `namespace/key=value` for every label, and by node name;
 * - Services by `namespace/key=value` for every selector pair (and
 *   `namespace/*` for an empty selector), so a pod event finds the Services
 *   selecting it without scanning the namespace;
 * - EndpointSlices by `namespace/<kubernetes.io/service-name>`.
 *
 * Contract: objects in the caches are shared and must never be mutated.
 */
import type { EndpointSlice, Endpoints, Node, Pod, Service } from '../api/types.ts';
import { Cache, Informer, Resources, trimManagedFields, type IndexFunc, type RestClient } from '../client/index.ts';
import { matchesLabels, selectorFromMap } from '../api/selectors.ts';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './shared/names.ts';

export const POD_LABEL_INDEX = 'labels';
export const POD_NODE_INDEX = 'node';
export const SERVICE_SELECTOR_INDEX = 'selector';
export const SLICE_SERVICE_INDEX = 'service';

const podIndexers: Record<string, IndexFunc<Pod>> = {
  [POD_LABEL_INDEX]: (p) => Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${p.metadata.namespace}/${k}=${v}`),
  [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []),
};

const serviceIndexers: Record<string, IndexFunc<Service>> = {
  [SERVICE_SELECTOR_INDEX]: (s) => {
    const sel = s.spec?.selector;
    if (!sel) return [];
    const pairs = Object.entries(sel);
    if (pairs.length === 0) return [`${s.metadata.namespace}/*`];
    return pairs.map(([k, v]) => `${s.metadata.namespace}/${k}=${v}`);
  },
};

const sliceIndexers: Record<string, IndexFunc<EndpointSlice>> = {
  [SLICE_SERVICE_INDEX]: (s) => {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    return svc ? [`${s.metadata.namespace}/${svc}`] : [];
  },
};

export interface ControllerCaches {
  pods: Cache<Pod>;
  services: Cache<Service>;
  nodes: Cache<Node>;
  endpointSlices: Cache<EndpointSlice>;
  endpoints: Cache<Endpoints>;
}

/** Empty caches with the controllers' indexes (for tests; informers build their own). */
export function newControllerCaches(): ControllerCaches {
  return {
    pods: new Cache<Pod>(podIndexers),
    services: new Cache<Service>(serviceIndexers),
    nodes: new Cache<Node>(),
    endpointSlices: new Cache<EndpointSlice>(sliceIndexers),
    endpoints: new Cache<Endpoints>(),
  };
}

export interface SharedInformers {
  pods: Informer<Pod>;
  services: Informer<Service>;
  nodes: Informer<Node>;
  endpointSlices: Informer<EndpointSlice>;
  endpoints: Informer<Endpoints>;
}

/**
 * One informer per kind, all namespaces, with the controllers' indexes, without
 * managedFields (as kube-controller-manager's shared informers). Not started.
 */
export function newSharedInformers(client: RestClient, log?: (line: string) => void): SharedInformers {
  return {
    pods: new Informer<Pod>(client, Resources.pods, { indexers: podIndexers, transform: trimManagedFields, log }),
    services: new Informer<Service>(client, Resources.services, { indexers: serviceIndexers, transform: trimManagedFields, log }),
    nodes: new Informer<Node>(client, Resources.nodes, { transform: trimManagedFields, log }),
    endpointSlices: new Informer<EndpointSlice>(client, Resources.endpointSlices, { indexers: sliceIndexers, transform: trimManagedFields, log }),
    endpoints: new Informer<Endpoints>(client, Resources.endpoints, { transform: trimManagedFields, log }),
  };
}

export function cachesOf(i: SharedInformers): ControllerCaches {
  return { pods: i.pods.cache, services: i.services.cache, nodes: i.nodes.cache, endpointSlices: i.endpointSlices.cache, endpoints: i.endpoints.cache };
}

// ------------------------------------------------------------------ listers

/** Pods in the Service's namespace matching its (non-empty) selector, via the smallest label bucket. */
export function podsForService(pods: Cache<Pod>, svc: Service): Pod[] {
  const ns = svc.metadata.namespace ?? '';
  const sel = svc.spec.selector ?? {};
  const pairs = Object.entries(sel);
  if (pairs.length === 0) return pods.byNamespace(ns);
  let best: Pod[] | undefined;
  for (const [k, v] of pairs) {
    const bucket = pods.byIndex(POD_LABEL_INDEX, `${ns}/${k}=${v}`);
    if (!best || bucket.length < best.length) best = bucket;
    if (best.length === 0) return [];
  }
  if (pairs.length === 1) return best!;
  const req = selectorFromMap(sel);
  return best!.filter((p) => matchesLabels(req, p.metadata.labels));
}

/** Keys of the Services in `namespace` whose selector matches `labels` (nil selectors match nothing). */
export function serviceKeysForLabels(services: Cache<Service>, namespace: string, labels: Readonly<Record<string, string>> | undefined): Set<string> {
  const out = new Set<string>();
  const candidates = new Map<string, Service>();
  for (const s of services.byIndex(SERVICE_SELECTOR_INDEX, `${namespace}/*`)) candidates.set(s.metadata.name!, s);
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const s of services.byIndex(SERVICE_SELECTOR_INDEX, `${namespace}/${k}=${v}`)) candidates.set(s.metadata.name!, s);
  }
  for (const s of candidates.values()) {
    const sel = s.spec.selector ?? {};
    let ok = true;
    for (const [k, v] of Object.entries(sel)) {
      if (labels?.[k] !== v) {
        ok = false;
        break;
      }
    }
    if (ok) out.add(`${namespace}/${s.metadata.name}`);
  }
  return out;
}

/**
 * GetServicesToUpdateOnPodChange: which Services a pod update concerns.
 * Label change + endpoint change ⇒ old ∪ new; label change alone ⇒ the
 * symmetric difference; endpoint change alone ⇒ new; nothing ⇒ none.
 */
export function serviceKeysForPodUpdate(
  services: Cache<Service>,
  oldPod: Pod,
  newPod: Pod,
  changed: { podChanged: boolean; labelsChanged: boolean },
): Set<string> {
  if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  if (!changed.podChanged && !changed.labelsChanged) return new Set();
  const ns = newPod.metadata.namespace ?? '';
  const now = serviceKeysForLabels(services, ns, newPod.metadata.labels);
  if (!changed.labelsChanged) return now;
  const before = serviceKeysForLabels(services, ns, oldPod.metadata.labels);
  if (changed.podChanged) return new Set([...now, ...before]);
  const out = new Set<string>();
  for (const k of now) if (!before.has(k)) out.add(k);
  for (const k of before) if (!now.has(k)) out.add(k);
  // hostname/subdomain changes keep the same Services but change their endpoints.
  if (oldPod.spec.hostname !== newPod.spec.hostname || oldPod.spec.subdomain !== newPod.spec.subdomain) for (const k of now) out.add(k);
  return out;
}

/** Slices labelled for the Service and managed by `managedBy`. */
export function slicesForService(slices: Cache<EndpointSlice>, namespace: string, name: string, managedBy: string): EndpointSlice[] {
  return slices.byIndex(SLICE_SERVICE_INDEX, `${namespace}/${name}`).filter((s) => s.metadata.labels?.[LABEL_MANAGED_BY] === managedBy);
}

/** Pods scheduled to a node. */
export function podsOnNode(pods: Cache<Pod>, node: string): Pod[] {
  return pods.byIndex(POD_NODE_INDEX, node);
}
