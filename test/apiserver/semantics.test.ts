/**
 * API semantics over real HTTP: resourceVersions, watch replay and 410 Gone,
 * bookmarks, generateName, dryRun, status subresource, graceful pod
 * deletion, finalizers, garbage collection and namespace deletion.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api?.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await api.request(method, path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers);
  return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
}

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, ...extra }, spec: { ports: [{ port: 80 }] } });
const pod = (name: string, nodeName?: string, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...meta },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x', command: ['sleep', '1'] }] },
});

/** Opens a watch and collects events until stop() or the stream ends. */
function watch(path: string): { events: any[]; done: Promise<void>; stop: () => void } {
  const events: any[] = [];
  let req: ReturnType<typeof httpsRequest>;
  const done = new Promise<void>((resolve) => {
    req = httpsRequest(new URL(path, api.url), { ca: api.pki.caCert, headers: { authorization: `Bearer ${api.pki.token}` } }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      });
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
  return { events, done, stop: () => req.destroy() };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('resourceVersions grow; a list RV is the store revision; update with a stale RV is 409', async () => {
  const a = await call('POST', '/api/v1/namespaces/default/services', svc('rv-a'));
  const b = await call('POST', '/api/v1/namespaces/default/services', svc('rv-b'));
  assert.ok(Number(b.body.metadata.resourceVersion) > Number(a.body.metadata.resourceVersion));
  const list = await call('GET', '/api/v1/namespaces/default/services');
  assert.ok(Number(list.body.metadata.resourceVersion) >= Number(b.body.metadata.resourceVersion));
  const stale = await call('PUT', '/api/v1/namespaces/default/services/rv-a', { ...a.body, metadata: { ...a.body.metadata, resourceVersion: '1' } });
  assert.equal(stale.status, 409);
  const fresh = await call('PUT', '/api/v1/namespaces/default/services/rv-a', { ...a.body, metadata: { ...a.body.metadata, labels: { x: 'y' } } });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body.metadata.generation, 1, 'a metadata-only change keeps the generation');
  assert.equal(fresh.body.metadata.uid, a.body.metadata.uid);
});

test('watch from a resourceVersion replays what came after it, in order', async () => {
  const start = await call('POST', '/api/v1/namespaces/default/services', svc('w-1'));
  const rv = start.body.metadata.resourceVersion;
  await call('POST', '/api/v1/namespaces/default/services', svc('w-2'));
  await call('DELETE', '/api/v1/namespaces/default/services/w-1');
  const w = watch(`/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}`);
  await until(() => w.events.length >= 2, 'replayed events');
  w.stop();
  assert.deepEqual(
    w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED w-2', 'DELETED w-1'],
  );
  assert.ok(Number(w.events[1].object.metadata.resourceVersion) > Number(w.events[0].object.metadata.resourceVersion));
});

test('watch with a label selector turns label changes into ADDED/DELETED', async () => {
  const w = watch('/api/v1/namespaces/default/services?watch=true&labelSelector=team%3Dred&resourceVersion=0');
  await new Promise((r) => setTimeout(r, 100));
  await call('POST', '/api/v1/namespaces/default/services', svc('sel', { labels: { team: 'blue' } }));
  await call('PATCH', '/api/v1/namespaces/default/services/sel', { metadata: { labels: { team: 'red' } } }, { 'content-type': 'application/merge-patch+json' });
  await call('PATCH', '/api/v1/namespaces/default/services/sel', { metadata: { labels: { team: 'green' } } }, { 'content-type': 'application/merge-patch+json' });
  await until(() => w.events.length >= 2, 'selector events');
  w.stop();
  assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'DELETED']);
});

test('watch from a compacted resourceVersion gets 410 Gone as an ERROR event', async () => {
  // A server with a tiny watch window: revision 2 falls out of it after 30 writes.
  const { ApiServer } = await import('../../src/apiserver/index.ts');
  const { MemoryStore } = await import('../../src/storage/index.ts');
  const server = new ApiServer({ store: new MemoryStore(), port: 0, watchCacheEvents: 10 });
  const url = await server.start();
  try {
    for (let i = 0; i < 30; i++) {
      await fetch(`${url}/api/v1/namespaces/default/services`, { method: 'POST', body: JSON.stringify(svc(`g-${i}`)), headers: { 'content-type': 'application/json' } });
    }
    const res = await fetch(`${url}/api/v1/namespaces/default/services?watch=true&resourceVersion=2`);
    const text = await res.text();
    const ev = JSON.parse(text.split('\n')[0]!);
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
  } finally {
    await server.stop();
  }
});

