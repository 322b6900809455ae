/**
 * The disk's raw durable-write rate in a given directory: a loop of one
 * 4 KiB write + fdatasync, over a preallocated file (overwrite: no size
 * change, so no metadata journal commit) and appending (the file grows, as
 * a fresh SQLite WAL does). The overwrite rate is the reference for part (a).
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats.ts';

export interface SyncRate {
  perSecond: number;
  latency: Summary;
}

export function measureFdatasync(dir: string, mode: 'overwrite' | 'append', seconds: number): SyncRate {
  const path = join(dir, `fdatasync-${mode}.bin`);
  const fd = openSync(path, 'w');
  try {
    const buf = Buffer.alloc(4096, 0x5a);
    if (mode === 'overwrite') {
      for (let i = 0; i < 256; i++) writeSync(fd, buf, 0, buf.length, i * 4096);
      fsyncSync(fd);
    }
    const lat: number[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    let i = 0;
    for (let t = start; t < end; i++) {
      writeSync(fd, buf, 0, buf.length, mode === 'overwrite' ? (i % 256) * 4096 : i * 4096);
      fdatasyncSync(fd);
      const now = performance.now();
      lat.push(now - t);
      t = now;
    }
    return { perSecond: i / ((performance.now() - start) / 1000), latency: summarize(lat) };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
