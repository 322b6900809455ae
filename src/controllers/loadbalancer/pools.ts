/**
 * LoadBalancer IP pools (MetalLB-style address pools) and the allocation
 * table. Pure: no I/O, no clock.
 *
 * A pool is a CIDR ("127.240.0.0/16") or an inclusive range
 * ("10.0.0.10-10.0.0.20"). In a CIDR of /30 or larger (/126 for IPv6) the
 * network and broadcast addresses are never handed out, as for ClusterIPs.
 * Dynamic allocation hands out the lowest free address, pools in the order
 * given, so allocations are predictable and restart-stable.
 */
import { formatIP, parseCIDR, parseIP, type IPFamily } from '../../api/validation/ip.ts';

export interface Pool {
  /** As configured. */
  text: string;
  family: IPFamily;
  first: bigint;
  last: bigint;
}

export class PoolConfigError extends Error {
  override readonly name = 'PoolConfigError';
}

export function parsePool(text: string): Pool {
  const s = text.trim();
  if (s.includes('/')) {
    const c = parseCIDR(s);
    if (!c) throw new PoolConfigError(`pool "${text}" is not a valid CIDR`);
    const bits = c.family === 'IPv4' ? 32 : 128;
    const size = 1n << BigInt(bits - c.prefix);
    let first = c.base;
    let last = c.base + size - 1n;
    if (bits - c.prefix >= 2) {
      first += 1n;
      if (c.family === 'IPv4') last -= 1n;
    }
    return { text: s, family: c.family, first, last };
  }
  const dash = s.indexOf('-');
  if (dash < 0) {
    const ip = parseIP(s);
    if (!ip) throw new PoolConfigError(`pool "${text}" is neither a CIDR, a range "a-b", nor an address`);
    return { text: s, family: ip.family, first: ip.value, last: ip.value };
  }
  const a = parseIP(s.slice(0, dash).trim());
  const b = parseIP(s.slice(dash + 1).trim());
  if (!a || !b) throw new PoolConfigError(`pool "${text}": both ends of a range must be IP addresses`);
  if (a.family !== b.family) throw new PoolConfigError(`pool "${text}": both ends must be of the same IP family`);
  if (a.value > b.value) throw new PoolConfigError(`pool "${text}": the first address is after the last`);
  return { text: s, family: a.family, first: a.value, last: b.value };
}

export function parsePools(texts: readonly string[]): Pool[] {
  if (texts.length === 0) throw new PoolConfigError('at least one LoadBalancer IP pool is needed');
  return texts.map(parsePool);
}

function keyOf(family: IPFamily, v: bigint): string {
  return formatIP({ family, value: v });
}

/** Which Service (`namespace/name`) holds which pool address. */
export class PoolAllocator {
  private readonly owners = new Map<string, string>();
  private readonly byOwner = new Map<string, Set<string>>();

  constructor(readonly pools: readonly Pool[]) {}

  /** The pool holding this address, or undefined. */
  poolOf(ip: string): Pool | undefined {
    const p = parseIP(ip);
    if (!p) return undefined;
    return this.pools.find((pool) => pool.family === p.family && p.value >= pool.first && p.value <= pool.last);
  }

  ownerOf(ip: string): string | undefined {
    const c = canonical(ip);
    return c ? this.owners.get(c) : undefined;
  }

  ipsOf(owner: string): string[] {
    return [...(this.byOwner.get(owner) ?? [])].sort();
  }

  /** Records `ip` for `owner`. Returns false when someone else holds it or it is in no pool. */
  assign(ip: string, owner: string): boolean {
    const c = canonical(ip);
    if (!c || !this.poolOf(c)) return false;
    const cur = this.owners.get(c);
    if (cur !== undefined && cur !== owner) return false;
    this.owners.set(c, owner);
    (this.byOwner.get(owner) ?? this.byOwner.set(owner, new Set()).get(owner)!).add(c);
    return true;
  }

  releaseIP(ip: string, owner: string): void {
    const c = canonical(ip);
    if (!c || this.owners.get(c) !== owner) return;
    this.owners.delete(c);
    const set = this.byOwner.get(owner);
    set?.delete(c);
    if (set && set.size === 0) this.byOwner.delete(owner);
  }

  /** Frees everything `owner` holds; returns what was freed. */
  release(owner: string): string[] {
    const ips = this.ipsOf(owner);
    for (const ip of ips) this.releaseIP(ip, owner);
    return ips;
  }

  /** The lowest free address of `family` (pools in order), assigned to `owner`; undefined when all are taken. */
  allocateNext(family: IPFamily, owner: string): string | undefined {
    for (const pool of this.pools) {
      if (pool.family !== family) continue;
      for (let v = pool.first; v <= pool.last; v++) {
        const ip = keyOf(family, v);
        if (!this.owners.has(ip)) {
          this.assign(ip, owner);
          return ip;
        }
      }
    }
    return undefined;
  }

  /** Pools of a family, as text (for messages). */
  describe(family?: IPFamily): string {
    return this.pools
      .filter((p) => !family || p.family === family)
      .map((p) => p.text)
      .join(', ');
  }

  get allocated(): number {
    return this.owners.size;
  }
}

export function canonical(ip: string): string | undefined {
  const p = parseIP(ip.trim());
  return p ? formatIP(p) : undefined;
}
