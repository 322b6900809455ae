/**
 * Userspace proxy end to end, real TCP traffic on loopback: the real API
 * server, the endpoint and LoadBalancer controllers, a node agent running
 * sample-app pods and the node's proxy (test/proxy/cluster.ts).
 *
 * ClusterIP, NodePort and LoadBalancer IP reach the pods behind a selector,
 * spread at random (χ² over 3,000 connections); ClientIP affinity per source
 * address; a pod whose process runs but does not listen (no readiness probe)
 * costs a retry, never a failed request; ExternalName is not proxied; a
 * selectorless Service with hand-written Endpoints reaches a server outside
 * the cluster; loadBalancerSourceRanges; externalIPs; the `kubernetes`
 * Service on port 443 (bound when the tests run as root).
 *
 * Band 201.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoints, Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import type { UserspaceProxier } from '../../src/proxy/index.ts';
import { ProxyCluster, ask, askMany, assertUniform, outcome } from './cluster.ts';
import { endpointCount, tcpBackend, until } from './helpers.ts';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const B = 201;
/**
 * "Outside the cluster": the host end of a veth pair this file creates (its
 * peer in a network namespace of its own), so the address is neither
 * loopback (which Endpoints and externalIPs may not use) nor the machine's.
 * Removed in after(), even on failure.
 */
const tag = `sbt${randomBytes(2).toString('hex')}`;
const outside = `10.254.${randomBytes(1)[0]!}.1`;
function makeOutside(): void {
  execFileSync('ip', ['netns', 'add', tag]);
  execFileSync('ip', ['link', 'add', `${tag}h`, 'type', 'veth', 'peer', 'name', `${tag}p`, 'netns', tag]);
  execFileSync('ip', ['addr', 'add', `${outside}/30`, 'dev', `${tag}h`]);
  execFileSync('ip', ['link', 'set', `${tag}h`, 'up']);
  // Both ends up: an interface without carrier is not listed as this machine's (libuv skips it).
  execFileSync('ip', ['-n', tag, 'link', 'set', `${tag}p`, 'up']);
}
function removeOutside(): void {
  for (const args of [['link', 'del', `${tag}h`], ['netns', 'del', tag]]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      /* not there */
    }
  }
}
let c: ProxyCluster;
let web: Pod[];
const WEB = ['web-1', 'web-2', 'web-3'];
const httpPort = [{ name: 'http', port: 80, targetPort: 'http' as const }];

before(async () => {
  makeOutside();
  c = await ProxyCluster.start({ band: B, externalIPCIDRs: [`${outside}/32`, '198.51.100.0/24'] });
  web = await c.runPods(WEB, { labels: { app: 'web' } });
});

after(async () => {
  await c?.stop();
  removeOutside();
});

test('ClusterIP, NodePort and LoadBalancer IP each reach the pods, spread at random (3,000 connections over 3 pods)', async () => {
  const svc = await c.service('web', { type: 'LoadBalancer', clusterIP: c.vip(20), selector: { app: 'web' }, ports: httpPort });
  const nodePort = svc.spec.ports![0]!.nodePort!;
  await c.readyEndpoints('default/web:http/TCP', web);
  const lbIP = await c.loadBalancerIP('web', 'default/web:http/TCP');
  assert.equal(lbIP, `127.240.${B}.1`, 'the first address of the pool');

  assertUniform(await askMany(c.vip(20), 80, 3000), WEB, 3000, 'ClusterIP');
  assertUniform(await askMany(c.nodeAddress(0), nodePort, 300), WEB, 300, 'NodePort');
  assertUniform(await askMany(lbIP, 80, 300), WEB, 300, 'LoadBalancer IP');
});

test('ClientIP session affinity: each client address sticks to one pod; different addresses spread', async () => {
  await c.service('sticky', { clusterIP: c.vip(21), selector: { app: 'web' }, ports: httpPort, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } });
  await c.readyEndpoints('default/sticky:http/TCP', web);
  const firstPods = new Set<string>();
  for (let client = 1; client <= 12; client++) {
    const src = `127.1.${B}.${client}`;
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await ask(c.vip(21), 80, { localAddress: src }));
    assert.equal(seen.size, 1, `client ${src} was sent to ${[...seen].join(', ')}`);
    firstPods.add([...seen][0]!);
  }
  // 12 independent random first picks all landing on one pod of three: probability 3·(1/3)^12 ≈ 6e-6.
  assert.ok(firstPods.size >= 2, `12 client addresses all went to ${[...firstPods].join(', ')}`);
});

test('a pod whose process runs but does not listen yet (no readiness probe) is an endpoint; a refused connect is retried on another pod', async () => {
  // No readiness probe: Ready as soon as the process runs, although the app only listens after START_DELAY_MS.
  const [slow] = await c.runPods(['slow'], { labels: { app: 'slow', set: 'flaky' }, probe: false, env: { START_DELAY_MS: '600000' } });
  const [fine] = await c.runPods(['fine'], { labels: { app: 'fine', set: 'flaky' } });
  await c.service('flaky', { clusterIP: c.vip(22), selector: { set: 'flaky' }, ports: httpPort });
  await c.readyEndpoints('default/flaky:http/TCP', [slow!, fine!]);
  assert.deepEqual([...(await askMany(c.vip(22), 80, 200, 20))], [['fine', 200]]);
  const text = await c.proxy().metrics.registry.metrics();
  const failures = Number(/switchboard_proxy_endpoint_connect_failures_total\{service_port="default\/flaky:http",protocol="TCP"\} (\d+)/.exec(text)?.[1]);
  // Each connection picks slow with probability 1/2: 200 connections give ~100 refused connects (fewer than 50: p < 1e-12).
  assert.ok(failures > 50, `refused connects to the silent pod were retried elsewhere (${failures})`);
  // Alone, the silent pod refuses: the proxy resets the client's connection (no hang, no 10 s TIMEOUT).
  await c.deletePodAndWait('fine', 0);
  await c.readyEndpoints('default/flaky:http/TCP', [slow!]);
  assert.match(await outcome(c.vip(22), 80), /^(ECONNRESET|EPIPE)$/);
});

