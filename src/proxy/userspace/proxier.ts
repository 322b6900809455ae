/**
 * The userspace data plane: sockets on every address a Service port answers
 * on, forwarding each new connection (TCP) or flow (UDP) to an endpoint
 * chosen by selectEndpoints + verdictFor + the EndpointPicker.
 *
 * Per service port (ServicePortInfo.key) it keeps a PortRuntime: the latest
 * info and selection, the picker (round-robin position, affinity table), the
 * listener leases, UDP flows and counters. A sync only touches the keys the
 * update names (all of them on a full sync).
 *
 * Listeners, per IP family with a usable endpoint (hasAnyEndpoints):
 *   internal: every clusterIP:port
 *   external: nodePort on every node port address, every externalIP:port
 *             and LoadBalancer ingress IP:port that is an address of this
 *             machine (loadBalancerSourceRanges checked on LB IPs only).
 * Without any usable endpoint nothing listens, so the kernel refuses the
 * connection at once (TCP RST / ICMP port unreachable): kube-proxy's REJECT.
 * With endpoints elsewhere but none this traffic may use from this node
 * (Local policies) the connection is held without an answer and closed
 * silently after `dropHoldMs`: the closest a socket proxy gets to DROP.
 *
 * SCTP ports get a Warning Event (not supported in userspace mode). A port
 * that cannot be bound (privileged port, address in use, address not on this
 * machine) gets a Warning Event and is retried at the next full resync; the
 * rest of the Service keeps working.
 */
import type net from 'node:net';
import type dgram from 'node:dgram';
import type { DataPlane, NodeAddressing } from '../data-plane.ts';
import type { ProxyEventRecorder } from '../events.ts';
import { newServicePortStats, type ServicePortStats } from '../metrics.ts';
import { selectEndpoints, verdictFor, type EndpointSelection, type SelectOptions, type TrafficKind } from '../select-endpoints.ts';
import type { EndpointInfo, IPFamily, NodeTopology, ProxyState, ProxyStateUpdate, ServicePortInfo } from '../types.ts';
import { endpointString, ipFamilyOf, servicePortNameString } from '../types.ts';
import { cidrMatcher } from '../cidr.ts';
import { isLocalAddress, localAddresses } from '../node-addresses.ts';
import { EndpointPicker, type BalanceMode } from './balancer.ts';
import { ListenError, plainIP, sharedListeners, type Lease, type ListenerRegistry, type UdpListener } from './listeners.ts';
import { forwardTcp, DEFAULT_CONNECT_TIMEOUTS_MS, type TcpConnection } from './tcp.ts';
import { UdpFlowTable } from './udp.ts';

export interface UserspaceOptions {
  nodeName: string;
  addressing: NodeAddressing;
  balance?: BalanceMode;
  listeners?: ListenerRegistry;
  events: ProxyEventRecorder;
  /** UDP flow idle timeout (default 30 s, conntrack's UDP timeout). */
  udpIdleTimeoutMs?: number;
  connectTimeoutsMs?: readonly number[];
  /** How long a dropped TCP connection is held before it is closed silently (default 30 s). */
  dropHoldMs?: number;
  select?: SelectOptions;
  rand?: () => number;
  now?: () => number;
  log?: (line: string) => void;
}

type ListenerKind = 'cluster' | 'nodeport' | 'externalip' | 'loadbalancer';

interface WantedListener {
  id: string;
  kind: ListenerKind;
  ip: string;
  port: number;
  family: IPFamily;
}

interface HeldListener extends WantedListener {
  lease: Lease;
}

class PortRuntime {
  info: ServicePortInfo;
  endpoints: readonly EndpointInfo[] = [];
  selection = new Map<IPFamily, EndpointSelection>();
  readonly picker: EndpointPicker;
  readonly held = new Map<string, HeldListener>();
  readonly failed = new Set<string>();
  flows?: UdpFlowTable;
  readonly tcp = new Set<TcpConnection>();
  readonly stats: ServicePortStats;
  sourceRanges: ((ip: string) => boolean) | undefined;
  closed = false;
  syncing: Promise<void> = Promise.resolve();

