/**
 * Userspace proxy with --balance round-robin over three real pods: exact
 * rotation, and ClientIP affinity per source address that expires after
 * timeoutSeconds (deterministic here: after expiry the rotation moves on, so
 * the client lands on the next pod).
 *
 * Band 207.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/types.ts';
import { ProxyCluster, ask, askMany } from './cluster.ts';
import { until } from './helpers.ts';

const B = 207;
const RR = ['rr-1', 'rr-2', 'rr-3'];
const httpPort = [{ name: 'http', port: 80, targetPort: 'http' as const }];
let c: ProxyCluster;
let pods: Pod[];

before(async () => {
  c = await ProxyCluster.start({ band: B, proxy: { balance: 'round-robin' } });
  pods = await c.runPods(RR, { labels: { app: 'rr' } });
});

after(async () => {
  await c?.stop();
});

test('round-robin is exact: 3,000 connections give each of 3 pods exactly 1,000, in strict rotation', async () => {
  await c.service('rr', { clusterIP: c.vip(20), selector: { app: 'rr' }, ports: httpPort });
  await c.readyEndpoints('default/rr:http/TCP', pods);
  // Sequential connections show the rotation itself.
  const order: string[] = [];
  for (let i = 0; i < 9; i++) order.push(await ask(c.vip(20), 80));
  for (let i = 3; i < 9; i++) assert.equal(order[i], order[i - 3], `rotation broken: ${order.join(' ')}`);
  assert.equal(new Set(order.slice(0, 3)).size, 3);
  // Concurrent connections: counts are exact.
  const counts = await askMany(c.vip(20), 80, 2991, 50);
  for (const name of order) counts.set(name, (counts.get(name) ?? 0) + 1);
  assert.deepEqual(RR.map((n) => counts.get(n) ?? 0), [1000, 1000, 1000], JSON.stringify([...counts]));
});

test('ClientIP affinity: each 127.x client address keeps its pod within the timeout; after a silent timeout it moves on', async () => {
  await c.service('short', {
    clusterIP: c.vip(21),
    selector: { app: 'rr' },
    ports: httpPort,
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 1 } },
  });
  await c.readyEndpoints('default/short:http/TCP', pods);
  const src = `127.1.${B}.77`;
  const first = await ask(c.vip(21), 80, { localAddress: src });
  for (let i = 0; i < 5; i++) assert.equal(await ask(c.vip(21), 80, { localAddress: src }), first, 'sticky within the timeout');
  // A second client address is pinned on its own: round-robin gives it the next pod, not the first client's.
  const other = await ask(c.vip(21), 80, { localAddress: `127.1.${B}.78` });
  assert.notEqual(other, first);
  assert.equal(await ask(c.vip(21), 80, { localAddress: `127.1.${B}.78` }), other);
  // Affinity is refreshed by every new connection (iptables `recent --rcheck --seconds`), so wait out a full timeout of silence.
  const last = Date.now();
  await until(() => Date.now() - last > 1100, 'affinity timeout elapsed', 20_000, 50);
  const after = await ask(c.vip(21), 80, { localAddress: src });
  assert.notEqual(after, first, 'after the timeout the rotation moves the client on');
});
