/**
 * The real server process under test: `node bin/switchboard.js apiserver`
 * on a data dir, optionally pinned to CPUs (taskset execs node, so the child's
 * PID is the server's) and optionally under `--cpu-prof`. Plus /proc readers
 * for its memory and CPU time. Everything here is stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ServerOptions {
  dataDir: string;
  port: number;
  /** taskset CPU list ("0"), or undefined for no pinning. */
  cpus?: string;
  /** Directory for a V8 CPU profile written at exit, or undefined. */
  cpuProfDir?: string;
  /** Extra node flags (experiments, e.g. GC sizing). */
  nodeFlags?: string[];
}

export interface ServerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function startServer(o: ServerOptions): Promise<ServerProcess> {
  return startNode(
    [
      ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
      ...(o.nodeFlags ?? []),
      join(ROOT, 'bin/switchboard.js'),
      'apiserver',
      '--data-dir',
      o.dataDir,
      '--api-port',
      String(o.port),
    ],
    o.cpus,
  );
}

/** The static HTTPS reference server (static-server.ts) serving `size` bytes. */
export function startStaticServer(dataDir: string, port: number, size: number, cpus?: string): Promise<ServerProcess> {
  return startNode(['--import', 'tsx', join(ROOT, 'bench/apiserver/static-server.ts'), dataDir, String(port), String(size)], cpus);
}

/** The static watch fan-out reference server (static-watch-server.ts), lines of `size` bytes. */
export function startStaticWatchServer(dataDir: string, port: number, size: number, cpus?: string): Promise<ServerProcess> {
  return startNode(['--import', 'tsx', join(ROOT, 'bench/apiserver/static-watch-server.ts'), dataDir, String(port), String(size)], cpus);
}

/** Runs node with `nodeArgs` (under taskset when `cpus` is set) until it prints "ready". */
async function startNode(nodeArgs: string[], cpus: string | undefined): Promise<ServerProcess> {
  const [cmd, args] = cpus ? ['taskset', ['-c', cpus, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: ServerProcess = {
    pid: child.pid!,
    child,
    output: () => out,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + 60_000;
  while (!/ready/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await proc.stop(0);
      throw new Error(`${nodeArgs.join(' ')} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return proc;
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** User and system CPU seconds a process (all its threads) has used. */
export function cpuOf(pid: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes comm: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / CLOCK_TICKS, sys: Number(f[12]) / CLOCK_TICKS };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** Bytes a process passed to write syscalls (wchar) and write syscall count (syscw), from /proc/PID/io. */
export function ioOf(pid: number): { wchar: number; syscw: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(io)?.[1] ?? 0);
    return { wchar: field('wchar'), syscw: field('syscw') };
  } catch {
    return { wchar: 0, syscw: 0 };
  }
}