  constructor(info: ServicePortInfo, mode: BalanceMode, rand: () => number, now: () => number) {
    this.info = info;
    this.picker = new EndpointPicker(mode, info.affinityTimeoutSeconds * 1000, rand, now);
    this.stats = newServicePortStats(servicePortNameString(info.spn), info.spn.protocol, () => this.live());
  }

  live(): { count: number; bytesIn: number; bytesOut: number } {
    let bytesIn = 0;
    let bytesOut = 0;
    for (const c of this.tcp) {
      bytesIn += c.client.bytesRead;
      bytesOut += c.client.bytesWritten;
    }
    const flows = this.flows?.list() ?? [];
    for (const f of flows) {
      bytesIn += f.bytesIn;
      bytesOut += f.bytesOut;
    }
    return { count: this.tcp.size + flows.length, bytesIn, bytesOut };
  }
}

export class UserspaceProxier implements DataPlane {
  private readonly ports = new Map<string, PortRuntime>();
  private readonly listeners: ListenerRegistry;
  private readonly reportedSctp = new Set<string>();
  private readonly rand: () => number;
  private readonly now: () => number;
  private node: NodeTopology = { name: '', zone: '' };
  private localAddrs: ReadonlySet<string> = new Set();
  private readonly held = new Set<net.Socket>();
  private closed = false;

  constructor(private readonly o: UserspaceOptions) {
    this.listeners = o.listeners ?? sharedListeners;
    this.rand = o.rand ?? Math.random;
    this.now = o.now ?? Date.now;
  }

  stats(): Iterable<ServicePortStats> {
    return [...this.ports.values()].map((r) => r.stats);
  }

  /** The runtime view of a service port (for tests). */
  portState(key: string): { listeners: string[]; selection: Map<IPFamily, EndpointSelection>; udpFlows: number; affinityEntries: number } | undefined {
    const r = this.ports.get(key);
    if (!r) return undefined;
    return { listeners: [...r.held.keys()].sort(), selection: r.selection, udpFlows: r.flows?.size ?? 0, affinityEntries: r.picker.affinityEntries };
  }

  async sync(state: ProxyState, update: ProxyStateUpdate): Promise<void> {
    if (this.closed) return;
    this.node = state.node;
    this.localAddrs = new Set(localAddresses());
    const keys = new Set<string>();
    if (update.full) {
      for (const k of state.servicePorts.keys()) keys.add(k);
      for (const k of this.ports.keys()) keys.add(k);
    } else {
      for (const k of update.changed) keys.add(k);
      for (const k of update.deleted) keys.add(k);
    }
    const work: Promise<void>[] = [];
    for (const key of keys) {
      const info = state.servicePorts.get(key);
      let rt = this.ports.get(key);
      if (!info) {
        if (rt) this.retire(key, rt);
        continue;
      }
      if (!rt) {
        rt = new PortRuntime(info, this.o.balance ?? 'random', this.rand, this.now);
        this.ports.set(key, rt);
      }
      const r = rt;
      // Keys of one port never sync concurrently (a slow bind must not race the next sync).
      r.syncing = r.syncing
        .then(() => this.syncPort(r, info, state.endpoints.get(key) ?? [], update.full))
        .catch((e: unknown) => this.o.log?.(`sync ${key}: ${e instanceof Error ? e.message : String(e)}`));
      work.push(r.syncing);
    }
    await Promise.all(work);
  }

  private retire(key: string, rt: PortRuntime): void {
    rt.closed = true;
    for (const h of rt.held.values()) h.lease.release();
    rt.held.clear();
    rt.flows?.closeAll();
    this.ports.delete(key);
  }