test('bookmarks are sent when allowed', async () => {
  const w = watch('/api/v1/namespaces/default/services?watch=true&allowWatchBookmarks=true&resourceVersion=' + (await call('GET', '/api/v1/services')).body.metadata.resourceVersion);
  await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
  w.stop();
  const bm = w.events.find((e) => e.type === 'BOOKMARK');
  assert.equal(bm.object.kind, 'Service');
  assert.match(bm.object.metadata.resourceVersion, /^\d+$/);
});

test('generateName and dryRun', async () => {
  const g = await call('POST', '/api/v1/namespaces/default/services', { ...svc(''), metadata: { generateName: 'gen-' } });
  assert.equal(g.status, 201);
  assert.match(g.body.metadata.name, /^gen-[a-z0-9]{5}$/);
  const before = await api.store.currentRevision();
  const d = await call('POST', '/api/v1/namespaces/default/services?dryRun=All', svc('dry'));
  assert.equal(d.status, 201);
  assert.equal(await api.store.currentRevision(), before, 'dry run writes nothing');
  assert.equal((await call('GET', '/api/v1/namespaces/default/services/dry')).status, 404);
});

test('the status subresource changes only status; the main resource ignores status', async () => {
  const p = await call('POST', '/api/v1/namespaces/default/pods', pod('st'));
  assert.equal(p.body.status.phase, 'Pending');
  const viaMain = await call('PATCH', '/api/v1/namespaces/default/pods/st', { status: { phase: 'Running' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(viaMain.body.status.phase, 'Pending');
  const viaStatus = await call('PATCH', '/api/v1/namespaces/default/pods/st/status', { status: { phase: 'Running', podIP: '10.0.0.9' }, spec: { nodeName: 'sneaky' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(viaStatus.status, 200);
  assert.equal(viaStatus.body.status.phase, 'Running');
  assert.equal(viaStatus.body.spec.nodeName, undefined, 'spec is not changed through status');
  const sel = await call('GET', '/api/v1/namespaces/default/pods?fieldSelector=status.podIP%3D10.0.0.9');
  assert.deepEqual(sel.body.items.map((x: any) => x.metadata.name), ['st']);
});

test('graceful pod deletion: a scheduled pod is marked, then goes when its node confirms; an unscheduled one goes at once', async () => {
  await call('POST', '/api/v1/namespaces/default/pods', pod('free'));
  const d1 = await call('DELETE', '/api/v1/namespaces/default/pods/free');
  assert.equal(d1.status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/free')).status, 404);

  await call('POST', '/api/v1/namespaces/default/pods', pod('bound', 'node-a'));
  const d2 = await call('DELETE', '/api/v1/namespaces/default/pods/bound', { gracePeriodSeconds: 20 });
  assert.equal(d2.status, 202);
  const marked = await call('GET', '/api/v1/namespaces/default/pods/bound');
  assert.equal(marked.body.metadata.deletionGracePeriodSeconds, 20);
  assert.ok(marked.body.metadata.deletionTimestamp);
  // The node confirms with grace 0.
  const d3 = await call('DELETE', '/api/v1/namespaces/default/pods/bound', { gracePeriodSeconds: 0 });
  assert.equal(d3.status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
});

test('finalizers hold an object until they are removed', async () => {
  await call('POST', '/api/v1/namespaces/default/services', svc('fin', { finalizers: ['example.com/hold'] }));
  const d = await call('DELETE', '/api/v1/namespaces/default/services/fin');
  assert.equal(d.status, 202);
  const held = await call('GET', '/api/v1/namespaces/default/services/fin');
  assert.ok(held.body.metadata.deletionTimestamp);
  const add = await call('PATCH', '/api/v1/namespaces/default/services/fin', { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(add.status, 422, 'no new finalizers during deletion');
  const rm = await call('PATCH', '/api/v1/namespaces/default/services/fin', { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(rm.status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/default/services/fin')).status, 404);
});

test('garbage collection: background, foreground and orphan propagation', async () => {
  const owner = async (name: string) => (await call('POST', '/api/v1/namespaces/default/services', svc(name))).body;
  const dependent = async (name: string, o: any) =>
    call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      addressType: 'IPv4',
      endpoints: [],
    });
  const slice = (name: string) => call('GET', `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/${name}`);

  const bg = await owner('gc-bg');
  await dependent('gc-bg-1', bg);
  await call('DELETE', '/api/v1/namespaces/default/services/gc-bg', { propagationPolicy: 'Background' });
  await api.server.settle();
  for (let i = 0; i < 1000 && (await slice('gc-bg-1')).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await slice('gc-bg-1')).status, 404, 'background: dependent collected');

  const fg = await owner('gc-fg');
  await dependent('gc-fg-1', fg);
  await call('DELETE', '/api/v1/namespaces/default/services/gc-fg', { propagationPolicy: 'Foreground' });
  for (let i = 0; i < 1000 && (await call('GET', '/api/v1/namespaces/default/services/gc-fg')).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call('GET', '/api/v1/namespaces/default/services/gc-fg')).status, 404, 'foreground: owner goes after dependents');
  assert.equal((await slice('gc-fg-1')).status, 404);

  const or = await owner('gc-or');
  await dependent('gc-or-1', or);
  await call('DELETE', '/api/v1/namespaces/default/services/gc-or', { propagationPolicy: 'Orphan' });
  for (let i = 0; i < 1000 && (await call('GET', '/api/v1/namespaces/default/services/gc-or')).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
  const orphan = await slice('gc-or-1');
  assert.equal(orphan.status, 200, 'orphan: dependent kept');
  assert.equal(orphan.body.metadata.ownerReferences, undefined, 'orphan: owner reference removed');
});

test('namespace deletion removes its objects, then the namespace; creates in it are refused meanwhile', async () => {
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await call('POST', '/api/v1/namespaces/doomed/services', svc('a'));
  await call('POST', '/api/v1/namespaces/doomed/pods', pod('p', 'node-x'));
  const d = await call('DELETE', '/api/v1/namespaces/doomed');
  assert.equal(d.status, 202);
  assert.equal(d.body.status.phase, 'Terminating');
  const refused = await call('POST', '/api/v1/namespaces/doomed/services', svc('b'));
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /being terminated/);
  for (let i = 0; i < 1000 && (await call('GET', '/api/v1/namespaces/doomed/services/a')).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call('GET', '/api/v1/namespaces/doomed/services/a')).status, 404);
  // The pod is terminating gracefully; its node confirms.
  const p = await call('GET', '/api/v1/namespaces/doomed/pods/p');
  assert.ok(p.body.metadata.deletionTimestamp);
  assert.equal((await call('GET', '/api/v1/namespaces/doomed')).status, 200, 'namespace waits for the pod');
  await call('DELETE', '/api/v1/namespaces/doomed/pods/p', { gracePeriodSeconds: 0 });
  for (let i = 0; i < 1000 && (await call('GET', '/api/v1/namespaces/doomed')).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call('GET', '/api/v1/namespaces/doomed')).status, 404);
});

test('system namespaces exist from the start', async () => {
  const list = await call('GET', '/api/v1/namespaces');
  const names = list.body.items.map((n: any) => n.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
});

test('list pagination with limit and continue returns every item once', async () => {
  for (let i = 0; i < 7; i++) await call('POST', '/api/v1/namespaces/default/services', svc(`page-${i}`, { labels: { page: 'yes' } }));
  const seen: string[] = [];
  let cont = '';
  for (let i = 0; i < 10; i++) {
    const r = await call('GET', `/api/v1/namespaces/default/services?labelSelector=page%3Dyes&limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    seen.push(...r.body.items.map((x: any) => x.metadata.name));
    cont = r.body.metadata.continue ?? '';
    if (!cont) break;
  }
  assert.deepEqual(seen, Array.from({ length: 7 }, (_, i) => `page-${i}`));
});
