/**
 * IP addresses and CIDRs as Kubernetes reads them (k8s.io/utils/net
 * ParseIPSloppy / ParseCIDRSloppy, apimachinery validation/ip.go): pure
 * parsing, canonical formatting, range arithmetic on bigints, and the
 * "special address" predicates of Go's net.IP that validation relies on.
 *
 * Contract: every function is pure and total; invalid input yields
 * `undefined` (parsers) or field errors (validators), never a throw.
 */
import { fieldErr, type FieldError, type FieldPath } from '../status.ts';

export type IPFamily = 'IPv4' | 'IPv6';

/** A parsed address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4, as Go's To4() makes it. */
export interface IP {
  readonly family: IPFamily;
  /** 32-bit (IPv4) or 128-bit (IPv6) value. */
  readonly value: bigint;
}

export interface CIDR {
  readonly family: IPFamily;
  /** Network address (host bits cleared). */
  readonly base: bigint;
  readonly prefix: number;
}

const BITS: Record<IPFamily, number> = { IPv4: 32, IPv6: 128 };

/**
 * Dotted quad. Like ParseIPSloppy, octets may carry leading zeros and are
 * read as decimal ("010.0.0.1" is 10.0.0.1).
 */
function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (p.length < 1 || p.length > 3) return undefined;
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      n = n * 10 + d;
    }
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return BigInt(v);
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones are not IPs for the API
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIPv4(it);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = groupsOf(s);
    if (!g || g.length !== 8) return undefined;
    groups = g;
  } else {
    const head = groupsOf(s.slice(0, dbl));
    const tail = groupsOf(s.slice(dbl + 2));
    if (!head || !tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an IP the way ParseIPSloppy does; undefined when invalid. */
export function parseIP(s: unknown): IP | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
  if (!s.includes(':')) {
    const v = parseIPv4(s);
    return v === undefined ? undefined : { family: 'IPv4', value: v };
  }
  const v = parseIPv6(s);
  if (v === undefined) return undefined;
  if (v >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 'IPv4', value: v & 0xffffffffn };
  return { family: 'IPv6', value: v };
}

/** Canonical text: dotted quad, or RFC 5952 (as Go's net.IP.String()). */
export function formatIP(ip: IP): string {
  if (ip.family === 'IPv4') {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of two or more zero groups (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** The canonical form of an IP string, or undefined when it is not an IP. */
export function canonicalIP(s: unknown): string | undefined {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
}

/** Family of an IP string (IPv4-mapped IPv6 counts as IPv4), or undefined when invalid. */
export function familyOf(s: unknown): IPFamily | undefined {
  return parseIP(s)?.family;
}

function mask(family: IPFamily, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const host = bits - BigInt(prefix);
  return ((1n << bits) - 1n) ^ ((1n << host) - 1n);
}

/** Parses "addr/len" like ParseCIDRSloppy (host bits are cleared); undefined when invalid. */
export function parseCIDR(s: unknown): CIDR | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const lenText = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const addrText = s.slice(0, slash);
  // Parse the address in its written family: "::ffff:10.0.0.0/104" stays IPv6.
  let family: IPFamily;
  let value: bigint | undefined;
  if (addrText.includes(':')) {
    family = 'IPv6';
    value = parseIPv6(addrText);
  } else {
    family = 'IPv4';
    value = parseIPv4(addrText);
  }
  if (value === undefined) return undefined;
  const prefix = Number(lenText);
  if (prefix > BITS[family]) return undefined;
  return { family, base: value & mask(family, prefix), prefix };
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP({ family: c.family, value: c.base })}/${c.prefix}`;
}

/** Number of addresses in the CIDR, network and broadcast included. */
export function cidrSize(c: CIDR): bigint {
  return 1n << BigInt(BITS[c.family] - c.prefix);
}

export function cidrContains(c: CIDR, ip: IP): boolean {
  return c.family === ip.family && (ip.value & mask(c.family, c.prefix)) === c.base;
}

/** Does any of the CIDR strings contain the IP string? Invalid entries never match. */
export function inAnyCIDR(ip: string, cidrs: readonly string[]): boolean {
  const p = parseIP(ip);
  if (!p) return false;
  return cidrs.some((c) => {
    const pc = parsedCIDR(c);
    return pc !== undefined && cidrContains(pc, p);
  });
}

/** parseCIDR, remembered for the few configured ranges every endpoint address is checked against. */
const cidrMemo = new Map<string, CIDR | undefined>();
function parsedCIDR(c: string): CIDR | undefined {
  if (cidrMemo.has(c)) return cidrMemo.get(c);
  const pc = parseCIDR(c);
  if (cidrMemo.size >= 1024) cidrMemo.clear();
  cidrMemo.set(c, pc);
  return pc;
}

// ------------------------------------------------------ Go net.IP predicates

export function isUnspecified(ip: IP): boolean {
  return ip.value === 0n;
}
/** 127.0.0.0/8, ::1 */
export function isLoopback(ip: IP): boolean {
  return ip.family === 'IPv4' ? ip.value >> 24n === 127n : ip.value === 1n;
}
/** 169.254.0.0/16, fe80::/10 */
export function isLinkLocalUnicast(ip: IP): boolean {
  return ip.family === 'IPv4' ? ip.value >> 16n === 0xa9fen : ip.value >> 118n === 0x3fan;
}
/** 224.0.0.0/24, ffx2::/16 (Go: ip[0] == 0xff && ip[1]&0x0f == 0x02) */
export function isLinkLocalMulticast(ip: IP): boolean {
  return ip.family === 'IPv4' ? ip.value >> 8n === 0xe00000n : ip.value >> 120n === 0xffn && ((ip.value >> 112n) & 0x0fn) === 2n;
}
/** 224.0.0.0/4, ff00::/8 */
export function isMulticast(ip: IP): boolean {
  return ip.family === 'IPv4' ? ip.value >> 28n === 0xen : ip.value >> 120n === 0xffn;
}

// ---------------------------------------------------------------- validators

/** apimachinery IsValidIP. */
export function validateIP(p: FieldPath | string, value: unknown): FieldError[] {
  return parseIP(value) ? [] : [fieldErr.invalid(p, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** apimachinery IsValidIPv4Address. */
export function validateIPv4(p: FieldPath | string, value: unknown): FieldError[] {
  return parseIP(value)?.family === 'IPv4' ? [] : [fieldErr.invalid(p, value, 'must be a valid IPv4 address')];
}

/** apimachinery IsValidIPv6Address. */
export function validateIPv6(p: FieldPath | string, value: unknown): FieldError[] {
  return parseIP(value)?.family === 'IPv6' ? [] : [fieldErr.invalid(p, value, 'must be a valid IPv6 address')];
}

/** apimachinery IsValidCIDR. */
export function validateCIDR(p: FieldPath | string, value: unknown): FieldError[] {
  return parseCIDR(value) ? [] : [fieldErr.invalid(p, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/**
 * ValidateNonSpecialIP (core validation): used for Endpoints, EndpointSlices
 * and externalIPs. Unspecified and loopback addresses are nonsensical as
 * destinations and link-local ones reach node-local services (e.g. metadata).
 */
export function validateNonSpecialIP(value: unknown, p: FieldPath | string): FieldError[] {
  const ip = parseIP(value);
  if (!ip) return [fieldErr.invalid(p, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(fieldErr.invalid(p, value, `may not be unspecified (${String(value)})`));
  if (isLoopback(ip)) errs.push(fieldErr.invalid(p, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(fieldErr.invalid(p, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) errs.push(fieldErr.invalid(p, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** Go's net.JoinHostPort: brackets around hosts that contain a colon (IPv6). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
