/**
 * Topology hints for EndpointSlices:
 *
 * - Topology Aware Routing (annotation service.kubernetes.io/topology-mode:
 *   Auto): hints in proportion to each zone's allocatable CPU, with
 *   Kubernetes' safeguards (k8s.io/endpointslice topologycache/*).
 * - spec.trafficDistribution PreferClose (and, behind the 1.33 alpha gate
 *   PreferSameTrafficDistribution, PreferSameZone/PreferSameNode): every
 *   ready endpoint hinted for its own zone (trafficdist/trafficdist.go).
 * - Neither: hints removed.
 *
 * Pure. Functions take the slices the packer decided to create/update (owned
 * copies, mutated here by replacing endpoint objects, never editing them) and
 * the unchanged slices (cache objects: copied before any change).
 */
import type { Endpoint, EndpointSlice, Node } from '../../api/types.ts';
import { LABEL_TOPOLOGY_ZONE } from '../shared/names.ts';

/** overloadThreshold: the maximum overload any individual endpoint should be exposed to. */
export const OVERLOAD_THRESHOLD = 0.2;

export const HINT_MESSAGES = {
  NoZoneSpecified: 'One or more endpoints do not have a zone specified',
  NoAllocatedHintsForZones: 'No hints allocated for zones',
  TopologyAwareHintsEnabled: 'Topology Aware Hints has been enabled',
  TopologyAwareHintsDisabled: 'Topology Aware Hints has been disabled',
  InsufficientNodeInfo: 'Insufficient Node information: allocatable CPU or zone not specified on one or more nodes',
  NodesReadyInOneZoneOnly: 'Nodes only ready in one zone',
  InsufficientNumberOfEndpoints: 'Insufficient number of endpoints',
  MinAllocationExceedsOverloadThreshold: 'Unable to allocate minimum required endpoints to each zone without exceeding overload threshold',
} as const;

/** CPU share per zone over ready, non-control-plane nodes; or why there is none. */
export type ZoneTopology =
  | { sufficient: true; cpuRatioByZone: ReadonlyMap<string, number> }
  | { sufficient: false; reason: string };

export interface HintOutcome {
  eventType: 'Normal' | 'Warning';
  reason: 'TopologyAwareHintsEnabled' | 'TopologyAwareHintsDisabled';
  /** Message with the ", addressType: X" suffix, as Kubernetes formats it. */
  message: string;
  /** Hints were written (Auto mode succeeded). */
  enabled: boolean;
}

export interface SliceSets {
  create: EndpointSlice[];
  update: EndpointSlice[];
  unchanged: EndpointSlice[];
}

// ------------------------------------------------------------- quantities

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** resource.Quantity.MilliValue() for a CPU quantity ("2", "500m", "1.5", "2e3", "1Ki"); 0 when unparsable. Rounds up. */
export function milliCPU(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  let v: number;
  if (m[2]) v = n * 2 ** BINARY[m[2]]!;
  else if (m[3]) v = n * 10 ** Number(m[3].slice(1));
  else v = n * 10 ** DECIMAL[m[4] ?? '']!;
  const milli = v * 1000;
  // Round up like MilliValue; guard float noise (0.1*1000 = 100.00000000000001).
  const r = Math.round(milli);
  return Math.abs(milli - r) < 1e-6 ? r : Math.ceil(milli);
}

// ------------------------------------------------------------------ nodes

function isNodeReady(node: Node): boolean {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True';
}

function hasExcludedLabels(labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!labels) return false;
  return 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels;
}

/**
 * TopologyCache.SetNodes: allocatable CPU per zone over Ready nodes without a
 * control-plane/master role label. Any counted node without a zone or CPU, or
 * fewer than two zones, means insufficient information (no hints anywhere).
 */
export function zoneTopology(nodes: Iterable<Node>): ZoneTopology {
  const cpuByZone = new Map<string, number>();
  let total = 0;
  for (const node of nodes) {
    if (hasExcludedLabels(node.metadata.labels)) continue;
    if (!isNodeReady(node)) continue;
    const cpu = milliCPU(node.status?.allocatable?.['cpu']);
    const zone = node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
    if (!zone || cpu === 0) return { sufficient: false, reason: HINT_MESSAGES.InsufficientNodeInfo };
    total += cpu;
    cpuByZone.set(zone, (cpuByZone.get(zone) ?? 0) + cpu);
  }
  if (total === 0 || cpuByZone.size < 2) return { sufficient: false, reason: HINT_MESSAGES.InsufficientNodeInfo };
  const ratios = new Map<string, number>();
  for (const zone of [...cpuByZone.keys()].sort()) ratios.set(zone, cpuByZone.get(zone)! / total);
  return { sufficient: true, cpuRatioByZone: ratios };
}

