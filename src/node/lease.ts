/**
 * The node heartbeat: a coordination.k8s.io/v1 Lease named after the node in
 * kube-node-lease, owned by the Node, renewed every leaseDuration/4 (the
 * kubelet's default 40 s lease renewed every 10 s). A failed renewal retries
 * sooner (200 ms doubling) and never stops the agent.
 */
import type { Lease } from '../api/types.ts';
import { isConflict, isNotFound } from '../api/status.ts';
import { Resources, type RestClient } from '../client/index.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class NodeLease {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private current?: Lease;
  renewals = 0;

  constructor(
    private readonly client: RestClient,
    private readonly nodeName: string,
    private readonly nodeUid: () => string | undefined,
    private readonly durationSeconds: number,
    private readonly intervalMs: number,
    private readonly log: (l: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.loop(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async loop(failures: number): Promise<void> {
    if (this.stopped) return;
    let next = this.intervalMs;
    try {
      await this.renew();
      failures = 0;
    } catch (e) {
      failures++;
      next = Math.min(this.intervalMs, 200 * 2 ** Math.min(failures, 6));
      this.log(`lease ${this.nodeName}: ${e instanceof Error ? e.message : String(e)}; retrying in ${next} ms`);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(failures), next);
  }

  /** One renewal (create when missing). */
  async renew(): Promise<void> {
    const now = Date.now();
    const uid = this.nodeUid();
    const desired = (base?: Lease): Lease => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(base?.metadata ?? {}),
        name: this.nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid }] } : {}),
      },
      spec: { ...(base?.spec ?? {}), holderIdentity: this.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: microTime(now) },
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!this.current) {
          try {
            this.current = await this.client.get<Lease>(Resources.leases, NODE_LEASE_NAMESPACE, this.nodeName);
          } catch (e) {
            if (!isNotFound(e)) throw e;
            this.current = await this.client.create<Lease>(Resources.leases, NODE_LEASE_NAMESPACE, desired());
            this.renewals++;
            return;
          }
        }
        this.current = await this.client.update<Lease>(Resources.leases, NODE_LEASE_NAMESPACE, desired(this.current));
        this.renewals++;
        return;
      } catch (e) {
        this.current = undefined;
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
    throw new Error('lease renewal kept conflicting');
  }

  /** Removes the Lease (drain: the node is going away). */
  async delete(): Promise<void> {
    this.stop();
    await this.client.delete(Resources.leases, NODE_LEASE_NAMESPACE, this.nodeName).catch(() => undefined);
  }
}
