/**
 * Service defaulting + validation, table-driven: each row is a manifest run
 * through defaultService (unless raw) and validateService /
 * validateServiceUpdate, with either the expected defaults or the exact
 * causes (as kubectl prints them: `field: Type[: value][: detail]`, matched
 * as a prefix so rows can pin the whole text where it matters).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultService } from '../../src/api/defaults/service.ts';
import { validateService, validateServiceUpdate, type ServiceValidationOptions } from '../../src/api/validation/service.ts';
import { fieldErrorText, invalid } from '../../src/api/status.ts';
import type { Service, ServiceSpec } from '../../src/api/types.ts';

interface Row {
  name: string;
  spec: Record<string, unknown>;
  meta?: Record<string, unknown>;
  /** Skip defaulting (what validation says about a raw object). */
  raw?: boolean;
  /** For update rows: the stored object's spec. */
  old?: Record<string, unknown>;
  opts?: ServiceValidationOptions;
  /** Valid: these spec fields after defaulting (deep partial match). */
  defaults?: Partial<ServiceSpec> & Record<string, unknown>;
  /** Invalid: one prefix per expected cause, in order. */
  errors?: string[];
}

const svc = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', ...meta }, spec }) as unknown as Service;

const P80 = { port: 80 };
const LB = { type: 'LoadBalancer', ports: [{ port: 80 }] };
const stored = (spec: Record<string, unknown>): Record<string, unknown> => {
  const s = svc(structuredClone(spec));
  defaultService(s);
  return s.spec as unknown as Record<string, unknown>;
};
const ipv4 = { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
const DUP_KEY = '{"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}';

const rows: Row[] = [
  // ------------------------------------------------------------ valid + defaults
  {
    name: 'minimal ClusterIP gets every default',
    spec: { ports: [P80], selector: { app: 'web' } },
    defaults: { type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
  },
  { name: 'no externalTrafficPolicy for plain ClusterIP', spec: { ports: [P80] }, defaults: { externalTrafficPolicy: undefined } },
  { name: 'named targetPort kept', spec: { ports: [{ port: 80, targetPort: 'http' }] }, defaults: { ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }] } },
  { name: 'empty-string targetPort becomes port', spec: { ports: [{ port: 8080, targetPort: '' }] }, defaults: { ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] } },
  { name: 'zero targetPort becomes port', spec: { ports: [{ port: 8080, targetPort: 0 }] }, defaults: { ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] } },
  { name: 'UDP port', spec: { ports: [{ port: 53, protocol: 'UDP' }] }, defaults: { ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }] } },
  { name: 'SCTP port', spec: { ports: [{ port: 9999, protocol: 'SCTP' }] }, defaults: { ports: [{ port: 9999, protocol: 'SCTP', targetPort: 9999 }] } },
  { name: 'several named ports', spec: { ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }, defaults: {} },
  {
    name: 'same port number on TCP and UDP is fine',
    spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] },
    defaults: {},
  },
  { name: 'long port name (DNS label, not IANA)', spec: { ports: [{ name: 'a-very-long-port-name', port: 80 }] }, defaults: {} },
  { name: 'targetPort name of exactly 15 characters', spec: { ports: [{ port: 80, targetPort: 'abcdefghijklmno' }] }, defaults: {} },
  { name: 'NodePort defaults externalTrafficPolicy Cluster', spec: { type: 'NodePort', ports: [P80] }, defaults: { externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' } },
  { name: 'NodePort with an explicit nodePort', spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, defaults: {} },
  { name: 'NodePort with externalTrafficPolicy Local needs no health check port', spec: { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [P80] }, defaults: {} },
  {
    name: 'same nodePort on TCP and UDP ports is valid',
    spec: { type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'b', port: 53, protocol: 'TCP', nodePort: 30053 }] },
    defaults: {},
  },
  { name: 'LoadBalancer defaults allocateLoadBalancerNodePorts', spec: { ...LB }, defaults: { allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' } },
  { name: 'LoadBalancer keeps allocateLoadBalancerNodePorts false', spec: { ...LB, allocateLoadBalancerNodePorts: false }, defaults: { allocateLoadBalancerNodePorts: false } },
  { name: 'LoadBalancer Local with a health check port', spec: { ...LB, externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }, defaults: {} },
  { name: 'LoadBalancer source ranges (space padded)', spec: { ...LB, loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.0.0/16 '] }, defaults: {} },
  { name: 'LoadBalancer class', spec: { ...LB, loadBalancerClass: 'example.com/lb' }, defaults: {} },
  {
    name: 'LB source-range annotation on a LoadBalancer',
    spec: { ...LB },
    meta: { annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8, 192.168.0.0/16' } },
    defaults: {},
  },
  { name: 'ExternalName without ports', spec: { type: 'ExternalName', externalName: 'example.com' }, defaults: { internalTrafficPolicy: undefined, sessionAffinity: 'None' } },
  { name: 'ExternalName with a trailing dot', spec: { type: 'ExternalName', externalName: 'db.example.com.' }, defaults: {} },
  { name: 'ExternalName "1.2.3.4" passes (it is a DNS subdomain)', spec: { type: 'ExternalName', externalName: '1.2.3.4' }, defaults: {} },
  { name: 'ExternalName with ports', spec: { type: 'ExternalName', externalName: 'example.com', ports: [P80] }, defaults: {} },
  { name: 'headless without ports', spec: { clusterIP: 'None', clusterIPs: ['None'] }, defaults: { clusterIP: 'None' } },
  { name: 'headless tolerates any targetPort', spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, targetPort: 8080 }] }, defaults: {} },
  { name: 'ClientIP affinity gets the 3h timeout', spec: { sessionAffinity: 'ClientIP', ports: [P80] }, defaults: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } } },
  { name: 'ClientIP with an empty clientIP gets the default', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: {} }, ports: [P80] }, defaults: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } } },
  { name: 'ClientIP keeps an explicit timeout', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [P80] }, defaults: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } } },
  { name: 'ClientIP timeout of 86400 is the maximum', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } }, ports: [P80] }, defaults: {} },
  { name: 'affinity None drops a config silently', spec: { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, ports: [P80] }, defaults: { sessionAffinityConfig: undefined } },
  { name: 'ClusterIP with externalIPs is externally accessible', spec: { externalIPs: ['203.0.113.10'], ports: [P80] }, defaults: { externalTrafficPolicy: 'Cluster' } },
  { name: 'externalIPs inside the allow-list', spec: { externalIPs: ['203.0.113.10'], ports: [P80] }, opts: { externalIPCIDRs: ['203.0.113.0/24'] }, defaults: {} },
  { name: 'trafficDistribution PreferClose', spec: { trafficDistribution: 'PreferClose', ports: [P80] }, defaults: {} },
  { name: 'trafficDistribution PreferSameZone with its gate on', spec: { trafficDistribution: 'PreferSameZone', ports: [P80] }, opts: { preferSameTrafficDistribution: true }, defaults: {} },
  { name: 'internalTrafficPolicy Local kept', spec: { internalTrafficPolicy: 'Local', ports: [P80] }, defaults: { internalTrafficPolicy: 'Local' } },
  { name: 'explicit single-stack IPv4', spec: { ...ipv4, ports: [P80] }, defaults: {} },
  {
    name: 'explicit dual-stack',
    spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00:10:96::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', ports: [P80] },
    defaults: {},
  },
  {
    name: 'three IPs spanning both families: only the count is wrong',
    spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5', '10.96.0.6'], ports: [P80] },
    errors: ['spec.clusterIPs: Invalid value: ["10.96.0.5","fd00::5","10.96.0.6"]: may only hold up to 2 values'],
  },
  { name: 'qualified selector keys', spec: { selector: { 'app.kubernetes.io/name': 'web', tier: '' }, ports: [P80] }, defaults: {} },
  { name: 'null selector', spec: { selector: null, ports: [P80] }, defaults: {} },
  { name: 'appProtocol as a qualified name', spec: { ports: [{ port: 80, appProtocol: 'kubernetes.io/h2c' }] }, defaults: {} },
  {
    name: 'both topology annotations agreeing',
    spec: { ports: [P80] },
    meta: { annotations: { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'Auto' } },
    defaults: {},
  },

  // ------------------------------------------------------------------ invalid
  { name: 'name starting with a digit', spec: { ports: [P80] }, meta: { name: '1web' }, errors: ['metadata.name: Invalid value: "1web": a DNS-1035 label'] },
  { name: 'upper-case name', spec: { ports: [P80] }, meta: { name: 'Web' }, errors: ['metadata.name: Invalid value: "Web"'] },
  { name: 'missing namespace', spec: { ports: [P80] }, meta: { namespace: undefined }, errors: ['metadata.namespace: Required value'] },
  { name: 'no ports', spec: {}, errors: ['spec.ports: Required value'] },
  { name: 'two ports without names', spec: { ports: [{ port: 80 }, { port: 81 }] }, errors: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'] },
  { name: 'duplicate port names', spec: { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }, errors: ['spec.ports[1].name: Duplicate value: "http"'] },
  { name: 'port name not a DNS label', spec: { ports: [{ name: 'HTTP', port: 80 }] }, errors: ['spec.ports[0].name: Invalid value: "HTTP": a lowercase RFC 1123 label'] },
  {
    name: 'port 0 (targetPort follows it)',
    spec: { ports: [{ port: 0 }] },
    errors: ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive'],
  },
  { name: 'port 70000', spec: { ports: [{ port: 70000, targetPort: 80 }] }, errors: ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  {
    name: 'lower-case protocol',
    spec: { ports: [{ port: 80, protocol: 'tcp' }] },
    errors: ['spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"'],
  },
  { name: 'protocol HTTP', spec: { ports: [{ port: 80, protocol: 'HTTP' }] }, errors: ['spec.ports[0].protocol: Unsupported value: "HTTP"'] },
  {
    name: 'targetPort with underscores and capitals',
    spec: { ports: [{ port: 80, targetPort: 'HTTP_PORT' }] },
    errors: [
      'spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[0].targetPort: Invalid value: "HTTP_PORT": must contain at least one letter (a-z)',
    ],
  },
  { name: 'targetPort name over 15 characters', spec: { ports: [{ port: 80, targetPort: 'abcdefghijklmnop' }] }, errors: ['spec.ports[0].targetPort: Invalid value: "abcdefghijklmnop": must be no more than 15 characters'] },
  { name: 'targetPort with consecutive hyphens', spec: { ports: [{ port: 80, targetPort: 'web--ui' }] }, errors: ['spec.ports[0].targetPort: Invalid value: "web--ui": must not contain consecutive hyphens'] },
  { name: 'targetPort starting with a hyphen', spec: { ports: [{ port: 80, targetPort: '-web' }] }, errors: ['spec.ports[0].targetPort: Invalid value: "-web": must not begin or end with a hyphen'] },
  { name: 'targetPort number out of range', spec: { ports: [{ port: 80, targetPort: 70000 }] }, errors: ['spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  { name: 'targetPort "8080" as a string is a name', spec: { ports: [{ port: 80, targetPort: '8080' }] }, errors: ['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)'] },
  { name: 'duplicate protocol+port', spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }, errors: [`spec.ports[1]: Duplicate value: ${DUP_KEY}`] },
  { name: 'appProtocol not a qualified name', spec: { ports: [{ port: 80, appProtocol: 'bad proto!' }] }, errors: ['spec.ports[0].appProtocol: Invalid value: "bad proto!"'] },
  { name: 'selector value with a space', spec: { selector: { app: 'bad value' }, ports: [P80] }, errors: ['spec.selector: Invalid value: "bad value"'] },
  { name: 'selector key with a space', spec: { selector: { 'bad key': 'x' }, ports: [P80] }, errors: ['spec.selector: Invalid value: "bad key"'] },
  {
    name: 'unknown type',
    spec: { type: 'Foo', ports: [P80] },
    errors: ['spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
  },
  { name: 'unknown session affinity', spec: { sessionAffinity: 'Sticky', ports: [P80] }, errors: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'] },
  {
    name: 'ClientIP timeout 0',
    spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [P80] },
    errors: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400'],
  },
  {
    name: 'ClientIP timeout over a day',
    spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } }, ports: [P80] },
    errors: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401'],
  },
  { name: 'ClientIP negative timeout', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: -1 } }, ports: [P80] }, errors: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: -1'] },
  {
    name: 'raw ClientIP without config',
    raw: true,
    spec: { type: 'ClusterIP', sessionAffinity: 'ClientIP', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    errors: ['spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP'],
  },
  {
    name: 'raw None with a config',
    raw: true,
    spec: { type: 'ClusterIP', sessionAffinity: 'None', sessionAffinityConfig: {}, internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    errors: ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None'],
  },
  { name: 'nodePort on a ClusterIP service', spec: { ports: [{ port: 80, nodePort: 30080 }] }, errors: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  {
    name: 'duplicate nodePort on one protocol',
    spec: { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] },
    errors: ['spec.ports[1].nodePort: Duplicate value: 30080'],
  },
  {
    name: 'NodePort cannot be headless',
    spec: { type: 'NodePort', clusterIP: 'None', clusterIPs: ['None'], ports: [P80] },
    errors: [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`],
  },
  {
    name: 'LoadBalancer cannot be headless',
    spec: { ...LB, clusterIP: 'None', clusterIPs: ['None'] },
    errors: [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for LoadBalancer services`],
  },
  { name: 'ExternalName without a name', spec: { type: 'ExternalName' }, errors: ['spec.externalName: Required value'] },
  { name: 'ExternalName not a DNS name', spec: { type: 'ExternalName', externalName: 'Not_Valid' }, errors: ['spec.externalName: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain'] },
  {
    name: 'ExternalName with a clusterIP',
    spec: { type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] },
    errors: ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
  },
  {
    name: 'ExternalName with IP-family fields',
    spec: { type: 'ExternalName', externalName: 'example.com', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' },
    errors: ['spec.ipFamilies: Forbidden: may not be set for ExternalName services', 'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services'],
  },
  {
    name: 'source ranges on a ClusterIP service (capital L path)',
    spec: { loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [P80] },
    errors: ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  {
    name: 'source range that is not a CIDR',
    spec: { ...LB, loadBalancerSourceRanges: ['nope'] },
    errors: ['spec.LoadBalancerSourceRanges[0]: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
  },
  {
    name: 'source-range annotation on a ClusterIP service',
    spec: { ports: [P80] },
    meta: { annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8' } },
    errors: ["metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  {
    name: 'bad CIDR in the source-range annotation',
    spec: { ...LB },
    meta: { annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8,bogus' } },
    errors: ['metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: "bogus"'],
  },
  {
    name: 'allocateLoadBalancerNodePorts on a NodePort',
    spec: { type: 'NodePort', allocateLoadBalancerNodePorts: true, ports: [P80] },
    errors: ["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  {
    name: 'raw LoadBalancer without allocateLoadBalancerNodePorts (no spec. prefix)',
    raw: true,
    spec: { type: 'LoadBalancer', sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    errors: ['allocateLoadBalancerNodePorts: Required value'],
  },
  { name: 'loadBalancerClass on a ClusterIP', spec: { loadBalancerClass: 'example.com/lb', ports: [P80] }, errors: ["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"] },
  { name: 'loadBalancerClass not a qualified name', spec: { ...LB, loadBalancerClass: 'bad class!' }, errors: ['spec.loadBalancerClass: Invalid value: "bad class!"'] },
  {
    name: 'externalTrafficPolicy on an internal service',
    spec: { externalTrafficPolicy: 'Local', ports: [P80] },
    errors: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
  },
  { name: 'externalTrafficPolicy Global', spec: { type: 'NodePort', externalTrafficPolicy: 'Global', ports: [P80] }, errors: ['spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"'] },
  {
    name: 'healthCheckNodePort on a NodePort',
    spec: { type: 'NodePort', healthCheckNodePort: 30100, ports: [P80] },
    errors: ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
  },
  { name: 'LoadBalancer Local without a health check port (after allocation)', spec: { ...LB, externalTrafficPolicy: 'Local' }, errors: ['spec.healthCheckNodePort: Required value'] },
  { name: 'LoadBalancer Local before allocation is fine', spec: { ...LB, externalTrafficPolicy: 'Local' }, opts: { beforeAllocation: true }, defaults: {} },
  { name: 'health check port out of range', spec: { ...LB, externalTrafficPolicy: 'Local', healthCheckNodePort: 70000 }, errors: ['spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  { name: 'internalTrafficPolicy Foo', spec: { internalTrafficPolicy: 'Foo', ports: [P80] }, errors: ['spec.internalTrafficPolicy: Unsupported value: "Foo": supported values: "Cluster", "Local"'] },
  {
    name: 'raw ClusterIP without internalTrafficPolicy',
    raw: true,
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    errors: ['spec.internalTrafficPolicy: Required value'],
  },
  {
    name: 'raw object without type, affinity or protocol',
    raw: true,
    spec: { ports: [{ port: 80, targetPort: 80 }] },
    errors: ['spec.ports[0].protocol: Required value', 'spec.sessionAffinity: Required value', 'spec.type: Required value'],
  },
  { name: 'PreferSameZone without its gate', spec: { trafficDistribution: 'PreferSameZone', ports: [P80] }, errors: ['spec.trafficDistribution: Unsupported value: "PreferSameZone": supported values: "PreferClose"'] },
  { name: 'trafficDistribution Nearest', spec: { trafficDistribution: 'Nearest', ports: [P80] }, errors: ['spec.trafficDistribution: Unsupported value: "Nearest"'] },
  { name: 'clusterIP without clusterIPs', raw: false, spec: { clusterIP: '10.96.0.5', ports: [P80] }, errors: ['spec.clusterIPs: Required value'] },
  {
    name: 'clusterIPs[0] differs from clusterIP',
    spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.6'], ports: [P80] },
    errors: ['spec.clusterIPs: Invalid value: ["10.96.0.6"]: first value must match `clusterIP`'],
  },
  { name: 'clusterIPs without clusterIP', spec: { clusterIPs: ['10.96.0.6'], ports: [P80] }, errors: ['spec.clusterIPs: Invalid value: ["10.96.0.6"]: must be empty when `clusterIP` is not specified'] },
  {
    name: 'clusterIP that is not an IP',
    spec: { clusterIP: 'bad', clusterIPs: ['bad'], ports: [P80] },
    errors: ['spec.clusterIPs[0]: Invalid value: "bad": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  },
  {
    name: 'two IPs of one family',
    spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', '10.96.0.6'], ports: [P80] },
    errors: ['spec.clusterIPs: Invalid value: ["10.96.0.5","10.96.0.6"]: may specify no more than one IP for each IP family'],
  },
  {
    name: '"None" with a second IP',
    spec: { clusterIP: 'None', clusterIPs: ['None', '10.96.0.5'], ports: [P80] },
    errors: [`spec.clusterIPs: Invalid value: ["None","10.96.0.5"]: 'None' must be the first and only value`],
  },
  { name: 'unknown IP family', spec: { ipFamilies: ['IPv5'], ports: [P80] }, errors: ['spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'] },
  { name: 'duplicate IP family', spec: { ipFamilies: ['IPv4', 'IPv4'], ports: [P80] }, errors: ['spec.ipFamilies[1]: Duplicate value: "IPv4"'] },
  {
    name: 'unknown IP family policy',
    spec: { ipFamilyPolicy: 'DualStack', ports: [P80] },
    errors: ['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"'],
  },
  {
    name: 'IPv6 clusterIP with ipFamilies IPv4',
    spec: { clusterIP: 'fd00::5', clusterIPs: ['fd00::5'], ipFamilies: ['IPv4'], ports: [P80] },
    errors: ['spec.clusterIPs[0]: Invalid value: "fd00::5": expected an IPv4 value as indicated by `ipFamilies[0]`'],
  },
  { name: 'externalIP that is not an IP', spec: { externalIPs: ['not-an-ip'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "not-an-ip": must be a valid IP address'] },
  { name: 'loopback externalIP', spec: { externalIPs: ['127.0.0.1'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'link-local externalIP', spec: { externalIPs: ['169.254.169.254'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "169.254.169.254": may not be in the link-local range'] },
  { name: 'unspecified externalIP', spec: { externalIPs: ['0.0.0.0'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'] },
  { name: 'link-local multicast externalIP', spec: { externalIPs: ['224.0.0.1'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "224.0.0.1": may not be in the link-local multicast range'] },
  { name: 'IPv6 loopback externalIP', spec: { externalIPs: ['::1'], ports: [P80] }, errors: ['spec.externalIPs[0]: Invalid value: "::1": may not be in the loopback range'] },
  {
    name: 'externalIPs refused without an allow-list',
    spec: { externalIPs: ['203.0.113.10'], ports: [P80] },
    opts: { externalIPCIDRs: [] },
    errors: ['spec.externalIPs[0]: Forbidden: externalIPs are not allowed on this cluster (CVE-2020-8554); start the API server with --service-external-ip-cidrs='],
  },
  {
    name: 'externalIP outside the allow-list',
    spec: { externalIPs: ['203.0.113.10'], ports: [P80] },
    opts: { externalIPCIDRs: ['198.51.100.0/24'] },
    errors: ['spec.externalIPs[0]: Forbidden: 203.0.113.10 is not in the allowed external IP ranges (198.51.100.0/24)'],
  },
  {
    name: 'topology annotations disagreeing',
    spec: { ports: [P80] },
    meta: { annotations: { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'Disabled' } },
    errors: ['metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified'],
  },
  { name: 'headless with a nodePort', spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, nodePort: 30080 }] }, errors: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  {
    name: 'several problems at once, in upstream order',
    spec: { type: 'NodePort', sessionAffinity: 'Sticky', ports: [{ name: 'http', port: 80, protocol: 'tcp' }, { name: 'http', port: 0 }] },
    errors: [
      'spec.ports[0].protocol: Unsupported value: "tcp"',
      'spec.ports[1].name: Duplicate value: "http"',
      'spec.ports[1].port: Invalid value: 0',
      'spec.ports[1].targetPort: Invalid value: 0',
      'spec.sessionAffinity: Unsupported value: "Sticky"',
    ],
  },

  // -------------------------------------------------------------------- update
  { name: 'update: unchanged clusterIP', old: { ...ipv4, ports: [P80] }, spec: { ...ipv4, ports: [P80] }, defaults: {} },
  {
    name: 'update: clusterIP may not change',
    old: { ...ipv4, ports: [P80] },
    spec: { ...ipv4, clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'], ports: [P80] },
    errors: ['spec.clusterIPs[0]: Invalid value: ["10.96.0.6"]: may not change once set'],
  },
  {
    name: 'update: headless to ClusterIP is not allowed',
    old: { clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [P80] },
    spec: { ...ipv4, ports: [P80] },
    errors: ['spec.clusterIPs[0]: Invalid value: ["10.96.0.5"]: may not change once set'],
  },
  {
    name: 'update: primary family may not change',
    old: { ...ipv4, ports: [P80] },
    spec: { ...ipv4, ipFamilies: ['IPv6'], ports: [P80] },
    errors: ['spec.ipFamilies[0]: Invalid value: ["IPv6"]: may not change once set', 'spec.clusterIPs[0]: Invalid value: "10.96.0.5": expected an IPv6 value'],
  },
  {
    name: 'update: dropping the secondary IP needs SingleStack',
    old: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack', ports: [P80] },
    spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'PreferDualStack', ports: [P80] },
    errors: [
      `spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be set to 'SingleStack' when releasing the secondary clusterIP`,
      `spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be set to 'SingleStack' when releasing the secondary ipFamily`,
    ],
  },
  {
    name: 'update: downgrade with SingleStack is fine',
    old: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', ports: [P80] },
    spec: { ...ipv4, ports: [P80] },
    defaults: {},
  },
  {
    name: 'update: loadBalancerClass may not change',
    old: { ...LB, ...ipv4, loadBalancerClass: 'a.example/lb' },
    spec: { ...LB, ...ipv4, loadBalancerClass: 'b.example/lb' },
    errors: ['spec.loadBalancerClass: Invalid value: "b.example/lb": may not change once set'],
  },
  {
    name: 'update: healthCheckNodePort is immutable',
    old: { ...LB, ...ipv4, externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 },
    spec: { ...LB, ...ipv4, externalTrafficPolicy: 'Local', healthCheckNodePort: 30101 },
    errors: ['spec.healthCheckNodePort: Forbidden: field is immutable'],
  },
  {
    name: 'update: grandfathered externalIPs stay allowed',
    old: { ...ipv4, externalIPs: ['203.0.113.10'], ports: [P80] },
    spec: { ...ipv4, externalIPs: ['203.0.113.10'], ports: [P80] },
    opts: { externalIPCIDRs: [] },
    defaults: {},
  },
  {
    name: 'update: a new externalIP is refused',
    old: { ...ipv4, externalIPs: ['203.0.113.10'], ports: [P80] },
    spec: { ...ipv4, externalIPs: ['203.0.113.10', '203.0.113.11'], ports: [P80] },
    opts: { externalIPCIDRs: [] },
    errors: ['spec.externalIPs[1]: Forbidden: externalIPs are not allowed on this cluster'],
  },
  {
    name: 'update: ClusterIP to ExternalName changing the IP too',
    old: { ...ipv4, ports: [P80] },
    spec: { type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] },
    errors: ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
  },
];

function partialMatch(actual: unknown, want: unknown, at: string): void {
  if (want === undefined) {
    assert.equal(actual, undefined, `${at} should be unset`);
    return;
  }
  if (want === null || typeof want !== 'object') {
    assert.deepEqual(actual, want, at);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${at} should be a list`);
    assert.equal((actual as unknown[]).length, want.length, `${at} length`);
    want.forEach((w, i) => partialMatch((actual as unknown[])[i], w, `${at}[${i}]`));
    return;
  }
  for (const [k, v] of Object.entries(want)) partialMatch((actual as Record<string, unknown>)?.[k], v, `${at}.${k}`);
}

test(`the table has at least 80 manifests (${rows.length})`, () => {
  assert.ok(rows.length >= 80);
});

for (const row of rows) {
  test(row.name, () => {
    const obj = svc(structuredClone(row.spec), row.meta);
    if (!row.raw) defaultService(obj);
    const errs = row.old ? validateServiceUpdate(obj, svc(stored(row.old)), row.opts) : validateService(obj, row.opts);
    const texts = errs.map(fieldErrorText);
    if (row.errors) {
      assert.equal(texts.length, row.errors.length, `causes:\n  ${texts.join('\n  ')}`);
      row.errors.forEach((want, i) => assert.ok(texts[i]!.startsWith(want), `cause ${i}:\n  got  ${texts[i]}\n  want ${want}…`));
      // The 422 carries one cause per error, each with its field.
      const status = invalid('Service', '', obj.metadata.name ?? '', errs).status;
      assert.equal(status.code, 422);
      assert.deepEqual(status.details?.causes?.map((c) => c.field), errs.map((e) => e.field));
    } else {
      assert.deepEqual(texts, [], 'expected no errors');
      partialMatch(obj.spec, row.defaults ?? {}, 'spec');
    }
  });
}

test('Invalid message joins several causes the way kubectl shows them', () => {
  const obj = svc({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] });
  defaultService(obj);
  const e = invalid('Service', '', 'web', validateService(obj));
  assert.equal(e.status.message, 'Service "web" is invalid: spec.ports[1].name: Duplicate value: "http"');
});

test('defaulting is idempotent', () => {
  for (const row of rows) {
    const a = svc(structuredClone(row.spec), row.meta);
    defaultService(a);
    const b = structuredClone(a);
    defaultService(b);
    assert.deepEqual(b, a, row.name);
  }
});

test('validation never throws on garbage', () => {
  const garbage: unknown[] = [null, 1, 'x', [], { ports: 'x' }, { ports: [null, 1, 'a'] }, { clusterIPs: 'x', ipFamilies: {} }, { selector: [1] }, { externalIPs: [null] }];
  for (const g of garbage) {
    const o = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'd' }, spec: g } as unknown as Service;
    defaultService(o);
    assert.ok(Array.isArray(validateService(o)));
  }
});
