/**
 * Request/response over the Node IPC channel between the benchmark driver and
 * its client processes. A worker serves named jobs; the driver calls them and
 * may receive progress notes meanwhile. Workers are separate OS processes so
 * their CPU is accounted apart from the driver's and the server's.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface CallMsg {
  id: number;
  job: string;
  args: unknown;
}

type ReplyMsg = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { progress: string };

export type Handlers = Record<string, (args: never, progress: (note: string) => void) => Promise<unknown>>;

/** Worker side: answers calls until the channel closes. */
export function serve(handlers: Handlers): void {
  const send = (m: ReplyMsg) => process.send?.(m);
  process.on('message', (m: CallMsg) => {
    const h = handlers[m.job];
    if (!h) {
      send({ id: m.id, ok: false, error: `unknown job "${m.job}"` });
      return;
    }
    h(m.args as never, (note) => send({ progress: note })).then(
      (result) => send({ id: m.id, ok: true, result }),
      (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

export interface Worker {
  readonly pid: number;
  call<T>(job: string, args: unknown): Promise<T>;
  /** Disconnects, then SIGKILLs by PID if it has not exited within a second. */
  stop(): Promise<void>;
}

/** Forks `script` (a .ts file, run through tsx) with `argv`. */
export function spawnWorker(script: string, argv: string[], onProgress: (note: string) => void = () => {}): Worker {
  const child: ChildProcess = fork(script, argv, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  child.on('message', (m: ReplyMsg) => {
    if ('progress' in m) return onProgress(m.progress);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`worker ${child.pid}: ${m.error}`));
  });
  child.once('exit', (code, sig) => {
    for (const w of waiting.values()) w.reject(new Error(`worker ${child.pid} exited (${code ?? sig})`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    call<T>(job: string, args: unknown): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, job, args } satisfies CallMsg);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      const t = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(t);
    },
  };
}
