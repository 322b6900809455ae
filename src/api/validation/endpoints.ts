/**
 * Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) validation:
 * Kubernetes' ValidateEndpoints / ValidateEndpointSlice rules, plus the
 * address policy that keeps a user-written endpoint from turning a Service
 * into a redirect to something it must not reach (CVE-2021-25737: loopback
 * and link-local backends; CVE-2021-25740-style: cluster IPs as backends,
 * which kube-proxy cannot forward to and which would loop Service traffic).
 *
 * Contract: pure, never throws, never mutates. ObjectMeta is the registry's
 * job; `validateEndpoints*`/`validateEndpointSlice*` check everything else.
 */
import { fieldErr, path, type FieldError, type FieldPath } from '../status.ts';
import type { EndpointPort, Endpoints, EndpointSlice, Endpoint } from '../types.ts';
import { labelKeyErrors, labelValueErrors } from '../selectors.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors } from './meta.ts';
import { inAnyCIDR, isLoopback, isMulticast, parseIP, validateIP, validateIPv4, validateIPv6, validateNonSpecialIP } from './ip.ts';

export interface EndpointAddressPolicy {
  /** The cluster's service CIDRs: no endpoint may point into them. */
  serviceCIDRs: readonly string[];
  /**
   * Loopback ranges that are pod addresses and so valid backends (loopback
   * mode: exactly 127.244.0.0/16). Every other loopback address stays invalid.
   */
  loopbackPodCIDRs: readonly string[];
  /**
   * Extra addresses allowed despite being special, for this object only
   * (the API server's own address in default/kubernetes).
   */
  allowedAddresses?: readonly string[];
}

export const NO_ADDRESS_POLICY: EndpointAddressPolicy = { serviceCIDRs: [], loopbackPodCIDRs: [] };

export const MAX_SLICE_ENDPOINTS = 1000;
export const MAX_SLICE_PORTS = 100;
export const MAX_ENDPOINT_ADDRESSES = 100;
export const MAX_ZONE_HINTS = 8;
export const MAX_NODE_HINTS = 8;
const MAX_TOPOLOGY_LABELS = 16;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/**
 * The address rules for a backend IP that is already a valid IP of the
 * right family: ValidateNonSpecialIP, then Switchboard's additions.
 *
 * Loopback mode runs every pod as a host process bound to an address in
 * 127.244.0.0/16, so those loopback addresses are real pod IPs and must be
 * accepted. Nothing else in 127/8 may be: the userspace proxy connects from
 * the host, so an endpoint of 127.0.0.1:6443 (or any other 127/8 address,
 * including the 127.96.0.0/16 cluster IPs) would let whoever can write an
 * Endpoints object make a Service forward into the API server or any
 * host-local service — the CVE-2021-25737 hijack this rule exists to stop.
 */
function validateBackendIP(ip: string, p: FieldPath, policy: EndpointAddressPolicy): FieldError[] {
  const parsed = parseIP(ip)!;
  if (policy.allowedAddresses?.includes(ip)) return [];
  let errs = validateNonSpecialIP(ip, p);
  if (isLoopback(parsed) && inAnyCIDR(ip, policy.loopbackPodCIDRs)) {
    errs = errs.filter((e) => !String(e.detail).startsWith('may not be in the loopback range'));
  }
  if (errs.length) return errs;
  if (isMulticast(parsed)) return [fieldErr.invalid(p, ip, 'may not be in the multicast range (224.0.0.0/4, ff00::/8)')];
  if (inAnyCIDR(ip, policy.serviceCIDRs)) {
    return [fieldErr.invalid(p, ip, `may not be in the service IP range (${policy.serviceCIDRs.join(', ')}): a cluster IP cannot be a Service backend`)];
  }
  return [];
}

function validateEndpointPort(port: EndpointPort, requireName: boolean, p: FieldPath): FieldError[] {
  if (!isObject(port)) return [fieldErr.invalid(p, port, 'must be an object')];
  const errs: FieldError[] = [];
  if (requireName && !port.name) errs.push(fieldErr.required(p.child('name')));
  else if (port.name) for (const m of dns1123LabelErrors(port.name)) errs.push(fieldErr.invalid(p.child('name'), port.name, m));
  const n = typeof port.port === 'number' ? port.port : 0;
  if (!(Number.isInteger(n) && n >= 1 && n <= 65535)) errs.push(fieldErr.invalid(p.child('port'), n, PORT_RANGE_MSG));
  if (!port.protocol) errs.push(fieldErr.required(p.child('protocol')));
  else if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) errs.push(fieldErr.notSupported(p.child('protocol'), port.protocol, PROTOCOLS));
  if (port.appProtocol !== undefined && port.appProtocol !== null) {
    for (const m of labelKeyErrors(String(port.appProtocol))) errs.push(fieldErr.invalid(p.child('appProtocol'), port.appProtocol, m));
  }
  return errs;
}

