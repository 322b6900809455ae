/**
 * Listening sockets for the userspace data plane, shared per process.
 *
 * One TCP server / UDP socket per (protocol, ip, port), opened when the first
 * holder acquires it and closed when the last releases it. Several proxies
 * in one process (one per simulated node, as tests and multi-node loopback
 * setups run them) may hold the same address: a ClusterIP is served on every
 * node. Each connection or datagram goes to the holder whose node it comes
 * from (its `owns(sourceIP)`, i.e. the source is in that node's pod CIDRs,
 * kube-proxy's LocalTrafficDetector), else to the first holder. With one
 * proxy per process this is simply "the proxy's own socket".
 *
 * Errors binding (EACCES for ports below ip_unprivileged_port_start,
 * EADDRINUSE, EADDRNOTAVAIL for an address that is not on this machine) are
 * thrown as ListenError to the acquirer; nothing stays half-open.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';

export interface TcpHandler {
  owns(sourceIP: string): boolean;
  /** The socket is paused (pauseOnConnect); the handler resumes or destroys it. */
  onConnection(socket: net.Socket): void;
}

export interface UdpHandler {
  owns(sourceIP: string): boolean;
  onMessage(msg: Buffer, from: dgram.RemoteInfo, listener: UdpListener): void;
}

/** The shared UDP socket as a holder sees it: replies go out from the listening address. */
export interface UdpListener {
  readonly key: string;
  send(msg: Buffer, port: number, address: string): void;
}

export class ListenError extends Error {
  constructor(
    readonly code: string,
    readonly address: string,
    message: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export interface Lease {
  release(): void;
}

/** Lowest port an unprivileged process may bind (Linux net.ipv4.ip_unprivileged_port_start). */
export function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) || 1024;
  } catch {
    return 1024;
  }
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function describeListenError(e: unknown, ip: string, port: number, protocol: string): ListenError {
  const code = (e as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  const where = `${hostPort(ip, port)}/${protocol}`;
  let why: string;
  switch (code) {
    case 'EACCES':
      why = `permission denied: ports below ${unprivilegedPortStart()} need root or CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start)`;
      break;
    case 'EADDRINUSE':
      why = 'address already in use by another process';
      break;
    case 'EADDRNOTAVAIL':
      why = 'the address is not assigned to this machine, so a userspace proxy cannot receive traffic for it';
      break;
    default:
      why = e instanceof Error ? e.message : String(e);
  }
  return new ListenError(code, where, `cannot listen on ${where}: ${why}`);
}

/** Strips the IPv4-mapped prefix Node reports on dual-stack sockets. */
export function plainIP(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

interface Entry<H> {
  handlers: H[];
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The holder for a source address; the address is only looked up (a getpeername call) when several hold the socket. */
function pick<H extends { owns(ip: string): boolean }>(handlers: H[], src: () => string): H | undefined {
  if (handlers.length <= 1) return handlers[0];
  const ip = src();
  return handlers.find((h) => h.owns(ip)) ?? handlers[0];
}

export class ListenerRegistry {
  private readonly tcp = new Map<string, Entry<TcpHandler>>();
  private readonly udp = new Map<string, Entry<UdpHandler> & { socket: dgram.Socket }>();
  /** Closes in progress, so a re-bind waits for the old socket to be gone. */
  private readonly closing = new Map<string, Promise<void>>();
  /** TCP listen backlog (capped by net.core.somaxconn). */
  backlog = 4096;

  /** Holds ip:port/TCP for `handler`. Rejects with ListenError when the socket cannot be opened. */
  async acquireTcp(ip: string, port: number, handler: TcpHandler): Promise<Lease> {
    const key = `tcp|${hostPort(ip, port)}`;
    for (;;) {
      await this.closing.get(key);
      let entry = this.tcp.get(key);
      if (!entry) {
        const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
        const e: Entry<TcpHandler> = {
          handlers: [],
          ready: new Promise<void>((resolve, reject) => {
            server.once('error', (err) => reject(describeListenError(err, ip, port, 'TCP')));
            server.listen({ host: ip, port, backlog: this.backlog, exclusive: true }, () => resolve());
          }),
          close: () => new Promise<void>((r) => server.close(() => r())),
        };
        server.on('connection', (socket: net.Socket) => {
          const h = pick(e.handlers, () => plainIP(socket.remoteAddress));
          if (h) h.onConnection(socket);
          else socket.resetAndDestroy();
        });
        // Accept errors (EMFILE) must not crash the process; the server keeps listening.
        server.on('error', () => {});
        this.tcp.set(key, e);
        entry = e;
        e.ready.catch(() => {
          if (this.tcp.get(key) === e) this.tcp.delete(key);
          server.close();
        });
      }
      await entry.ready;
      if (this.tcp.get(key) !== entry) continue; // closed meanwhile: start over
      return this.lease(this.tcp, key, entry, handler);
    }
  }

  /** Holds ip:port/UDP for `handler`. */
  async acquireUdp(ip: string, port: number, handler: UdpHandler): Promise<Lease> {
    const key = `udp|${hostPort(ip, port)}`;
    for (;;) {
      await this.closing.get(key);
      let entry = this.udp.get(key);
      if (!entry) {
        const socket = dgram.createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' });
        let closed = false;
        const listener: UdpListener = {
          key: `${hostPort(ip, port)}/UDP`,
          // A reply racing the socket's close is dropped (send on a closed dgram socket throws).
          send: (msg, p, addr) => {
            if (!closed) socket.send(msg, p, addr);
          },
        };
        const e = {
          socket,
          handlers: [] as UdpHandler[],
          ready: new Promise<void>((resolve, reject) => {
            socket.once('error', (err) => reject(describeListenError(err, ip, port, 'UDP')));
            socket.bind({ address: ip, port, exclusive: true }, () => resolve());
          }),
          close: () =>
            new Promise<void>((r) => {
              closed = true;
              try {
                socket.close(() => r());
              } catch {
                r();
              }
            }),
        };
        socket.on('message', (msg, rinfo) => {
          const h = pick(e.handlers, () => plainIP(rinfo.address));
          h?.onMessage(msg, rinfo, listener);
        });
        socket.on('error', () => {});
        this.udp.set(key, e);
        entry = e;
        e.ready.catch(() => {
          if (this.udp.get(key) === e) this.udp.delete(key);
          void e.close();
        });
      }
      await entry.ready;
      if (this.udp.get(key) !== entry) continue;
      return this.lease(this.udp, key, entry, handler);
    }
  }

  /**
   * Adds `handler` to a ready socket entry; the returned lease removes it,
   * and the last release closes the socket (later acquires of the same
   * address wait for that close).
   */
  private lease<H>(map: Map<string, Entry<H>>, key: string, held: Entry<H>, handler: H): Lease {
    held.handlers.push(handler);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const i = held.handlers.indexOf(handler);
        if (i >= 0) held.handlers.splice(i, 1);
        if (held.handlers.length === 0 && map.get(key) === held) {
          map.delete(key);
          const p = held.close().finally(() => {
            if (this.closing.get(key) === p) this.closing.delete(key);
          });
          this.closing.set(key, p);
        }
      },
    };
  }

  /** Number of open sockets (for tests). */
  get size(): number {
    return this.tcp.size + this.udp.size;
  }
}

/** The process-wide registry every userspace proxier uses unless given its own. */
export const sharedListeners = new ListenerRegistry();