test('ExternalName Services are not proxied (no ClusterIP, no listener, not in the view)', async () => {
  await c.service('ext', { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] });
  // A later Service proves the proxy has processed everything before it.
  await c.service('after-ext', { clusterIP: c.vip(23), selector: { app: 'web' }, ports: httpPort });
  await c.readyEndpoints('default/after-ext:http/TCP', web);
  assert.equal([...c.proxy().state().servicePorts.keys()].some((k) => k.startsWith('default/ext:')), false);
  assert.deepEqual(
    (c.proxy().dataPlane as UserspaceProxier).portState('default/ext:/TCP'),
    undefined,
  );
});

test('selectorless Service + hand-written Endpoints to a server outside the cluster (mirrored to a slice) works', async () => {
  const ext = await tcpBackend(outside, 18080 + B, 'outside');
  try {
    await c.service('legacy', { clusterIP: c.vip(24), ports: [{ port: 80, targetPort: ext.port }] });
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'legacy', namespace: 'default' }, subsets: [{ addresses: [{ ip: outside }], ports: [{ port: ext.port }] }] };
    await c.client.create(Resources.endpoints, 'default', ep);
    await c.programmed('default/legacy:/TCP', (p) => endpointCount(p, 'default/legacy:/TCP') === 1, 'mirrored slice seen');
    // The outside server is a plain TCP server that greets with its name.
    const greeting = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: c.vip(24), port: 80 });
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().trim());
      });
      s.once('error', reject);
    });
    assert.equal(greeting, 'outside');
    assert.equal(ext.accepted, 1);
  } finally {
    await ext.close();
  }
});

test('loadBalancerSourceRanges: LB IP traffic from other sources gets no answer; NodePort is not filtered', async () => {
  const svc = await c.service('ranged', { type: 'LoadBalancer', clusterIP: c.vip(25), selector: { app: 'web' }, ports: httpPort, loadBalancerSourceRanges: [`127.1.${B}.0/28`] });
  await c.readyEndpoints('default/ranged:http/TCP', web);
  const lbIP = await c.loadBalancerIP('ranged', 'default/ranged:http/TCP');
  assert.ok(WEB.includes(await ask(lbIP, 80, { localAddress: `127.1.${B}.5` })));
  assert.equal(await outcome(lbIP, 80, { localAddress: `127.1.${B}.50`, timeoutMs: 500 }), 'TIMEOUT');
  assert.ok(WEB.includes(await ask(c.nodeAddress(0), svc.spec.ports![0]!.nodePort!, { localAddress: `127.1.${B}.50` })));
});

test('externalIPs: an address of this machine is served (allowed by --service-external-ip-cidrs); one elsewhere is left to its machine, without an Event', async () => {
  await c.service('extip', { clusterIP: c.vip(26), selector: { app: 'web' }, ports: httpPort, externalIPs: [outside, '198.51.100.7'] });
  await c.readyEndpoints('default/extip:http/TCP', web);
  assert.ok(WEB.includes(await ask(outside, 80)));
  const plane = c.proxy().dataPlane as UserspaceProxier;
  assert.deepEqual(plane.portState('default/extip:http/TCP')!.listeners, [`cluster|${c.vip(26)}:80`, `externalip|${outside}:80`]);
  assert.deepEqual((await c.events('extip')).filter((e) => e.type === 'Warning'), []);
});

test('the `kubernetes` Service on port 443: a proxy running as root binds it and reaches the API server (else: a Warning Event)', async () => {
  const key = 'default/kubernetes:https/TCP';
  await c.programmed(key, (p) => endpointCount(p, key) === 1, 'API server endpoint');
  if (process.getuid?.() === 0) {
    const plane = c.proxy().dataPlane as UserspaceProxier;
    assert.deepEqual(plane.portState(key)!.listeners, [`cluster|${c.vip(1)}:443`]);
    // A TLS handshake through the ClusterIP completes with the API server's certificate.
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: c.vip(1), port: 443, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
      s.once('error', reject);
    });
    assert.ok(cert.subject, 'the API server presented its certificate');
    assert.deepEqual((await c.events('kubernetes')).filter((e) => e.reason === 'FailedToStartServiceProxy'), []);
  } else {
    // Without root: see unprivileged.test.ts for the Event's wording.
    await until(async () => (await c.events('kubernetes')).some((e) => e.reason === 'FailedToStartServiceProxy'), 'FailedToStartServiceProxy Event');
    const ev = (await c.events('kubernetes')).find((e) => e.reason === 'FailedToStartServiceProxy')!;
    assert.match(ev.message ?? '', /permission denied/);
  }
});
