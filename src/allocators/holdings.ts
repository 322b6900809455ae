/**
 * What a stored Service holds from the pools: its cluster IPs (canonical,
 * without "None") and its node ports plus the health-check node port when it
 * needs one. Allocation keys must equal exactly the union of these over all
 * Services; admission keeps it so, repair restores it.
 */
import type { ServiceSpec } from '../api/types.ts';
import { canonicalIP } from '../api/validation/ip.ts';
import { needsHealthCheck } from '../api/defaults/service.ts';

export function heldClusterIPs(spec: ServiceSpec | undefined): string[] {
  if (!spec || spec.type === 'ExternalName') return [];
  const raw = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const out: string[] = [];
  for (const ip of raw) {
    const c = ip === 'None' ? undefined : canonicalIP(ip);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

export function heldNodePorts(spec: ServiceSpec | undefined): number[] {
  if (!spec) return [];
  const out: number[] = [];
  const add = (n: unknown) => {
    if (typeof n === 'number' && Number.isInteger(n) && n > 0 && !out.includes(n)) out.push(n);
  };
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) add(p?.nodePort);
  if (needsHealthCheck(spec)) add(spec.healthCheckNodePort);
  return out;
}
