/**
 * Pod predicates shared by the endpoint controllers (k8s.io/endpointslice
 * util/controller_utils.go and utils.go FindPort). Pure.
 */
import type { Condition, Pod, Service, ServicePort } from '../../api/types.ts';

export function podReadyCondition(pod: Pod): Condition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** IsPodReady: the Ready condition is "True". */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** isPodTerminal: phase Succeeded or Failed (distinct from "terminating"). */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The pod's IPs: status.podIPs, or status.podIP when podIPs is absent (an
 * older writer). Kubernetes reads podIPs; podIP is always podIPs[0].
 */
export function podIPs(pod: Pod): string[] {
  const list = pod.status?.podIPs;
  if (list && list.length) return list.map((p) => p.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  const one = pod.status?.podIP;
  return one ? [one] : [];
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless
 * includeTerminating) has no deletionTimestamp.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: pod.spec.hostname set and pod.spec.subdomain is the Service's name (same namespace). */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return Boolean(pod.spec.hostname) && pod.spec.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/**
 * FindPort: a numeric targetPort is used as is; a named one is looked up in
 * the containers' ports, then in restartable init containers (sidecars,
 * restartPolicy Always), matching name AND protocol. Undefined when the pod
 * has no such port. targetPort defaults to port (API defaulting).
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  const protocol = sp.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

/**
 * podEndpointsChanged: `podChanged` when the pod changed in a way that may
 * change its endpoint (deletionTimestamp, readiness, IPs); `labelsChanged`
 * when it may change which Services select it (labels, hostname/subdomain).
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged =
    !sameLabels(oldPod.metadata.labels, newPod.metadata.labels) ||
    oldPod.spec.hostname !== newPod.spec.hostname ||
    oldPod.spec.subdomain !== newPod.spec.subdomain;
  if (oldPod.metadata.deletionTimestamp !== newPod.metadata.deletionTimestamp) return { podChanged: true, labelsChanged };
  if (isPodReady(oldPod) !== isPodReady(newPod)) return { podChanged: true, labelsChanged };
  const a = podIPs(oldPod);
  const b = podIPs(newPod);
  if (a.length !== b.length || a.some((ip, i) => ip !== b[i])) return { podChanged: true, labelsChanged };
  // Terminal phase and nodeName also decide membership; Kubernetes relies on
  // the IP/readiness changes that accompany them. Checked here as well so a
  // level-triggered reconcile is never skipped.
  if (isPodTerminal(oldPod) !== isPodTerminal(newPod) || oldPod.spec.nodeName !== newPod.spec.nodeName) {
    return { podChanged: true, labelsChanged };
  }
  return { podChanged: false, labelsChanged };
}
