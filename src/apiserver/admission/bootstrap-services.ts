/**
 * The two Services every cluster has from the start:
 *
 * - default/kubernetes: the first address of the primary service range, port
 *   443 ("https") → the API server, with the Endpoints and EndpointSlice
 *   pointing at the API server itself (no selector; the API server owns them,
 *   as Kubernetes' endpoint reconciler does);
 * - kube-system/kube-dns: the tenth address, ports 53/UDP "dns", 53/TCP
 *   "dns-tcp", 9153/TCP "metrics", selector k8s-app=kube-dns.
 *
 * Idempotent: existing objects are kept (the kubernetes Service's ports and
 * endpoints are brought up to date with the API server's port). Writes go
 * through the registry, so admission allocates the well-known IPs; call it
 * after the Service admission hooks are installed. Never throws for a write
 * that fails: the report says what happened.
 */
import type { Endpoints, EndpointSlice, KubeObject, Service, ServicePort } from '../../api/types.ts';
import { findResource, type ResourceInfo } from '../../api/resources.ts';
import { isNotFound } from '../../api/status.ts';
import { familyOf } from '../../api/validation/ip.ts';
import { allocatorsFor, type ClusterNetworkConfig } from '../../allocators/index.ts';
import type { Registry } from '../registry.ts';

export interface BootstrapServicesOptions {
  /** Address the API server is reached on (default: the first of config.apiServerIPs, else 127.0.0.1). */
  apiServerIP?: string;
  /** targetPort of kube-dns's DNS ports (53 unless the DNS server listens elsewhere). */
  dnsTargetPort?: number;
}

export interface BootstrapReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  errors: string[];
}

const SERVICES = findResource('', 'v1', 'services')!;
const ENDPOINTS = findResource('', 'v1', 'endpoints')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

export async function bootstrapServices(registry: Registry, config: ClusterNetworkConfig, apiServerPort: number, opts: BootstrapServicesOptions = {}): Promise<BootstrapReport> {
  const report: BootstrapReport = { created: [], updated: [], unchanged: [], errors: [] };
  const al = allocatorsFor(config).ip[config.primaryFamily];
  if (!al) {
    report.errors.push(`no service CIDR for the primary family ${config.primaryFamily}`);
    return report;
  }
  const apiIP = opts.apiServerIP ?? config.apiServerIPs[0] ?? '127.0.0.1';
  const httpsPort = { name: 'https', port: apiServerPort, protocol: 'TCP' };

  const kubernetes: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: al.nth(1), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiServerPort }], sessionAffinity: 'None' },
  };
  const dnsTarget = opts.dnsTargetPort ?? 53;
  const kubeDns: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: al.nth(10),
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: dnsTarget },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: dnsTarget },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiIP }], ports: [httpsPort] }],
  };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: familyOf(apiIP) === 'IPv6' ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [apiIP], conditions: { ready: true } }],
    ports: [httpsPort],
  };

  const label = (r: ResourceInfo, o: KubeObject) => `${r.resource}/${o.metadata.namespace}/${o.metadata.name}`;
  /** Creates `want`, or when it exists applies `fix` (which returns false when nothing needs changing). */
  const ensure = async (r: ResourceInfo, want: KubeObject, fix?: (cur: KubeObject) => boolean) => {
    const ns = want.metadata.namespace!;
    const name = want.metadata.name!;
    try {
      const cur = registry.getCached(r, ns, name)?.obj;
      if (!cur) {
        await registry.create(r, ns, want);
        report.created.push(label(r, want));
        return;
      }
      let changed = false;
      if (fix) {
        await registry.guaranteedUpdate(r, ns, name, {}, (c) => {
          changed = fix(c);
          return c;
        });
      }
      (changed ? report.updated : report.unchanged).push(label(r, want));
    } catch (e) {
      if (isNotFound(e)) report.errors.push(`${label(r, want)}: namespace ${ns} does not exist`);
      else report.errors.push(`${label(r, want)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const setIfDifferent = <T>(get: () => T, set: (v: T) => void, v: T): boolean => {
    if (JSON.stringify(get()) === JSON.stringify(v)) return false;
    set(v);
    return true;
  };

  await ensure(SERVICES, kubernetes, (cur) => {
    const s = cur as Service;
    const want = kubernetes.spec.ports!;
    const have: ServicePort[] = (s.spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort }));
    return setIfDifferent<ServicePort[]>(() => have, (v) => (s.spec.ports = v), want);
  });
  await ensure(ENDPOINTS, endpoints, (cur) => setIfDifferent(() => (cur as Endpoints).subsets, (v) => ((cur as Endpoints).subsets = v), endpoints.subsets));
  await ensure(SLICES, slice, (cur) => {
    const c = cur as EndpointSlice;
    if (c.addressType !== slice.addressType) return false; // immutable; leave it
    const a = setIfDifferent(() => c.endpoints, (v) => (c.endpoints = v), slice.endpoints);
    const b = setIfDifferent(() => c.ports, (v) => (c.ports = v), slice.ports);
    return a || b;
  });
  await ensure(SERVICES, kubeDns);
  return report;
}
