/**
 * One proxied TCP connection: connect to an endpoint (trying another one
 * when a connect fails, with the old userspace kube-proxy's growing connect
 * timeouts), then splice the two sockets with back-pressure (pipe) and
 * half-close (allowHalfOpen: a FIN travels on, the other direction keeps
 * flowing). A reset on one side resets the other, as a DNAT path would.
 *
 * Established connections are never cut by endpoint changes: a terminating
 * or removed endpoint finishes the connections it has (kube-proxy does not
 * flush TCP conntrack entries either).
 *
 * The pod → client direction (usually the heavy one) reads straight into
 * pooled buffers (net.Socket `onread`) and writes them on without copying; a
 * buffer returns to the pool once its write is done, and reading pauses only
 * while the client is behind (as pipe() does). A connection idles on a small
 * buffer and moves to a large one while reads keep filling it (bulk
 * transfer): fewer syscalls and no per-read allocation compared with pipe()'s
 * 64 KiB reads. The client → pod direction uses pipe() (Node offers `onread`
 * only on sockets it connects, not on accepted ones).
 */
import net from 'node:net';
import type { EndpointInfo } from '../types.ts';
import { endpointString } from '../types.ts';

/** Read buffers for the pod → client direction, recycled once written. */
export class ReadBufferPool {
  private readonly small: Buffer[] = [];
  private readonly large: Buffer[] = [];
  constructor(
    readonly smallSize = 16 * 1024,
    readonly largeSize = 256 * 1024,
    private readonly maxSmall = 1024,
    private readonly maxLarge = 64,
  ) {}

  get(large: boolean): Buffer {
    return (large ? this.large.pop() : this.small.pop()) ?? Buffer.allocUnsafe(large ? this.largeSize : this.smallSize);
  }

  put(b: Buffer): void {
    if (b.length === this.largeSize) {
      if (this.large.length < this.maxLarge) this.large.push(b);
    } else if (b.length === this.smallSize && this.small.length < this.maxSmall) this.small.push(b);
  }
}

export const readBuffers = new ReadBufferPool();

/** pkg/proxy/userspace endpointDialTimeouts. */
export const DEFAULT_CONNECT_TIMEOUTS_MS = [250, 500, 1000, 2000];

export interface TcpConnection {
  readonly client: net.Socket;
  upstream?: net.Socket;
  endpoint?: EndpointInfo;
}

export interface ForwardTcpOptions {
  /** The next endpoint to try, given those tried already (undefined = give up). */
  next(tried: ReadonlySet<string>): EndpointInfo | undefined;
  connectTimeoutsMs?: readonly number[];
  onConnectFailure?(ep: EndpointInfo, err: Error): void;
  /** No endpoint could be reached: the client gets a reset. */
  onGiveUp?(): void;
  onEstablished?(c: TcpConnection): void;
  onClosed?(c: TcpConnection): void;
}

function reset(s: net.Socket | undefined): void {
  if (!s || s.destroyed) return;
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

export function forwardTcp(client: net.Socket, o: ForwardTcpOptions): TcpConnection {
  const timeouts = o.connectTimeoutsMs ?? DEFAULT_CONNECT_TIMEOUTS_MS;
  const conn: TcpConnection = { client };
  const tried = new Set<string>();
  let attempt = 0;
  let established = false;
  let closedReported = false;
  const reportClosed = () => {
    if (closedReported || !established) return;
    if (!client.destroyed || (conn.upstream && !conn.upstream.destroyed)) return;
    closedReported = true;
    o.onClosed?.(conn);
  };

  client.on('error', () => reset(conn.upstream));
  client.on('close', () => {
    if (!established) conn.upstream?.destroy();
    reportClosed();
  });

  const tryNext = (): void => {
    if (client.destroyed) return;
    const ep = o.next(tried);
    if (!ep) {
      o.onGiveUp?.();
      reset(client);
      return;
    }
    tried.add(endpointString(ep));
    const timeout = timeouts[Math.min(attempt, timeouts.length - 1)] ?? 1000;
    attempt++;
    // Pod → client: read into a pooled buffer, write it on, resume reading once it is written.
    let large = false;
    // The buffer the next read goes into; handed back to the pool when the socket closes.
    let registered: Buffer | undefined;
    const up: net.Socket = net.connect({
      host: ep.ip,
      port: ep.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: () => (registered = readBuffers.get(large)),
        callback: (n: number, buf: Buffer): boolean => {
          large = n === buf.length;
          if (client.destroyed) {
            readBuffers.put(buf);
            return false;
          }
          // The buffer is recycled only once written; reading goes on unless the client is behind (back-pressure).
          if (client.write(buf.subarray(0, n), () => readBuffers.put(buf))) return true;
          client.once('drain', () => {
            if (!up.destroyed) up.resume();
          });
          return false;
        },
      },
    });
    up.once('close', () => {
      if (registered) readBuffers.put(registered);
      registered = undefined;
    });
    conn.upstream = up;
    conn.endpoint = ep;
    const timer = setTimeout(() => up.destroy(Object.assign(new Error(`connect to ${endpointString(ep)} timed out after ${timeout} ms`), { code: 'ETIMEDOUT' })), timeout);
    up.once('connect', () => {
      clearTimeout(timer);
      if (client.destroyed) {
        up.destroy();
        return;
      }
      established = true;
      client.setNoDelay(true);
      up.on('error', () => reset(client));
      up.on('close', reportClosed);
      client.pipe(up);
      up.on('end', () => client.end());
      o.onEstablished?.(conn);
    });
    up.once('error', (err) => {
      clearTimeout(timer);
      if (established) return;
      up.destroy();
      o.onConnectFailure?.(ep, err);
      tryNext();
    });
  };
  tryNext();
  return conn;
}
