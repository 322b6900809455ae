/**
 * planMirroredSlices: the EndpointSlice mirroring controller's reconciler as
 * a pure function (kubernetes pkg/controller/endpointslicemirroring
 * reconciler.go, reconciler_helpers.go, utils.go).
 *
 * For a Service without a selector, a user-written Endpoints object is
 * mirrored into EndpointSlices so data planes read only slices:
 *
 * - one slice per (subset port list, address family); subsets with the same
 *   ports share it; at most 1000 addresses mirrored per subset (the rest are
 *   skipped and reported);
 * - `addresses` → ready: true, `notReadyAddresses` → ready: false (serving
 *   and terminating unset); IPs re-stringified, invalid ones skipped and
 *   reported; hostname, nodeName, targetRef copied;
 * - labels: all of the Endpoints' labels, then kubernetes.io/service-name =
 *   the Endpoints' name and managed-by endpointslicemirroring-controller.k8s.io;
 *   annotations copied except last-change-trigger-time and
 *   last-applied-configuration; owner = the Endpoints object (controller).
 *
 * Per group the first existing slice (name order) is kept and rewritten only
 * when its endpoints, labels or annotations differ; extra slices are
 * deleted, and a create + delete of one address type become an update.
 * Never mutates its input.
 */
import type { EndpointAddress, EndpointPort, EndpointSlice, Endpoint, Endpoints, OwnerReference } from '../../api/types.ts';
import { canonicalizeIP, type IPFamily } from '../shared/ip.ts';
import {
  ANNOTATION_LAST_APPLIED,
  ANNOTATION_LEADER,
  ANNOTATION_TRIGGER_TIME,
  DEFAULT_MAX_ENDPOINTS_PER_SUBSET,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_SKIP_MIRROR,
  MIRRORING_CONTROLLER_NAME,
} from '../shared/names.ts';
import { sameStringMap, slicePrefix } from '../shared/service.ts';
import { endpointHash, endpointsEqualBeyondHash, portMapKey } from '../endpointslice/desired.ts';

export interface MirrorPlanInput {
  endpoints: Endpoints;
  /** Slices labelled with the Endpoints' name and managed by the mirroring controller. */
  existing: readonly EndpointSlice[];
  /** --mirroring-max-endpoints-per-subset (default 1000). */
  maxEndpointsPerSubset?: number;
}

export interface MirrorPlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Addresses that are not IPs (event InvalidIPAddress). */
  invalidAddresses: number;
  /** Addresses not mirrored, invalid ones included (event TooManyAddressesToMirror when more than invalidAddresses). */
  skippedAddresses: number;
}

/** shouldMirror: not labelled skip-mirror "true" and not a leader-election record. */
export function shouldMirror(ep: Endpoints | undefined): boolean {
  if (!ep) return false;
  if (ep.metadata.labels?.[LABEL_SKIP_MIRROR] === 'true') return false;
  if (ep.metadata.annotations && ANNOTATION_LEADER in ep.metadata.annotations) return false;
  return true;
}

function endpointsOwnerRef(ep: Endpoints): OwnerReference {
  return { apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name!, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** The slice annotations: the Endpoints' annotations minus trigger time and last-applied configuration. */
function mirroredAnnotations(ep: Endpoints): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) {
    if (k === ANNOTATION_TRIGGER_TIME || k === ANNOTATION_LAST_APPLIED) continue;
    out[k] = v;
  }
  return out;
}

function mirroredLabels(ep: Endpoints): Record<string, string> {
  return { ...(ep.metadata.labels ?? {}), [LABEL_SERVICE_NAME]: ep.metadata.name!, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME };
}

function newMirrorSlice(ep: Endpoints, ports: EndpointPort[], addressType: IPFamily, name?: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...(name ? { name } : { generateName: slicePrefix(ep.metadata.name!) }),
      namespace: ep.metadata.namespace,
      labels: mirroredLabels(ep),
      annotations: mirroredAnnotations(ep),
      ownerReferences: [endpointsOwnerRef(ep)],
    },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

/** epPortsToEpsPorts: name defaults to "", the rest copied. */
function slicePorts(ports: readonly EndpointPort[] | undefined): EndpointPort[] {
  return (ports ?? []).map((p) => {
    const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol !== undefined && p.appProtocol !== null) out.appProtocol = p.appProtocol;
    return out;
  });
}

