/**
 * One proxied TCP connection: connect to an endpoint (trying another one
 * when a connect fails, with the old userspace kube-proxy's growing connect
 * timeouts), then splice the two sockets with back-pressure and
 * half-close (allowHalfOpen: a FIN travels on, the other direction keeps
 * flowing). A reset on one side resets the other, as a DNAT path would.
 *
 * Established connections are never cut by endpoint changes: a terminating
 * or removed endpoint finishes the connections it has (kube-proxy does not
 * flush TCP conntrack entries either).
 *
 * Both directions forward each read as one write, without copying, and keep
 * reading while at most MAX_PENDING_BYTES wait in the other socket's queue
 * (pipe(), going by write()'s return value, pauses after every read larger
 * than the stream's 16 KiB high-water mark and resumes on 'drain'). Reading
 * stops only while the receiver is really behind.
 *
 * The pod → client direction (usually the heavy one) reads straight into
 * pooled buffers (net.Socket `onread`) and writes them on; a buffer returns
 * to the pool once its write is done. A connection idles on a 16 KiB buffer
 * and moves to a 1 MiB one while reads keep filling it (bulk transfer): the
 * loopback receive queue holds several MiB, so a 1 GiB download costs ~2,650
 * read and write calls instead of ~8,700 with 256 KiB buffers and ~33,000
 * with 64 KiB ones (proxy CPU per GiB ~0.7–0.9 s vs 1.0–1.15 s vs ~1.3 s,
 * see bench/results/proxy.md), and no Buffer is allocated per read. The pool
 * keeps at most 8 large buffers. The client → pod direction
 * takes Node's own read buffers ('data' events): Node offers `onread` only
 * on sockets it connects, not on accepted ones.
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
    readonly largeSize = 1024 * 1024,
    private readonly maxSmall = 1024,
    private readonly maxLarge = 8,
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

/**
 * Bytes that may wait in a socket's write queue before the other side stops
 * being read: one large read buffer, so the next one is at hand when the
 * kernel takes the first (at most two are held per direction).
 */
export const MAX_PENDING_BYTES = 1024 * 1024;

/**
 * Writes `chunk` to `to`; when `to` is behind (more than MAX_PENDING_BYTES
 * queued), calls `pause` and arranges `resume` for when its queue is empty.
 * Returns false when paused.
 */
function forward(to: net.Socket, chunk: Buffer, done: (() => void) | undefined, pause: () => void, resume: () => void): boolean {
  to.write(chunk, done);
  if (to.writableLength <= MAX_PENDING_BYTES) return true;
  pause();
  to.once('drain', resume);
  return false;
}

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
    // Pod → client: read into a pooled buffer (small while idle, large while reads fill it) and write it on.
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
          // The buffer is recycled only once written; reading goes on unless the client is behind.
          return forward(
            client,
            buf.subarray(0, n),
            () => readBuffers.put(buf),
            () => {},
            () => {
              if (!up.destroyed) up.resume();
            },
          );
        },
      },
    });
    up.once('close', () => {
      if (registered) readBuffers.put(registered);
      registered = undefined;
    });
    conn.upstream = up;
    conn.endpoint = ep;
    // When the event loop was held up (a busy machine), the timer and an already completed connect fall due in
    // the same turn and timers run first: look again after the poll phase (setImmediate) before giving up.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (up.connecting && !up.destroyed) up.destroy(Object.assign(new Error(`connect to ${endpointString(ep)} timed out after ${timeout} ms`), { code: 'ETIMEDOUT' }));
        }),
      timeout,
    );
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
      // Client → pod: Node's read buffers, forwarded as they come; reading pauses only while the pod is behind.
      client.on('data', (d: Buffer) => {
        if (!up.destroyed) forward(up, d, undefined, () => client.pause(), () => client.resume());
      });
      client.on('end', () => up.end());
      client.resume();
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
