/**
 * Service defaulting: Kubernetes v1.33 SetDefaults_Service
 * (pkg/apis/core/v1/defaults.go), applied to every v1 object the API server
 * decodes (create, update, patch result) before anything else looks at it.
 *
 * Contract: mutates in place, idempotent, never throws, tolerates malformed
 * input (validation reports it afterwards). IP-family fields, clusterIPs and
 * nodePorts are not defaulted here: the allocator does that (ALLOC).
 */
import type { Service, ServiceSpec } from '../types.ts';

/** DefaultClientIPServiceAffinitySeconds (core/v1 types.go): 3 hours. */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/**
 * apiservice.ExternallyAccessible: NodePort and LoadBalancer, and ClusterIP
 * with externalIPs.
 */
export function externallyAccessible(spec: ServiceSpec): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
  );
}

/** apiservice.NeedsHealthCheck: type LoadBalancer with externalTrafficPolicy Local. */
export function needsHealthCheck(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function defaultService(svc: Service): void {
  if (!isObject(svc.spec)) return;
  const spec = svc.spec;

  // Empty string counts as unset for these string fields (Go zero value).
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') {
    // SetDefaults_Service clears it, which is why "None + config" is never rejected through the API.
    delete spec.sessionAffinityConfig;
  } else if (spec.sessionAffinity === 'ClientIP') {
    const c = spec.sessionAffinityConfig;
    if (!isObject(c) || !isObject(c.clientIP) || c.clientIP.timeoutSeconds === undefined || c.clientIP.timeoutSeconds === null) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }

  if (!spec.type) spec.type = 'ClusterIP';

  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObject(p)) continue;
      if (!p.protocol) p.protocol = 'TCP';
      // targetPort 0 or "" (or absent) means "same as port", headless included.
      if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }

  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';

  if ((spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) && (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    spec.internalTrafficPolicy = 'Cluster';
  }

  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    spec.allocateLoadBalancerNodePorts = true;
  }

  // LoadBalancerIPMode (GA in 1.32): ingress points with an ip get ipMode VIP.
  if (spec.type === 'LoadBalancer' && isObject(svc.status) && isObject(svc.status.loadBalancer) && Array.isArray(svc.status.loadBalancer.ingress)) {
    for (const ing of svc.status.loadBalancer.ingress) {
      if (isObject(ing) && ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
    }
  }
}

/** core/v1 ServiceSpec and ServicePort field order: what a real API server emits. */
const SPEC_ORDER = [
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
];
const PORT_ORDER = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];

function ordered<T extends object>(o: T, order: readonly string[]): T {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in src) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out as T;
}

/**
 * Puts spec fields in Go struct order, so the stored JSON does not depend on
 * the order a client (or the server) wrote them in: re-applying a manifest
 * is then byte-for-byte a no-op, and `-o json` reads like a real cluster's.
 * Call it last, after defaulting and allocation.
 */
export function orderServiceFields(svc: Service): void {
  if (!isObject(svc.spec)) return;
  svc.spec = ordered(svc.spec, SPEC_ORDER);
  if (Array.isArray(svc.spec.ports)) {
    svc.spec.ports = svc.spec.ports.map((p) => (p && typeof p === 'object' && !Array.isArray(p) ? ordered(p, PORT_ORDER) : p));
  }
}

