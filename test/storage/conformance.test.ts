// One conformance suite for the Store contract, run against every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MemoryStore, SqliteStore, StorageError, type Store, type TxnResult } from '../../src/storage/index.ts';
import { collector, rejectsWith, tempDir, throwsWith, type Backend } from './helpers.ts';

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const store = new MemoryStore();
      return { store, cleanup: () => store.close() };
    },
  },
  {
    name: 'sqlite',
    async open() {
      const t = tempDir();
      const store = SqliteStore.open(join(t.dir, 'db.sqlite'), { synchronous: 'full' });
      return {
        store,
        cleanup: async () => {
          await store.close();
          t.cleanup();
        },
      };
    },
  },
];

interface Case {
  readonly name: string;
  readonly run: (s: Store) => Promise<void>;
}

const cases: Case[] = [
  {
    name: 'create, get, update, delete',
    async run(s) {
      assert.equal(await s.currentRevision(), 0);
      assert.equal(await s.get('/a'), undefined);
      const c = await s.txn([{ type: 'create', key: '/a', value: 'v1' }]);
      assert.deepEqual(c, { revision: 1, results: [{ key: '/a', value: 'v1', createRevision: 1, modRevision: 1 }] });
      assert.deepEqual(await s.get('/a'), { key: '/a', value: 'v1', createRevision: 1, modRevision: 1 });
      const u = await s.txn([{ type: 'update', key: '/a', value: 'v2', expectedModRevision: 1 }]);
      assert.deepEqual(u.results, [{ key: '/a', value: 'v2', createRevision: 1, modRevision: 2 }]);
      const u2 = await s.txn([{ type: 'update', key: '/a', value: 'v3' }]); // unconditional
      assert.equal(u2.revision, 3);
      const d = await s.txn([{ type: 'delete', key: '/a' }]);
      assert.deepEqual(d, { revision: 4, results: [{ key: '/a', value: 'v3', createRevision: 1, modRevision: 3 }] });
      assert.equal(await s.get('/a'), undefined);
      const again = await s.txn([{ type: 'create', key: '/a', value: 'v4' }]);
      assert.deepEqual(again.results[0], { key: '/a', value: 'v4', createRevision: 5, modRevision: 5 });
      assert.equal(await s.currentRevision(), 5);
    },
  },
  {
    name: 'preconditions: KeyExists, NotFound, Conflict',
    async run(s) {
      await s.txn([{ type: 'create', key: '/a', value: 'x' }]);
      await s.txn([{ type: 'update', key: '/a', value: 'y' }]); // modRevision 2
      const exists = await rejectsWith(s.txn([{ type: 'create', key: '/a', value: 'z' }]), 'KeyExists');
      assert.equal(exists.key, '/a');
      const nf1 = await rejectsWith(s.txn([{ type: 'update', key: '/b', value: 'z' }]), 'NotFound');
      assert.equal(nf1.key, '/b');
      await rejectsWith(s.txn([{ type: 'delete', key: '/b' }]), 'NotFound');
      const c1 = await rejectsWith(s.txn([{ type: 'update', key: '/a', value: 'z', expectedModRevision: 1 }]), 'Conflict');
      assert.equal(c1.revision, 2);
      assert.equal(c1.key, '/a');
      const c2 = await rejectsWith(s.txn([{ type: 'delete', key: '/a', expectedModRevision: 3 }]), 'Conflict');
      assert.equal(c2.revision, 2);
      assert.equal(await s.currentRevision(), 2, 'failed txns do not advance the revision');
      assert.equal((await s.get('/a'))?.value, 'y');
      const ok = await s.txn([{ type: 'delete', key: '/a', expectedModRevision: 2 }]);
      assert.equal(ok.revision, 3);
    },
  },
  {
    name: 'multi-op txn is atomic: one failing op writes nothing',
    async run(s) {
      await s.txn([{ type: 'create', key: '/x', value: '1' }]);
      const err = await rejectsWith(
        s.txn([
          { type: 'create', key: '/a', value: 'a' },
          { type: 'update', key: '/x', value: '2' },
          { type: 'delete', key: '/missing' },
        ]),
        'NotFound',
      );
      assert.equal(err.key, '/missing');
      assert.equal(await s.currentRevision(), 1);
      assert.equal(await s.get('/a'), undefined);
      assert.equal((await s.get('/x'))?.value, '1');
      assert.deepEqual((await s.list('/')).items.map((kv) => kv.key), ['/x']);
    },
  },
  {
    name: 'revisions grow by exactly one per txn; all keys of a txn share it',
    async run(s) {
      const r1 = await s.txn([
        { type: 'create', key: '/a', value: 'a' },
        { type: 'create', key: '/b', value: 'b' },
      ]);
      assert.equal(r1.revision, 1);
      assert.deepEqual(r1.results.map((kv) => kv.modRevision), [1, 1]);
      const r2 = await s.txn([
        { type: 'update', key: '/a', value: 'a2' },
        { type: 'delete', key: '/b' },
        { type: 'create', key: '/c', value: 'c' },
      ]);
      assert.equal(r2.revision, 2);
      assert.deepEqual(r2.results, [
        { key: '/a', value: 'a2', createRevision: 1, modRevision: 2 },
        { key: '/b', value: 'b', createRevision: 1, modRevision: 1 },
        { key: '/c', value: 'c', createRevision: 2, modRevision: 2 },
      ]);
      for (let i = 0; i < 10; i++) assert.equal((await s.txn([{ type: 'update', key: '/a', value: `${i}` }])).revision, 3 + i);
      assert.equal(await s.currentRevision(), 12);
      assert.deepEqual(await s.txn([]), { revision: 12, results: [] }, 'an empty txn writes nothing');
    },
  },
  {
    name: 'ops on the same key in one txn apply in order',
    async run(s) {
      const r = await s.txn([
        { type: 'create', key: '/a', value: '1' },
        { type: 'update', key: '/a', value: '2', expectedModRevision: 1 },
      ]);
      assert.equal(r.revision, 1);
      assert.deepEqual(await s.get('/a'), { key: '/a', value: '2', createRevision: 1, modRevision: 1 });
      await rejectsWith(
        s.txn([
          { type: 'delete', key: '/a' },
          { type: 'update', key: '/a', value: '3' },
        ]),
        'NotFound',
      );
      assert.equal((await s.get('/a'))?.value, '2');
    },
  },
  {
    name: 'list: prefix, sorted by key (code point order), at its revision',
    async run(s) {
      const keys = ['/r/b', '/r/a/2', '/r/a/1', '/ra', '/q', '/r/\u{1F600}', '/r/\uFFFD', '/r/Z'];
      for (const k of keys) await s.txn([{ type: 'create', key: k, value: k }]);
      const l = await s.list('/r/');
      assert.equal(l.revision, keys.length);
      // U+FFFD sorts before U+1F600 by code point (and in UTF-8), though not by UTF-16 unit.
      assert.deepEqual(l.items.map((kv) => kv.key), ['/r/Z', '/r/a/1', '/r/a/2', '/r/b', '/r/\uFFFD', '/r/\u{1F600}']);
      assert.deepEqual(l.items[1], { key: '/r/a/1', value: '/r/a/1', createRevision: 3, modRevision: 3 });
      assert.deepEqual((await s.list('/r/a/')).items.map((kv) => kv.key), ['/r/a/1', '/r/a/2']);
      assert.equal((await s.list('')).items.length, keys.length);
      assert.deepEqual((await s.list('/nothing/')).items, []);
      await s.txn([{ type: 'delete', key: '/r/b' }]);
      const l2 = await s.list('/r/');
      assert.equal(l2.revision, keys.length + 1);
      assert.equal(l2.items.length, 5);
    },
  },
  {
    name: 'watch replays history, then live events, in order, with prevKv',
    async run(s) {
      await s.txn([{ type: 'create', key: '/w/a', value: '1' }]); // 1
      await s.txn([{ type: 'create', key: '/other', value: 'x' }]); // 2
      await s.txn([
        { type: 'update', key: '/w/a', value: '2' },
        { type: 'create', key: '/w/b', value: 'b' },
      ]); // 3
      const c = collector();
      const h = s.watch('/w/', 1, c.onEvents);
      await c.until(2);
      await s.txn([{ type: 'delete', key: '/w/b' }]); // 4
      await s.txn([{ type: 'update', key: '/other', value: 'y' }]); // 5, filtered
      await s.txn([{ type: 'create', key: '/w/c', value: 'c' }]); // 6
      const evs = await c.until(4);
      h.close();
      assert.deepEqual(evs, [
        {
          type: 'put',
          kv: { key: '/w/a', value: '2', createRevision: 1, modRevision: 3 },
          prevKv: { key: '/w/a', value: '1', createRevision: 1, modRevision: 1 },
          revision: 3,
        },
        { type: 'put', kv: { key: '/w/b', value: 'b', createRevision: 3, modRevision: 3 }, revision: 3 },
        {
          type: 'delete',
          kv: { key: '/w/b', value: '', createRevision: 0, modRevision: 4 },
          prevKv: { key: '/w/b', value: 'b', createRevision: 3, modRevision: 3 },
          revision: 4,
        },
        { type: 'put', kv: { key: '/w/c', value: 'c', createRevision: 6, modRevision: 6 }, revision: 6 },
      ]);
      // Events of one revision arrive in the same call.
      for (const call of c.calls) {
        const revs = new Set(call.map((e) => e.revision));
        for (const r of revs) assert.equal(call.filter((e) => e.revision === r).length, evs.filter((e) => e.revision === r).length);
      }
    },
  },
  {
    name: 'watch from 0 replays everything; from the current or a future revision only newer events',
    async run(s) {
      for (let i = 0; i < 5; i++) await s.txn([{ type: 'create', key: `/k${i}`, value: `${i}` }]);
      const all = collector();
      const h1 = s.watch('', 0, all.onEvents);
      const live = collector();
      const h2 = s.watch('', 5, live.onEvents);
      const future = collector();
      const h3 = s.watch('', 6, future.onEvents);
      assert.deepEqual((await all.until(5)).map((e) => e.revision), [1, 2, 3, 4, 5]);
      await s.txn([{ type: 'create', key: '/k5', value: '5' }]);
      await s.txn([{ type: 'create', key: '/k6', value: '6' }]);
      assert.deepEqual((await live.until(2)).map((e) => e.revision), [6, 7]);
      assert.deepEqual((await future.until(1)).map((e) => e.revision), [7]);
      assert.deepEqual((await all.until(7)).map((e) => e.revision), [1, 2, 3, 4, 5, 6, 7]);
      h1.close();
      h2.close();
      h3.close();
    },
  },
  {
    name: 'watch from a compacted revision throws Compacted',
    async run(s) {
      for (let i = 0; i < 10; i++) await s.txn([{ type: 'create', key: `/k/${i}`, value: `${i}` }]);
      assert.equal(s.compactedRevision(), 0);
      await s.compact(6);
      assert.equal(s.compactedRevision(), 6);
      const err = throwsWith(() => s.watch('/k/', 5, () => {}), 'Compacted');
      assert.equal(err.revision, 7, 'oldest revision still available');
      throwsWith(() => s.watch('/k/', 0, () => {}), 'Compacted');
      const c = collector();
      const h = s.watch('/k/', 6, c.onEvents); // oldest retained minus one: allowed
      assert.deepEqual((await c.until(4)).map((e) => e.revision), [7, 8, 9, 10]);
      h.close();
      await s.compact(3); // older than already compacted: no-op
      assert.equal(s.compactedRevision(), 6);
      await s.compact(1000); // future: clamped to the current revision
      assert.equal(s.compactedRevision(), 10);
      const c2 = collector();
      const h2 = s.watch('/k/', 10, c2.onEvents);
      await s.txn([{ type: 'update', key: '/k/1', value: 'x' }]);
      assert.equal((await c2.until(1))[0].revision, 11);
      h2.close();
      assert.equal((await s.get('/k/1'))?.value, 'x', 'compaction keeps the current state');
      assert.equal((await s.list('/k/')).items.length, 10);
    },
  },
  {
    name: 'closing a watch stops delivery',
    async run(s) {
      const closed = collector();
      const barrier = collector();
      const h = s.watch('/', 0, closed.onEvents);
      const hb = s.watch('/', 0, barrier.onEvents);
      await s.txn([{ type: 'create', key: '/a', value: '1' }]);
      await closed.until(1);
      h.close();
      h.close(); // idempotent
      await s.txn([{ type: 'create', key: '/b', value: '2' }]);
      await s.txn([{ type: 'create', key: '/c', value: '3' }]);
      await barrier.until(3); // delivered in the same round as the closed watcher would have been
      await new Promise((r) => setImmediate(r));
      assert.equal(closed.events.length, 1);
      hb.close();
    },
  },
  {
    name: 'concurrent txns with stale preconditions: exactly the first per key wins',
    async run(s) {
      const keys = Array.from({ length: 20 }, (_, i) => `/c/${String(i).padStart(2, '0')}`);
      const created = await s.txn(keys.map((key) => ({ type: 'create' as const, key, value: 'init' })));
      const base = created.revision;
      const c = collector();
      const h = s.watch('/c/', base, c.onEvents);
      // 200 updates, 10 per key, all expecting the modRevision the key had at creation.
      const attempts = Array.from({ length: 200 }, (_, i) => ({ key: keys[i % 20], n: i }));
      const settled = await Promise.allSettled(
        attempts.map((a) => s.txn([{ type: 'update', key: a.key, value: `v${a.n}`, expectedModRevision: base }])),
      );
      const won = attempts.filter((_, i) => settled[i].status === 'fulfilled');
      assert.deepEqual(won.map((a) => a.n), Array.from({ length: 20 }, (_, i) => i), 'the first attempt on each key wins');
      for (const [i, r] of settled.entries()) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof StorageError && r.reason.code === 'Conflict', `attempt ${i}: ${String(r.reason)}`);
        }
      }
      const revs = settled
        .filter((r): r is PromiseFulfilledResult<TxnResult> => r.status === 'fulfilled')
        .map((r) => r.value.revision);
      assert.deepEqual(revs, Array.from({ length: 20 }, (_, i) => base + 1 + i), 'one revision each, in call order');
      assert.equal(await s.currentRevision(), base + 20);
      for (const [i, k] of keys.entries()) assert.equal((await s.get(k))?.value, `v${i}`);
      const evs = await c.until(20);
      assert.deepEqual(evs.map((e) => e.revision), revs);
      h.close();
    },
  },
  {
    name: 'a closed store rejects with Closed',
    async run(s) {
      await s.txn([{ type: 'create', key: '/a', value: '1' }]);
      await s.close();
      await rejectsWith(s.get('/a'), 'Closed');
      await rejectsWith(s.list('/'), 'Closed');
      await rejectsWith(s.txn([{ type: 'create', key: '/b', value: '1' }]), 'Closed');
      throwsWith(() => s.watch('/', 0, () => {}), 'Closed');
      await s.close(); // idempotent
    },
  },
  {
    name: 'malformed ops are rejected without writing',
    async run(s) {
      await rejectsWith(s.txn([{ type: 'create', key: '', value: 'x' }]), 'Internal');
      const bad = [{ type: 'create', key: '/a', value: 1 }] as unknown as Parameters<Store['txn']>[0];
      await rejectsWith(s.txn(bad), 'Internal');
      assert.equal(await s.currentRevision(), 0);
    },
  },
];

for (const b of backends) {
  for (const c of cases) {
    test(`${b.name}: ${c.name}`, { timeout: 10000 }, async () => {
      const { store, cleanup } = await b.open();
      try {
        await c.run(store);
      } finally {
        await cleanup();
      }
    });
  }
}
