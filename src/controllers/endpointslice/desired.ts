/**
 * Desired endpoints of a Service for one address type (k8s.io/endpointslice
 * utils.go podToEndpoint, getEndpointPorts; reconciler.go's desired-state
 * loop), and the endpoint identity/equality rules the packer relies on
 * (util/endpointset.go hashEndpoint, EndpointsEqualBeyondHash).
 *
 * Pure and deterministic: pods are taken in name order, so the same input
 * always packs the same way.
 */
import type { Endpoint, EndpointPort, Node, ObjectReference, Pod, Service } from '../../api/types.ts';
import { canonicalizeIP } from '../shared/ip.ts';
import { LABEL_TOPOLOGY_ZONE } from '../shared/names.ts';
import { findPort, isPodReady, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../shared/pod.ts';
import type { AddressType } from '../shared/service.ts';

/** Endpoints that share one port list; `endpoints` is keyed by endpointHash, in insertion order. */
export interface PortGroup {
  key: string;
  ports: EndpointPort[];
  endpoints: Map<string, Endpoint>;
}

export interface DesiredState {
  /** Port groups in first-seen order. */
  groups: Map<string, PortGroup>;
  /** Pods skipped because their Node is not known (the sync is retried). */
  errors: string[];
}

/** getEndpointPorts: one port per Service port whose targetPort resolves on this pod. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = svc.spec.ports ?? [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
    if (sp.appProtocol !== undefined && sp.appProtocol !== null) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

function canonicalPort(p: EndpointPort): string {
  const port = p as Partial<EndpointPort> & { port?: number | null; name?: string | null; appProtocol?: string | null };
  return JSON.stringify([port.name ?? '', port.protocol ?? 'TCP', port.port ?? null, port.appProtocol ?? null]);
}

/** NewPortMapKey: order-insensitive identity of a port list (nil ≡ empty). */
export function portMapKey(ports: readonly EndpointPort[] | null | undefined): string {
  if (!ports || ports.length === 0) return '[]';
  return `[${ports.map(canonicalPort).sort().join(',')}]`;
}

/**
 * hashEndpoint: identity of an endpoint = sorted addresses, hostname and the
 * target's namespace/name. Everything else may be updated in place.
 */
export function endpointHash(ep: Endpoint): string {
  const addrs = ep.addresses ?? [];
  const a = addrs.length > 1 ? [...addrs].sort() : addrs;
  return `${a.join(',')}|${ep.hostname ?? ''}|${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}`;
}

function sameRef(a: ObjectReference | undefined, b: ObjectReference | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (
    a.kind === b.kind &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.uid === b.uid &&
    a.apiVersion === b.apiVersion &&
    a.fieldPath === b.fieldPath
  );
}

/**
 * EndpointsEqualBeyondHash: nodeName, zone, the three conditions (unset ≠
 * false) and targetRef (ignoring its resourceVersion). Hints are compared
 * separately by the hint planners.
 */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    sameRef(a.targetRef, b.targetRef)
  );
}

/**
 * podToEndpoint: conditions serving = pod Ready, terminating =
 * deletionTimestamp set, ready = publishNotReadyAddresses || (serving &&
 * !terminating); addresses = the pod IPs of this family, re-stringified.
 */
export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const ready = Boolean(svc.spec.publishNotReadyAddresses) || (serving && !terminating);
  const addresses: string[] = [];
  for (const raw of podIPs(pod)) {
    const ip = canonicalizeIP(raw);
    if (ip && ip.family === addressType) addresses.push(ip.ip);
  }
  const ep: Endpoint = { addresses, conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname!;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  return ep;
}

function byName(a: Pod, b: Pod): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The desired endpoints for one address type, grouped by port list. A pod
 * whose Node is unknown is skipped with an error (retry later) unless the
 * Service publishes not-ready addresses. A group is created for every
 * included pod even when it contributes no address of this family, as
 * Kubernetes does (it decides whether a placeholder slice is needed).
 */
export function desiredEndpoints(svc: Service, pods: readonly Pod[], node: (name: string) => Node | undefined, addressType: AddressType): DesiredState {
  const groups = new Map<string, PortGroup>();
  const errors: string[] = [];
  const sorted = [...pods].sort(byName);
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portMapKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, ports, endpoints: new Map() }));
    const n = pod.spec.nodeName ? node(pod.spec.nodeName) : undefined;
    if (!n && !svc.spec.publishNotReadyAddresses) {
      errors.push(`skipping Pod ${pod.metadata.name} for Service ${svc.metadata.namespace}/${svc.metadata.name}: Node ${pod.spec.nodeName ?? ''} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, n, svc, addressType);
    if (ep.addresses.length > 0) g.endpoints.set(endpointHash(ep), ep);
  }
  return { groups, errors };
}
