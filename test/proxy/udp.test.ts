/**
 * UDP through the userspace proxy with real pods (the sample app's UDP echo,
 * UDP_PORT, "<pod>: <datagram>"): an echo Service keeps answering while its
 * pods are replaced one by one (rolling update: a new pod Ready, then an old
 * one deleted), and no reply comes from a removed pod once the proxy has
 * applied its removal (flows to it are dropped at once: the stale-conntrack
 * lesson); idle flows expire; no endpoints → ICMP port unreachable
 * (ECONNREFUSED on a connected socket) at once; an LB IP going away closes
 * its flows.
 *
 * Band 203.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import type { RunningProxy, UserspaceProxier } from '../../src/proxy/index.ts';
import { ProxyCluster, udpEcho } from './cluster.ts';
import { until } from './helpers.ts';

const B = 203;
const UDP = 5300;
let c: ProxyCluster;
const dnsPort = [{ name: 'dns', port: 53, targetPort: UDP, protocol: 'UDP' as const }];

before(async () => {
  c = await ProxyCluster.start({ band: B, proxy: { udpIdleTimeoutMs: 400 } });
});

after(async () => {
  await c?.stop();
});

const echoPods = (names: string[], app: string) => c.runPods(names, { labels: { app }, udpPort: UDP });
const client = (i: number) => `127.1.${B}.${i}`;

/** Whether the proxy has ip as a serving endpoint of key. */
const serving = (p: RunningProxy, key: string, ip: string) => (p.state().endpoints.get(key) ?? []).some((e) => e.ip === ip && e.serving);

test('an echo Service keeps answering while its pods are replaced one by one; no reply from a removed pod', async () => {
  const key = 'default/echo:dns/UDP';
  let current: Pod[] = await echoPods(['e-1', 'e-2', 'e-3'], 'echo');
  await c.service('echo', { clusterIP: c.vip(20), selector: { app: 'echo' }, ports: dnsPort });
  await c.readyEndpoints(key, current);

  const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => udpEcho(c.vip(20), 53, client(10 + i))));
  const replies: { sentAt: number; from: string }[] = [];
  const removedAt = new Map<string, number>();
  let stop = false;
  let failures = 0;
  const loops = clients.map(async (cl, i) => {
    let n = 0;
    while (!stop) {
      const sentAt = performance.now();
      try {
        replies.push({ sentAt, from: (await cl.ask(`c${i}-${n++}`, { timeoutMs: 300, attempts: 5 })).pod });
      } catch {
        failures++;
      }
    }
  });
  await until(() => replies.length > 100, 'traffic flowing');
  for (const [add, remove] of [
    ['e-4', 'e-1'],
    ['e-5', 'e-2'],
    ['e-6', 'e-3'],
  ] as const) {
    const [added] = await echoPods([add], 'echo');
    current = [...current, added!];
    await c.readyEndpoints(key, current);
    const old = current.find((p) => p.metadata.name === remove)!;
    current = current.filter((p) => p !== old);
    await c.deletePod(remove);
    await c.programmed(key, (p) => !serving(p, key, old.status!.podIP!), `${remove} no longer serving`);
    removedAt.set(remove, performance.now());
    const seen = replies.length;
    await until(() => replies.length > seen + 100, `traffic after ${remove} left`);
  }
  stop = true;
  await Promise.all(loops);
  for (const cl of clients) cl.close();

  // A datagram in flight while its flow is torn down is lost (as with a conntrack flush); the client's retry goes to a live pod.
  assert.equal(failures, 0, 'every request was answered within 5 attempts');
  for (const [name, at] of removedAt) {
    const late = replies.filter((r) => r.from === name && r.sentAt > at);
    assert.equal(late.length, 0, `${late.length} replies from ${name} to datagrams sent after its removal was applied`);
  }
  const last = replies.slice(-100).map((r) => r.from);
  assert.ok(last.every((f) => ['e-4', 'e-5', 'e-6'].includes(f)), `final replies from ${[...new Set(last)].join(', ')}`);
  assert.ok(new Set(last).size >= 2, 'flows re-spread over the new pods');
});

test('idle UDP flows expire; the next datagram opens a new flow', async () => {
  const key = 'default/idle:dns/UDP';
  const pods = await echoPods(['i-1'], 'idle');
  await c.service('idle', { clusterIP: c.vip(21), selector: { app: 'idle' }, ports: dnsPort });
  await c.readyEndpoints(key, pods);
  const plane = c.proxy().dataPlane as UserspaceProxier;
  const cl = await udpEcho(c.vip(21), 53, client(50));
  assert.equal((await cl.ask('hi')).text, 'i-1: hi');
  assert.equal(plane.portState(key)!.udpFlows, 1);
  await until(() => plane.portState(key)!.udpFlows === 0, 'flow expired after 400 ms idle', 20_000, 25);
  assert.equal((await cl.ask('again')).text, 'i-1: again');
  assert.equal(plane.portState(key)!.udpFlows, 1);
  cl.close();
});

test('UDP without endpoints: ICMP port unreachable at once (ECONNREFUSED on a connected socket)', async () => {
  await c.service('void', { clusterIP: c.vip(22), selector: { app: 'nobody' }, ports: dnsPort });
  await c.programmed('default/void:dns/UDP', (p) => p.state().servicePorts.has('default/void:dns/UDP'), 'service applied');
  const cl = await udpEcho(c.vip(22), 53, client(51));
  await assert.rejects(cl.ask('anyone?', { timeoutMs: 5000 }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  cl.close();
});

test('an LB IP going away (type LoadBalancer → ClusterIP, released by the controller) closes its flows; the ClusterIP flow stays', async () => {
  const key = 'default/lbu:dns/UDP';
  const pods = await echoPods(['l-1', 'l-2'], 'lbu');
  await c.service('lbu', { type: 'LoadBalancer', clusterIP: c.vip(23), selector: { app: 'lbu' }, ports: dnsPort });
  await c.readyEndpoints(key, pods);
  const lbIP = await c.loadBalancerIP('lbu', key);
  const plane = c.proxy().dataPlane as UserspaceProxier;
  const viaLB = await udpEcho(lbIP, 53, client(60));
  const viaVIP = await udpEcho(c.vip(23), 53, client(61));
  assert.match((await viaLB.ask('a')).text, /^l-[12]: a$/);
  assert.match((await viaVIP.ask('b')).text, /^l-[12]: b$/);
  assert.equal(plane.portState(key)!.udpFlows, 2);
  await c.client.patch(Resources.services, 'default', 'lbu', { spec: { type: 'ClusterIP', ports: dnsPort } }, 'merge');
  await c.programmed(key, (p) => p.state().servicePorts.get(key)?.loadBalancerIPs.length === 0, 'LB IP removed');
  await until(async () => ((await c.getService('lbu')).status?.loadBalancer?.ingress ?? []).length === 0, 'the controller released the LB IP');
  assert.equal(plane.portState(key)!.udpFlows, 1, 'only the ClusterIP flow is left');
  assert.match((await viaVIP.ask('c')).text, /^l-[12]: c$/);
  await assert.rejects(viaLB.ask('d', { timeoutMs: 300 }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED' || e.code === 'TIMEOUT');
  viaLB.close();
  viaVIP.close();
});
