/**
 * The Service shapes the golden files and the packet traces cover, one
 * ProxyState each. Node node1 in zone-a, node address 192.168.77.1, pods of
 * this node in 10.180.0.0/24, the cluster's pods in 10.180.0.0/16
 * (fd00:10:180::/48 for IPv6).
 */
import type { NftOptions } from '../../../src/proxy/nftables/index.ts';
import type { ProxyState } from '../../../src/proxy/types.ts';
import { endpoint, proxyState, servicePort } from './fixtures.ts';

export const NODE_IP = '192.168.77.1';
export const NODE_IP6 = 'fd00:77::1';

export interface Case {
  name: string;
  what: string;
  state: ProxyState;
  opts: NftOptions;
}

const v4: NftOptions = { ipFamilies: ['IPv4'], clusterCIDRs: ['10.180.0.0/16'] };
const local = { isLocal: true };

export const CASES: Case[] = [
  {
    name: 'clusterip',
    what: 'ClusterIP with three endpoints (numgen ladder), masquerade off-cluster sources and hairpin',
    opts: v4,
    state: proxyState([
      [servicePort({ name: 'web', clusterIPs: ['172.30.0.41'] }), [endpoint('10.180.0.1:8080', local), endpoint('10.180.1.1:8080'), endpoint('10.180.2.1:8080')]],
    ]),
  },
  {
    name: 'no-endpoints',
    what: 'REJECT: no endpoints (TCP with a NodePort, unnamed UDP port), and only not-serving endpoints',
    opts: v4,
    state: proxyState([
      [servicePort({ name: 'empty', clusterIPs: ['172.30.0.42'], nodePort: 30042 }), []],
      [servicePort({ name: 'dns', clusterIPs: ['172.30.0.43'], protocol: 'UDP', portName: '', port: 53 }), []],
      [servicePort({ name: 'notready', clusterIPs: ['172.30.0.44'] }), [endpoint('10.180.1.4:80', { ready: false, serving: false })]],
    ]),
  },
  {
    name: 'nodeport',
    what: 'NodePort with externalTrafficPolicy Cluster: masquerade, every endpoint',
    opts: v4,
    state: proxyState([
      [servicePort({ name: 'np', clusterIPs: ['172.30.0.45'], nodePort: 30045 }), [endpoint('10.180.0.5:80', local), endpoint('10.180.1.5:80')]],
    ]),
  },
  {
    name: 'external-policy-local',
    what: 'externalTrafficPolicy Local: only local endpoints keep the source; pods and the node short-circuit; none local → DROP',
    opts: v4,
    state: proxyState([
      [
        servicePort({ name: 'lb', clusterIPs: ['172.30.0.46'], nodePort: 30046, loadBalancerIPs: ['5.6.7.8'], externalPolicyLocal: true, healthCheckNodePort: 32000 }),
        [endpoint('10.180.0.6:80', local), endpoint('10.180.1.6:80')],
      ],
      [servicePort({ name: 'remote', clusterIPs: ['172.30.0.47'], nodePort: 30047, externalPolicyLocal: true }), [endpoint('10.180.1.7:80')]],
    ]),
  },
  {
    name: 'internal-policy-local',
    what: 'internalTrafficPolicy Local: local endpoints only; none on this node → DROP',
    opts: v4,
    state: proxyState([
      [servicePort({ name: 'itp', clusterIPs: ['172.30.0.48'], internalPolicyLocal: true }), [endpoint('10.180.0.8:80', local), endpoint('10.180.1.8:80')]],
      [servicePort({ name: 'itp-none', clusterIPs: ['172.30.0.49'], internalPolicyLocal: true }), [endpoint('10.180.1.9:80')]],
    ]),
  },
  {
    name: 'session-affinity',
    what: 'sessionAffinity ClientIP: an affinity set per endpoint with the timeout',
    opts: v4,
    state: proxyState([
      [servicePort({ name: 'sticky', clusterIPs: ['172.30.0.50'], affinityTimeoutSeconds: 10800 }), [endpoint('10.180.0.10:80', local), endpoint('10.180.1.10:80')]],
    ]),
  },
  {
    name: 'loadbalancer',
    what: 'LoadBalancer IPs with loadBalancerSourceRanges (one and two ranges), externalIPs, NodePort not firewalled',
    opts: v4,
    state: proxyState([
      [
        servicePort({ name: 'fw', clusterIPs: ['172.30.0.51'], nodePort: 30051, loadBalancerIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['203.0.113.0/25'], externalIPs: ['192.168.99.11'] }),
        [endpoint('10.180.1.11:80')],
      ],
      [
        servicePort({ name: 'fw2', clusterIPs: ['172.30.0.52'], loadBalancerIPs: ['1.2.3.5'], loadBalancerSourceRanges: ['203.0.113.0/25', '198.51.100.0/24'] }),
        [endpoint('10.180.1.12:80')],
      ],
      [servicePort({ name: 'extip-empty', clusterIPs: ['172.30.0.53'], externalIPs: ['192.168.99.13'] }), []],
    ]),
  },
  {
    name: 'dual-stack',
    what: 'ip and ip6 tables: a dual-stack Service, an IPv6-only one, an IPv4-only one',
    opts: { ipFamilies: ['IPv4', 'IPv6'], clusterCIDRs: ['10.180.0.0/16', 'fd00:10:180::/48'] },
    state: proxyState([
      [
        servicePort({ name: 'dual', clusterIPs: ['172.30.0.54', 'fd00:30::54'], nodePort: 30054 }),
        [endpoint('10.180.0.14:80', local), endpoint('[fd00:10:180::14]:80', local), endpoint('[fd00:10:180:1::14]:80')],
      ],
      [servicePort({ name: 'six', clusterIPs: ['fd00:30::55'] }), [endpoint('[fd00:10:180:1::15]:80')]],
      [servicePort({ name: 'four', clusterIPs: ['172.30.0.56'] }), [endpoint('10.180.1.16:80')]],
    ]),
  },
  {
    name: 'nodeport-addresses',
    what: '--nodeport-addresses: NodePorts only on the listed node address (loopback ignored)',
    opts: { ...v4, nodePortAddresses: [NODE_IP, '127.0.0.1'] },
    state: proxyState([
      [servicePort({ name: 'np', clusterIPs: ['172.30.0.57'], nodePort: 30057 }), [endpoint('10.180.1.17:80')]],
      [servicePort({ name: 'np-empty', clusterIPs: ['172.30.0.58'], nodePort: 30058 }), []],
    ]),
  },
  {
    name: 'terminating-topology',
    what: 'terminating endpoints used only when none is ready; zone hints keep traffic in zone-a; SCTP',
    opts: { ...v4, clusterCIDRs: [] },
    state: proxyState([
      [
        servicePort({ name: 'draining', clusterIPs: ['172.30.0.59'] }),
        [endpoint('10.180.1.19:80', { ready: false, serving: true, terminating: true }), endpoint('10.180.1.20:80', { ready: false, serving: false, terminating: true })],
      ],
      [
        servicePort({ name: 'zonal', clusterIPs: ['172.30.0.60'] }),
        [endpoint('10.180.1.21:80', { zone: 'zone-a', zoneHints: ['zone-a'] }), endpoint('10.180.2.21:80', { zone: 'zone-b', zoneHints: ['zone-b'] })],
      ],
      [servicePort({ name: 'sctp', clusterIPs: ['172.30.0.61'], protocol: 'SCTP', portName: 'assoc', port: 9999 }), [endpoint('10.180.1.22:9999')]],
    ]),
  },
];

export function caseNamed(name: string): Case {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
}
