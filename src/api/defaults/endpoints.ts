/**
 * Endpoints / EndpointSlice defaulting (core/v1 SetDefaults_EndpointPort and
 * discovery/v1 SetDefaults_EndpointPort): a port's protocol defaults to TCP;
 * an EndpointSlice port's name defaults to "".
 *
 * Contract: mutates in place, idempotent, never throws on malformed input.
 */
import type { Endpoints, EndpointSlice } from '../types.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function defaultEndpoints(ep: Endpoints): void {
  if (!Array.isArray(ep.subsets)) return;
  for (const ss of ep.subsets) {
    if (!isObject(ss) || !Array.isArray(ss.ports)) continue;
    for (const p of ss.ports) if (isObject(p) && !p.protocol) p.protocol = 'TCP';
  }
}

export function defaultEndpointSlice(slice: EndpointSlice): void {
  if (!Array.isArray(slice.ports)) return;
  for (const p of slice.ports) {
    if (!isObject(p)) continue;
    if (p.name === undefined || p.name === null) p.name = '';
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
  }
}