/** Same ratios (for deciding whether a node change matters). */
export function sameTopology(a: ZoneTopology, b: ZoneTopology): boolean {
  if (a.sufficient !== b.sufficient) return false;
  if (!a.sufficient || !b.sufficient) return true;
  if (a.cpuRatioByZone.size !== b.cpuRatioByZone.size) return false;
  for (const [z, r] of a.cpuRatioByZone) if (b.cpuRatioByZone.get(z) !== r) return false;
  return true;
}

// ------------------------------------------------------------- allocation

export interface Allocation {
  minimum: number;
  maximum: number;
  desired: number;
}

/**
 * getAllocations: per zone desired = ratio·N, minimum = ceil(desired/1.2),
 * maximum = minimum + N − Σminimum. Fails when there are more zones than
 * endpoints or the minimums exceed N.
 */
export function allocations(numEndpoints: number, topo: ZoneTopology): { ok: true; byZone: Map<string, Allocation> } | { ok: false; message: string } {
  if (!topo.sufficient) return { ok: false, message: topo.reason };
  const ratios = topo.cpuRatioByZone;
  if (ratios.size < 2) return { ok: false, message: HINT_MESSAGES.NodesReadyInOneZoneOnly };
  if (ratios.size > numEndpoints) {
    return { ok: false, message: `${HINT_MESSAGES.InsufficientNumberOfEndpoints} (${numEndpoints} endpoints, ${ratios.size} zones)` };
  }
  let remaining = numEndpoints;
  let minTotal = 0;
  const byZone = new Map<string, Allocation>();
  for (const [zone, ratio] of ratios) {
    const desired = ratio * numEndpoints;
    const minimum = Math.ceil(desired * (1 / (1 + OVERLOAD_THRESHOLD)));
    byZone.set(zone, { minimum, maximum: 0, desired: Math.max(desired, minimum) });
    minTotal += minimum;
    remaining -= minimum;
    if (remaining < 0) {
      return { ok: false, message: `${HINT_MESSAGES.MinAllocationExceedsOverloadThreshold} (${numEndpoints} endpoints, ${ratios.size} zones)` };
    }
  }
  for (const a of byZone.values()) a.maximum = a.minimum + numEndpoints - minTotal;
  return { ok: true, byZone };
}

// ---------------------------------------------------------------- helpers

function isReady(ep: Endpoint): boolean {
  return ep.conditions?.ready === true;
}

function withoutHints(ep: Endpoint): Endpoint {
  if (ep.hints === undefined) return ep;
  const { hints: _drop, ...rest } = ep;
  return rest;
}

/** A copy of a (possibly frozen, cached) slice whose endpoint array and metadata may be replaced. */
export function copySlice(s: EndpointSlice): EndpointSlice {
  return {
    ...s,
    metadata: {
      ...s.metadata,
      ...(s.metadata.labels ? { labels: { ...s.metadata.labels } } : {}),
      ...(s.metadata.annotations ? { annotations: { ...s.metadata.annotations } } : {}),
    },
    endpoints: [...(s.endpoints ?? [])],
    ...(s.ports ? { ports: [...s.ports] } : {}),
  };
}

function countReady(slices: readonly EndpointSlice[]): number {
  let n = 0;
  for (const s of slices) for (const ep of s.endpoints ?? []) if (isReady(ep)) n++;
  return n;
}

function withAddressType(message: string, addressType: string): string {
  return `${message}, addressType: ${addressType}`;
}

/**
 * RemoveHintsFromSlices: no hints on slices being written; unchanged slices
 * that carry hints are copied, cleared and moved to update.
 */
export function removeHints(sets: SliceSets): SliceSets {
  for (const s of [...sets.create, ...sets.update]) s.endpoints = s.endpoints.map(withoutHints);
  const unchanged: EndpointSlice[] = [];
  for (const s of sets.unchanged) {
    if ((s.endpoints ?? []).some((ep) => ep.hints !== undefined)) {
      const c = copySlice(s);
      c.endpoints = c.endpoints.map(withoutHints);
      sets.update.push(c);
    } else unchanged.push(s);
  }
  sets.unchanged = unchanged;
  return sets;
}

/**
 * getHintsByZone: the hints an unchanged slice contributes, or undefined when
 * the slice must be rewritten (a ready endpoint without hints, a hint for a
 * zone that gets no allocation, or hints beyond a zone's maximum).
 */
