/**
 * ClusterIP allocation over one service CIDR of one family (Kubernetes'
 * ipallocator.Range): the network address is never allocated, nor (IPv4)
 * the broadcast address; IPv6 ranges are capped at 65536 addresses like
 * upstream's bitmap. Dynamic allocation prefers the upper band (see scan.ts),
 * the static band being min(max(16, size/16), 256) addresses: a /24 keeps
 * .1–.16 for hand-picked IPs, a /20 and larger keep 256.
 *
 * The allocator holds no state: which addresses are taken is passed in
 * (derived from storage by the caller), so it is pure and trivially safe to
 * share. Values are canonical IP strings.
 */
import { cidrContains, cidrSize, formatCIDR, formatIP, parseCIDR, parseIP, type CIDR, type IPFamily } from '../api/validation/ip.ts';
import { AlreadyAllocatedError, NotInRangeError, RangeFullError } from './errors.ts';
import { pickFree, staticBandSize } from './scan.ts';

const IPV6_MAX = 65536n;

export class ClusterIPAllocator {
  readonly family: IPFamily;
  /** Canonical CIDR text, as printed in errors. */
  readonly cidr: string;
  /** Allocatable addresses. */
  readonly size: number;
  /** Size of the lower band dynamic allocation avoids. */
  readonly staticBand: number;
  private readonly net: CIDR;
  private readonly first: bigint;

  /** Throws Error when `cidr` is not a CIDR. */
  constructor(cidr: string) {
    const net = parseCIDR(cidr);
    if (!net) throw new Error(`invalid service CIDR "${cidr}"`);
    this.net = net;
    this.family = net.family;
    this.cidr = formatCIDR(net);
    const full = cidrSize(net);
    let max = net.family === 'IPv6' ? (full > IPV6_MAX ? IPV6_MAX : full) : full - 1n; // IPv4: no broadcast
    max -= 1n; // no network address
    this.size = max > 0n ? Number(max) : 0;
    this.first = net.base + 1n;
    this.staticBand = staticBandSize(full, 16, 16, 256, this.size);
  }

  /** The n-th address of the CIDR (1 = first allocatable), canonical; used for well-known IPs. */
  nth(n: number): string {
    return formatIP({ family: this.family, value: this.net.base + BigInt(n) });
  }

  /** Slot of an allocatable address, or undefined when outside the allocatable range. */
  private slotOf(ip: string): number | undefined {
    const p = parseIP(ip);
    if (!p || !cidrContains(this.net, p)) return undefined;
    const off = p.value - this.first;
    return off >= 0n && off < BigInt(this.size) ? Number(off) : undefined;
  }

  private ipAt(slot: number): string {
    return formatIP({ family: this.family, value: this.first + BigInt(slot) });
  }

  contains(ip: string): boolean {
    return this.slotOf(ip) !== undefined;
  }

  /**
   * Claims a requested IP; returns its canonical form. Throws NotInRangeError
   * (outside the range, network or broadcast address) or AlreadyAllocatedError.
   */
  allocate(ip: string, isTaken: (ip: string) => boolean): string {
    const slot = this.slotOf(ip);
    if (slot === undefined) throw new NotInRangeError('ip', ip, this.cidr);
    const canonical = this.ipAt(slot);
    if (isTaken(canonical)) throw new AlreadyAllocatedError('ip', canonical);
    return canonical;
  }

  /** Picks a free IP (upper band first, random start). Throws RangeFullError. */
  allocateNext(isTaken: (ip: string) => boolean, rand: () => number = Math.random): string {
    const slot = pickFree(this.size, this.staticBand, (s) => !isTaken(this.ipAt(s)), rand);
    if (slot === undefined) throw new RangeFullError(this.cidr);
    return this.ipAt(slot);
  }
}
