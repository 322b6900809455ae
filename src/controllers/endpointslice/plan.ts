/**
 * planEndpointSlices: the EndpointSlice controller's reconciler as a pure
 * function (k8s.io/endpointslice reconciler.go Reconcile,
 * reconcileByAddressType, reconcileByPortMapping, finalize).
 *
 * Given a Service, the pods its selector matches, a Node lookup (zones), and
 * the slices this controller already manages for it, it returns the writes
 * that make the slices tell the truth, with Kubernetes' minimal-churn packing:
 *
 * 1. Existing slices are updated in place first: endpoints no longer desired
 *    are dropped, changed ones replaced; a slice left empty is deleted; a
 *    slice whose Service labels drifted is rewritten.
 * 2. Slices already being updated are filled up with new endpoints (fullest
 *    first).
 * 3. What is left goes into the unchanged slice that ends up closest to full
 *    (only when fewer than a slice's worth remain), else into new slices —
 *    one new slice is preferred over touching several. No rebalancing.
 * 4. No endpoints at all ⇒ one placeholder slice (no endpoints, no ports).
 * 5. Slices of address types the Service no longer has, slices owned by
 *    another Service UID, and port groups no longer desired are deleted —
 *    except that a create and a delete of the same address type become one
 *    update of the slice that would have been deleted (finalize).
 *
 * An unchanged slice is never rewritten. Endpoints are taken in pod name
 * order, so the plan is deterministic. Cached input objects are never
 * mutated (the caller may freeze them).
 */
import type { EndpointPort, EndpointSlice, Endpoint, Node, OwnerReference, Pod, Service } from '../../api/types.ts';
import { ANNOTATION_TRIGGER_TIME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, ENDPOINTSLICE_CONTROLLER_NAME, LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '../shared/names.ts';
import { addressTypesForService, hintsEnabled, isServiceIPSet, sameStringMap, slicePrefix, type AddressType } from '../shared/service.ts';
import { desiredEndpoints, endpointHash, endpointsEqualBeyondHash, portMapKey } from './desired.ts';
import {
  addTopologyHints,
  copySlice,
  preferCloseHints,
  removeHints,
  validTrafficDistribution,
  type HintOutcome,
  type SliceSets,
  type ZoneTopology,
} from './topology.ts';

export interface SlicePlanInput {
  service: Service;
  /** Pods in the Service's namespace matching its selector (any order). */
  pods: readonly Pod[];
  /** Node lookup by name (for zones, and to skip pods whose node is unknown). */
  node: (name: string) => Node | undefined;
  /** Slices labelled with the Service's name and managed by this controller. */
  existing: readonly EndpointSlice[];
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  /** endpoints.kubernetes.io/last-change-trigger-time for written slices; undefined removes it. */
  triggerTime?: string;
  /** Node CPU per zone; required for Auto topology hints (no hints without it). */
  topology?: ZoneTopology;
  /** The 1.33 alpha gate PreferSameTrafficDistribution (PreferSameZone / PreferSameNode). */
  preferSameTrafficDistribution?: boolean;
  /** managed-by value (default endpointslice-controller.k8s.io). */
  controllerName?: string;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Non-fatal problems (pods on unknown nodes): the writes are still valid, but the sync should be retried. */
  errors: string[];
  /** Topology-aware-hints outcome per address type, when the annotation asks for hints. */
  hints: HintOutcome[];
}

/** metav1.NewControllerRef(service, v1/Service). */
export function serviceOwnerRef(svc: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** ownedBy: an owner reference to this Service UID (kind Service, apiVersion v1). */
export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

function isReservedLabel(k: string): boolean {
  return k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS;
}

/**
 * setEndpointSliceLabels: the Service's labels minus reserved keys, plus
 * service-name, managed-by and (headless only) the headless label. `changed`
 * when the non-reserved labels differ — and, beyond Kubernetes, when the
 * headless label is wrong, so a hand edit of it is repaired too.
 */
export function sliceLabels(existing: Readonly<Record<string, string>> | undefined, svc: Service, controllerName: string): { labels: Record<string, string>; changed: boolean } {
  const mine: Record<string, string> = {};
  for (const [k, v] of Object.entries(existing ?? {})) if (!isReservedLabel(k)) mine[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!isReservedLabel(k)) labels[k] = v;
  let changed = !sameStringMap(mine, labels);
  const headless = !isServiceIPSet(svc);
  if (headless) labels[LABEL_HEADLESS] = '';
  if (existing && headless !== (existing[LABEL_HEADLESS] === '')) changed = true;
  labels[LABEL_SERVICE_NAME] = svc.metadata.name!;
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}

/** newEndpointSlice: generateName "<svc>-", owned by the Service, with its labels. */
export function newSlice(svc: Service, ports: EndpointPort[], addressType: AddressType, controllerName: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata.name!),
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc, controllerName).labels,
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

function sameOwnerRefs(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  const str = (o: OwnerReference) => JSON.stringify([o.apiVersion, o.kind, o.name, o.uid, o.controller ?? null, o.blockOwnerDeletion ?? null]);
  return x.every((o, i) => str(o) === str(y[i]!));
}

/** placeholderSliceCompare: namespace, labels, owner references, address type, and no endpoints or ports. */
function samePlaceholder(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    a.metadata.namespace === b.metadata.namespace &&
    sameStringMap(a.metadata.labels, b.metadata.labels) &&
    sameOwnerRefs(a.metadata.ownerReferences, b.metadata.ownerReferences) &&
    a.addressType === b.addressType &&
    (a.endpoints ?? []).length === 0 &&
    (b.endpoints ?? []).length === 0 &&
    (a.ports ?? []).length === 0 &&
    (b.ports ?? []).length === 0
  );
}

