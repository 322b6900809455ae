/**
 * Plain-data builders for the nftables tests: service ports, endpoints and
 * ProxyStates, with the defaults of a ClusterIP Service on TCP port 80.
 */
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../../../src/proxy/types.ts';
import { ipFamilyOf, servicePortKey } from '../../../src/proxy/types.ts';

export type PortSpec = Partial<Omit<ServicePortInfo, 'spn' | 'key' | 'service'>> & {
  namespace?: string;
  name?: string;
  portName?: string;
  protocol?: ServicePortInfo['spn']['protocol'];
};

export function servicePort(o: PortSpec = {}): ServicePortInfo {
  const spn = { namespace: o.namespace ?? 'ns1', name: o.name ?? 'svc1', port: o.portName ?? 'p80', protocol: o.protocol ?? 'TCP' };
  return {
    key: servicePortKey(spn),
    service: `${spn.namespace}/${spn.name}`,
    uid: 'uid-1',
    spn,
    port: o.port ?? 80,
    clusterIPs: o.clusterIPs ?? ['172.30.0.41'],
    nodePort: o.nodePort ?? 0,
    externalIPs: o.externalIPs ?? [],
    loadBalancerIPs: o.loadBalancerIPs ?? [],
    loadBalancerSourceRanges: o.loadBalancerSourceRanges ?? [],
    healthCheckNodePort: o.healthCheckNodePort ?? 0,
    affinityTimeoutSeconds: o.affinityTimeoutSeconds ?? 0,
    externalPolicyLocal: o.externalPolicyLocal ?? false,
    internalPolicyLocal: o.internalPolicyLocal ?? false,
    trafficDistribution: o.trafficDistribution ?? '',
  };
}

export function endpoint(ipPort: string, o: Partial<EndpointInfo> = {}): EndpointInfo {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(ipPort)!;
  const ip = m[1]!;
  return {
    ip,
    port: Number(m[2]),
    family: ipFamilyOf(ip),
    nodeName: o.isLocal ? 'node1' : (o.nodeName ?? 'node2'),
    zone: '',
    ready: true,
    serving: true,
    terminating: false,
    isLocal: false,
    zoneHints: [],
    nodeHints: [],
    ...o,
  };
}

export function proxyState(entries: ReadonlyArray<[ServicePortInfo, EndpointInfo[]]>, node = { name: 'node1', zone: 'zone-a' }): ProxyState {
  const servicePorts = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, readonly EndpointInfo[]>();
  for (const [sp, eps] of entries) {
    servicePorts.set(sp.key, sp);
    if (eps.length) endpoints.set(sp.key, [...eps].sort((a, b) => (a.ip + a.port < b.ip + b.port ? -1 : 1)));
  }
  return { node, servicePorts, endpoints };
}
