// SQLite backend: persistence, group commit, exclusive lock, crash safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore, type StorageError, type KeyValue, type TxnResult } from '../../src/storage/index.ts';
import { collector, tempDir, throwsWith } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function spawnTs(script: string, args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Runs a fixture to completion and returns its stdout lines. */
async function runTs(script: string, args: string[]): Promise<string[]> {
  const child = spawnTs(script, args);
  child.stdin.end();
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  return out.split('\n').filter((l) => l !== '');
}

test('data, revisions and history survive close and reopen', async () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'nested', 'db.sqlite'); // parent directories are created
    const s1 = SqliteStore.open(path);
    for (let i = 0; i < 20; i++) await s1.txn([{ type: 'create', key: `/p/${String(i).padStart(2, '0')}`, value: `v${i}` }]);
    await s1.txn([
      { type: 'update', key: '/p/03', value: 'x' },
      { type: 'delete', key: '/p/04' },
    ]);
    await s1.compact(5);
    const before = await s1.list('/p/');
    await s1.close();

    const s2 = SqliteStore.open(path);
    assert.equal(await s2.currentRevision(), 21);
    assert.equal(s2.compactedRevision(), 5);
    assert.deepEqual(await s2.list('/p/'), before);
    assert.deepEqual(await s2.get('/p/03'), { key: '/p/03', value: 'x', createRevision: 4, modRevision: 21 });
    throwsWith(() => s2.watch('/p/', 4, () => {}), 'Compacted');
    const c = collector();
    const h = s2.watch('/p/', 19, c.onEvents);
    const r = await s2.txn([{ type: 'create', key: '/p/new', value: 'n' }]);
    assert.equal(r.revision, 22, 'revisions continue after reopen');
    const evs = await c.until(4);
    assert.deepEqual(
      evs.map((e) => [e.revision, e.type, e.kv.key, e.prevKv?.value]),
      [
        [20, 'put', '/p/19', undefined],
        [21, 'put', '/p/03', 'v3'],
        [21, 'delete', '/p/04', 'v4'],
        [22, 'put', '/p/new', undefined],
      ],
    );
    h.close();
    await s2.close();
  } finally {
    t.cleanup();
  }
});