function hintsByZone(slice: EndpointSlice, allocated: Map<string, number>, alloc: Map<string, Allocation>): Map<string, number> | undefined {
  const byZone = new Map<string, number>();
  for (const ep of slice.endpoints ?? []) {
    if (!isReady(ep)) continue;
    const zones = ep.hints?.forZones ?? [];
    if (zones.length === 0) return undefined;
    for (const z of zones) {
      if (!alloc.has(z.name)) return undefined;
      byZone.set(z.name, (byZone.get(z.name) ?? 0) + 1);
    }
  }
  for (const [zone, n] of byZone) {
    const a = alloc.get(zone);
    if (!a || n + (allocated.get(zone) ?? 0) > a.maximum) return undefined;
  }
  return byZone;
}

/** getMost with a deterministic tie-break (first zone in name order). */
function most(m: Map<string, number>): [string, number] {
  let zone = '';
  let num = 0;
  for (const z of [...m.keys()].sort()) {
    const n = m.get(z)!;
    if (n > num) {
      zone = z;
      num = n;
    }
  }
  return [zone, num];
}

/** getGivingAndReceivingZones: whole endpoints to move from over- to under-allocated zones. */
export function givingAndReceivingZones(alloc: Map<string, Allocation>, allocated: Map<string, number>): { giving: Map<string, number>; receiving: Map<string, number> } {
  const givingDesired = new Map<string, number>();
  const receivingDesired = new Map<string, number>();
  for (const [zone, a] of alloc) {
    const have = allocated.get(zone) ?? 0;
    if (have > a.desired) givingDesired.set(zone, have - a.desired);
    else if (have < a.desired) receivingDesired.set(zone, a.desired - have);
  }
  const giving = new Map<string, number>();
  const receiving = new Map<string, number>();
  for (;;) {
    const [gz, toGive] = most(givingDesired);
    const [rz, toReceive] = most(receivingDesired);
    if (gz === '' || rz === '' || (toGive < 1 && toReceive < 1) || toGive < 0.5 || toReceive < 0.5) break;
    giving.set(gz, (giving.get(gz) ?? 0) + 1);
    givingDesired.set(gz, toGive - 1);
    receiving.set(rz, (receiving.get(rz) ?? 0) + 1);
    receivingDesired.set(rz, toReceive - 1);
  }
  return { giving, receiving };
}

/** redistributeHints: re-hint ready endpoints of giving zones for receiving zones. Returns the change per zone. */
function redistribute(slices: EndpointSlice[], giving: Map<string, number>, receiving: Map<string, number>): Map<string, number> {
  const diff = new Map<string, number>();
  const receivingOrder = () => [...receiving.keys()].sort();
  for (const slice of slices) {
    for (let i = 0; i < slice.endpoints.length; i++) {
      const ep = slice.endpoints[i]!;
      if (!isReady(ep)) continue;
      if (giving.size === 0 || receiving.size === 0) return diff;
      if (!ep.zone) continue;
      const gz = ep.zone;
      const toGive = giving.get(gz);
      if (!toGive || toGive <= 0) continue;
      for (const rz of receivingOrder()) {
        const toReceive = receiving.get(rz)!;
        if (toReceive <= 0) continue;
        slice.endpoints[i] = { ...ep, hints: { forZones: [{ name: rz }] } };
        if (toGive === 1) giving.delete(gz);
        else giving.set(gz, toGive - 1);
        if (toReceive === 1) receiving.delete(rz);
        else receiving.set(rz, toReceive - 1);
        diff.set(rz, (diff.get(rz) ?? 0) + 1);
        diff.set(gz, (diff.get(gz) ?? 0) - 1);
        break;
      }
    }
  }
  return diff;
}

/**
 * TopologyCache.AddHints for one address type. On any safeguard failing, all
 * hints of the Service (this address type) are removed and the outcome is a
 * TopologyAwareHintsDisabled warning naming the reason.
 */