  private async syncPort(rt: PortRuntime, info: ServicePortInfo, endpoints: readonly EndpointInfo[], full: boolean): Promise<void> {
    if (rt.closed) return;
    rt.info = info;
    rt.endpoints = endpoints;
    rt.picker.setAffinityTimeout(info.affinityTimeoutSeconds * 1000);
    rt.sourceRanges = info.loadBalancerSourceRanges.length ? cidrMatcher(info.loadBalancerSourceRanges) : undefined;
    const proto = info.spn.protocol;
    if (proto === 'SCTP') {
      if (!this.reportedSctp.has(info.key) || full) {
        this.reportedSctp.add(info.key);
        this.o.events.event(
          { namespace: info.spn.namespace, name: info.spn.name, uid: info.uid },
          'Warning',
          'ProtocolNotSupported',
          `port ${portLabel(info)} is not proxied: SCTP is not supported in userspace mode (use --mode nftables or iptables)`,
        );
      }
      return;
    }
    // Selection per IP family (a listener only forwards to endpoints of its own family, as the kernel modes do).
    const byFamily = new Map<IPFamily, EndpointInfo[]>([['IPv4', []], ['IPv6', []]]);
    for (const e of endpoints) byFamily.get(e.family)!.push(e);
    rt.selection = new Map();
    for (const [fam, eps] of byFamily) rt.selection.set(fam, selectEndpoints(info, eps, this.node, this.o.select));

    if (proto === 'UDP') {
      const serving = new Set(endpoints.filter((e) => e.serving).map(endpointString));
      if (serving.size === 0) rt.flows?.closeAll();
      else rt.flows?.dropFlowsNotIn(serving);
    }

    const wanted = this.wantedListeners(rt);
    for (const [id, h] of [...rt.held]) {
      if (!wanted.has(id)) {
        h.lease.release();
        rt.held.delete(id);
        rt.flows?.dropListener(`${h.ip.includes(':') ? `[${h.ip}]` : h.ip}:${h.port}/UDP`);
      }
    }
    for (const id of [...rt.failed]) if (!wanted.has(id)) rt.failed.delete(id);
    const opens: Promise<void>[] = [];
    for (const [id, w] of wanted) {
      if (rt.held.has(id)) continue;
      if (rt.failed.has(id) && !full) continue; // retried on the next full resync
      opens.push(this.openListener(rt, w));
    }
    await Promise.all(opens);
  }

