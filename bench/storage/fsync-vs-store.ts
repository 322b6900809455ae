// Raw fdatasync rate of the disk under os.tmpdir() vs. SqliteStore txn rates.
// Run from the repo root: node --import tsx bench/storage/fsync-vs-store.ts [seconds]
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SqliteStore } from '../../src/storage/index.ts';

const seconds = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
const value = JSON.stringify({ kind: 'Pod', metadata: { name: 'x', labels: { app: 'y' } }, pad: 'p'.repeat(400) });

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function rawSync(mode: 'overwrite' | 'append', sync: (fd: number) => void): string {
  const fd = openSync(join(dir, `raw-${mode}`), 'w');
  const buf = Buffer.alloc(4096, 1);
  if (mode === 'overwrite') {
    for (let i = 0; i < 256; i++) writeSync(fd, buf, 0, buf.length, i * 4096);
    fsyncSync(fd);
  }
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let i = 0;
  while (performance.now() < end) {
    const t = performance.now();
    writeSync(fd, buf, 0, buf.length, mode === 'overwrite' ? (i % 256) * 4096 : i * 4096);
    sync(fd);
    lat.push(performance.now() - t);
    i++;
  }
  closeSync(fd);
  lat.sort((a, b) => a - b);
  return `${(i / seconds).toFixed(0)}/s  p50 ${pct(lat, 50).toFixed(3)} ms  p99 ${pct(lat, 99).toFixed(3)} ms`;
}

async function storeRate(clients: number, synchronous: 'full' | 'off'): Promise<string> {
  const path = join(dir, `store-${clients}-${synchronous}.sqlite`);
  const store = SqliteStore.open(path, { synchronous });
  const lat: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const rev = new Map<string, number>();
      for (let i = 0; performance.now() < end; i++) {
        const key = `/registry/pods/ns${c}/p${i % 100}`;
        const prev = rev.get(key);
        const t = performance.now();
        const r = await store.txn([
          prev === undefined ? { type: 'create', key, value } : { type: 'update', key, value, expectedModRevision: prev },
        ]);
        lat.push(performance.now() - t);
        rev.set(key, r.revision);
        n++;
      }
    }),
  );
  loop.disable();
  const st = store.stats();
  await store.close();
  lat.sort((a, b) => a - b);
  return (
    `${(n / seconds).toFixed(0)} txn/s  ${(st.sqliteCommits / seconds).toFixed(0)} commits/s  ` +
    `avg batch ${(st.txnsCommitted / st.sqliteCommits).toFixed(1)}  ` +
    `latency p50 ${pct(lat, 50).toFixed(2)} ms p99 ${pct(lat, 99).toFixed(2)} ms  ` +
    `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms max ${(loop.max / 1e6).toFixed(1)} ms`
  );
}

try {
  console.log(`tmpdir ${tmpdir()}, ${seconds} s per row, Node ${process.version}`);
  console.log(`raw 4 KiB overwrite + fdatasync : ${rawSync('overwrite', fdatasyncSync)}`);
  console.log(`raw 4 KiB append    + fdatasync : ${rawSync('append', fdatasyncSync)}`);
  console.log(`raw 4 KiB overwrite + fsync     : ${rawSync('overwrite', fsyncSync)}`);
  console.log(`SqliteStore full,  1 client     : ${await storeRate(1, 'full')}`);
  console.log(`SqliteStore full, 32 clients    : ${await storeRate(32, 'full')}`);
  console.log(`SqliteStore off,   1 client     : ${await storeRate(1, 'off')}`);
  console.log(`SqliteStore off,  32 clients    : ${await storeRate(32, 'off')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