function popFirst(m: Map<string, Endpoint>): Endpoint {
  const [k, v] = m.entries().next().value as [string, Endpoint];
  m.delete(k);
  return v;
}

/** getSliceToFill: the slice closest to full after adding n endpoints, if any fits. */
function sliceToFill(slices: readonly EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints ?? []).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return closest;
    }
  }
  return closest;
}

interface PortMappingResult {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** reconcileByPortMapping for one port group of one address type. */
function reconcileByPortMapping(
  svc: Service,
  existing: readonly EndpointSlice[],
  desired: Map<string, Endpoint>,
  ports: EndpointPort[],
  addressType: AddressType,
  max: number,
  controllerName: string,
): PortMappingResult {
  const byName = new Map<string, EndpointSlice>();
  const unchanged: string[] = [];
  const toUpdate = new Set<string>();
  const toDelete: string[] = [];

  // 1. Drop endpoints no longer desired, replace changed ones, fix labels.
  for (const s of existing) {
    const name = s.metadata.name!;
    byName.set(name, s);
    const kept: Endpoint[] = [];
    let updated = false;
    for (const ep of s.endpoints ?? []) {
      const h = endpointHash(ep);
      const want = desired.get(h);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) updated = true;
      desired.delete(h);
    }
    const { labels, changed } = sliceLabels(s.metadata.labels, svc, controllerName);
    if (updated || (s.endpoints ?? []).length !== kept.length) {
      if (kept.length === 0) toDelete.push(name);
      else {
        const c = copySlice(s);
        c.endpoints = kept;
        c.metadata.labels = labels;
        byName.set(name, c);
        toUpdate.add(name);
      }
    } else if (changed) {
      const c = copySlice(s);
      c.metadata.labels = labels;
      byName.set(name, c);
      toUpdate.add(name);
    } else unchanged.push(name);
  }

  // 2. Fill the slices being updated, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of slices) while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(popFirst(desired));
  }

  // 3. Leftovers: one unchanged slice that fits them, else new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.length > 0) {
      fill = sliceToFill(unchanged.map((n) => byName.get(n)!), desired.size, max);
    }
    if (!fill) fill = newSlice(svc, ports, addressType, controllerName);
    else {
      fill = copySlice(fill);
      byName.set(fill.metadata.name!, fill);
    }
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(popFirst(desired));
    if (fill.metadata.name) {
      toUpdate.add(fill.metadata.name);
      unchanged.splice(unchanged.indexOf(fill.metadata.name), 1);
    } else create.push(fill);
  }
  return { create, update: [...toUpdate].map((n) => byName.get(n)!), delete: toDelete.map((n) => byName.get(n)!) };
}

function byNameOrder(a: EndpointSlice, b: EndpointSlice): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

interface AddressTypePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  errors: string[];
  hints?: HintOutcome;
}

