/**
 * The informer against the real API server: it survives a server restart
 * and a forced 410 Gone without missing or duplicating a change (the cache
 * equals a fresh list afterwards), and the work queue deduplicates keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.ts';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import { Informer, RestClient, Resources, WorkQueue, loadClientConfig, trimManagedFields } from '../../src/client/index.ts';
import type { Service } from '../../src/api/types.ts';

async function startServer(dir: string, port: number, watchCacheEvents?: number) {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'state.db') });
  const pki = ensurePki(dir, []);
  const server = new ApiServer({ store, pki, port, watchCacheEvents });
  const url = await server.start();
  writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  return {
    async stop() {
      await server.stop();
      await store.close();
    },
  };
}

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cond(), `timed out: ${what}`);
}

test('informer survives a server restart and a forced 410 without missing or duplicating a change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-inf-'));
  const port = await freePort();
  let srv = await startServer(dir, port);
  const client = new RestClient(loadClientConfig(join(dir, 'kubeconfig')));
  const informer = new Informer<Service>(client, Resources.services, { namespace: 'default', backoffMs: 100 });
  const seen: string[] = [];
  const versions = new Set<string>();
  const note = (kind: string, o: Service) => {
    const id = `${kind} ${o.metadata.name} ${o.metadata.resourceVersion}`;
    assert.ok(!versions.has(id), `duplicate event ${id}`);
    versions.add(id);
    seen.push(`${kind} ${o.metadata.name}`);
  };
  informer.addHandler({ onAdd: (o) => note('add', o), onUpdate: (_o, n) => note('update', n), onDelete: (o) => note('delete', o) });
  try {
    informer.start();
    await informer.waitForSync();
    await client.create(Resources.services, 'default', svc('one'));
    await client.create(Resources.services, 'default', svc('two'));
    await until(() => informer.cache.get('default/two') !== undefined, 'two');

    // Restart: the watch breaks, the informer resumes from its resourceVersion.
    await srv.stop();
    srv = await startServer(dir, port);
    await client.create(Resources.services, 'default', svc('three'));
    await until(() => informer.cache.get('default/three') !== undefined, 'three after restart');

    // Forced 410: change things on a server the informer cannot reach, then
    // bring the API back on its port: its resourceVersion is older than the
    // new watch cache's window, so the server answers 410 and it must relist.
    await srv.stop();
    const hidden = await startServer(dir, await freePort());
    const other = new RestClient(loadClientConfig(join(dir, 'kubeconfig')));
    await other.delete(Resources.services, 'default', 'one');
    for (let i = 0; i < 5; i++) await other.create(Resources.services, 'default', svc(`burst-${i}`));
    await other.patch(Resources.services, 'default', 'two', { metadata: { labels: { changed: 'yes' } } });
    other.close();
    await hidden.stop();
    srv = await startServer(dir, port, 2);
    await until(() => informer.stats.relistsAfterGone > 0, 'a relist after 410 Gone');
    await until(() => informer.cache.get('default/two')?.metadata.labels?.['changed'] === 'yes' && !informer.cache.get('default/one'), 'diff delivered');

    const fresh = await client.list<Service>(Resources.services, 'default');
    const freshMap = new Map(fresh.items.map((s) => [s.metadata.name!, s.metadata.resourceVersion]));
    const cacheMap = new Map(informer.cache.list().map((s) => [s.metadata.name!, s.metadata.resourceVersion]));
    assert.deepEqual(cacheMap, freshMap, 'cache equals a fresh list');
    assert.ok(seen.includes('delete one'), 'the delete during the outage was delivered');
    assert.ok(seen.includes('update two'));
    for (let i = 0; i < 5; i++) assert.ok(seen.includes(`add burst-${i}`));
  } finally {
    informer.stop();
    client.close();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('informer transform: listed and watched objects are cached and handed to handlers transformed; managedFields trimmed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-inf-'));
  const srv = await startServer(dir, await freePort());
  const client = new RestClient(loadClientConfig(join(dir, 'kubeconfig')));
  const managedFields = [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
  // A transform that trims managedFields and marks what it saw: the mark shows the handlers got the transformed object.
  const informer = new Informer<Service>(client, Resources.services, {
    namespace: 'default',
    transform: (o) => {
      const t = trimManagedFields(o);
      t.metadata.annotations = { ...t.metadata.annotations, seen: 'yes' };
      return t;
    },
  });
  const events: string[] = [];
  const check = (kind: string, o: Service) => {
    assert.equal(o.metadata.managedFields, undefined, `${kind} ${o.metadata.name}: managedFields trimmed`);
    assert.equal(o.metadata.annotations?.['seen'], 'yes', `${kind} ${o.metadata.name}: transformed`);
    events.push(`${kind} ${o.metadata.name}`);
  };
  informer.addHandler({ onAdd: (o) => check('add', o), onUpdate: (old, n) => (check('old', old), check('update', n)), onDelete: (o) => check('delete', o) });
  try {
    await client.create(Resources.services, 'default', { ...svc('listed'), metadata: { name: 'listed', namespace: 'default', managedFields } });
    informer.start();
    await informer.waitForSync();
    await client.create(Resources.services, 'default', { ...svc('watched'), metadata: { name: 'watched', namespace: 'default', managedFields } });
    await until(() => informer.cache.get('default/watched') !== undefined, 'watched');
    await client.patch(Resources.services, 'default', 'watched', { metadata: { labels: { v: '2' } } });
    await until(() => informer.cache.get('default/watched')?.metadata.labels?.['v'] === '2', 'update');
    await client.delete(Resources.services, 'default', 'watched');
    await until(() => informer.cache.get('default/watched') === undefined, 'delete');
    for (const o of informer.cache.list()) check('cached', o);
    assert.deepEqual(events.filter((e) => !e.endsWith(' kubernetes')), ['add listed', 'add watched', 'old watched', 'update watched', 'delete watched', 'cached listed']);
    // The transform changes the informer's copy only: the server still has what was written.
    const stored = await client.get<Service>(Resources.services, 'default', 'listed');
    assert.equal(stored.metadata.annotations?.['seen'], undefined);
    assert.equal(stored.metadata.managedFields?.[0]?.manager, 'kubectl', 'the server keeps managedFields: the informer trimmed them');
  } finally {
    informer.stop();
    client.close();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trimManagedFields drops metadata.managedFields only', () => {
  const o: Service = { ...svc('x'), metadata: { name: 'x', namespace: 'default', labels: { a: 'b' }, managedFields: [{ manager: 'm', operation: 'Apply' }] } };
  const t = trimManagedFields(o);
  assert.deepEqual(t, { ...svc('x'), metadata: { name: 'x', namespace: 'default', labels: { a: 'b' } } });
  assert.ok(!('managedFields' in t.metadata));
});

test('work queue: deduplicates, never runs a key twice at once, retries with back-off', async () => {
  const running = new Set<string>();
  const runs: string[] = [];
  let failOnce = true;
  const q = new WorkQueue(
    async (key) => {
      assert.ok(!running.has(key), 'concurrent run of one key');
      running.add(key);
      runs.push(key);
      await new Promise((r) => setTimeout(r, 10));
      running.delete(key);
      if (key === 'flaky' && failOnce) {
        failOnce = false;
        throw new Error('transient');
      }
    },
    { workers: 4, baseDelayMs: 5 },
  );
  for (let i = 0; i < 10; i++) q.add('a');
  q.add('b');
  await new Promise((r) => setTimeout(r, 2));
  q.add('a'); // while a runs: runs once more after
  q.add('flaky');
  await q.idle();
  assert.deepEqual(runs.filter((k) => k === 'a').length, 2);
  assert.deepEqual(runs.filter((k) => k === 'b').length, 1);
  assert.deepEqual(runs.filter((k) => k === 'flaky').length, 2, 'retried after failure');
  q.stop();
});
