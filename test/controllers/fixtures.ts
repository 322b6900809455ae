/**
 * Builders for controller tests: Services, Pods, Nodes, slices as plain
 * data, and deepFreeze so a planner or controller that mutates a cached
 * object fails loudly (ESM is strict mode: writing a frozen property throws).
 */
import type { Container, Endpoint, EndpointSlice, Endpoints, Node, Pod, Service, ServicePort } from '../../src/api/types.ts';

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export interface SvcOpts {
  ns?: string;
  uid?: string;
  selector?: Record<string, string> | null;
  ports?: ServicePort[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  clusterIP?: string;
  ipFamilies?: ('IPv4' | 'IPv6')[];
  publishNotReadyAddresses?: boolean;
  trafficDistribution?: string;
  type?: Service['spec']['type'];
  created?: string;
  deleting?: boolean;
}

export function svc(name: string, o: SvcOpts = {}): Service {
  const s: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: o.uid ?? `uid-svc-${name}`,
      resourceVersion: '1',
      creationTimestamp: o.created ?? '2025-01-01T00:00:00Z',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: '2025-01-02T00:00:00Z' } : {}),
    },
    spec: {
      type: o.type ?? 'ClusterIP',
      selector: o.selector === undefined ? { app: name } : o.selector,
      ports: o.ports ?? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      clusterIP: o.clusterIP ?? '127.96.0.20',
      ipFamilies: o.ipFamilies ?? ['IPv4'],
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
      ...(o.trafficDistribution ? { trafficDistribution: o.trafficDistribution } : {}),
    },
  };
  return s;
}

export interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  /** One IP, several (dual-stack), or none. */
  ip?: string | string[] | null;
  ready?: boolean;
  node?: string | null;
  deleting?: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ports?: Container['ports'];
  initContainers?: Container[];
  hostname?: string;
  subdomain?: string;
  readyTime?: string;
  rv?: string;
}

let podSeq = 0;

export function pod(name: string, o: PodOpts = {}): Pod {
  const ips = o.ip === null ? [] : Array.isArray(o.ip) ? o.ip : [o.ip ?? `127.244.0.${(++podSeq % 250) + 1}`];
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-pod-${name}`,
      resourceVersion: o.rv ?? '1',
      labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: '2025-01-03T00:00:00Z', deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      containers: [{ name: 'main', ports: o.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.node === null ? {} : { nodeName: o.node ?? 'node-a' }),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(ips.length ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readyTime ?? '2025-01-01T00:00:10Z' }],
    },
  };
  return p;
}

export function node(name: string, o: { zone?: string; cpu?: string; ready?: boolean; labels?: Record<string, string> } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `uid-node-${name}`,
      resourceVersion: '1',
      labels: { ...(o.zone ? { 'topology.kubernetes.io/zone': o.zone } : {}), ...(o.labels ?? {}) },
    },
    status: {
      allocatable: { cpu: o.cpu ?? '4' },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export function nodeLookup(nodes: Node[]): (name: string) => Node | undefined {
  const m = new Map(nodes.map((n) => [n.metadata.name!, n]));
  return (n) => m.get(n);
}

/** A slice as the API server would hold it after this controller wrote it. */
export function storedSlice(name: string, s: Service, endpoints: Endpoint[], o: { ports?: EndpointSlice['ports']; addressType?: 'IPv4' | 'IPv6'; labels?: Record<string, string>; ownerUid?: string; generation?: number } = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: s.metadata.namespace,
      uid: `uid-slice-${name}`,
      resourceVersion: '5',
      generation: o.generation ?? 1,
      generateName: `${s.metadata.name}-`,
      labels: o.labels ?? { 'kubernetes.io/service-name': s.metadata.name!, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: s.metadata.name!, uid: o.ownerUid ?? s.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: o.addressType ?? 'IPv4',
    endpoints,
    ports: o.ports === undefined ? [{ name: 'http', protocol: 'TCP', port: 8080 }] : o.ports,
  };
}

/** The endpoint the controller writes for a pod (IPv4, zone optional). */
export function podEndpoint(p: Pod, o: { ready?: boolean; serving?: boolean; terminating?: boolean; zone?: string; hostname?: string } = {}): Endpoint {
  const serving = o.serving ?? p.status?.conditions?.[0]?.status === 'True';
  const terminating = o.terminating ?? Boolean(p.metadata.deletionTimestamp);
  const ep: Endpoint = {
    addresses: [p.status!.podIP!],
    conditions: { ready: o.ready ?? (serving && !terminating), serving, terminating },
  };
  if (o.hostname) ep.hostname = o.hostname;
  ep.targetRef = { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid };
  if (p.spec.nodeName) ep.nodeName = p.spec.nodeName;
  if (o.zone) ep.zone = o.zone;
  return ep;
}

export function endpointsObject(name: string, subsets: Endpoints['subsets'], o: { ns?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-ep-${name}`,
      resourceVersion: '3',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    subsets,
  };
}

export function pods(n: number, prefix = 'p', o: PodOpts = {}): Pod[] {
  return Array.from({ length: n }, (_, i) => pod(`${prefix}${String(i).padStart(4, '0')}`, { ip: `127.244.${Math.floor(i / 250)}.${(i % 250) + 1}`, ...o }));
}
