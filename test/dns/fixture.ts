/**
 * The DNS fixture cluster (plain Kubernetes objects, loadable into a
 * ClusterIndex or into a real API server) and the table of query cases both
 * the pure-resolver test and the real-server test check.
 *
 * Addresses are inside the loopback-mode ranges the API server accepts:
 * cluster IPs 127.96.0.0/16 (+ fd00:10:96::/112 dual-stack), endpoints
 * 127.244.0.0/16 (+ fd00:10:244::/64).
 */
import type { EndpointSlice, Pod, Service, ServicePort } from '../../src/api/types.ts';

export const ZONE = 'cluster.local';
export const DNS_IP = '127.96.0.10';

type Ep = { ip: string; hostname?: string; ready?: boolean; pod?: string };

export function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

export function clusterIP(ns: string, name: string, ip: string | string[], ports: ServicePort[]): Service {
  const ips = Array.isArray(ip) ? ip : [ip];
  const fam = (a: string) => (a.includes(':') ? 'IPv6' : 'IPv4') as 'IPv4' | 'IPv6';
  return svc(ns, name, {
    type: 'ClusterIP',
    clusterIP: ips[0],
    clusterIPs: ips,
    ipFamilies: ips.map(fam),
    ipFamilyPolicy: ips.length > 1 ? 'RequireDualStack' : 'SingleStack',
    selector: { app: name },
    ports,
  });
}

export function headless(ns: string, name: string, ports: ServicePort[], families: ('IPv4' | 'IPv6')[] = ['IPv4']): Service {
  return svc(ns, name, {
    type: 'ClusterIP',
    clusterIP: 'None',
    clusterIPs: ['None'],
    ipFamilies: families,
    ipFamilyPolicy: families.length > 1 ? 'RequireDualStack' : 'SingleStack',
    selector: { app: name },
    ports,
  });
}

export function slice(ns: string, service: string, suffix: string, eps: Ep[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[], addressType: 'IPv4' | 'IPv6' = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `${service}-${suffix}`, labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: e.pod } } : {}),
    })),
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

