/**
 * NodePort allocation (Kubernetes' portallocator): one pool shared by all
 * protocols, default 30000–32767. Since ServiceNodePortStaticSubrange the
 * range is banded like ClusterIPs, with a static band of
 * min(max(16, size/32), 128) ports (30000–30085 for the default range).
 * Stateless like ClusterIPAllocator: the taken set is passed in.
 */
import { AlreadyAllocatedError, NotInRangeError, RangeFullError } from './errors.ts';
import { pickFree, staticBandSize } from './scan.ts';

export interface PortRange {
  base: number;
  size: number;
}

export const DEFAULT_NODE_PORT_RANGE: PortRange = { base: 30000, size: 2768 };

/** Parses "30000-32767" (or a single port) like net.ParsePortRange; undefined when invalid. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) return undefined;
  return { base: lo, size: hi - lo + 1 };
}

export function formatPortRange(r: PortRange): string {
  return r.size === 1 ? String(r.base) : `${r.base}-${r.base + r.size - 1}`;
}

export class NodePortAllocator {
  readonly range: string;
  readonly staticBand: number;

  /** Throws Error on a range outside 1–65535. */
  constructor(readonly ports: PortRange = DEFAULT_NODE_PORT_RANGE) {
    if (!Number.isInteger(ports.base) || !Number.isInteger(ports.size) || ports.base < 1 || ports.size < 1 || ports.base + ports.size - 1 > 65535) {
      throw new Error(`invalid node port range ${ports.base}+${ports.size}`);
    }
    this.range = formatPortRange(ports);
    this.staticBand = ports.size <= 16 ? 0 : staticBandSize(BigInt(ports.size), 16, 32, 128, ports.size);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.ports.base && port < this.ports.base + this.ports.size;
  }

  /** Claims a requested port. Throws NotInRangeError or AlreadyAllocatedError. */
  allocate(port: number, isTaken: (port: number) => boolean): number {
    if (!this.contains(port)) throw new NotInRangeError('port', port, this.range);
    if (isTaken(port)) throw new AlreadyAllocatedError('port', port);
    return port;
  }

  /** Picks a free port (upper band first, random start). Throws RangeFullError. */
  allocateNext(isTaken: (port: number) => boolean, rand: () => number = Math.random): number {
    const slot = pickFree(this.ports.size, this.staticBand, (s) => !isTaken(this.ports.base + s), rand);
    if (slot === undefined) throw new RangeFullError(this.range);
    return this.ports.base + slot;
  }
}
