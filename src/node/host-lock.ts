/**
 * Host-wide ownership of loopback pod blocks. Every address of 127/8 is local
 * to the whole machine, so two clusters (two API servers, each with its own
 * claims) running loopback agents on one host must not hand out the same
 * block. An agent takes a lock file per block in a shared directory
 * (O_EXCL create). The lock belongs to the agent's data directory, not its
 * process: pods outlive a stopped or killed agent and keep their addresses,
 * so a block is free again only when drained (unlocked) or when the data
 * directory that holds it is gone.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LOCK_DIR = join(tmpdir(), 'switchboard-loopback-blocks');

interface LockInfo {
  pid: number;
  dataDir: string;
  node: string;
}

function lockPath(block: string): string {
  return join(LOCK_DIR, `${block.replace('/', '-')}.lock`);
}

/** Who holds a block on this host (undefined: free, or its data directory is gone). */
export function blockHolder(block: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(block), 'utf8')) as LockInfo;
    return existsSync(info.dataDir) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Is the block free for this agent (unheld, stale, or already ours)? */
export function blockAvailable(block: string, dataDir: string): boolean {
  const h = blockHolder(block);
  return !h || h.dataDir === dataDir;
}

/** Takes the block's lock; false when another live agent holds it. */
export function lockBlock(block: string, me: { dataDir: string; node: string }): boolean {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o777 });
  const path = lockPath(block);
  const body = JSON.stringify({ pid: process.pid, dataDir: me.dataDir, node: me.node });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, body)) return true;
    const h = blockHolder(block);
    if (h && h.dataDir !== me.dataDir) return false;
    if (h) {
      // Ours (a restarted agent): refresh the pid (informational).
      writeFileSync(path, body);
      return true;
    }
    rmSync(path, { force: true });
  }
  return false;
}

/** Creates `path` with `body` only if it does not exist (O_EXCL); false when it does. */
export function createExclusive(path: string, body: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, body);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export function unlockBlock(block: string, dataDir: string): void {
  const h = blockHolder(block);
  if (!h || h.dataDir === dataDir) rmSync(lockPath(block), { force: true });
}