function reconcileByAddressType(input: SlicePlanInput, existing: readonly EndpointSlice[], addressType: AddressType): AddressTypePlan {
  const svc = input.service;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const controllerName = input.controllerName ?? ENDPOINTSLICE_CONTROLLER_NAME;
  let create: EndpointSlice[] = [];
  let update: EndpointSlice[] = [];
  let del: EndpointSlice[] = [];

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      del.push(s);
      continue;
    }
    const k = portMapKey(s.ports);
    (existingByKey.get(k) ?? existingByKey.set(k, []).get(k)!).push(s);
  }

  const desired = desiredEndpoints(svc, input.pods, input.node, addressType);
  for (const [key, group] of desired.groups) {
    const r = reconcileByPortMapping(svc, existingByKey.get(key) ?? [], group.endpoints, group.ports, addressType, max, controllerName);
    create.push(...r.create);
    update.push(...r.update);
    del.push(...r.delete);
  }
  for (const [key, slices] of existingByKey) if (!desired.groups.has(key)) del.push(...slices);

  // Placeholder: exactly one empty slice when nothing else would exist.
  if (existing.length === del.length && create.length < 1) {
    const placeholder = newSlice(svc, [], addressType, controllerName);
    if (del.length === 1 && samePlaceholder(del[0]!, placeholder)) del = [];
    else create.push(placeholder);
  }

  // Hints (per address type).
  const changed = new Set([...update, ...del].map((s) => s.metadata.name));
  const unchanged = () => existing.filter((s) => !changed.has(s.metadata.name));
  let sets: SliceSets = { create, update, unchanged: unchanged() };
  const auto = hintsEnabled(svc.metadata.annotations);
  const td = svc.spec.trafficDistribution;
  const useTD = validTrafficDistribution(td, input.preferSameTrafficDistribution ?? false) && !auto;
  let hints: HintOutcome | undefined;
  if (auto) {
    const r = addTopologyHints(sets, input.topology ?? { sufficient: false, reason: 'Insufficient Node information: allocatable CPU or zone not specified on one or more nodes' }, addressType);
    sets = r.sets;
    hints = r.outcome;
  } else if (!useTD) {
    sets = removeHints(sets);
  }
  if (useTD) {
    for (const s of sets.update) changed.add(s.metadata.name);
    sets = preferCloseHints({ create: sets.create, update: sets.update, unchanged: unchanged() }, td!);
  }
  create = sets.create;
  update = sets.update;

  // finalize: turn creates into updates of slices that would be deleted.
  for (let i = 0; i < del.length && create.length > 0; ) {
    const victim = del[i]!;
    const slice = create[create.length - 1]!;
    if (victim.addressType === slice.addressType && ownedBy(victim, svc)) {
      slice.metadata.name = victim.metadata.name;
      create.pop();
      update.push(slice);
      del.splice(i, 1);
    } else i++;
  }
  // Don't create slices for a Service being deleted (the garbage collector would race them).
  if (svc.metadata.deletionTimestamp) create = [];
  return { create, update, delete: del, errors: desired.errors, hints };
}

function setTriggerTime(s: EndpointSlice, triggerTime: string | undefined): void {
  const annotations = { ...(s.metadata.annotations ?? {}) };
  if (triggerTime) annotations[ANNOTATION_TRIGGER_TIME] = triggerTime;
  else delete annotations[ANNOTATION_TRIGGER_TIME];
  s.metadata.annotations = annotations;
}

/** The writes that bring this Service's EndpointSlices to the desired state. */
export function planEndpointSlices(input: SlicePlanInput): SlicePlan {
  const svc = input.service;
  const supported = addressTypesForService(svc);
  const live = input.existing.filter((s) => !s.metadata.deletionTimestamp).sort(byNameOrder);
  const plan: SlicePlan = { create: [], update: [], delete: [], errors: [], hints: [] };
  const byType = new Map<string, EndpointSlice[]>();
  for (const s of live) {
    if (!(supported as string[]).includes(s.addressType)) plan.delete.push(s);
    else (byType.get(s.addressType) ?? byType.set(s.addressType, []).get(s.addressType)!).push(s);
  }
  const errors = new Set<string>();
  for (const at of supported) {
    const r = reconcileByAddressType(input, byType.get(at) ?? [], at);
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
    for (const e of r.errors) errors.add(e);
    if (r.hints) plan.hints.push(r.hints);
  }
  for (const s of [...plan.create, ...plan.update]) setTriggerTime(s, input.triggerTime);
  plan.errors = [...errors];
  return plan;
}
