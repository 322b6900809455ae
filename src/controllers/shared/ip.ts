/**
 * IP canonicalisation as the controllers need it: Kubernetes parses and
 * re-stringifies every address it copies into a slice (ParseIPSloppy +
 * String), and decides the family the same way (IPv4-mapped IPv6 is IPv4).
 * A fast path skips the bigint parser for the common canonical IPv4 form.
 */
import { parseIP, formatIP } from '../../api/validation/ip.ts';

export type IPFamily = 'IPv4' | 'IPv6';

const CANONICAL_V4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** The canonical form and family of an IP, or undefined when it is not an IP. */
export function canonicalizeIP(s: string): { ip: string; family: IPFamily } | undefined {
  if (CANONICAL_V4.test(s)) return { ip: s, family: 'IPv4' };
  const ip = parseIP(s);
  return ip ? { ip: formatIP(ip), family: ip.family } : undefined;
}
