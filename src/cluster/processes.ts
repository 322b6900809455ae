/**
 * The cluster's long-running processes: started detached (own session, stdio
 * to a log file) so `cluster create` can return, recorded with their start
 * time so `cluster delete` signals exactly them and never a later process
 * that reused a PID.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { ProcessRecord } from './state.ts';
import { procStartTicks } from '../node/index.ts';

/** Field 22 of /proc/PID/stat (start time in clock ticks); undefined when the process is gone or a zombie. */
export const startTicks = procStartTicks;

export const isAlive = (r: ProcessRecord) => !!r.startTicks && startTicks(r.pid) === r.startTicks;

export function spawnDetached(role: string, argv: string[], log: string, cwd: string): ProcessRecord {
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd], env: process.env });
    child.unref();
    if (!child.pid) throw new Error(`cannot start ${role}: ${argv[0]} did not start`);
    return { role, pid: child.pid, startTicks: startTicks(child.pid) ?? '', log };
  } finally {
    closeSync(fd);
  }
}

/**
 * SIGTERM to each recorded process that is still the same process, then
 * SIGKILL to those still running after `graceMs`. Returns the roles stopped.
 */
export async function stopRecorded(records: readonly ProcessRecord[], graceMs = 10_000): Promise<string[]> {
  const live = records.filter(isAlive);
  for (const r of live) {
    try {
      process.kill(r.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  for (const r of live.filter(isAlive)) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 50 && live.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
  return live.map((r) => `${r.role} (pid ${r.pid})`);
}
