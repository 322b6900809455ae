/**
 * Service validation: the rules of Kubernetes v1.33 pkg/apis/core/validation
 * (ValidateService, validateServicePort, validateServiceExternalTrafficPolicy,
 * ValidateServiceUpdate, …) with upstream field paths, error types, wording
 * and order — including the two upstream quirks: `spec.LoadBalancerSourceRanges`
 * (capital L) and `allocateLoadBalancerNodePorts` without the `spec.` prefix.
 *
 * Ranges (clusterIP in the service CIDR, nodePort in its range) are not
 * checked here: the allocators do that, as in Kubernetes.
 *
 * Contract: pure, accumulates field errors, never throws, never mutates;
 * expects a defaulted object (defaultService) but survives a raw one.
 */
import { fieldErr, path, type FieldError, type FieldPath } from '../status.ts';
import type { Service, ServicePort, ServiceSpec } from '../types.ts';
import { labelKeyErrors, labelValueErrors } from '../selectors.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, validateObjectMeta } from './meta.ts';
import { inAnyCIDR, parseIP, validateCIDR, validateIP, validateNonSpecialIP } from './ip.ts';
import { externallyAccessible, needsHealthCheck } from '../defaults/service.ts';
import {
  isHeadless,
  validateServiceClusterIPsRelatedFields,
  validateUpgradeDowngradeClusterIPs,
  validateUpgradeDowngradeIPFamilies,
} from './service-ips.ts';

export { isHeadless, validateServiceClusterIPsRelatedFields } from './service-ips.ts';

export interface ServiceValidationOptions {
  /**
   * The externalIPs policy (Switchboard's answer to CVE-2020-8554, like the
   * DenyServiceExternalIPs admission plugin): new externalIPs must fall in one
   * of these CIDRs; an empty list refuses all. Undefined: not enforced (plain
   * upstream validation).
   */
  externalIPCIDRs?: readonly string[];
  /** Feature gate PreferSameTrafficDistribution (alpha in 1.33, off by default). */
  preferSameTrafficDistribution?: boolean;
  /**
   * Validation runs before allocation (Switchboard's registry validates, then
   * admission allocates): tolerate an unset healthCheckNodePort that the
   * allocator is about to fill.
   */
  beforeAllocation?: boolean;
}

export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
export const EXTERNAL_IP_CIDRS_FLAG = '--service-external-ip-cidrs';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const LB_SOURCE_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const NOT_LB = "may only be used when `type` is 'LoadBalancer'";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}
function specOf(svc: Service): ServiceSpec {
  return isObject(svc?.spec) ? svc.spec : {};
}
/** Go's int32 zero value for absent numbers. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';
function validPort(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** IsValidPortName (IANA_SVC_NAME). */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** ValidatePortNumOrName. */
export function validatePortNumOrName(v: unknown, p: FieldPath): FieldError[] {
  if (typeof v === 'string') return portNameErrors(v).map((m) => fieldErr.invalid(p, v, m));
  const n = num(v);
  return validPort(n) ? [] : [fieldErr.invalid(p, n, PORT_RANGE_MSG)];
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(sp)) return [fieldErr.invalid(p, sp, 'must be an object')];
  if (requireName && !sp.name) {
    errs.push(fieldErr.required(p.child('name')));
  } else if (sp.name) {
    for (const m of dns1123LabelErrors(sp.name)) errs.push(fieldErr.invalid(p.child('name'), sp.name, m));
    if (names.has(sp.name)) errs.push(fieldErr.duplicate(p.child('name'), sp.name));
    else names.add(sp.name);
  }
  if (!validPort(sp.port)) errs.push(fieldErr.invalid(p.child('port'), num(sp.port), PORT_RANGE_MSG));
  if (!sp.protocol) errs.push(fieldErr.required(p.child('protocol')));
  else if (!(PROTOCOLS as readonly string[]).includes(sp.protocol)) errs.push(fieldErr.notSupported(p.child('protocol'), sp.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(sp.targetPort, p.child('targetPort')));
  if (sp.appProtocol !== undefined && sp.appProtocol !== null) {
    for (const m of labelKeyErrors(String(sp.appProtocol))) errs.push(fieldErr.invalid(p.child('appProtocol'), sp.appProtocol, m));
  }
  // targetPort on headless Services is tolerated (v1 compatibility), as upstream.
  return errs;
}

