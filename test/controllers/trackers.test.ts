/**
 * The small stateful helpers: trigger-time tracking (earliest unsynced
 * change, Service creation on first sight) and the EndpointSlice tracker
 * (stale caches, own writes, expected deletions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TriggerTimeTracker, formatRFC3339Nano } from '../../src/controllers/shared/trigger-time.ts';
import { EndpointSliceTracker } from '../../src/controllers/shared/slice-tracker.ts';
import type { EndpointSlice } from '../../src/api/types.ts';
import { pod, svc } from './fixtures.ts';

test('trigger time: Service creation first, then the earliest pod change since the last sync, nothing when unchanged', () => {
  const t = new TriggerTimeTracker();
  const s = svc('web', { created: '2025-01-01T00:00:00Z' });
  const a = pod('a', { readyTime: '2025-01-01T00:00:05Z' });
  const b = pod('b', { readyTime: '2025-01-01T00:00:06Z' });
  assert.equal(t.compute('default/web', s, [a, b]), '2025-01-01T00:00:00Z');
  assert.equal(t.compute('default/web', s, [a, b]), undefined);
  const a2 = pod('a', { readyTime: '2025-01-01T00:00:09Z' });
  const b2 = pod('b', { readyTime: '2025-01-01T00:00:08.500Z' });
  assert.equal(t.compute('default/web', s, [a2, b2]), '2025-01-01T00:00:08.5Z');
  t.forget('default/web');
  assert.equal(t.compute('default/web', s, [a2, b2]), '2025-01-01T00:00:00Z');
});

test('trigger time: RFC3339Nano formatting (UTC, no trailing zeros)', () => {
  assert.equal(formatRFC3339Nano('2025-01-01T00:00:00.120000Z'), '2025-01-01T00:00:00.12Z');
  assert.equal(formatRFC3339Nano('2025-01-01T00:00:00.000Z'), '2025-01-01T00:00:00Z');
  assert.equal(formatRFC3339Nano('2025-01-01T02:00:00+02:00'), '2025-01-01T00:00:00Z');
});

const slice = (uid: string, generation: number, rv: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: uid, namespace: 'default', uid, generation, resourceVersion: rv },
  addressType: 'IPv4',
  endpoints: [],
});

test('slice tracker: a cache behind our writes is stale; own writes are recognised once; deletions expected or not', () => {
  const t = new EndpointSliceTracker();
  assert.equal(t.stale('default/web', []), false);
  t.written('default/web', slice('a', 2, '10'));
  assert.equal(t.stale('default/web', []), true, 'created but not in the cache yet');
  assert.equal(t.stale('default/web', [slice('a', 1, '9')]), true, 'older generation cached');
  assert.equal(t.stale('default/web', [slice('a', 2, '10')]), false);
  assert.equal(t.isOwnWrite(slice('a', 2, '10')), true);
  assert.equal(t.isOwnWrite(slice('a', 2, '10')), false, 'recognised once');
  assert.equal(t.isOwnWrite(slice('a', 3, '11')), false, 'someone else');
  t.expectDeletion('default/web', slice('a', 2, '10'));
  assert.equal(t.stale('default/web', [slice('a', 2, '10')]), true, 'deleted but still cached');
  assert.equal(t.handleDeletion('default/web', slice('a', 2, '10')), true);
  assert.equal(t.stale('default/web', []), false);
  t.written('default/web', slice('b', 1, '12'));
  assert.equal(t.handleDeletion('default/web', slice('b', 1, '12')), false, 'deleted by someone else');
});
