/**
 * Multi-core DNS: N worker processes answering on one address, each with its
 * own informers, view, caches and metrics (no shared memory, as DESIGN.md
 * asks), supervised by the calling process, which serves the aggregated
 * /metrics and the /ready of all workers.
 *
 * Two ways to share the address, both measured in bench/results/dns.md:
 * - `cluster` (default): node:cluster workers read one shared UDP socket (the
 *   primary owns it) and get TCP connections round-robin. Whichever worker
 *   is running takes the next packet, so a worker the scheduler has paused
 *   holds nothing up; on this 2-CPU machine, shared with dnsperf and other
 *   work, it gave 10–30% more QPS than `reuseport` in every interleaved round.
 * - `reuseport`: every worker has its own UDP socket and TCP listener with
 *   SO_REUSEPORT; the kernel pins each client (address, port) to one worker,
 *   and no packet wakes two processes. Node 20 cannot set SO_REUSEPORT (dgram
 *   `reusePort` arrived in Node 22.12), so a small Perl helper (perl-base,
 *   Essential in Debian) binds the sockets and execs the worker, which adopts
 *   them by descriptor. Kept for dedicated machines with many clients.
 */
import cluster from 'node:cluster';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from 'prom-client';

/** One worker's registry.getMetricsAsJSON(). */
type MetricsJSON = object[];
import type { DnsInstanceConfig } from './start.ts';

export const WORKER_ENV = 'SWITCHBOARD_DNS_WORKER';
export const WORKER_FDS_ENV = 'SWITCHBOARD_DNS_FDS';

export type Sharing = 'reuseport' | 'cluster';

/** Messages between the supervisor and a worker (over the IPC channel). */
export type WorkerMessage =
  | { sb: 'dns'; event: 'listening' | 'ready' }
  | { sb: 'dns'; event: 'error'; error: string }
  | { sb: 'dns'; event: 'stop' }
  | { sb: 'dns'; event: 'metrics?'; id: number }
  | { sb: 'dns'; event: 'metrics'; id: number; metrics: MetricsJSON };

const REUSEPORT_HELPER = `
use strict; use Socket qw(:all); use Fcntl;
my ($host, $port, @cmd) = @ARGV;
my $v6 = index($host, ':') >= 0;
my $addr = $v6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $host)) : pack_sockaddr_in($port, inet_aton($host));
my @fds;
for my $type (SOCK_DGRAM, SOCK_STREAM) {
  socket(my $s, $v6 ? PF_INET6 : PF_INET, $type, 0) or die "socket: $!\\n";
  setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) if $type == SOCK_STREAM;
  setsockopt($s, SOL_SOCKET, SO_REUSEPORT, 1) or die "SO_REUSEPORT: $!\\n";
  bind($s, $addr) or die "bind $host port $port: $!\\n";
  fcntl($s, F_SETFD, fcntl($s, F_GETFD, 0) & ~FD_CLOEXEC);
  push @fds, $s;
}
$ENV{${JSON.stringify(WORKER_FDS_ENV)}} = join(',', map { fileno($_) } @fds);
exec { $cmd[0] } @cmd or die "exec: $!\\n";
`;

let reuseportChecked: boolean | undefined;
/** True when Perl with SO_REUSEPORT is there (Linux ≥ 3.9 and perl-base). */
export function reuseportAvailable(): boolean {
  if (reuseportChecked === undefined) {
    const r = spawnSync('perl', ['-MSocket', '-e', 'exit(defined(eval { Socket::SO_REUSEPORT() }) ? 0 : 1)'], { stdio: 'ignore' });
    reuseportChecked = r.status === 0 && process.platform === 'linux';
  }
  return reuseportChecked;
}

function workerExecArgv(): string[] {
  // A larger young generation: fewer scavenges (each a pause every query in the
  // queue waits for) at ~300 bytes of garbage per query.
  const flags = ['--max-semi-space-size=32'];
  // The worker is TypeScript: give it the loader this process runs under.
  try {
    return [...flags, '--import', import.meta.resolve('tsx')];
  } catch {
    return flags;
  }
}

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** What the supervisor needs of a worker process, whichever way it was started. */
interface Proc {
  pid?: number;
  send(m: WorkerMessage): void;
  onMessage(f: (m: WorkerMessage) => void): void;
  onExit(f: (code: number | null, signal: string | null) => void): void;
  dead(): boolean;
  kill(sig: NodeJS.Signals): void;
}

