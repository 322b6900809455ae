/**
 * Chain and set names, hashed and readable as kube-proxy's
 * (pkg/proxy/nftables/proxier.go: hashAndTruncate, servicePortChainNameBase,
 * servicePortEndpointChainNameBase): `service-ULMVA6XW-ns1/svc1/tcp/p80`,
 * `endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`. The hash (first 8
 * base32 characters of the SHA-256 of the readable part) keeps names unique
 * when truncated and makes look-alike chains easy to tell apart. Pure.
 */
import { createHash } from 'node:crypto';
import type { EndpointInfo, ServicePortName } from '../types.ts';

/** knftables.NameLengthMax (256) minus the longest prefix (16). */
const NAME_BASE_MAX = 240;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 8 characters of base32.StdEncoding(sha256(s)) (40 bits = the first 5 bytes). */
export function hash8(s: string): string {
  const h = createHash('sha256').update(s).digest();
  // 40 bits fit a double exactly.
  const bits = h[0]! * 2 ** 32 + h[1]! * 2 ** 24 + h[2]! * 2 ** 16 + h[3]! * 2 ** 8 + h[4]!;
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Math.floor(bits / 2 ** (i * 5)) % 32];
  return out;
}

function hashAndTruncate(name: string): string {
  const full = `${hash8(name)}-${name}`;
  return full.length > NAME_BASE_MAX ? `${full.slice(0, NAME_BASE_MAX - 3)}...` : full;
}

/** `HASH-namespace/name/protocol/portName` (the port name is "" for an unnamed port, as in kube-proxy). */
export function servicePortChainBase(spn: ServicePortName): string {
  return hashAndTruncate(`${spn.namespace}/${spn.name}/${spn.protocol.toLowerCase()}/${spn.port}`);
}

/** `HASH-namespace/name/protocol/portName__IP/port`; IPv6 colons become dots (not allowed in names). */
export function endpointChainBase(spn: ServicePortName, ep: Pick<EndpointInfo, 'ip' | 'port'>): string {
  return hashAndTruncate(`${spn.namespace}/${spn.name}/${spn.protocol.toLowerCase()}/${spn.port}__${ep.ip.replaceAll(':', '.')}/${ep.port}`);
}

export interface ServicePortChains {
  /** Endpoints for Cluster traffic policy. */
  cluster: string;
  /** Endpoints for Local traffic policy. */
  local: string;
  /** NodePort, LoadBalancer IP and externalIP traffic (masquerade, short-circuits), then a policy chain. */
  external: string;
  /** loadBalancerSourceRanges. */
  firewall: string;
}

export function servicePortChains(spn: ServicePortName): ServicePortChains {
  const base = servicePortChainBase(spn);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export function endpointNames(spn: ServicePortName, ep: Pick<EndpointInfo, 'ip' | 'port'>): { chain: string; affinitySet: string } {
  const base = endpointChainBase(spn, ep);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}
