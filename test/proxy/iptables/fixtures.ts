/**
 * Plain-data builders for the iptables tests: service ports, endpoints and
 * ProxyStates, frozen so a renderer that mutates its input fails.
 */
import type { EndpointInfo, ProxyState, ProxyStateUpdate, ServicePortInfo, Protocol } from '../../../src/proxy/types.ts';
import { ipFamilyOf, servicePortKey } from '../../../src/proxy/types.ts';

export const NODE = { name: 'node-a', zone: 'zone-a' };

export function sp(ns: string, name: string, o: Partial<ServicePortInfo> & { portName?: string; protocol?: Protocol } = {}): ServicePortInfo {
  const spn = { namespace: ns, name, port: o.portName ?? '', protocol: o.protocol ?? 'TCP' };
  return Object.freeze({
    key: servicePortKey(spn),
    service: `${ns}/${name}`,
    uid: `uid-${name}`,
    spn,
    port: 80,
    clusterIPs: ['10.96.0.10'],
    nodePort: 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: 0,
    affinityTimeoutSeconds: 0,
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    trafficDistribution: '',
    ...o,
  });
}

export function ep(ip: string, o: Partial<EndpointInfo> & { local?: boolean } = {}): EndpointInfo {
  const local = o.local ?? o.isLocal ?? false;
  return Object.freeze({
    ip,
    port: 8080,
    family: ipFamilyOf(ip),
    nodeName: local ? NODE.name : 'node-b',
    zone: '',
    ready: true,
    serving: o.serving ?? o.ready ?? true,
    terminating: false,
    isLocal: local,
    zoneHints: [],
    nodeHints: [],
    ...o,
  });
}

const epKey = (e: EndpointInfo) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

export function state(entries: [ServicePortInfo, EndpointInfo[]][], node = NODE): ProxyState {
  const servicePorts = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, readonly EndpointInfo[]>();
  for (const [s, eps] of entries) {
    servicePorts.set(s.key, s);
    if (eps.length) endpoints.set(s.key, Object.freeze([...eps].sort((a, b) => (epKey(a) < epKey(b) ? -1 : 1))));
  }
  return Object.freeze({ node, servicePorts, endpoints });
}

export function fullUpdate(s: ProxyState): ProxyStateUpdate {
  return { full: true, changed: new Set(s.servicePorts.keys()), deleted: new Set(), services: new Set(), triggerTimes: new Map() };
}

export function partialUpdate(changed: string[], deleted: string[] = []): ProxyStateUpdate {
  return { full: false, changed: new Set(changed), deleted: new Set(deleted), services: new Set(), triggerTimes: new Map() };
}