  private wantedListeners(rt: PortRuntime): Map<string, WantedListener> {
    const info = rt.info;
    const out = new Map<string, WantedListener>();
    const add = (kind: ListenerKind, ip: string, port: number) => {
      const family = ipFamilyOf(ip);
      if (!rt.selection.get(family)?.hasAnyEndpoints) return;
      const id = `${kind}|${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
      out.set(id, { id, kind, ip, port, family });
    };
    for (const ip of info.clusterIPs) add('cluster', ip, info.port);
    if (info.nodePort) for (const ip of this.o.addressing.nodePortAddresses()) add('nodeport', ip, info.nodePort);
    // Only addresses of this machine can receive traffic here; an externalIP or LoadBalancer IP that lives on
    // another machine is that machine's proxy's business (kube-proxy programs them everywhere, but traffic only
    // arrives where the address is routed).
    for (const ip of info.externalIPs) if (isLocalAddress(ip, this.localAddrs)) add('externalip', ip, info.port);
    for (const ip of info.loadBalancerIPs) if (isLocalAddress(ip, this.localAddrs)) add('loadbalancer', ip, info.port);
    return out;
  }

  private async openListener(rt: PortRuntime, w: WantedListener): Promise<void> {
    const kind: TrafficKind = w.kind === 'cluster' ? 'internal' : 'external';
    const owns = (ip: string) => this.o.addressing.isLocalPod(ip);
    try {
      const lease =
        rt.info.spn.protocol === 'TCP'
          ? await this.listeners.acquireTcp(w.ip, w.port, { owns, onConnection: (s) => this.onTcp(rt, w, kind, s) })
          : await this.listeners.acquireUdp(w.ip, w.port, { owns, onMessage: (m, from, l) => this.onUdp(rt, w, kind, m, from, l) });
      if (rt.closed || this.closed) {
        lease.release();
        return;
      }
      rt.held.set(w.id, { ...w, lease });
      rt.failed.delete(w.id);
    } catch (e) {
      rt.failed.add(w.id);
      const msg = e instanceof ListenError ? e.message : `cannot listen on ${w.ip}:${w.port}: ${e instanceof Error ? e.message : String(e)}`;
      this.o.events.event(
        { namespace: rt.info.spn.namespace, name: rt.info.spn.name, uid: rt.info.uid },
        'Warning',
        'FailedToStartServiceProxy',
        `node ${this.o.nodeName}: ${w.kind} traffic for port ${portLabel(rt.info)} is not proxied: ${msg}`,
      );
    }
  }

  private allowedSource(rt: PortRuntime, w: WantedListener, src: string): boolean {
    return w.kind !== 'loadbalancer' || !rt.sourceRanges || rt.sourceRanges(src);
  }

  private onTcp(rt: PortRuntime, w: WantedListener, kind: TrafficKind, socket: net.Socket): void {
    socket.on('error', () => {});
    const sel = rt.selection.get(w.family);
    if (rt.closed || !sel) {
      rt.stats.rejected++;
      socket.resetAndDestroy();
      return;
    }
    // The client address costs a getpeername call: look it up only when something depends on it
    // (affinity, source ranges, the Local-policy short-circuit for pods of this node).
    const needSource =
      rt.info.affinityTimeoutSeconds > 0 || (w.kind === 'loadbalancer' && rt.sourceRanges !== undefined) || (kind === 'external' && rt.info.externalPolicyLocal);
    const src = needSource ? plainIP(socket.remoteAddress) : '';
    if (needSource && !this.allowedSource(rt, w, src)) return this.hold(rt, socket);
    const v = verdictFor(rt.info, sel, kind, needSource && this.o.addressing.isLocalPod(src));
    if (v.action === 'reject') {
      rt.stats.rejected++;
      socket.resetAndDestroy();
      return;
    }
    if (v.action === 'drop') return this.hold(rt, socket);
    rt.stats.connections[kind]++;
    const candidates = v.endpoints;
    forwardTcp(socket, {
      next: (tried) => rt.picker.pick(candidates, src, tried),
      connectTimeoutsMs: this.o.connectTimeoutsMs ?? DEFAULT_CONNECT_TIMEOUTS_MS,
      onConnectFailure: (ep, err) => {
        rt.stats.endpointConnectFailures++;
        this.o.log?.(`${rt.stats.servicePort}: connect to ${endpointString(ep)} failed (${(err as NodeJS.ErrnoException).code ?? err.message}); trying another endpoint`);
      },
      onGiveUp: () => {
        rt.stats.rejected++;
      },
      onEstablished: (c) => rt.tcp.add(c),
      onClosed: (c) => {
        if (rt.tcp.delete(c)) {
          rt.stats.bytesIn += c.client.bytesRead;
          rt.stats.bytesOut += c.client.bytesWritten;
        }
      },
    });
  }

  /** DROP for a socket proxy: accept, never answer, close silently later. */
  private hold(rt: PortRuntime, socket: net.Socket): void {
    rt.stats.dropped++;
    this.held.add(socket);
    const t = setTimeout(() => socket.destroy(), this.o.dropHoldMs ?? 30_000);
    t.unref();
    socket.once('close', () => {
      clearTimeout(t);
      this.held.delete(socket);
    });
  }

  private onUdp(rt: PortRuntime, w: WantedListener, kind: TrafficKind, msg: Buffer, from: dgram.RemoteInfo, listener: UdpListener): void {
    if (rt.closed) return;
    const src = plainIP(from.address);
    if (!this.allowedSource(rt, w, src)) {
      rt.stats.dropped++;
      return;
    }
    if (!rt.flows) {
      rt.flows = new UdpFlowTable({ idleTimeoutMs: this.o.udpIdleTimeoutMs ?? 30_000, now: this.now });
    }
    const flows = rt.flows;
    const r = flows.handle(msg, { address: src, port: from.port }, listener, () => {
      const sel = rt.selection.get(w.family);
      if (!sel) return undefined;
      const v = verdictFor(rt.info, sel, kind, this.o.addressing.isLocalPod(src));
      if (v.action !== 'forward') {
        if (v.action === 'reject') rt.stats.rejected++;
        else rt.stats.dropped++;
        return undefined;
      }
      return rt.picker.pick(v.endpoints, src);
    });
    if (r.newFlow) rt.stats.connections[kind]++;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [k, rt] of [...this.ports]) {
      this.retire(k, rt);
      for (const c of rt.tcp) {
        c.client.destroy();
        c.upstream?.destroy();
      }
    }
    for (const s of this.held) s.destroy();
  }
}

function portLabel(sp: ServicePortInfo): string {
  return `${sp.spn.port ? `"${sp.spn.port}" ` : ''}(${sp.spn.protocol} ${sp.port})`;
}