export function pod(ns: string, name: string, ip: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

const tcp = (name: string | undefined, port: number): ServicePort => ({ ...(name ? { name } : {}), port, protocol: 'TCP', targetPort: port });

export const NAMESPACES = ['default', 'kube-system', 'other', 'empty-ns'];

export const SERVICES: Service[] = [
  clusterIP('default', 'kubernetes', '127.96.0.1', [tcp('https', 443)]),
  clusterIP('kube-system', 'kube-dns', DNS_IP, [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    tcp('metrics', 9153),
  ]),
  clusterIP('default', 'web', '127.96.0.20', [tcp('http', 80), tcp('https', 443)]),
  clusterIP('default', 'single', '127.96.0.21', [tcp(undefined, 8080)]),
  clusterIP('default', 'noeps', '127.96.0.22', [tcp('http', 80)]),
  svc('default', 'selectorless', { type: 'ClusterIP', clusterIP: '127.96.0.23', clusterIPs: ['127.96.0.23'], ports: [tcp('http', 9000)] }),
  clusterIP('default', 'dual', ['127.96.0.30', 'fd00:10:96::30'], [tcp('http', 80)]),
  clusterIP('default', 'v6only', 'fd00:10:96::31', [tcp('http', 80)]),
  clusterIP('default', 'udp-svc', '127.96.0.24', [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
  ]),
  clusterIP('other', 'web', '127.96.1.20', [tcp('http', 80)]),
  headless('default', 'db', [tcp('mysql', 3306)]),
  headless('default', 'nohost', [tcp('http', 8080)]),
  headless('default', 'empty-headless', [tcp('http', 80)]),
  headless('default', 'multi', [tcp('http', 80), tcp('grpc', 9090)]),
  headless('default', 'dualheadless', [tcp('http', 80)], ['IPv4', 'IPv6']),
  headless('default', 'shared', [tcp('http', 80)]),
  svc('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
  svc('default', 'ext-in', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
  svc('default', 'ext-ip', { type: 'ExternalName', externalName: '1.2.3.4' }),
  svc('default', 'ext-loop', { type: 'ExternalName', externalName: 'ext-loop.default.svc.cluster.local' }),
];

export const SLICES: EndpointSlice[] = [
  slice('default', 'db', 'a', [
    { ip: '127.244.0.1', hostname: 'db-0', pod: 'db-0' },
    { ip: '127.244.0.2', hostname: 'db-1', ready: true, pod: 'db-1' },
    { ip: '127.244.0.3', hostname: 'db-2', ready: false, pod: 'db-2' },
    { ip: '127.244.0.4' },
  ], [{ name: 'mysql', port: 3306 }]),
  slice('default', 'nohost', 'a', [{ ip: '127.244.1.1' }, { ip: '127.244.1.2' }], [{ name: 'http', port: 8080 }]),
  slice('default', 'empty-headless', 'a', [{ ip: '127.244.1.9', ready: false }], [{ name: 'http', port: 80 }]),
  slice('default', 'multi', 'a', [{ ip: '127.244.4.1' }, { ip: '127.244.4.2' }], [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }]),
  slice('default', 'dualheadless', 'v4', [{ ip: '127.244.3.1' }], [{ name: 'http', port: 80 }]),
  slice('default', 'dualheadless', 'v6', [{ ip: 'fd00:10:244::1' }], [{ name: 'http', port: 80 }], 'IPv6'),
  slice('default', 'selectorless', 'manual', [{ ip: '127.244.2.1' }], [{ name: 'http', port: 9000 }]),
  slice('default', 'web', 'a', [{ ip: '127.244.6.1', pod: 'web-1' }], [{ name: 'http', port: 8080 }, { name: 'https', port: 8443 }]),
  slice('default', 'shared', 'a', [{ ip: '127.244.7.1', hostname: 'twin' }, { ip: '127.244.7.2', hostname: 'twin' }], [{ name: 'http', port: 80 }]),
];

export const PODS: Pod[] = [pod('default', 'pod-a', '127.244.5.5'), pod('other', 'pod-b', '127.244.5.6')];

export interface Want {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR';
  /** Answer records as "NAME TYPE DATA"; "@" stands for the query name, names without the trailing dot. Order-insensitive. */
  answer?: string[];
  additional?: string[];
  /** A negative answer carries the zone SOA in the authority section. */
  soa?: boolean;
  /** Not ours: forwarded upstream. */
  forward?: boolean;
  /** The out-of-zone CNAME target the server chases upstream. */
  chase?: string;
  ttl?: number;
}

export interface Case {
  name: string;
  q: [string, string] | [string, string, string];
  want: Want;
  /** Resolver option overrides. */
  opts?: { pods?: 'disabled' | 'insecure' | 'verified'; zone?: string; ttl?: number };
  /** Also checked through the real server with dig and Node's dns.Resolver. */
  wire?: boolean;
}

const nodata: Want = { rcode: 'NOERROR', answer: [], soa: true };
const nx: Want = { rcode: 'NXDOMAIN', answer: [], soa: true };
const S = 'svc.cluster.local';

export const CASES: Case[] = [
  // ClusterIP
  { name: 'ClusterIP A', q: [`web.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.20'], ttl: 5 }, wire: true },
  { name: 'ClusterIP A, trailing dot', q: [`web.default.${S}.`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.20'] }, wire: true },
  { name: 'ClusterIP A, mixed case keeps the query case', q: [`WEB.Default.SVC.Cluster.Local`, 'A'], want: { rcode: 'NOERROR', answer: ['WEB.Default.SVC.Cluster.Local A 127.96.0.20'] }, wire: true },
  { name: 'ClusterIP AAAA on IPv4-only: NODATA', q: [`web.default.${S}`, 'AAAA'], want: nodata, wire: true },
  { name: 'ClusterIP TXT: NODATA', q: [`web.default.${S}`, 'TXT'], want: nodata },
  { name: 'ClusterIP MX: NODATA', q: [`web.default.${S}`, 'MX'], want: nodata },
  { name: 'ClusterIP unknown type: NODATA', q: [`web.default.${S}`, 'TYPE65280'], want: nodata },
  { name: 'ClusterIP PTR on a forward name: NODATA', q: [`web.default.${S}`, 'PTR'], want: nodata },
  { name: 'ClusterIP with no endpoints still answers', q: [`noeps.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.22'] } },
  { name: 'same name, other namespace', q: [`web.other.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.1.20'] }, wire: true },
  { name: 'selectorless ClusterIP', q: [`selectorless.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.23'] } },
  { name: 'endpoint name under a ClusterIP Service', q: [`127-244-2-1.selectorless.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.2.1'] } },
  { name: 'pod-named endpoint without hostname (dashed IP)', q: [`127-244-6-1.web.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.6.1'] } },
  // SRV
  { name: 'SRV named port', q: [`_http._tcp.web.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 80 web.default.${S}`], additional: [`web.default.${S} A 127.96.0.20`] }, wire: true },
  { name: 'SRV named port, upper case', q: [`_HTTP._TCP.web.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 80 web.default.${S}`], additional: [`web.default.${S} A 127.96.0.20`] } },
  { name: 'SRV bare name: one per port', q: [`web.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 50 80 web.default.${S}`, `@ SRV 0 50 443 web.default.${S}`], additional: [`web.default.${S} A 127.96.0.20`] } },
  { name: 'SRV protocol mismatch: NXDOMAIN', q: [`_http._udp.web.default.${S}`, 'SRV'], want: nx },
  { name: 'SRV unknown port name: NXDOMAIN', q: [`_nope._tcp.web.default.${S}`, 'SRV'], want: nx, wire: true },
  { name: 'SRV labels without underscores: NXDOMAIN', q: [`http.tcp.web.default.${S}`, 'SRV'], want: nx },
  { name: 'A on an SRV name answers the cluster IP (CoreDNS)', q: [`_http._tcp.web.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.20'] } },
  { name: 'unnamed port: bare SRV', q: [`single.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 8080 single.default.${S}`], additional: [`single.default.${S} A 127.96.0.21`] } },
  { name: 'unnamed port: no _port._proto SRV', q: [`_http._tcp.single.default.${S}`, 'SRV'], want: nx },
  { name: 'SRV UDP port of a TCP+UDP Service', q: [`_dns._udp.udp-svc.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 53 udp-svc.default.${S}`], additional: [`udp-svc.default.${S} A 127.96.0.24`] } },
  { name: 'SRV TCP port of a TCP+UDP Service', q: [`_dns-tcp._tcp.udp-svc.default.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 53 udp-svc.default.${S}`], additional: [`udp-svc.default.${S} A 127.96.0.24`] } },
  { name: 'SRV for kube-dns', q: [`_dns._udp.kube-dns.kube-system.${S}`, 'SRV'], want: { rcode: 'NOERROR', answer: [`@ SRV 0 100 53 kube-dns.kube-system.${S}`], additional: [`kube-dns.kube-system.${S} A ${DNS_IP}`] }, wire: true },
  // Headless
  { name: 'headless: ready endpoints only', q: [`db.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.0.1', '@ A 127.244.0.2', '@ A 127.244.0.4'] }, wire: true },
  { name: 'headless AAAA on IPv4 endpoints: NODATA', q: [`db.default.${S}`, 'AAAA'], want: nodata, wire: true },
  { name: 'headless endpoint hostname', q: [`db-0.db.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.0.1'] }, wire: true },
  { name: 'headless not-ready endpoint hostname: NXDOMAIN', q: [`db-2.db.default.${S}`, 'A'], want: nx, wire: true },
  { name: 'headless endpoint without hostname: dashed IP', q: [`127-244-0-4.db.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.0.4'] } },
  { name: 'dashed IP of an endpoint that has a hostname: NXDOMAIN', q: [`127-244-0-1.db.default.${S}`, 'A'], want: nx },
  { name: 'two endpoints sharing a hostname', q: [`twin.shared.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.7.1', '@ A 127.244.7.2'] } },
  {
    name: 'headless SRV: one per ready endpoint, to its hostname',
    q: [`_mysql._tcp.db.default.${S}`, 'SRV'],
    want: {
      rcode: 'NOERROR',
      answer: [`@ SRV 0 33 3306 db-0.db.default.${S}`, `@ SRV 0 33 3306 db-1.db.default.${S}`, `@ SRV 0 33 3306 127-244-0-4.db.default.${S}`],
      additional: [`db-0.db.default.${S} A 127.244.0.1`, `db-1.db.default.${S} A 127.244.0.2`, `127-244-0-4.db.default.${S} A 127.244.0.4`],
    },
    wire: true,
  },
  { name: 'headless without hostnames', q: [`nohost.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.1.1', '@ A 127.244.1.2'] } },
  {
    name: 'headless without hostnames: SRV to dashed names',
    q: [`_http._tcp.nohost.default.${S}`, 'SRV'],
    want: { rcode: 'NOERROR', answer: [`@ SRV 0 50 8080 127-244-1-1.nohost.default.${S}`, `@ SRV 0 50 8080 127-244-1-2.nohost.default.${S}`], additional: [`127-244-1-1.nohost.default.${S} A 127.244.1.1`, `127-244-1-2.nohost.default.${S} A 127.244.1.2`] },
  },
  {
    name: 'headless bare SRV: endpoints × ports, weight 100/4',
    q: [`multi.default.${S}`, 'SRV'],
    want: {
      rcode: 'NOERROR',
      answer: [`@ SRV 0 25 80 127-244-4-1.multi.default.${S}`, `@ SRV 0 25 9090 127-244-4-1.multi.default.${S}`, `@ SRV 0 25 80 127-244-4-2.multi.default.${S}`, `@ SRV 0 25 9090 127-244-4-2.multi.default.${S}`],
      additional: [`127-244-4-1.multi.default.${S} A 127.244.4.1`, `127-244-4-2.multi.default.${S} A 127.244.4.2`],
    },
  },
  { name: 'headless with no ready endpoints: NXDOMAIN', q: [`empty-headless.default.${S}`, 'A'], want: nx, wire: true },
  // Dual-stack
  { name: 'dual-stack A', q: [`dual.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.30'] }, wire: true },
  { name: 'dual-stack AAAA', q: [`dual.default.${S}`, 'AAAA'], want: { rcode: 'NOERROR', answer: ['@ AAAA fd00:10:96::30'] }, wire: true },
  { name: 'IPv6-only A: NODATA', q: [`v6only.default.${S}`, 'A'], want: nodata },
  { name: 'IPv6-only AAAA', q: [`v6only.default.${S}`, 'AAAA'], want: { rcode: 'NOERROR', answer: ['@ AAAA fd00:10:96::31'] } },
  { name: 'dual-stack headless A', q: [`dualheadless.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.3.1'] } },
  { name: 'dual-stack headless AAAA', q: [`dualheadless.default.${S}`, 'AAAA'], want: { rcode: 'NOERROR', answer: ['@ AAAA fd00:10:244::1'] }, wire: true },
  { name: 'IPv6 endpoint dashed name', q: [`fd00-10-244--1.dualheadless.default.${S}`, 'AAAA'], want: { rcode: 'NOERROR', answer: ['@ AAAA fd00:10:244::1'] } },
  // ExternalName
  { name: 'ExternalName CNAME', q: [`ext.default.${S}`, 'CNAME'], want: { rcode: 'NOERROR', answer: ['@ CNAME example.com'] }, wire: true },
  { name: 'ExternalName A: CNAME, target chased upstream', q: [`ext.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: ['@ CNAME example.com'], chase: 'example.com' } },
  { name: 'ExternalName SRV: NODATA', q: [`ext.default.${S}`, 'SRV'], want: nodata },
  { name: 'ExternalName to an in-zone name: chased here', q: [`ext-in.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: [`@ CNAME web.default.${S}`, `web.default.${S} A 127.96.0.20`] }, wire: true },
  { name: 'ExternalName that is an IP: NXDOMAIN', q: [`ext-ip.default.${S}`, 'A'], want: nx },
  { name: 'name below an ExternalName: NXDOMAIN', q: [`x.ext.default.${S}`, 'A'], want: nx },
  { name: 'ExternalName CNAME loop stops', q: [`ext-loop.default.${S}`, 'A'], want: { rcode: 'NOERROR', answer: [`@ CNAME ext-loop.default.${S}`] } },
  // Non-existent names, structure
  { name: 'unknown service: NXDOMAIN', q: [`nosuch.default.${S}`, 'A'], want: nx, wire: true },
  { name: 'unknown namespace: NXDOMAIN', q: [`web.nosuchns.${S}`, 'A'], want: nx },
  { name: 'existing namespace: NODATA', q: [`default.${S}`, 'A'], want: nodata, wire: true },
  { name: 'empty namespace: NODATA', q: [`empty-ns.${S}`, 'A'], want: nodata },
  { name: 'unknown namespace apex: NXDOMAIN', q: [`nosuchns.${S}`, 'A'], want: nx },
  { name: 'svc.<zone>: NODATA', q: [S, 'A'], want: nodata },
  { name: 'pod.<zone>: NODATA', q: ['pod.cluster.local', 'A'], want: nodata },
  { name: 'first label not svc/pod: NXDOMAIN', q: ['foo.cluster.local', 'A'], want: nx, wire: true },
  { name: 'too many labels: NXDOMAIN', q: [`a.b.c.web.default.${S}`, 'A'], want: nx },
  { name: 'wildcard label is literal: NXDOMAIN', q: [`*.default.${S}`, 'A'], want: nx },
  { name: 'search path junk (ns search): NXDOMAIN, not forwarded', q: [`example.com.default.${S}`, 'A'], want: nx, wire: true },
  { name: 'search path junk (svc search)', q: [`www.example.com.${S}`, 'AAAA'], want: nx },
  { name: 'search path junk (zone search)', q: ['www.example.com.cluster.local', 'A'], want: nx },
  { name: 'search path junk on a Service name', q: [`web.default.${S}.default.${S}`, 'A'], want: nx },
  // Zone apex and specials
  { name: 'apex SOA', q: ['cluster.local', 'SOA'], want: { rcode: 'NOERROR', answer: ['@ SOA ns.dns.cluster.local hostmaster.cluster.local'] }, wire: true },
  { name: 'apex NS', q: ['cluster.local', 'NS'], want: { rcode: 'NOERROR', answer: ['@ NS ns.dns.cluster.local'], additional: [`ns.dns.cluster.local A ${DNS_IP}`] } },
  { name: 'apex A: NODATA', q: ['cluster.local', 'A'], want: nodata },
  { name: 'ns.dns.<zone>', q: ['ns.dns.cluster.local', 'A'], want: { rcode: 'NOERROR', answer: [`@ A ${DNS_IP}`] } },
  { name: 'dns-version TXT', q: ['dns-version.cluster.local', 'TXT'], want: { rcode: 'NOERROR', answer: ['@ TXT 1.1.0'], ttl: 28800 }, wire: true },
  { name: 'dns-version A: NODATA', q: ['dns-version.cluster.local', 'A'], want: nodata },
  // PTR
  { name: 'PTR of a cluster IP', q: ['20.0.96.127.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', answer: [`@ PTR web.default.${S}`] }, wire: true },
  { name: 'PTR of a headless endpoint with hostname', q: ['1.0.244.127.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', answer: [`@ PTR db-0.db.default.${S}`] }, wire: true },
  { name: 'PTR of an endpoint without hostname', q: ['4.0.244.127.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', answer: [`@ PTR 127-244-0-4.db.default.${S}`] } },
  { name: 'PTR of an IPv6 cluster IP', q: ['0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa', 'PTR'], want: { rcode: 'NOERROR', answer: [`@ PTR dual.default.${S}`] } },
  { name: 'PTR of an endpoint of a ClusterIP Service', q: ['1.6.244.127.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', answer: [`@ PTR 127-244-6-1.web.default.${S}`] } },
  { name: 'PTR of a not-ready endpoint: not ours, forwarded', q: ['3.0.244.127.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', forward: true } },
  { name: 'PTR outside the cluster: forwarded', q: ['9.9.9.9.in-addr.arpa', 'PTR'], want: { rcode: 'NOERROR', forward: true } },
  // Outside names, bad questions
  { name: 'outside name: forwarded', q: ['example.com', 'A'], want: { rcode: 'NOERROR', forward: true } },
  { name: 'zone transfer: REFUSED', q: ['cluster.local', 'AXFR'], want: { rcode: 'REFUSED', answer: [] } },
  { name: 'incremental transfer: REFUSED', q: ['cluster.local', 'IXFR'], want: { rcode: 'REFUSED', answer: [] } },
  { name: 'ANY: NOTIMP', q: [`web.default.${S}`, 'ANY'], want: { rcode: 'NOTIMP', answer: [] } },
  { name: 'class CH: REFUSED', q: [`web.default.${S}`, 'A', 'CH'], want: { rcode: 'REFUSED', answer: [] } },
  // Pod records
  { name: 'pods disabled: NXDOMAIN', q: ['127-244-5-5.default.pod.cluster.local', 'A'], want: nx },
  { name: 'pods disabled: <ns>.pod NXDOMAIN', q: ['default.pod.cluster.local', 'A'], want: nx },
  { name: 'pods insecure: any dashed IP', q: ['1-2-3-4.default.pod.cluster.local', 'A'], want: { rcode: 'NOERROR', answer: ['@ A 1.2.3.4'] }, opts: { pods: 'insecure' } },
  { name: 'pods insecure: IPv6', q: ['fd00-10-244--9.default.pod.cluster.local', 'AAAA'], want: { rcode: 'NOERROR', answer: ['@ AAAA fd00:10:244::9'] }, opts: { pods: 'insecure' } },
  { name: 'pods insecure: unknown namespace', q: ['1-2-3-4.nosuchns.pod.cluster.local', 'A'], want: nx, opts: { pods: 'insecure' } },
  { name: 'pods insecure: not an IP', q: ['not-an-ip.default.pod.cluster.local', 'A'], want: nx, opts: { pods: 'insecure' } },
  { name: 'pods insecure: <ns>.pod NODATA', q: ['default.pod.cluster.local', 'A'], want: nodata, opts: { pods: 'insecure' } },
  { name: 'pods verified: existing pod', q: ['127-244-5-5.default.pod.cluster.local', 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.244.5.5'] }, opts: { pods: 'verified' } },
  { name: 'pods verified: pod in another namespace', q: ['127-244-5-6.default.pod.cluster.local', 'A'], want: nx, opts: { pods: 'verified' } },
  { name: 'pods verified: no such pod', q: ['1-2-3-4.default.pod.cluster.local', 'A'], want: nx, opts: { pods: 'verified' } },
  // Zone and TTL options
  { name: 'custom zone', q: ['web.default.svc.example.internal', 'A'], want: { rcode: 'NOERROR', answer: ['@ A 127.96.0.20'], ttl: 30 }, opts: { zone: 'example.internal', ttl: 30 } },
  { name: 'custom zone: cluster.local is outside', q: [`web.default.${S}`, 'A'], want: { rcode: 'NOERROR', forward: true }, opts: { zone: 'example.internal' } },
  { name: 'custom TTL on a negative answer', q: [`nosuch.default.${S}`, 'A'], want: { ...nx, ttl: 60 }, opts: { ttl: 60 } },
];