/** ValidateEndpoints (without ObjectMeta) plus the address policy. */
export function validateEndpoints(ep: Endpoints, policy: EndpointAddressPolicy = NO_ADDRESS_POLICY): FieldError[] {
  const errs: FieldError[] = [];
  list<Record<string, unknown>>(ep?.subsets).forEach((ss, i) => {
    const sp = path('subsets').index(i);
    if (!isObject(ss)) {
      errs.push(fieldErr.invalid(sp, ss, 'must be an object'));
      return;
    }
    const addrs = list<Record<string, unknown>>(ss['addresses']);
    const notReady = list<Record<string, unknown>>(ss['notReadyAddresses']);
    if (addrs.length === 0 && notReady.length === 0) errs.push(fieldErr.required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    const address = (a: Record<string, unknown>, p: FieldPath) => {
      if (!isObject(a)) {
        errs.push(fieldErr.invalid(p, a, 'must be an object'));
        return;
      }
      const ip = a['ip'];
      const ipErrs = validateIP(p.child('ip'), ip);
      errs.push(...ipErrs);
      if (typeof a['hostname'] === 'string' && a['hostname']) {
        for (const m of dns1123LabelErrors(a['hostname'])) errs.push(fieldErr.invalid(p.child('hostname'), a['hostname'], m));
      }
      if (a['nodeName'] !== undefined && a['nodeName'] !== null) {
        for (const m of dns1123SubdomainErrors(String(a['nodeName']))) errs.push(fieldErr.invalid(p.child('nodeName'), a['nodeName'], m));
      }
      // Upstream appends ValidateNonSpecialIP even after an IP error (two causes for a bad IP).
      if (ipErrs.length) errs.push(...validateNonSpecialIP(ip, p.child('ip')));
      else errs.push(...validateBackendIP(String(ip), p.child('ip'), policy));
    };
    addrs.forEach((a, j) => address(a, sp.child('addresses').index(j)));
    notReady.forEach((a, j) => address(a, sp.child('notReadyAddresses').index(j)));
    const ports = list<EndpointPort>(ss['ports']);
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, sp.child('ports').index(j))));
  });
  return errs;
}

/** ValidateEndpointsUpdate adds nothing beyond ValidateEndpoints (nodeName may change). */
export function validateEndpointsUpdate(ep: Endpoints, _old: Endpoints, policy: EndpointAddressPolicy = NO_ADDRESS_POLICY): FieldError[] {
  return validateEndpoints(ep, policy);
}

