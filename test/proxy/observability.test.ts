/**
 * The proxy as `switchboard proxy` runs it (runProxy): /metrics with
 * kube-proxy's metric names, network programming latency measured from the
 * slices' last-change-trigger-time, per-service connections and bytes;
 * /healthz and /livez; Events for SCTP ports and for ports that cannot be
 * bound; clear errors for modes that are not available.
 *
 * Band 205.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProxy, unsupportedModeReason, type ProxyProcess } from '../../src/cli/proxy.ts';
import { RestClient, loadClientConfig } from '../../src/client/index.ts';
import { serveProxyHttp, startProxy } from '../../src/proxy/index.ts';
import { Cluster, endpointCount, hello, programmed, sliceFor, tcpBackend, until, type TcpBackend } from './helpers.ts';

const B = 205;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;

let c: Cluster;
let proc: ProxyProcess;
let backend: TcpBackend;

function get(address: string, path: string): Promise<{ code: number; text: string; type: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
      })
      .on('error', reject);
  });
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

before(async () => {
  c = await Cluster.start(B);
  backend = await tcpBackend(pod(1), 8080, 'pod-1');
  proc = await runProxy({
    kubeconfig: c.api.kubeconfig,
    nodeName: 'node-1',
    mode: 'userspace',
    minSyncPeriodMs: 0,
    nodePortAddresses: [`127.0.${B}.1`],
    metricsListen: `127.0.${B}.2:0`,
    healthzListen: `127.0.${B}.3:0`,
    banner: false,
    log: () => {},
  });
});

after(async () => {
  await proc.stop();
  await backend.close();
  await c.stop();
});

test('modes that are not available fail with a clear reason', async () => {
  assert.equal(unsupportedModeReason('userspace'), undefined);
  // The kernel modes program the current network namespace: root only.
  for (const mode of ['nftables', 'iptables']) {
    if (process.getuid?.() === 0) assert.equal(unsupportedModeReason(mode), undefined, mode);
    else await assert.rejects(runProxy({ nodeName: 'x', mode }), /needs root/);
  }
  await assert.rejects(runProxy({ nodeName: 'x', mode: 'ipvs' }), /CONFIG_IP_VS is not set/);
  await assert.rejects(runProxy({ nodeName: 'x', mode: 'bogus' }), /unknown proxy mode "bogus"/);
});

test('/healthz and /livez: 200 with kube-proxy\'s JSON after the first sync; 503 while the API cannot be reached', async () => {
  const h = await get(proc.healthzAddress!, '/healthz');
  assert.equal(h.code, 200);
  const body = JSON.parse(h.text) as { lastUpdated: string; currentTime: string; nodeEligible: boolean };
  assert.ok(Date.parse(body.lastUpdated) > 0 && body.nodeEligible === true, h.text);
  const l = await get(proc.healthzAddress!, '/livez');
  assert.equal(l.code, 200);
  assert.ok(!('nodeEligible' in JSON.parse(l.text)));

  // A proxy whose API server is unreachable never syncs: unhealthy.
  const dead = join(c.api.dir, 'dead-kubeconfig');
  const closed = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  writeFileSync(dead, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${closed}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
  const client = new RestClient(loadClientConfig(dead));
  const orphan = startProxy(client, { nodeName: 'orphan', events: false, log: () => {} });
  const srv = await serveProxyHttp(orphan, `127.0.${B}.4:0`);
  try {
    assert.equal((await get(srv.address, '/healthz')).code, 503);
    assert.equal((await get(srv.address, '/livez')).code, 503);
  } finally {
    await srv.close();
    await orphan.stop();
    client.close();
  }
});

test('/metrics: kube-proxy metric names; network programming latency from last-change-trigger-time; per-service connections and bytes', async () => {
  await c.service({ metadata: { name: 'm' }, spec: { clusterIP: vip(10), ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const trigger = new Date().toISOString();
  await c.putSlice(sliceFor('m', 'm-1', [{ ip: pod(1) }], [{ name: 'http', port: 8080 }], { triggerTime: trigger }));
  await programmed(proc.proxy, (p) => endpointCount(p, 'default/m:http/TCP') === 1, 'programmed');

  // One connection moving 10,000 bytes each way, still open at the first scrape.
  const sock = net.connect({ host: vip(10), port: 80 });
  let received = 0;
  sock.on('data', (d) => (received += d.length));
  await until(() => received >= 6, 'hello line');
  sock.write(Buffer.alloc(10_000, 1));
  await until(() => received >= 6 + 10_000, 'echo');

  const m = await get(proc.metricsAddress!, '/metrics');
  assert.equal(m.code, 200);
  assert.match(m.type, /text\/plain/);
  for (const name of [
    'kubeproxy_sync_proxy_rules_duration_seconds_count',
    'kubeproxy_network_programming_duration_seconds_count',
    'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
    'kubeproxy_sync_proxy_rules_endpoint_changes_total',
    'kubeproxy_sync_proxy_rules_service_changes_total',
  ]) {
    assert.ok(metric(m.text, name) > 0, `${name} present and > 0`);
  }
  const lastSync = metric(m.text, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  assert.ok(Math.abs(lastSync - Date.now() / 1000) < 60, `last sync timestamp ${lastSync}`);
  const npSum = metric(m.text, 'kubeproxy_network_programming_duration_seconds_sum');
  assert.ok(npSum > 0 && npSum < 10, `network programming latency sum ${npSum} s`);
  const sp = 'service_port="default/m:http",protocol="TCP"';
  assert.equal(metric(m.text, 'switchboard_proxy_connections_total', `${sp},traffic="internal"`), 1);
  assert.equal(metric(m.text, 'switchboard_proxy_active_connections', sp), 1);
  assert.equal(metric(m.text, 'switchboard_proxy_bytes_total', `${sp},direction="in"`), 10_000);
  assert.equal(metric(m.text, 'switchboard_proxy_bytes_total', `${sp},direction="out"`), 10_006);

  // After close the bytes stay counted and the connection is no longer active.
  sock.end();
  await until(async () => metric((await get(proc.metricsAddress!, '/metrics')).text, 'switchboard_proxy_active_connections', sp) === 0, 'connection closed');
  const m2 = (await get(proc.metricsAddress!, '/metrics')).text;
  assert.equal(metric(m2, 'switchboard_proxy_bytes_total', `${sp},direction="in"`), 10_000);
  assert.equal(metric(m2, 'kubeproxy_proxy_healthz_total', 'code="200"') >= 1, true);
});

test('an SCTP port gets a Warning Event "not supported in userspace mode"; the Service\'s TCP port still works', async () => {
  await c.service({
    metadata: { name: 'sig' },
    spec: {
      clusterIP: vip(11),
      ports: [
        { name: 'sctp', port: 9999, protocol: 'SCTP', targetPort: 9999 },
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      ],
    },
  });
  await c.putSlice(sliceFor('sig', 'sig-1', [{ ip: pod(1) }], [{ name: 'sctp', port: 9999, protocol: 'SCTP' }, { name: 'http', port: 8080 }]));
  await programmed(proc.proxy, (p) => endpointCount(p, 'default/sig:http/TCP') === 1, 'programmed');
  await until(async () => (await c.events('sig')).some((e) => e.reason === 'ProtocolNotSupported'), 'SCTP event');
  const ev = (await c.events('sig')).find((e) => e.reason === 'ProtocolNotSupported')!;
  assert.equal(ev.type, 'Warning');
  assert.match(ev.message!, /SCTP is not supported in userspace mode/);
  assert.equal(await hello(vip(11), 80), 'pod-1');
});

test('a port that cannot be bound (address in use) gets a Warning Event; the proxy keeps serving the rest', async () => {
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(8081, vip(12), () => r()));
  try {
    await c.service({
      metadata: { name: 'busy' },
      spec: {
        clusterIP: vip(12),
        ports: [
          { name: 'taken', port: 8081, targetPort: 8080 },
          { name: 'free', port: 8082, targetPort: 8080 },
        ],
      },
    });
    await c.putSlice(sliceFor('busy', 'busy-1', [{ ip: pod(1) }], [{ name: 'taken', port: 8080 }, { name: 'free', port: 8080 }]));
    await until(async () => (await c.events('busy')).some((e) => e.reason === 'FailedToStartServiceProxy'), 'listen failure event');
    const ev = (await c.events('busy')).find((e) => e.reason === 'FailedToStartServiceProxy')!;
    assert.match(ev.message!, /127\.96\.205\.12:8081\/TCP: address already in use/);
      assert.equal(await hello(vip(12), 8082), 'pod-1');
    assert.equal((await get(proc.healthzAddress!, '/healthz')).code, 200, 'a port problem does not make the proxy unhealthy');
  } finally {
    await new Promise<void>((r) => squatter.close(() => r()));
  }
});