function validateClientIPAffinityConfig(spec: ServiceSpec, p: FieldPath): FieldError[] {
  const why = 'when session affinity type is ClientIP';
  const c = spec.sessionAffinityConfig;
  if (!isObject(c)) return [fieldErr.required(p, why)];
  if (!isObject(c.clientIP)) return [fieldErr.required(p.child('clientIP'), why)];
  const t = c.clientIP.timeoutSeconds;
  const tp = p.child('clientIP', 'timeoutSeconds');
  if (t === undefined || t === null) return [fieldErr.required(tp, why)];
  if (typeof t !== 'number' || t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [fieldErr.invalid(tp, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

/**
 * ValidateService minus ValidateObjectMeta (the registry checks metadata for
 * every kind). Includes the Service-specific annotation rules.
 */
export function validateServiceFields(svc: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const meta = isObject(svc?.metadata) ? svc.metadata : {};
  const annotations = isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {};
  if (TOPOLOGY_MODE in annotations && TOPOLOGY_HINTS in annotations && annotations[TOPOLOGY_MODE] !== annotations[TOPOLOGY_HINTS]) {
    errs.push(
      fieldErr.invalid(path('metadata', 'annotations').key(TOPOLOGY_MODE), annotations[TOPOLOGY_MODE], `must match annotations[${TOPOLOGY_HINTS}] when both are specified`),
    );
  }

  if (!isObject(svc?.spec)) return [...errs, fieldErr.required('spec')];
  const spec = specOf(svc);
  const ports = list<ServicePort>(spec.ports);
  const clusterIPs = list<string>(spec.clusterIPs);
  const headless = isHeadless(spec);
  const sp = path('spec');

  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fieldErr.required(sp.child('ports')));
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(fieldErr.invalid(sp.child('clusterIPs').index(0), clusterIPs[0], `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if (clusterIPs.length > 0) errs.push(fieldErr.forbidden(sp.child('clusterIPs'), 'may not be set for ExternalName services'));
      if (list(spec.ipFamilies).length > 0) errs.push(fieldErr.forbidden(sp.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(fieldErr.forbidden(sp.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      // A CNAME may end in a dot (fully qualified).
      const cname = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
      if (cname) for (const m of dns1123SubdomainErrors(cname)) errs.push(fieldErr.invalid(sp.child('externalName'), cname, m));
      else errs.push(fieldErr.required(sp.child('externalName')));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, sp.child('ports').index(i))));

  if (spec.selector !== undefined && spec.selector !== null) {
    if (!isObject(spec.selector)) {
      errs.push(fieldErr.invalid(sp.child('selector'), spec.selector, 'must be a map of label keys to values'));
    } else {
      for (const [k, v] of Object.entries(spec.selector)) {
        for (const m of labelKeyErrors(k)) errs.push(fieldErr.invalid(sp.child('selector'), k, m));
        for (const m of labelValueErrors(String(v))) errs.push(fieldErr.invalid(sp.child('selector'), v, m));
      }
    }
  }

  if (!spec.sessionAffinity) errs.push(fieldErr.required(sp.child('sessionAffinity')));
  else if (!(SESSION_AFFINITIES as readonly string[]).includes(spec.sessionAffinity)) {
    errs.push(fieldErr.notSupported(sp.child('sessionAffinity'), spec.sessionAffinity, SESSION_AFFINITIES));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    errs.push(...validateClientIPAffinityConfig(spec, sp.child('sessionAffinityConfig')));
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(fieldErr.forbidden(sp.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  errs.push(...validateServiceClusterIPsRelatedFields(spec));

  list<string>(spec.externalIPs).forEach((ip, i) => {
    const p = sp.child('externalIPs').index(i);
    const e = validateIP(p, ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(ip, p)));
  });

  if (!spec.type) errs.push(fieldErr.required(sp.child('type')));
  else if (!(SERVICE_TYPES as readonly string[]).includes(spec.type)) errs.push(fieldErr.notSupported(sp.child('type'), spec.type, SERVICE_TYPES));

  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (isObject(p) && num(p.nodePort) !== 0) errs.push(fieldErr.forbidden(sp.child('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }

  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObject(p) || num(p.nodePort) === 0) return;
    const key = `${p.protocol ?? ''}/${num(p.nodePort)}`;
    if (nodePorts.has(key)) errs.push(fieldErr.duplicate(sp.child('ports').index(i).child('nodePort'), num(p.nodePort)));
    nodePorts.add(key);
  });

  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObject(p)) return;
    const key = `${p.protocol ?? ''}/${num(p.port)}`;
    // The value is upstream's core.ServicePort{Protocol, Port} key, as JSON.
    if (portKeys.has(key)) {
      errs.push(fieldErr.duplicate(sp.child('ports').index(i), { Name: '', Protocol: p.protocol ?? '', AppProtocol: null, Port: num(p.port), TargetPort: 0, NodePort: 0 }));
    }
    portKeys.add(key);
  });

  const ranges = list<string>(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    const fp = sp.child('LoadBalancerSourceRanges'); // ⚠ upstream's capital L
    if (spec.type !== 'LoadBalancer') errs.push(fieldErr.forbidden(fp, NOT_LB));
    ranges.forEach((v, i) => errs.push(...validateCIDR(fp.index(i), typeof v === 'string' ? v.trim() : v)));
  } else if (LB_SOURCE_RANGES in annotations) {
    const fp = path('metadata', 'annotations').key(LB_SOURCE_RANGES);
    if (spec.type !== 'LoadBalancer') errs.push(fieldErr.forbidden(fp, NOT_LB));
    const val = String(annotations[LB_SOURCE_RANGES] ?? '').trim();
    if (val) for (const c of val.split(',')) errs.push(...validateCIDR(fp, c.trim()));
  }

  const alloc = spec.allocateLoadBalancerNodePorts;
  if (alloc !== undefined && alloc !== null && spec.type !== 'LoadBalancer') errs.push(fieldErr.forbidden(sp.child('allocateLoadBalancerNodePorts'), NOT_LB));
  if (spec.type === 'LoadBalancer' && (alloc === undefined || alloc === null)) errs.push(fieldErr.required('allocateLoadBalancerNodePorts')); // ⚠ no "spec."

  errs.push(...validateLoadBalancerClass(spec));

  // externalTrafficPolicy and healthCheckNodePort (validateServiceExternalTrafficPolicy).
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fieldErr.invalid(sp.child('externalTrafficPolicy'), etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(fieldErr.required(sp.child('externalTrafficPolicy')));
  } else if (!(TRAFFIC_POLICIES as readonly string[]).includes(etp)) {
    errs.push(fieldErr.notSupported(sp.child('externalTrafficPolicy'), etp, TRAFFIC_POLICIES));
  }
  const hc = num(spec.healthCheckNodePort);
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) errs.push(fieldErr.invalid(sp.child('healthCheckNodePort'), hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hc === 0) {
    if (!opts.beforeAllocation) errs.push(fieldErr.required(sp.child('healthCheckNodePort')));
  } else if (!validPort(hc)) {
    errs.push(fieldErr.invalid(sp.child('healthCheckNodePort'), hc, PORT_RANGE_MSG));
  }

  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') errs.push(fieldErr.required(sp.child('internalTrafficPolicy')));
  } else if (!(TRAFFIC_POLICIES as readonly string[]).includes(itp)) {
    errs.push(fieldErr.notSupported(sp.child('internalTrafficPolicy'), itp, TRAFFIC_POLICIES));
  }

  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null) {
    const allowed = opts.preferSameTrafficDistribution ? ['PreferClose', 'PreferSameNode', 'PreferSameZone'] : ['PreferClose'];
    if (!allowed.includes(td)) errs.push(fieldErr.notSupported(sp.child('trafficDistribution'), td, allowed));
  }

  if (opts.externalIPCIDRs) errs.push(...validateExternalIPPolicy(svc, undefined, opts.externalIPCIDRs));
  return errs;
}

/** validateLoadBalancerClassField without the old object. */
function validateLoadBalancerClass(spec: ServiceSpec): FieldError[] {
  const cls = spec.loadBalancerClass;
  if (cls === undefined || cls === null) return [];
  const p = path('spec', 'loadBalancerClass');
  if (spec.type !== 'LoadBalancer') return [fieldErr.forbidden(p, NOT_LB)];
  return labelKeyErrors(String(cls)).map((m) => fieldErr.invalid(p, cls, m));
}

/** ValidateService: ObjectMeta (name is a DNS-1035 label) plus every Service rule. */
export function validateService(svc: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  const meta = isObject(svc?.metadata) ? svc.metadata : {};
  return [...validateObjectMeta(meta, true, 'dns1035'), ...validateServiceFields(svc, opts)];
}

/**
 * The rules only an update has (ValidateServiceUpdate minus ValidateService):
 * clusterIPs[0] / ipFamilies[0] immutable, loadBalancerClass immutable while
 * LoadBalancer, healthCheckNodePort immutable while LoadBalancer+Local.
 */
export function validateServiceUpdateRules(svc: Service, old: Service): FieldError[] {
  const spec = specOf(svc);
  const o = specOf(old);
  const errs = [...validateUpgradeDowngradeClusterIPs(o, spec), ...validateUpgradeDowngradeIPFamilies(o, spec)];
  if (o.type === 'LoadBalancer' && spec.type === 'LoadBalancer' && (o.loadBalancerClass ?? null) !== (spec.loadBalancerClass ?? null)) {
    errs.push(fieldErr.invalid(path('spec', 'loadBalancerClass'), spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(o) && needsHealthCheck(spec) && num(spec.healthCheckNodePort) !== num(o.healthCheckNodePort)) {
    errs.push(fieldErr.forbidden(path('spec', 'healthCheckNodePort'), 'field is immutable'));
  }
  return errs;
}

/** ValidateServiceUpdate: the update rules, then ValidateService (upstream order). */
export function validateServiceUpdate(svc: Service, old: Service, opts: ServiceValidationOptions = {}): FieldError[] {
  const { externalIPCIDRs, ...rest } = opts;
  const errs = [...validateServiceUpdateRules(svc, old), ...validateService(svc, rest)];
  if (externalIPCIDRs) errs.push(...validateExternalIPPolicy(svc, old, externalIPCIDRs));
  return errs;
}

/**
 * The externalIPs policy (CVE-2020-8554): a Service may only claim an
 * external IP inside one of the cluster's allowed CIDRs; with no allow-list
 * none is allowed. IPs the old object already had stay allowed, so existing
 * Services keep working when the list shrinks (like DenyServiceExternalIPs,
 * which permits updates that add nothing). Malformed IPs are left to
 * validation.
 */
export function validateExternalIPPolicy(svc: Service, old: Service | undefined, allowedCIDRs: readonly string[]): FieldError[] {
  const before = new Set(old ? list<string>(specOf(old).externalIPs) : []);
  const errs: FieldError[] = [];
  list<string>(specOf(svc).externalIPs).forEach((ip, i) => {
    if (before.has(ip) || !parseIP(ip)) return;
    const p = path('spec', 'externalIPs').index(i);
    if (allowedCIDRs.length === 0) {
      errs.push(
        fieldErr.forbidden(
          p,
          `externalIPs are not allowed on this cluster (CVE-2020-8554); start the API server with ${EXTERNAL_IP_CIDRS_FLAG}=<CIDR>[,<CIDR>...] to allow external IPs from those ranges`,
        ),
      );
    } else if (!inAnyCIDR(ip, allowedCIDRs)) {
      errs.push(
        fieldErr.forbidden(p, `${ip} is not in the allowed external IP ranges (${allowedCIDRs.join(', ')}); add its range to ${EXTERNAL_IP_CIDRS_FLAG} to allow it`),
      );
    }
  });
  return errs;
}
