/**
 * Service predicates shared by the endpoint controllers (k8s.io/endpointslice
 * utils.go, pkg/controller/endpoint). Pure.
 */
import type { Service } from '../../api/types.ts';
import { canonicalizeIP } from './ip.ts';
import { ANNOTATION_TOPOLOGY_AWARE_HINTS, ANNOTATION_TOPOLOGY_MODE } from './names.ts';

export type AddressType = 'IPv4' | 'IPv6';

/** `namespace/name` of an object. */
export function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * Whether the controllers compute endpoints for this Service from its
 * selector. A nil selector means "endpoints are managed out of band". An
 * empty selector ({}) counts as nil too: Kubernetes stores objects as
 * protobuf, where an empty map reads back as nil, so a real cluster treats
 * `selector: {}` exactly like no selector.
 */
export function hasSelector(svc: Service): boolean {
  const sel = svc.spec?.selector;
  return sel !== undefined && sel !== null && Object.keys(sel).length > 0;
}

/** isServiceIPSet: clusterIP is neither "None" nor empty. */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * getAddressTypesForService: one slice set per family in spec.ipFamilies;
 * without families, the family of clusterIP; headless without families:
 * both (sorted IPv4, IPv6 for determinism).
 */
export function addressTypesForService(svc: Service): AddressType[] {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) if (f === 'IPv4' || f === 'IPv6') out.add(f);
  if (out.size) return [...out].sort();
  if (isServiceIPSet(svc)) return [canonicalizeIP(svc.spec.clusterIP!)?.family ?? 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/**
 * hintsEnabled: topology-mode (or the deprecated topology-aware-hints, which
 * wins when both are set) is "Auto" or "auto".
 */
export function hintsEnabled(annotations: Readonly<Record<string, string>> | undefined): boolean {
  const a = annotations ?? {};
  const v = ANNOTATION_TOPOLOGY_AWARE_HINTS in a ? a[ANNOTATION_TOPOLOGY_AWARE_HINTS] : a[ANNOTATION_TOPOLOGY_MODE];
  return v === 'Auto' || v === 'auto';
}

/**
 * getEndpointSlicePrefix: "<name>-" (names are ≤ 63 characters, so the
 * prefix is always a valid DNS subdomain prefix).
 */
export function slicePrefix(name: string): string {
  return `${name}-`;
}

/** Two string maps equal, with undefined/null equal to {} (apiequality.Semantic). */
export function sameStringMap(a: Readonly<Record<string, string>> | undefined | null, b: Readonly<Record<string, string>> | undefined | null): boolean {
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || a![k] !== b![k]) return false;
  return true;
}
