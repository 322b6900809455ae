// MemoryStore specifics: bounded history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/storage/index.ts';
import { collector, throwsWith } from './helpers.ts';

test('history is bounded by maxEvents, whole revisions at a time', async () => {
  const s = new MemoryStore({ maxEvents: 10 });
  for (let i = 0; i < 8; i++) await s.txn([{ type: 'create', key: `/k/${i}`, value: `${i}` }]); // 8 events
  assert.equal(s.compactedRevision(), 0);
  await s.txn([
    { type: 'create', key: '/m/a', value: '' },
    { type: 'create', key: '/m/b', value: '' },
    { type: 'create', key: '/m/c', value: '' },
  ]); // revision 9: 11 events > 10, so revision 1 goes
  assert.equal(s.compactedRevision(), 1);
  throwsWith(() => s.watch('', 0, () => {}), 'Compacted');
  const c = collector();
  const h = s.watch('', 1, c.onEvents);
  assert.deepEqual((await c.until(10)).map((e) => e.revision), [2, 3, 4, 5, 6, 7, 8, 9, 9, 9]);
  h.close();
  for (let i = 0; i < 100; i++) await s.txn([{ type: 'update', key: '/k/0', value: `${i}` }]);
  assert.equal(s.compactedRevision(), 99, 'the newest 10 events (one per revision) remain');
  assert.equal((await s.list('')).items.length, 11, 'compaction never touches current state');
});

test('maxEvents smaller than one txn keeps that txn', async () => {
  const s = new MemoryStore({ maxEvents: 1 });
  await s.txn([{ type: 'create', key: '/a', value: '' }]);
  await s.txn([
    { type: 'create', key: '/b', value: '' },
    { type: 'create', key: '/c', value: '' },
  ]);
  assert.equal(s.compactedRevision(), 1);
  const c = collector();
  s.watch('', 1, c.onEvents);
  assert.equal((await c.until(2)).length, 2);
});
