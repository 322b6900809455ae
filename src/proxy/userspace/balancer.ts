/**
 * Picks the endpoint for a new connection or UDP flow of one service port.
 *
 * - random (default): uniform over the candidates, as kube-proxy's iptables
 *   (`statistic --mode random`) and nftables (`numgen random`) modes;
 * - round-robin: strictly in turn over the candidates (IPVS `rr`).
 * - ClientIP session affinity: a client whose last new connection was at
 *   most timeoutSeconds ago goes back to the same endpoint while that
 *   endpoint is still a candidate (iptables `recent --rcheck --seconds T`,
 *   refreshed by `--set` on every new connection; nftables set timeout).
 *
 * Clock and randomness are injected; no I/O.
 */
import type { EndpointInfo } from '../types.ts';
import { endpointString } from '../types.ts';

export type BalanceMode = 'random' | 'round-robin';

export class EndpointPicker {
  private rr = 0;
  private readonly affinity = new Map<string, { ep: string; last: number }>();
  private picks = 0;

  constructor(
    private readonly mode: BalanceMode,
    private affinityTimeoutMs: number,
    private readonly rand: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** Changes the affinity timeout (0 disables affinity and forgets every client). */
  setAffinityTimeout(ms: number): void {
    if (ms !== this.affinityTimeoutMs) this.affinity.clear();
    this.affinityTimeoutMs = ms;
  }

  /** Number of clients with a live affinity entry (for tests). */
  get affinityEntries(): number {
    return this.affinity.size;
  }

  /**
   * The endpoint for a new connection from `clientIP`, or undefined when
   * every candidate is excluded. `exclude` holds endpoint strings already
   * tried for this connection.
   */
  pick(candidates: readonly EndpointInfo[], clientIP: string, exclude?: ReadonlySet<string>): EndpointInfo | undefined {
    if (candidates.length === 0) return undefined;
    const now = this.now();
    if (this.affinityTimeoutMs > 0) {
      if (++this.picks % 1024 === 0) this.sweep(now);
      const a = this.affinity.get(clientIP);
      if (a && now - a.last <= this.affinityTimeoutMs && !exclude?.has(a.ep)) {
        const ep = candidates.find((c) => endpointString(c) === a.ep);
        if (ep) {
          a.last = now;
          return ep;
        }
      }
    }
    const ep = this.choose(candidates, exclude);
    if (ep && this.affinityTimeoutMs > 0) this.affinity.set(clientIP, { ep: endpointString(ep), last: now });
    return ep;
  }

  private choose(candidates: readonly EndpointInfo[], exclude?: ReadonlySet<string>): EndpointInfo | undefined {
    const n = candidates.length;
    if (this.mode === 'round-robin') {
      for (let i = 0; i < n; i++) {
        const ep = candidates[(this.rr + i) % n]!;
        if (exclude?.has(endpointString(ep))) continue;
        this.rr = (this.rr + i + 1) % n;
        return ep;
      }
      return undefined;
    }
    const pool = exclude && exclude.size ? candidates.filter((c) => !exclude.has(endpointString(c))) : candidates;
    if (pool.length === 0) return undefined;
    return pool[Math.min(pool.length - 1, Math.floor(this.rand() * pool.length))];
  }

  /** Drops expired affinity entries. */
  sweep(now = this.now()): void {
    for (const [ip, a] of this.affinity) if (now - a.last > this.affinityTimeoutMs) this.affinity.delete(ip);
  }
}