function startProc(cfg: DnsInstanceConfig, sharing: Sharing): Proc {
  const env = { ...process.env, [WORKER_ENV]: JSON.stringify(cfg) };
  if (sharing === 'cluster') {
    cluster.setupPrimary({ exec: WORKER_PATH, execArgv: workerExecArgv(), args: [], silent: false });
    const w = cluster.fork({ [WORKER_ENV]: JSON.stringify(cfg) });
    return {
      pid: w.process.pid,
      send: (m) => {
        if (w.isConnected()) w.send(m);
      },
      onMessage: (f) => w.on('message', f),
      onExit: (f) => w.on('exit', (code, signal) => f(code, signal)),
      dead: () => w.isDead(),
      kill: (sig) => w.process.kill(sig),
    };
  }
  const host = cfg.host;
  const child: ChildProcess = spawn('perl', ['-e', REUSEPORT_HELPER, host, String(cfg.port), process.execPath, ...workerExecArgv(), WORKER_PATH], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (f) => child.on('message', (m) => f(m as WorkerMessage)),
    onExit: (f) => child.on('exit', (code, signal) => f(code, signal)),
    dead: () => child.exitCode !== null || child.signalCode !== null,
    kill: (sig) => child.kill(sig),
  };
}

export interface WorkerPool {
  pids(): number[];
  isReady(): boolean;
  /** Resolves when every worker has synced its caches. */
  ready: Promise<void>;
  /** The workers' metrics, summed (Prometheus text). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts n workers on cfg.host:cfg.port (the port must be fixed, not 0);
 * resolves once every worker listens. A worker that dies is replaced.
 */
export async function startWorkerPool(cfg: DnsInstanceConfig, n: number, sharing: Sharing, log: (l: string) => void): Promise<WorkerPool> {
  if (!net.isIP(cfg.host) || cfg.port <= 0) throw new Error('dns workers need a fixed address and port');
  interface State {
    proc: Proc;
    listening: boolean;
    ready: boolean;
  }
  const procs = new Set<State>();
  let stopping = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let resolveListening!: () => void;
  let rejectListening!: (e: Error) => void;
  const listening = new Promise<void>((res, rej) => {
    resolveListening = res;
    rejectListening = rej;
  });
  const allReady = () => procs.size === n && [...procs].every((s) => s.ready);
  let metricsSeq = 0;
  const metricsWaiters = new Map<number, { want: number; got: MetricsJSON[]; done(m: MetricsJSON[]): void }>();

  const start = () => {
    const st: State = { proc: startProc(cfg, sharing), listening: false, ready: false };
    procs.add(st);
    st.proc.onMessage((m) => {
      if (!m || m.sb !== 'dns') return;
      if (m.event === 'listening') {
        st.listening = true;
        if ([...procs].filter((x) => x.listening).length >= n) resolveListening();
      } else if (m.event === 'ready') {
        st.ready = true;
        if (allReady()) resolveReady();
      } else if (m.event === 'error') {
        log(`dns: worker ${st.proc.pid}: ${m.error}`);
        rejectListening(new Error(m.error));
      } else if (m.event === 'metrics') {
        const w = metricsWaiters.get(m.id);
        if (!w) return;
        w.got.push(m.metrics);
        if (w.got.length >= w.want) {
          metricsWaiters.delete(m.id);
          w.done(w.got);
        }
      }
    });
    st.proc.onExit((code, signal) => {
      procs.delete(st);
      if (stopping) return;
      if (!st.listening) {
        rejectListening(new Error(`dns worker exited before listening (${signal ?? code})`));
        return;
      }
      log(`dns: worker ${st.proc.pid} exited (${signal ?? code}); starting another`);
      setTimeout(() => {
        if (!stopping) start();
      }, 1000).unref();
    });
  };

  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...procs].map(
        (st) =>
          new Promise<void>((r) => {
            if (st.proc.dead()) return r();
            const t = setTimeout(() => {
              st.proc.kill('SIGKILL');
              r();
            }, 5000);
            st.proc.onExit(() => {
              clearTimeout(t);
              r();
            });
            try {
              st.proc.send({ sb: 'dns', event: 'stop' });
            } catch {
              st.proc.kill('SIGTERM');
            }
          }),
      ),
    );
  };

  for (let i = 0; i < n; i++) start();
  try {
    await listening;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pids: () => [...procs].map((s) => s.proc.pid).filter((p): p is number => p !== undefined),
    isReady: allReady,
    ready,
    async metrics() {
      const live = [...procs].filter((s) => !s.proc.dead());
      const id = ++metricsSeq;
      const got = await new Promise<MetricsJSON[]>((resolve) => {
        const t = setTimeout(() => {
          const w = metricsWaiters.get(id);
          metricsWaiters.delete(id);
          resolve(w?.got ?? []);
        }, 3000);
        metricsWaiters.set(id, {
          want: live.length,
          got: [],
          done: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
        for (const s of live) s.proc.send({ sb: 'dns', event: 'metrics?', id });
      });
      return AggregatorRegistry.aggregate(got).metrics();
    },
    stop,
  };
}