test('group commit: 500 concurrent txns share few SQLite commits, each with its own revision', async () => {
  const t = tempDir();
  const s = SqliteStore.open(join(t.dir, 'db.sqlite'));
  try {
    for (let i = 0; i < 5; i++) await s.txn([{ type: 'create', key: `/seq/${i}`, value: '' }]);
    assert.equal(s.stats().sqliteCommits, 5, 'sequential txns: one commit each');
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => s.txn([{ type: 'create', key: `/g/${i}`, value: `${i}` }])),
    );
    assert.deepEqual(results.map((r) => r.revision), Array.from({ length: 500 }, (_, i) => 6 + i));
    const st = s.stats();
    assert.ok(st.sqliteCommits - 5 <= 3, `500 txns took ${st.sqliteCommits - 5} commits`);
    assert.equal(st.largestBatch, 500);
    assert.equal(st.txnsCommitted, 505);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('group commit: each txn in a batch sees the ones before it; a failure rejects only itself', async () => {
  const t = tempDir();
  const s = SqliteStore.open(join(t.dir, 'db.sqlite'));
  try {
    const settled = await Promise.allSettled([
      s.txn([{ type: 'create', key: '/a', value: '1' }]), // rev 1
      s.txn([{ type: 'update', key: '/a', value: '2', expectedModRevision: 1 }]), // rev 2
      s.txn([{ type: 'create', key: '/a', value: 'dup' }]), // KeyExists
      s.txn([{ type: 'update', key: '/a', value: 'stale', expectedModRevision: 1 }]), // Conflict
      s.txn([
        { type: 'create', key: '/b', value: 'b' },
        { type: 'delete', key: '/nope' },
      ]), // NotFound: /b not written
      s.txn([{ type: 'delete', key: '/a', expectedModRevision: 2 }]), // rev 3
      s.txn([{ type: 'create', key: '/a', value: 'again' }]), // rev 4
    ]);
    const summary = settled.map((r) => (r.status === 'fulfilled' ? r.value.revision : (r.reason as StorageError).code));
    assert.deepEqual(summary, [1, 2, 'KeyExists', 'Conflict', 'NotFound', 3, 4]);
    assert.equal(s.stats().sqliteCommits, 1);
    assert.equal(await s.get('/b'), undefined);
    assert.deepEqual(await s.get('/a'), { key: '/a', value: 'again', createRevision: 4, modRevision: 4 });
    assert.equal(await s.currentRevision(), 4);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('close commits queued txns first', async () => {
  const t = tempDir();
  const path = join(t.dir, 'db.sqlite');
  try {
    const s = SqliteStore.open(path);
    const pending = s.txn([{ type: 'create', key: '/late', value: 'v' }]);
    await s.close();
    assert.equal((await pending).revision, 1);
    const s2 = SqliteStore.open(path);
    assert.equal((await s2.get('/late'))?.value, 'v');
    await s2.close();
  } finally {
    t.cleanup();
  }
});

test('background compaction keeps about retainRevisions of history, across reopen', async () => {
  const t = tempDir();
  const path = join(t.dir, 'db.sqlite');
  try {
    const s = SqliteStore.open(path, { retainRevisions: 100, synchronous: 'off' });
    for (let i = 0; i < 300; i++) await s.txn([{ type: 'create', key: `/k/${i}`, value: `${i}` }]);
    // Compaction runs on setImmediate after a commit; give it a few turns.
    for (let i = 0; i < 100 && s.compactedRevision() === 0; i++) await new Promise((r) => setImmediate(r));
    const compacted = s.compactedRevision();
    assert.ok(compacted >= 150 && compacted <= 200, `compacted to ${compacted}`);
    throwsWith(() => s.watch('', 0, () => {}), 'Compacted');
    const c = collector();
    const h = s.watch('', compacted, c.onEvents);
    assert.equal((await c.until(300 - compacted)).length, 300 - compacted);
    h.close();
    assert.equal((await s.list('/k/')).items.length, 300);
    await s.close();
    const s2 = SqliteStore.open(path, { retainRevisions: 100 });
    assert.equal(s2.compactedRevision(), compacted);
    await s2.close();
  } finally {
    t.cleanup();
  }
});

test('a second opener is refused clearly, in this process and in another', async () => {
  const t = tempDir();
  const path = join(t.dir, 'db.sqlite');
  try {
    const s = SqliteStore.open(path);
    await s.txn([{ type: 'create', key: '/a', value: '1' }]);
    const err = throwsWith(() => SqliteStore.open(path), 'Internal');
    assert.match(err.message, /data directory is in use by another process/);
    const [line] = await runTs(fixture('open-store.ts'), [path]);
    const res = JSON.parse(line) as { ok: boolean; code?: string; message?: string };
    assert.equal(res.ok, false);
    assert.equal(res.code, 'Internal');
    assert.match(res.message ?? '', /data directory is in use by another process/);
    assert.equal((await s.get('/a'))?.value, '1', 'the holder is unaffected');
    await s.close();
    assert.deepEqual(await runTs(fixture('open-store.ts'), [path]), ['{"ok":true}'], 'free again after close');

    // The other way round: another process holds it.
    const holder = spawnTs(fixture('open-store.ts'), [path, 'hold']);
    holder.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    assert.match(throwsWith(() => SqliteStore.open(path), 'Internal').message, /in use by another process/);
    holder.stdin.end();
    await new Promise((resolve) => holder.on('close', resolve));
    const s2 = SqliteStore.open(path);
    assert.equal((await s2.get('/a'))?.value, '1');
    await s2.close();
  } finally {
    t.cleanup();
  }
});

interface Ack {
  readonly revision: number;
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly value: string;
}

/** Runs the crash writer until `acks` txns were acknowledged, then SIGKILLs it. */
async function crashRound(path: string, round: number, acks: number): Promise<Ack[]> {
  const child = spawnTs(fixture('crash-writer.ts'), [path, '8', String(round)]);
  child.stdin.end();
  const got: Ack[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop() ?? ''; // a partial last line is not an ack
    for (const l of lines) {
      const [rev, type, key, value] = l.split(' ');
      got.push({ revision: Number(rev), type: type as Ack['type'], key, value });
    }
    if (got.length >= acks && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  assert.equal(signal, 'SIGKILL', `writer exited early with code ${code}`);
  return got;
}

interface LogRow {
  revision: number;
  idx: number;
  key: string;
  type: number;
  value: string | null;
  create_rev: number | null;
  prev_value: string | null;
  prev_mod_rev: number | null;
}

/** Reads the raw tables and checks kv == replay(log), contiguous revisions, meta. */
function checkFile(path: string): { log: LogRow[]; revision: number } {
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    const log = db.prepare('SELECT * FROM log ORDER BY revision, idx').all() as LogRow[];
    const kv = db.prepare('SELECT key, value, create_rev, mod_rev FROM kv ORDER BY key').all();
    const compacted = (db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number }).value;
    assert.equal(compacted, 0);
    const state = new Map<string, { key: string; value: string; create_rev: number; mod_rev: number }>();
    let expectRev = 0;
    let expectIdx = 0;
    for (const row of log) {
      if (row.revision !== expectRev) {
        assert.equal(row.revision, expectRev + 1, 'log revisions are contiguous');
        expectRev = row.revision;
        expectIdx = 0;
      }
      assert.equal(row.idx, expectIdx++, 'op indexes are contiguous');
      const prev = state.get(row.key);
      assert.equal(row.prev_mod_rev ?? undefined, prev?.mod_rev, `prevKv of ${row.key} at ${row.revision}`);
      assert.equal(row.prev_value ?? undefined, prev?.value);
      if (row.type === 0) {
        state.set(row.key, { key: row.key, value: row.value ?? '', create_rev: row.create_rev ?? 0, mod_rev: row.revision });
      } else {
        state.delete(row.key);
      }
    }
    // The store derives its revision from the log (schema v2): it must not be behind compaction.
    assert.ok(compacted <= expectRev, 'compaction never passes the last logged revision');
    const revision = expectRev;
    assert.deepEqual(kv, [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), 'kv == replay(log)');
    return { log, revision };
  } finally {
    db.close();
  }
}

test('crash safety: every acknowledged write survives kill -9', { timeout: 20000 }, async () => {
  const t = tempDir();
  const path = join(t.dir, 'db.sqlite');
  try {
    let previousLog: LogRow[] = [];
    let previousRevision = 0;
    for (const round of [1, 2, 3]) {
      const acks = await crashRound(path, round, 300);
      assert.ok(acks.length >= 300);
      const maxAck = Math.max(...acks.map((a) => a.revision));
      assert.ok(Math.min(...acks.map((a) => a.revision)) > previousRevision, 'revisions only grow across restarts');

      // Reopen through the store (the dead writer's lock is gone; the WAL is recovered).
      const s = SqliteStore.open(path);
      const current = await s.currentRevision();
      assert.ok(current >= maxAck, `current ${current} < acknowledged ${maxAck}`);
      const latest = new Map<string, Ack>();
      for (const a of acks) if ((latest.get(a.key)?.revision ?? 0) < a.revision) latest.set(a.key, a);
      const all = new Map((await s.list('/crash/')).items.map((kv): [string, KeyValue] => [kv.key, kv]));
      for (const a of latest.values()) {
        const kv = all.get(a.key);
        // A later, unacknowledged write to the key may also have committed.
        if (kv?.modRevision === a.revision) assert.equal(kv.value, a.value);
        else if (kv) assert.ok(kv.modRevision > a.revision, `${a.key} went back in time`);
        else assert.ok(a.type === 'delete' || current > a.revision, `${a.key} lost`);
      }
      const r: TxnResult = await s.txn([{ type: 'create', key: `/after/${round}`, value: '' }]);
      assert.equal(r.revision, current + 1);
      await s.close();

      // Every ack is in the log at exactly its revision, with its value; kv matches the log.
      const { log, revision } = checkFile(path);
      const byRev = new Map<number, LogRow[]>();
      for (const row of log) byRev.set(row.revision, [...(byRev.get(row.revision) ?? []), row]);
      for (const a of acks) {
        const rows = byRev.get(a.revision);
        assert.ok(rows?.length === 1, `revision ${a.revision} logged once`);
        assert.equal(rows[0].key, a.key);
        assert.equal(rows[0].type, a.type === 'put' ? 0 : 1);
        if (a.type === 'put') assert.equal(rows[0].value, a.value);
      }
      assert.deepEqual(log.slice(0, previousLog.length), previousLog, 'earlier history is unchanged');
      previousLog = log;
      previousRevision = revision;
    }
  } finally {
    t.cleanup();
  }
});

test('an unknown schema version is refused', async () => {
  const t = tempDir();
  const path = join(t.dir, 'db.sqlite');
  try {
    await SqliteStore.open(path).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = 99 WHERE name = 'schema'").run();
    db.close();
    assert.match(throwsWith(() => SqliteStore.open(path), 'Internal').message, /schema version 99/);
  } finally {
    t.cleanup();
  }
});