export function addTopologyHints(sets: SliceSets, topo: ZoneTopology, addressType: string): { sets: SliceSets; outcome: HintOutcome } {
  const disabled = (message: string) => ({
    sets: removeHints(sets),
    outcome: { eventType: 'Warning' as const, reason: 'TopologyAwareHintsDisabled' as const, message: withAddressType(message, addressType), enabled: false },
  });
  const total = countReady(sets.create) + countReady(sets.update) + countReady(sets.unchanged);
  const alloc = allocations(total, topo);
  if (!alloc.ok) return disabled(alloc.message);

  // getAllocatedHintsByZone: keep valid unchanged slices, rewrite the others.
  const allocated = new Map<string, number>();
  const keep: EndpointSlice[] = [];
  for (const s of sets.unchanged) {
    const h = hintsByZone(s, allocated, alloc.byZone);
    if (!h) sets.update.push(copySlice(s));
    else {
      keep.push(s);
      for (const [z, n] of h) allocated.set(z, (allocated.get(z) ?? 0) + n);
    }
  }
  sets.unchanged = keep;

  const allocatable = [...sets.create, ...sets.update];
  // Step 1: every ready endpoint hinted for its own zone.
  for (const slice of allocatable) {
    for (let i = 0; i < slice.endpoints.length; i++) {
      const ep = slice.endpoints[i]!;
      if (!isReady(ep)) {
        // Not-ready endpoints never carry hints.
        slice.endpoints[i] = withoutHints(ep);
        continue;
      }
      if (!ep.zone) return disabled(HINT_MESSAGES.NoZoneSpecified);
      allocated.set(ep.zone, (allocated.get(ep.zone) ?? 0) + 1);
      slice.endpoints[i] = { ...ep, hints: { forZones: [{ name: ep.zone }] } };
    }
  }
  // Steps 2 and 3: move whole endpoints from zones above their share to zones below.
  const { giving, receiving } = givingAndReceivingZones(alloc.byZone, allocated);
  for (const [zone, d] of redistribute(allocatable, giving, receiving)) allocated.set(zone, (allocated.get(zone) ?? 0) + d);
  if (allocated.size === 0) return disabled(HINT_MESSAGES.NoAllocatedHintsForZones);
  return {
    sets,
    outcome: { eventType: 'Normal', reason: 'TopologyAwareHintsEnabled', message: withAddressType(HINT_MESSAGES.TopologyAwareHintsEnabled, addressType), enabled: true },
  };
}

/** The trafficDistribution values this controller honours (PreferSame* only behind the alpha gate, as in 1.33). */
export function validTrafficDistribution(td: string | undefined, preferSame: boolean): boolean {
  if (td === 'PreferClose') return true;
  return preferSame && (td === 'PreferSameZone' || td === 'PreferSameNode');
}

/**
 * trafficdist.ReconcileHints for PreferClose/PreferSameZone/PreferSameNode:
 * every ready endpoint gets forZones [own zone] (and forNodes [own node] for
 * PreferSameNode). Unchanged slices are rewritten only when a hint is
 * missing or wrong.
 */
export function preferCloseHints(sets: SliceSets, td: string): SliceSets {
  const nodeHints = td === 'PreferSameNode';
  const needsUpdate = (slice: EndpointSlice): boolean => {
    for (const ep of slice.endpoints ?? []) {
      if (!isReady(ep)) continue;
      const zones = ep.hints?.forZones ?? [];
      const nodes = ep.hints?.forNodes ?? [];
      if (ep.zone !== undefined) {
        if (zones.length !== 1 || zones[0]!.name !== ep.zone) return true;
      } else if (zones.length > 0) return true;
      if (ep.nodeName !== undefined && nodeHints) {
        if (nodes.length !== 1 || nodes[0]!.name !== ep.nodeName) return true;
      } else if (nodes.length > 0) return true;
    }
    return false;
  };
  const unchanged: EndpointSlice[] = [];
  for (const s of sets.unchanged) {
    if (needsUpdate(s)) sets.update.push(copySlice(s));
    else unchanged.push(s);
  }
  sets.unchanged = unchanged;
  for (const slice of [...sets.create, ...sets.update]) {
    slice.endpoints = slice.endpoints.map((ep) => {
      if (!isReady(ep)) return ep;
      const hints: NonNullable<Endpoint['hints']> = {};
      if (ep.zone !== undefined) hints.forZones = [{ name: ep.zone }];
      if (ep.nodeName !== undefined && nodeHints) hints.forNodes = [{ name: ep.nodeName }];
      if (hints.forZones || hints.forNodes) return { ...ep, hints };
      return withoutHints(ep);
    });
  }
  return sets;
}

/** serviceOverloaded: some zone holds fewer hinted endpoints than ceil(total·ratio/1.2). */
export function serviceOverloaded(hintedByZone: ReadonlyMap<string, number>, topo: ZoneTopology): boolean {
  if (hintedByZone.size === 0) return false;
  if (!topo.sufficient) return true;
  let total = 0;
  for (const n of hintedByZone.values()) total += n;
  for (const [zone, ratio] of topo.cpuRatioByZone) {
    const have = hintedByZone.get(zone);
    if (have === undefined) return true;
    if (have < Math.ceil(total * ratio * (1 / (1 + OVERLOAD_THRESHOLD)))) return true;
  }
  return false;
}
