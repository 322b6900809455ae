/**
 * Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR].
 * Mirrors printService, getServiceExternalIP and makePortString.
 */
import type { KubeObject, Service, ServicePort } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { SERVICE_SPEC } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, formatLabels, objectName, sortedSet } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';

/** Non-wide output clips the load-balancer list to this many bytes; the server always prints wide. */
const LOAD_BALANCER_WIDTH = 16;

export const servicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', SERVICE_SPEC.type),
    column('Cluster-IP', 'string', SERVICE_SPEC.clusterIP),
    column('External-IP', 'string', SERVICE_SPEC.externalIPs),
    column('Port(s)', 'string', SERVICE_SPEC.ports),
    AGE_COLUMN,
    column('Selector', 'string', SERVICE_SPEC.selector, 1),
  ],
  printRow(obj: KubeObject, now: Date) {
    const svc = obj as Service;
    const spec = svc.spec ?? {};
    const ports = makePortString(spec.ports ?? []);
    return {
      cells: [
        objectName(svc),
        serviceType(svc),
        clusterIPs(svc)[0] ?? '<none>',
        serviceExternalIP(svc, true),
        ports === '' ? '<none>' : ports,
        translateTimestampSince(svc.metadata?.creationTimestamp, now),
        formatLabels(spec.selector),
      ],
    };
  },
};

/** The real server defaults spec.type before anything reads it. */
function serviceType(svc: Service): string {
  return svc.spec?.type ?? 'ClusterIP';
}

/**
 * spec.clusterIPs, falling back to clusterIP: v1 defaulting fills clusterIPs
 * from clusterIP on every decode, so the real printer never sees one without
 * the other.
 */
function clusterIPs(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs ?? [];
  if (ips.length > 0) return ips;
  return svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
}

/** loadBalancerStatusStringer: ingress IPs (else hostnames), sorted and unique, comma-joined. */
export function loadBalancerStatusString(svc: Service, wide: boolean): string {
  const entries = (svc.status?.loadBalancer?.ingress ?? []).flatMap((ing) =>
    ing.ip ? [ing.ip] : ing.hostname ? [ing.hostname] : [],
  );
  let r = sortedSet(entries).join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = r.slice(0, LOAD_BALANCER_WIDTH - 3) + '...';
  return r;
}

/** getServiceExternalIP. */
export function serviceExternalIP(svc: Service, wide: boolean): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatusString(svc, wide);
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP" or "80:30080/TCP" per port, comma-joined ("" for none). */
export function makePortString(ports: ServicePort[]): string {
  return ports
    .map((p) => {
      // v1 defaulting sets protocol TCP before the printer runs.
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
}
