/**
 * CIDR membership for the data path: the CIDRs are parsed once, each lookup
 * parses only the address. Invalid CIDRs never match.
 */
import { cidrContains, parseCIDR, parseIP } from '../api/validation/ip.ts';

export function cidrMatcher(cidrs: readonly string[]): (ip: string) => boolean {
  const parsed = cidrs.map((c) => parseCIDR(c.trim())).filter((c) => c !== undefined);
  if (parsed.length === 0) return () => false;
  return (ip: string) => {
    const p = parseIP(ip);
    return p !== undefined && parsed.some((c) => cidrContains(c, p));
  };
}