/** addressToEndpoint: undefined when the address is not an IP. */
function addressToEndpoint(a: EndpointAddress, ready: boolean): { endpoint: Endpoint; family: IPFamily } | undefined {
  const ip = canonicalizeIP(a.ip ?? '');
  if (!ip) return undefined;
  const endpoint: Endpoint = { addresses: [ip.ip], conditions: { ready } };
  if (a.hostname) endpoint.hostname = a.hostname;
  if (a.targetRef) endpoint.targetRef = { ...a.targetRef };
  if (a.nodeName !== undefined && a.nodeName !== null) endpoint.nodeName = a.nodeName;
  return { endpoint, family: ip.family };
}

interface Group {
  addressType: IPFamily;
  ports: EndpointPort[];
  endpoints: Map<string, Endpoint>;
}

function groupKey(addressType: IPFamily, ports: EndpointPort[]): string {
  return `${addressType}${portMapKey(ports)}`;
}

function byName(a: EndpointSlice, b: EndpointSlice): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

export function planMirroredSlices(input: MirrorPlanInput): MirrorPlan {
  const ep = input.endpoints;
  const max = input.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
  const groups = new Map<string, Group>();
  let invalid = 0;
  let skipped = 0;
  for (const subset of ep.subsets ?? []) {
    const ports = slicePorts(subset.ports);
    // initPorts: both families get a (possibly empty) group for these ports.
    for (const at of ['IPv4', 'IPv6'] as const) {
      const k = groupKey(at, ports);
      if (!groups.has(k)) groups.set(k, { addressType: at, ports, endpoints: new Map() });
    }
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    const take = (list: readonly EndpointAddress[] | undefined, ready: boolean) => {
      for (const a of list ?? []) {
        if (added >= max) break;
        const r = addressToEndpoint(a, ready);
        if (!r) {
          invalid++;
          continue;
        }
        const g = groups.get(groupKey(r.family, ports))!;
        g.endpoints.set(endpointHash(r.endpoint), r.endpoint);
        added++;
      }
    };
    take(subset.addresses, true);
    take(subset.notReadyAddresses, false);
    skipped += total - added;
  }

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of [...input.existing].filter((x) => !x.metadata.deletionTimestamp).sort(byName)) {
    const k = `${s.addressType}${portMapKey(s.ports)}`;
    (existingByKey.get(k) ?? existingByKey.set(k, []).get(k)!).push(s);
  }

  const plan: MirrorPlan = { create: [], update: [], delete: [], invalidAddresses: invalid, skippedAddresses: skipped };
  const wantAnnotations = mirroredAnnotations(ep);
  for (const [key, g] of groups) {
    const existing = existingByKey.get(key) ?? [];
    if (g.endpoints.size === 0) {
      plan.delete.push(...existing);
      continue;
    }
    let name: string | undefined;
    if (existing.length > 0) {
      plan.delete.push(...existing.slice(1));
      const first = existing[0]!;
      // totalChanges + labels/annotations: unchanged ⇒ leave it alone.
      let matches = 0;
      let changed = false;
      for (const e of first.endpoints ?? []) {
        const want = g.endpoints.get(endpointHash(e));
        if (!want) {
          changed = true;
          break;
        }
        matches++;
        if (!endpointsEqualBeyondHash(want, e)) {
          changed = true;
          break;
        }
      }
      const labels = { ...(first.metadata.labels ?? {}) };
      delete labels[LABEL_MANAGED_BY];
      delete labels[LABEL_SERVICE_NAME];
      if (!changed && matches === g.endpoints.size && sameStringMap(ep.metadata.labels, labels) && sameStringMap(wantAnnotations, first.metadata.annotations)) continue;
      name = first.metadata.name;
    }
    const slice = newMirrorSlice(ep, g.ports, g.addressType, name);
    for (const e of g.endpoints.values()) {
      if (slice.endpoints.length >= max) break;
      slice.endpoints.push(e);
    }
    (name ? plan.update : plan.create).push(slice);
  }
  for (const [key, slices] of existingByKey) if (!groups.has(key)) plan.delete.push(...slices);

  // recycleSlices: per address type, creates become updates of slices to delete.
  for (const at of ['IPv4', 'IPv6'] as const) {
    const creates = plan.create.filter((s) => s.addressType === at);
    const deletes = plan.delete.filter((s) => s.addressType === at);
    for (let i = 0; i < creates.length && i < deletes.length; i++) {
      const c = creates[i]!;
      const d = deletes[i]!;
      plan.create.splice(plan.create.indexOf(c), 1);
      plan.delete.splice(plan.delete.indexOf(d), 1);
      c.metadata = { ...c.metadata, name: d.metadata.name };
      delete c.metadata.generateName;
      plan.update.push(c);
    }
  }
  // Don't create slices for an Endpoints object being deleted.
  if (ep.metadata.deletionTimestamp) plan.create = [];
  return plan;
}
