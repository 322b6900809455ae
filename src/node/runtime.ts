/**
 * Containers as host processes. Each container runs under a tiny `sh` shim
 * in its own session and process group (pgid = the shim's pid): the shim runs
 * the command in the foreground, writes its exit status to a file and exits
 * with it, so the status survives an agent restart. Signals sent to the group
 * reach the command; the shim traps them only to stay alive long enough to
 * record the status. stdout and stderr go straight to the log file (O_APPEND),
 * never through the agent, so a restarting agent loses no output and never
 * blocks a pod. In netns mode the shim is started by `ip netns exec`, which
 * also bind-mounts /etc/netns/NAME/* (resolv.conf, hosts) over /etc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** exit status → file, then exit with it; `:` traps keep the shim alive for the foreground command. */
export const SHIM = 'f=$1; shift; trap : TERM INT HUP QUIT; "$@"; r=$?; echo $r > "$f"; exit $r';

export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

export interface ExitInfo {
  exitCode: number;
  /** ms since epoch. */
  finishedAt: number;
  /** The status was lost (adopted process without an exit file). */
  unknown?: boolean;
}

export interface SpawnSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  exitFile: string;
  netns?: string;
}

export interface ProcessHandle {
  /** The shim's pid, also the process group id. */
  pid: number;
  /** /proc/PID/stat starttime: tells a restarted agent the pid was not reused. */
  startTicks: string;
  exited: Promise<ExitInfo>;
  /** Signals the whole process group; false when it is already gone. */
  signal(sig: NodeJS.Signals): boolean;
  isAlive(): boolean;
}

/** A container that cannot start (StartError, exit code 128 as runc reports). */
export class StartError extends Error {}

/** exec.LookPath against the container's PATH; relative paths resolve against the working directory. */
export function resolveExecutable(cmd: string, pathEnv: string, cwd: string): string {
  const executable = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    if (executable(p)) return p;
    throw new StartError(`exec: ${JSON.stringify(cmd)}: stat ${p}: no such file or directory`);
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(isAbsolute(dir) ? dir : resolve(cwd, dir), cmd);
    if (executable(p)) return p;
  }
  throw new StartError(`exec: ${JSON.stringify(cmd)}: executable file not found in $PATH`);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined when gone. */
export function procStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field 22 is rest[19].
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

function readExitFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Starts one container process. Throws StartError when the command or working directory is missing. */
export function startProcess(spec: SpawnSpec): ProcessHandle {
  try {
    if (!statSync(spec.cwd).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new StartError(`chdir to cwd (${JSON.stringify(spec.cwd)}) set in config.json failed: no such file or directory`);
  }
  const fd = openSync(spec.logPath, 'a');
  let child: ChildProcess;
  try {
    const shim = ['/bin/sh', '-c', SHIM, 'sb-shim', spec.exitFile, ...spec.argv];
    const [file, ...args] = spec.netns ? [IP_BIN, 'netns', 'exec', spec.netns, ...shim] : shim;
    child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new StartError(`failed to start the process for ${JSON.stringify(spec.argv[0])}`);
  }
  const pid = child.pid;
  let alive = true;
  const exited = new Promise<ExitInfo>((res) => {
    child.once('error', () => {
      alive = false;
      res({ exitCode: 128, finishedAt: Date.now() });
    });
    child.once('exit', (code, sig) => {
      alive = false;
      const fromFile = readExitFile(spec.exitFile);
      const exitCode = code ?? fromFile ?? (sig ? 128 + (osConstants.signals[sig] ?? 9) : 255);
      res({ exitCode, finishedAt: Date.now() });
    });
  });
  child.unref();
  return {
    pid,
    startTicks: procStartTicks(pid) ?? '',
    exited,
    signal: (sig) => signalGroup(pid, sig),
    isAlive: () => alive,
  };
}

/**
 * Takes over a process a previous agent started. Undefined when the pid is
 * gone or now belongs to another process. Exit is noticed by polling.
 */
export function adoptProcess(pid: number, startTicks: string, exitFile: string, pollMs = 500): ProcessHandle | undefined {
  const matches = () => procStartTicks(pid) === startTicks;
  if (!startTicks || !matches()) return undefined;
  let alive = true;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<ExitInfo>((res) => {
    const check = () => {
      if (matches()) {
        timer = setTimeout(check, pollMs);
        timer.unref();
        return;
      }
      alive = false;
      const code = readExitFile(exitFile);
      res(code === undefined ? { exitCode: 137, finishedAt: Date.now(), unknown: true } : { exitCode: code, finishedAt: Date.now() });
    };
    check();
  });
  return {
    pid,
    startTicks,
    exited,
    signal: (sig) => (matches() ? signalGroup(pid, sig) : false),
    isAlive: () => alive && matches(),
  };
}

/** Kills a leftover process group if (and only if) its leader is still the recorded process. */
export function killIfSame(pid: number, startTicks: string): boolean {
  if (!startTicks || procStartTicks(pid) !== startTicks) return false;
  return signalGroup(pid, 'SIGKILL');
}

export interface ExecResult {
  code: number;
  output: string;
  timedOut: boolean;
}

/**
 * Runs a short command in the pod's context (exec probes, preStop exec):
 * the container's environment and working directory, its netns in netns
 * mode; killed (with its group) at the timeout. Output is capped at 10 KiB
 * as the kubelet caps probe output.
 */
export function execInPod(argv: string[], o: { env: Record<string, string>; cwd: string; netns?: string; timeoutMs: number }): Promise<ExecResult> {
  return new Promise((res) => {
    let file: string;
    try {
      file = resolveExecutable(argv[0], o.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', o.cwd);
    } catch (e) {
      res({ code: 126, output: e instanceof Error ? e.message : String(e), timedOut: false });
      return;
    }
    const [bin, ...args] = o.netns ? [IP_BIN, 'netns', 'exec', o.netns, file, ...argv.slice(1)] : [file, ...argv.slice(1)];
    let child: ChildProcess;
    try {
      child = spawn(bin, args, { env: o.env, cwd: o.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      res({ code: 126, output: e instanceof Error ? e.message : String(e), timedOut: false });
      return;
    }
    let out = '';
    const add = (b: Buffer) => {
      if (out.length < 10240) out += b.toString('utf8').slice(0, 10240 - out.length);
    };
    child.stdout!.on('data', add);
    child.stderr!.on('data', add);
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    }, o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(t);
      res({ code: 126, output: e.message, timedOut: false });
    });
    child.once('close', (code, sig) => {
      clearTimeout(t);
      res({ code: code ?? (sig ? 128 + (osConstants.signals[sig] ?? 9) : 1), output: out, timedOut });
    });
  });
}
