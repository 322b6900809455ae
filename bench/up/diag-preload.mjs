/**
 * Diagnosis only (bench/up/run.ts --diagnose): loaded into the `switchboard up`
 * process with `--import`, it answers SIGUSR2 by writing, to
 * $SB_DIAG_OUT.json, the process's memory as V8 and Node see it
 * (process.memoryUsage, heap spaces, code statistics) after a full GC when
 * --expose-gc is on (a memory-reducing one with $SB_DIAG_LAST_RESORT=1), and a heap snapshot to $SB_DIAG_OUT.heapsnapshot when
 * $SB_DIAG_SNAPSHOT=1. Not used by the measured runs.
 */
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const out = process.env.SB_DIAG_OUT;
if (out) {
  process.on('SIGUSR2', () => {
    const rssBefore = process.memoryUsage.rss();
    // A full GC; with SB_DIAG_LAST_RESORT=1 the memory-reducing kind V8 runs under memory pressure (compacts, releases free pages).
    if (typeof globalThis.gc === 'function') globalThis.gc(process.env.SB_DIAG_LAST_RESORT === '1' ? { type: 'major', execution: 'sync', flavor: 'last-resort' } : undefined);
    const report = {
      rssBeforeGc: rssBefore,
      memoryUsage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics(),
      code: v8.getHeapCodeStatistics(),
    };
    writeFileSync(`${out}.json`, JSON.stringify(report, null, 1));
    if (process.env.SB_DIAG_SNAPSHOT === '1') v8.writeHeapSnapshot(`${out}.heapsnapshot`);
    writeFileSync(`${out}.done`, '');
  });
}
