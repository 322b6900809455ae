/**
 * The interface between the mode-independent proxy core (change tracking,
 * bounded-frequency sync, selection, metrics, health) and a data plane
 * (userspace now; nftables and iptables appliers later).
 */
import type { ServicePortStats } from './metrics.ts';
import type { ProxyState, ProxyStateUpdate } from './types.ts';

export interface DataPlane {
  /**
   * Makes the data plane serve `state`. With `update.full` everything is
   * re-applied (idempotent); otherwise only `changed` and `deleted` keys.
   * A throw means the apply failed: the caller forces a full resync and
   * retries. Problems confined to one Service (a port that cannot be bound)
   * are reported as Events and do not throw.
   */
  sync(state: ProxyState, update: ProxyStateUpdate): Promise<void>;
  /** Traffic counters per service port (for /metrics). */
  stats(): Iterable<ServicePortStats>;
  /** Closes every socket the data plane opened (established connections included). */
  close(): Promise<void>;
}

/** Inputs a data plane reads at every sync that come from the Node object or flags. */
export interface NodeAddressing {
  /** Addresses NodePorts (and health check node ports) listen on. */
  nodePortAddresses(): readonly string[];
  /** LocalTrafficDetector: is this source address a pod on this node? */
  isLocalPod(ip: string): boolean;
}
