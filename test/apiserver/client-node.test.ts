/**
 * @kubernetes/client-node 1.4 (unchanged) against the server: a list+watch
 * informer sees exactly the objects and changes that kubectl made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestApi } from '../helpers/apiserver.ts';

test('a client-node informer sees what kubectl does', async () => {
  const api = await startTestApi();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata!.name} ${JSON.stringify(o.metadata!.labels ?? {})}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata!.name}`));
  try {
    await informer.start();
    const run = async (args: string[]) => {
      const r = await api.kubectl(args);
      assert.equal(r.code, 0, r.stderr);
    };
    await run(['create', 'service', 'clusterip', 'a', '--tcp=80:8080']);
    await run(['create', 'service', 'clusterip', 'b', '--tcp=81:8081']);
    await run(['label', 'service', 'a', 'color=blue']);
    await run(['delete', 'service', 'b']);
    const want = ['add kubernetes', 'add a', 'add b', 'update a {"app":"a","color":"blue"}', 'delete b'];
    for (let i = 0; i < 600 && seen.length < want.length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, want);
    const cached = informer.list('default').map((s) => s.metadata!.name).sort();
    const listed = (await core.listNamespacedService({ namespace: 'default' })).items.map((s) => s.metadata!.name).sort();
    assert.deepEqual(cached, listed);
    assert.deepEqual(cached, ['a', 'kubernetes']);
  } finally {
    await informer.stop();
    await api.stop();
  }
});
