/**
 * EndpointSlices of one Service → endpoints per service port (kube-proxy
 * pkg/proxy/endpointslicecache.go). Pure.
 *
 * - Only `addresses[0]` of an endpoint is used; FQDN slices are ignored.
 * - Conditions: ready = ready ?? true, serving = serving ?? true,
 *   terminating = terminating ?? false (nil means "unknown, assume usable").
 * - A slice port without a name is the unnamed port "" and without a
 *   protocol is TCP (discovery/v1 defaulting); a port without a number is
 *   skipped.
 * - The same ip:port in several slices is kept once, preferring the copy
 *   that says it is local (as kube-proxy does).
 * - Each list is sorted by endpoint string so equal inputs give equal outputs.
 */
import type { EndpointSlice } from '../api/types.ts';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME } from './service-ports.ts';
import type { EndpointInfo, IPFamily, Protocol } from './types.ts';
import { endpointString, servicePortKey } from './types.ts';

export interface EndpointsMapOptions {
  /** PreferSameTrafficDistribution feature gate: read node hints (default off, as in 1.33). */
  preferSameTrafficDistribution?: boolean;
}

/** True when the proxy should read this slice at all. */
export function sliceIsProxied(slice: EndpointSlice): boolean {
  const labels = slice.metadata.labels ?? {};
  if (labels[LABEL_HEADLESS] !== undefined || labels[LABEL_SERVICE_PROXY_NAME] !== undefined) return false;
  return slice.addressType === 'IPv4' || slice.addressType === 'IPv6';
}

/**
 * Endpoints by service port key for the Service `namespace/name`, from its
 * slices (any order). Keys exist only for ports with at least one endpoint.
 */
export function endpointsFromSlices(
  service: string,
  slices: readonly EndpointSlice[],
  nodeName: string,
  opts: EndpointsMapOptions = {},
): Map<string, EndpointInfo[]> {
  const [namespace, name] = splitServiceKey(service);
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (!sliceIsProxied(slice)) continue;
    const family: IPFamily = slice.addressType === 'IPv6' ? 'IPv6' : 'IPv4';
    for (const p of slice.ports ?? []) {
      if (!p.port) continue;
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      const key = servicePortKey({ namespace, name, port: p.name ?? '', protocol });
      let set = byPort.get(key);
      if (!set) byPort.set(key, (set = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip) continue;
        // An address of the other family in this slice is invalid; kube-proxy ignores it.
        if ((family === 'IPv6') !== ip.includes(':')) continue;
        const c = ep.conditions ?? {};
        const nodeHints = opts.preferSameTrafficDistribution ? (ep.hints?.forNodes ?? []).map((h) => h.name).sort() : [];
        const info: EndpointInfo = {
          ip,
          port: p.port,
          family,
          nodeName: ep.nodeName ?? '',
          zone: ep.zone ?? '',
          ready: c.ready ?? true,
          serving: c.serving ?? true,
          terminating: c.terminating ?? false,
          isLocal: nodeName !== '' && ep.nodeName === nodeName,
          zoneHints: (ep.hints?.forZones ?? []).map((h) => h.name).sort(),
          nodeHints,
        };
        const id = endpointString(info);
        if (!set.has(id) || info.isLocal) set.set(id, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byPort) {
    if (set.size === 0) continue;
    out.set(
      key,
      [...set.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e),
    );
  }
  return out;
}

export function splitServiceKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Deep equality of two endpoint lists (both sorted). */
export function sameEndpoints(a: readonly EndpointInfo[] | undefined, b: readonly EndpointInfo[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
