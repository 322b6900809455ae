/**
 * Starts container processes without blocking the agent. Node's spawn is
 * synchronous: it forks and waits for the child to exec, 20–40 ms each on a
 * busy machine, during which no probe runs and no status is written. The
 * launcher hands that work to a small helper process (perl from perl-base,
 * which every Debian system has): the agent writes one line per process
 * (fields hex-encoded), the helper forks, setsid()s, redirects stdout/stderr
 * to the log file, chdirs, sets the environment and execs; it reports the pid
 * and, having reaped the child, its wait status. Without perl, or when the
 * helper cannot start, processes are spawned directly.
 *
 * If the helper dies while processes run, they are reparented to init and
 * their exit is noticed by polling (pid + start time), with the status read
 * from the shim's exit file, exactly as for processes a previous agent
 * started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { IP_BIN, SHIM, StartError, adoptProcess, procStartTicks, signalGroup, startProcess, type ExitInfo, type ProcessHandle, type SpawnSpec } from './runtime.ts';

export interface Launcher {
  start(spec: SpawnSpec): Promise<ProcessHandle>;
  close(): void;
}

const PERL = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));

const HELPER = `
use strict; use POSIX qw(setsid WNOHANG _exit);
$| = 1;
$SIG{CHLD} = sub { while ((my $p = waitpid(-1, WNOHANG)) > 0) { print "x $p $?\\n"; } };
$SIG{PIPE} = 'IGNORE';
while (defined(my $line = <STDIN>)) {
  chomp $line;
  my ($op, $id, @f) = split / /, $line;
  next unless defined $op && $op eq 's';
  my @v = map { pack('H*', $_) } @f;
  my ($cwd, $log, $n) = splice(@v, 0, 3);
  my @argv = splice(@v, 0, $n);
  my @env = @v;
  my $pid = fork();
  if (!defined $pid) { print "e $id ", unpack('H*', "fork: $!"), "\\n"; next; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    setsid();
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>>', $log) or _exit(127);
    open(STDERR, '>&', \\*STDOUT) or _exit(127);
    chdir($cwd) or _exit(126);
    %ENV = map { split(/=/, $_, 2) } @env;
    { no warnings; exec { $argv[0] } @argv; }
    _exit(127);
  }
  print "p $id $pid\\n";
}
`;

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** Container starts the helper is given at once (see PerlLauncher.start). */
const MAX_STARTING = 8;

/** The helper's `s` line for one process: id, cwd, log, argc, argv (the shim, in the pod's namespace if any), env. */
function startLine(id: number, spec: SpawnSpec): string {
  const shim = ['/bin/sh', '-c', SHIM, 'sb-shim', spec.exitFile, ...spec.argv];
  const argv = spec.netns ? [IP_BIN, 'netns', 'exec', spec.netns, ...shim] : shim;
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  return ['s', String(id), hex(spec.cwd), hex(spec.logPath), hex(String(argv.length)), ...argv.map(hex), ...env.map(hex)].join(' ');
}

function exitCodeOf(status: number): number {
  const sig = status & 127;
  return sig ? 128 + sig : (status >> 8) & 255;
}

/** Spawns directly (blocking the event loop for the fork/exec). */
export const directLauncher: Launcher = {
  start: async (spec) => startProcess(spec),
  close() {},
};

class PerlLauncher implements Launcher {
  private child?: ChildProcess;
  private nextId = 0;
  private buf = '';
  private readonly pending = new Map<number, { resolve: (pid: number) => void; reject: (e: Error) => void }>();
  /** Starts waiting for a free place (MAX_STARTING). */
  private readonly slots: (() => void)[] = [];
  private readonly exits = new Map<number, (status: number) => void>();
  private readonly early = new Map<number, number>();
  /** Handles whose exit the current helper would report; switched to polling if it dies. */
  private readonly watched = new Map<number, { exitFile: string; startTicks: string; resolve: (e: ExitInfo) => void }>();
  private closed = false;

  constructor(private readonly log: (l: string) => void) {}

  private helper(): ChildProcess {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const child = spawn(PERL!, ['-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.onData(d));
    child.stdin!.on('error', () => undefined);
    child.once('exit', () => this.onHelperExit(child));
    this.child = child;
    return child;
  }

  private onData(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const [op, a, b] = this.buf.slice(0, i).split(' ');
      this.buf = this.buf.slice(i + 1);
      if (op === 'p') {
        const w = this.pending.get(Number(a));
        this.pending.delete(Number(a));
        w?.resolve(Number(b));
      } else if (op === 'e') {
        const w = this.pending.get(Number(a));
        this.pending.delete(Number(a));
        w?.reject(new StartError(Buffer.from(b ?? '', 'hex').toString('utf8')));
      } else if (op === 'x') {
        const pid = Number(a);
        const cb = this.exits.get(pid);
        if (cb) {
          this.exits.delete(pid);
          cb(Number(b));
        } else this.early.set(pid, Number(b));
      }
    }
  }

  private onHelperExit(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    for (const w of this.pending.values()) w.reject(new StartError('the process launcher exited'));
    this.pending.clear();
    this.exits.clear();
    // Whatever still runs is now init's child: watch it like an adopted process.
    for (const [pid, w] of this.watched) {
      this.watched.delete(pid);
      const h = adoptProcess(pid, w.startTicks, w.exitFile);
      if (h) void h.exited.then(w.resolve);
      else w.resolve({ exitCode: 137, finishedAt: Date.now(), unknown: true });
    }
    if (!this.closed) this.log('process launcher exited; processes it started are now watched by polling');
  }

  async start(spec: SpawnSpec): Promise<ProcessHandle> {
    try {
      if (!statSync(spec.cwd).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new StartError(`chdir to cwd (${JSON.stringify(spec.cwd)}) set in config.json failed: no such file or directory`);
    }
    const id = this.nextId++;
    // At most MAX_STARTING lines in flight: the helper forks one at a time anyway, and 300 pods starting at once
    // (an `up` restarting its node) would otherwise queue 300 encoded environments (~50 KB each) in the pipe.
    while (this.pending.size >= MAX_STARTING) await new Promise<void>((r) => this.slots.push(r));
    let pid: number;
    try {
      const started = new Promise<number>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      this.helper().stdin!.write(`${startLine(id, spec)}\n`);
      pid = await started;
    } finally {
      this.slots.shift()?.();
    }
    // Only what the long-lived closures below need: they share this call's scope, so anything they captured
    // (the spec with its environment, the encoded line) would live as long as the process runs.
    const exitFile = spec.exitFile;
    const startTicks = procStartTicks(pid) ?? '';
    let alive = true;
    const exited = new Promise<ExitInfo>((resolve) => {
      const done = (e: ExitInfo) => {
        alive = false;
        this.watched.delete(pid);
        resolve(e);
      };
      this.watched.set(pid, { exitFile, startTicks, resolve: done });
      const onStatus = (status: number) => done({ exitCode: exitCodeOf(status), finishedAt: Date.now() });
      const early = this.early.get(pid);
      if (early !== undefined) {
        this.early.delete(pid);
        onStatus(early);
      } else this.exits.set(pid, onStatus);
    });
    return {
      pid,
      startTicks,
      exited,
      signal: (sig) => (alive ? signalGroup(pid, sig) : false),
      isAlive: () => alive,
    };
  }

  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
  }
}

/** The helper-process launcher when perl is available, else direct spawning. */
export function newLauncher(log: (l: string) => void): Launcher {
  if (!PERL || process.env['SWITCHBOARD_DIRECT_SPAWN'] === '1') return directLauncher;
  return new PerlLauncher(log);
}
