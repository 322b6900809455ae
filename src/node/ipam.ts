/**
 * IPv4 address management for one node: CIDR arithmetic, the node's block
 * out of the cluster range, and pod addresses out of the node's block
 * (host-local IPAM style: round robin after the last address handed out, so
 * a released address is not reused at once). Pure.
 *
 * Dual-stack: a node may also have an IPv6 block (Node spec.podCIDRs[1]). A
 * pod's IPv6 address is not allocated separately: it is the address at the
 * same host offset in the IPv6 block as its IPv4 address in the IPv4 block
 * (10.244.1.7 in 10.244.1.0/24 ↔ fd00:10:244:1::7 in fd00:10:244:1::/64), so
 * the IPv4 allocator's bookkeeping covers both families.
 */
import { formatIP, parseCIDR as parseAnyCidr } from '../api/validation/ip.ts';

export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, len] = cidr.split('/');
  const prefix = Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, prefix };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  let n: number;
  try {
    n = ipToInt(ip);
  } catch {
    return false;
  }
  return n >= c.base && n < c.base + cidrSize(c);
}

/** The i-th block of `maskSize` inside `cluster` (e.g. 10.244.0.0/16, 24, 3 → 10.244.3.0/24). */
export function nthBlock(cluster: string, maskSize: number, i: number): string | undefined {
  const c = parseCidr(cluster);
  if (maskSize < c.prefix || maskSize > 30) throw new Error(`node mask size /${maskSize} does not fit in ${cluster}`);
  const count = 2 ** (maskSize - c.prefix);
  if (i < 0 || i >= count) return undefined;
  return formatCidr({ base: c.base + i * 2 ** (32 - maskSize), prefix: maskSize });
}

export function blockCount(cluster: string, maskSize: number): number {
  return 2 ** (maskSize - parseCidr(cluster).prefix);
}

/** The gateway (first host) address of a block: the node bridge in netns mode. */
export function gatewayOf(block: string): string {
  return intToIp(parseCidr(block).base + 1);
}

/**
 * Pod addresses of one node block: every host address except the network
 * address, the gateway (.1) and the broadcast address.
 */
export class PodAddressAllocator {
  private readonly cidr: Cidr;
  private readonly used = new Set<number>();
  private last: number;

  constructor(readonly block: string) {
    this.cidr = parseCidr(block);
    if (this.cidr.prefix > 30) throw new Error(`pod block ${block} is too small`);
    this.last = this.cidr.base + 1;
  }

  get capacity(): number {
    return cidrSize(this.cidr) - 3;
  }

  get size(): number {
    return this.used.size;
  }

  contains(ip: string): boolean {
    return cidrContains(this.cidr, ip);
  }

  /** Marks an address as taken (adopted pods); false when outside the block or reserved. */
  reserve(ip: string): boolean {
    if (!this.contains(ip)) return false;
    const n = ipToInt(ip);
    if (n <= this.cidr.base + 1 || n >= this.cidr.base + cidrSize(this.cidr) - 1) return false;
    this.used.add(n);
    return true;
  }

  /** The next free address after the last one handed out; throws when the block is full. */
  allocate(): string {
    const first = this.cidr.base + 2;
    const lastHost = this.cidr.base + cidrSize(this.cidr) - 2;
    const span = lastHost - first + 1;
    for (let i = 1; i <= span; i++) {
      const n = first + ((this.last - first + i) % span + span) % span;
      if (!this.used.has(n)) {
        this.used.add(n);
        this.last = n;
        return intToIp(n);
      }
    }
    throw new Error(`no free pod address in ${this.block} (${this.used.size} in use)`);
  }

  release(ip: string): void {
    try {
      this.used.delete(ipToInt(ip));
    } catch {
      /* not an address we handed out */
    }
  }
}

function ipv6Block(block6: string) {
  const c = parseAnyCidr(block6);
  if (!c || c.family !== 'IPv6') throw new Error(`not an IPv6 CIDR: "${block6}"`);
  if (c.prefix > 120) throw new Error(`IPv6 pod block ${block6} is too small`);
  return c;
}

/** The address at host offset `offset` of an IPv6 block (fd00:10:244:1::/64, 7 → fd00:10:244:1::7). */
export function ipv6AtOffset(block6: string, offset: number): string {
  const c = ipv6Block(block6);
  return formatIP({ family: 'IPv6', value: c.base + BigInt(offset) });
}

/** The IPv6 gateway of a block (::1): the node bridge's IPv6 address in netns mode. */
export function gateway6Of(block6: string): string {
  return ipv6AtOffset(block6, 1);
}

/** The IPv6 prefix length of a block. */
export function ipv6PrefixLen(block6: string): number {
  return ipv6Block(block6).prefix;
}

/** A pod's IPv6 address: the host offset of its IPv4 address in `block4`, in `block6`. */
export function pairedIPv6(block4: string, block6: string, ip4: string): string {
  return ipv6AtOffset(block6, ipToInt(ip4) - parseCidr(block4).base);
}