function validateFQDN(p: FieldPath, name: string): FieldError[] {
  if (!name) return [fieldErr.required(p)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = dns1123SubdomainErrors(n);
  if (sub.length) return [fieldErr.invalid(p, n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2) return [fieldErr.invalid(p, n, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const e = dns1123LabelErrors(l);
    if (e.length) return [fieldErr.invalid(p, l, e.join(','))];
  }
  return [];
}

function validateSliceEndpoint(e: Endpoint, addressType: unknown, p: FieldPath, policy: EndpointAddressPolicy): FieldError[] {
  if (!isObject(e)) return [fieldErr.invalid(p, e, 'must be an object')];
  const errs: FieldError[] = [];
  const ap = p.child('addresses');
  const addrs = list<string>(e.addresses);
  if (addrs.length === 0) errs.push(fieldErr.required(ap, 'must contain at least 1 address'));
  else if (addrs.length > MAX_ENDPOINT_ADDRESSES) errs.push(fieldErr.tooMany(ap, addrs.length, MAX_ENDPOINT_ADDRESSES));
  addrs.forEach((a, i) => {
    const p2 = ap.index(i);
    if (addressType === 'IPv4' || addressType === 'IPv6') {
      const ipErrs = addressType === 'IPv4' ? validateIPv4(p2, a) : validateIPv6(p2, a);
      errs.push(...(ipErrs.length ? ipErrs : validateBackendIP(a, p2, policy)));
    } else if (addressType === 'FQDN') {
      errs.push(...validateFQDN(p2, String(a)));
    }
  });
  if (e.nodeName !== undefined && e.nodeName !== null) {
    for (const m of dns1123SubdomainErrors(String(e.nodeName))) errs.push(fieldErr.invalid(p.child('nodeName'), e.nodeName, m));
  }
  const topo = isObject(e.deprecatedTopology) ? e.deprecatedTopology : {};
  const tp = p.child('deprecatedTopology');
  if (Object.keys(topo).length > MAX_TOPOLOGY_LABELS) errs.push(fieldErr.tooMany(tp, Object.keys(topo).length, MAX_TOPOLOGY_LABELS));
  for (const [k, v] of Object.entries(topo)) {
    for (const m of labelKeyErrors(k)) errs.push(fieldErr.invalid(tp, k, m));
    for (const m of labelValueErrors(String(v))) errs.push(fieldErr.invalid(tp, v, m));
  }
  if (e.hostname !== undefined && e.hostname !== null) {
    for (const m of dns1123LabelErrors(String(e.hostname))) errs.push(fieldErr.invalid(p.child('hostname'), e.hostname, m));
  }
  if (isObject(e.hints)) errs.push(...validateHints(e.hints, p.child('hints')));
  return errs;
}

function validateHints(h: NonNullable<Endpoint['hints']>, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const check = (items: unknown, field: 'forZones' | 'forNodes', max: number, valueErrors: (v: string) => string[]) => {
    const arr = list<{ name?: unknown }>(items);
    const fp = p.child(field);
    if (arr.length > max) {
      errs.push(fieldErr.tooMany(fp, arr.length, max));
      return;
    }
    const seen = new Set<string>();
    arr.forEach((it, i) => {
      const np = fp.index(i).child('name');
      const name = String(isObject(it) ? (it.name ?? '') : '');
      if (seen.has(name)) errs.push(fieldErr.duplicate(np, name));
      else seen.add(name);
      for (const m of valueErrors(name)) errs.push(fieldErr.invalid(np, name, m));
    });
  };
  check(h.forZones, 'forZones', MAX_ZONE_HINTS, labelValueErrors);
  check(h.forNodes, 'forNodes', MAX_NODE_HINTS, dns1123SubdomainErrors);
  return errs;
}

/** ValidateEndpointSlice (without ObjectMeta) plus the address policy. */
export function validateEndpointSlice(slice: EndpointSlice, policy: EndpointAddressPolicy = NO_ADDRESS_POLICY): FieldError[] {
  const errs: FieldError[] = [];
  const at = slice?.addressType as unknown;
  if (at === undefined || at === null || at === '') errs.push(fieldErr.required('addressType'));
  else if (!(ADDRESS_TYPES as readonly unknown[]).includes(at)) errs.push(fieldErr.notSupported('addressType', at, ADDRESS_TYPES));

  const endpoints = list<Endpoint>(slice?.endpoints);
  if (endpoints.length > MAX_SLICE_ENDPOINTS) {
    errs.push(fieldErr.tooMany('endpoints', endpoints.length, MAX_SLICE_ENDPOINTS));
  } else {
    endpoints.forEach((e, i) => errs.push(...validateSliceEndpoint(e, at, path('endpoints').index(i), policy)));
  }

  const ports = list<EndpointPort>(slice?.ports);
  if (ports.length > MAX_SLICE_PORTS) {
    errs.push(fieldErr.tooMany('ports', ports.length, MAX_SLICE_PORTS));
    return errs;
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = path('ports').index(i);
    if (!isObject(port)) {
      errs.push(fieldErr.invalid(p, port, 'must be an object'));
      return;
    }
    const name = typeof port.name === 'string' ? port.name : '';
    if (name) for (const m of dns1123LabelErrors(name)) errs.push(fieldErr.invalid(p.child('name'), name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(p.child('name'), name));
    else names.add(name);
    // port is optional in a slice (nil: all ports); when set it must be a port number.
    if (port.port !== undefined && port.port !== null) {
      const n = port.port;
      if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535)) errs.push(fieldErr.invalid(p.child('port'), n, PORT_RANGE_MSG));
    }
    if (port.protocol === undefined || port.protocol === null) errs.push(fieldErr.required(p.child('protocol')));
    else if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) errs.push(fieldErr.notSupported(p.child('protocol'), port.protocol, PROTOCOLS));
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      for (const m of labelKeyErrors(String(port.appProtocol))) errs.push(fieldErr.invalid(p.child('appProtocol'), port.appProtocol, m));
    }
  });
  return errs;
}

/** ValidateEndpointSliceUpdate: addressType is immutable. */
export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice, policy: EndpointAddressPolicy = NO_ADDRESS_POLICY): FieldError[] {
  const errs = validateEndpointSlice(slice, policy);
  if (slice?.addressType !== old?.addressType) errs.push(fieldErr.invalid('addressType', slice?.addressType ?? null, 'field is immutable'));
  return errs;
}
