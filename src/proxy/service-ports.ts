/**
 * Service → ServicePortInfo[] (kube-proxy pkg/proxy/serviceport.go
 * newBaseServiceInfo and pkg/proxy/util ShouldSkipService). Pure.
 */
import type { Service } from '../api/types.ts';
import type { Protocol, ServicePortInfo } from './types.ts';
import { servicePortKey } from './types.ts';

/** Label that hands a Service to another proxy (kube-proxy ignores such Services and their slices). */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
/** Label the EndpointSlice controller puts on slices of headless Services. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const ANNOTATION_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

/** v1.DefaultClientIPServiceAffinitySeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/**
 * ShouldSkipService: ExternalName and headless Services (clusterIP "None" or
 * unset) are not proxied, nor Services labelled for another proxy.
 */
export function shouldSkipService(svc: Service): boolean {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return true;
  if (!spec.clusterIP || spec.clusterIP === 'None') return true;
  if (svc.metadata.labels?.[LABEL_SERVICE_PROXY_NAME] !== undefined) return true;
  return false;
}

/** apiservice.ExternallyAccessible on the Service (not the port): NodePort, LoadBalancer, or ClusterIP with externalIPs. */
function serviceExternallyAccessible(svc: Service): boolean {
  const t = svc.spec.type ?? 'ClusterIP';
  return t === 'NodePort' || t === 'LoadBalancer' || (t === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);
}

/**
 * The proxied ports of a Service, in spec order. Empty for Services the proxy
 * skips. Deterministic; never mutates `svc`.
 */
export function servicePortsFromService(svc: Service): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  const spec = svc.spec;
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const clusterIPs = spec.clusterIPs?.length ? spec.clusterIPs.filter((ip) => ip && ip !== 'None') : [spec.clusterIP!];
  const externalPolicyLocal = serviceExternallyAccessible(svc) && spec.externalTrafficPolicy === 'Local';
  const affinity =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : 0;
  // proxyutil.IsVIPMode: ipMode unset or VIP; ipMode Proxy means the load balancer itself delivers to the node.
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((ing) => ing.ip && (ing.ipMode === undefined || ing.ipMode === null || ing.ipMode === 'VIP'))
    .map((ing) => ing.ip!);
  const needsHealthCheck = spec.type === 'LoadBalancer' && externalPolicyLocal;
  return (spec.ports ?? []).map((p) => {
    const protocol: Protocol = p.protocol ?? 'TCP';
    const spn = { namespace, name, port: p.name ?? '', protocol };
    return {
      key: servicePortKey(spn),
      service: `${namespace}/${name}`,
      uid: svc.metadata.uid ?? '',
      spn,
      port: p.port,
      clusterIPs: [...clusterIPs],
      nodePort: p.nodePort ?? 0,
      externalIPs: [...(spec.externalIPs ?? [])],
      loadBalancerIPs: [...lbIPs],
      loadBalancerSourceRanges: (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter(Boolean),
      healthCheckNodePort: needsHealthCheck ? (spec.healthCheckNodePort ?? 0) : 0,
      affinityTimeoutSeconds: affinity,
      externalPolicyLocal,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      trafficDistribution: spec.trafficDistribution ?? '',
    };
  });
}

/** Field-by-field equality of two ServicePortInfos (for change detection). */
export function sameServicePort(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
