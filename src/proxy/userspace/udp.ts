/**
 * UDP flows of one service port (the userspace analogue of conntrack
 * entries): a flow per client address:port and listening address, bound to
 * one endpoint through its own connected socket. Replies are relayed back
 * from the listening address, so the client sees them come from the VIP.
 *
 * - A flow expires after `idleTimeoutMs` without traffic either way
 *   (conntrack's UDP timeout, 30 s by default).
 * - `dropFlowsNotIn(serving)` closes every flow whose endpoint is not a
 *   serving endpoint any more, at once (kube-proxy's conntrack cleanup for
 *   UDP: without it a client stays pinned to a dead pod); the client's next
 *   datagram opens a new flow to a current endpoint.
 * - An ICMP error from the endpoint (ECONNREFUSED on the connected socket)
 *   closes the flow, so the next datagram picks again.
 */
import dgram from 'node:dgram';
import type { EndpointInfo } from '../types.ts';
import { endpointString } from '../types.ts';
import type { UdpListener } from './listeners.ts';

export interface UdpFlow {
  readonly key: string;
  /** UdpListener.key of the listening address the flow came in on. */
  readonly listener: string;
  readonly endpoint: EndpointInfo;
  readonly client: { address: string; port: number };
  lastActive: number;
  bytesIn: number;
  bytesOut: number;
}

interface FlowState extends UdpFlow {
  upstream: dgram.Socket;
  pending: Buffer[] | null;
  closed: boolean;
}

export interface UdpFlowTableOptions {
  idleTimeoutMs: number;
  now?: () => number;
  onOpened?(f: UdpFlow): void;
  onClosed?(f: UdpFlow): void;
}

export class UdpFlowTable {
  private readonly flows = new Map<string, FlowState>();
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly o: UdpFlowTableOptions) {
    this.now = o.now ?? Date.now;
  }

  get size(): number {
    return this.flows.size;
  }

  list(): UdpFlow[] {
    return [...this.flows.values()];
  }

  /**
   * Forwards one datagram from a client. `pick` chooses the endpoint for a
   * new flow (undefined = drop the datagram). Returns false when dropped.
   */
  handle(msg: Buffer, from: { address: string; port: number }, listener: UdpListener, pick: () => EndpointInfo | undefined): { accepted: boolean; newFlow: boolean } {
    const key = `${listener.key}|${from.address}:${from.port}`;
    let f = this.flows.get(key);
    let newFlow = false;
    if (!f || f.closed) {
      const ep = pick();
      if (!ep) return { accepted: false, newFlow: false };
      f = this.open(key, ep, from, listener);
      newFlow = true;
    }
    f.lastActive = this.now();
    f.bytesIn += msg.length;
    if (f.pending) f.pending.push(msg);
    else f.upstream.send(msg);
    return { accepted: true, newFlow };
  }

  private open(key: string, ep: EndpointInfo, from: { address: string; port: number }, listener: UdpListener): FlowState {
    const upstream = dgram.createSocket({ type: ep.family === 'IPv6' ? 'udp6' : 'udp4' });
    const f: FlowState = { key, listener: listener.key, endpoint: ep, client: { address: from.address, port: from.port }, lastActive: this.now(), bytesIn: 0, bytesOut: 0, upstream, pending: [], closed: false };
    this.flows.set(key, f);
    upstream.on('message', (reply) => {
      if (f.closed) return;
      f.lastActive = this.now();
      f.bytesOut += reply.length;
      listener.send(reply, from.port, from.address);
    });
    upstream.on('error', () => this.close(f));
    upstream.connect(ep.port, ep.ip, () => {
      if (f.closed) return;
      const queued = f.pending ?? [];
      f.pending = null;
      for (const m of queued) upstream.send(m);
    });
    this.o.onOpened?.(f);
    this.arm();
    return f;
  }

  private close(f: FlowState): void {
    if (f.closed) return;
    f.closed = true;
    if (this.flows.get(f.key) === f) this.flows.delete(f.key);
    try {
      f.upstream.close();
    } catch {
      // already closed
    }
    this.o.onClosed?.(f);
  }

  /** Closes every flow whose endpoint is not in `serving` (endpoint strings). Returns how many. */
  dropFlowsNotIn(serving: ReadonlySet<string>): number {
    let n = 0;
    for (const f of [...this.flows.values()]) {
      if (!serving.has(endpointString(f.endpoint))) {
        this.close(f);
        n++;
      }
    }
    return n;
  }

  /** Closes the flows that came in on a listening address that is going away. */
  dropListener(listenerKey: string): number {
    let n = 0;
    for (const f of [...this.flows.values()]) {
      if (f.listener === listenerKey) {
        this.close(f);
        n++;
      }
    }
    return n;
  }

  /** Closes flows idle for longer than the timeout. */
  sweep(now = this.now()): void {
    for (const f of [...this.flows.values()]) if (now - f.lastActive > this.o.idleTimeoutMs) this.close(f);
    if (this.flows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  closeAll(): void {
    for (const f of [...this.flows.values()]) this.close(f);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.min(5000, Math.floor(this.o.idleTimeoutMs / 4)));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }
}
